"""Issue 6: closed-form LSE fitting."""
import torch

from mmlinsem.models import LSEHead, upsample
from mmlinsem.models.heads import fit_lse_closed_form, sample_features
from mmlinsem.registry import MODELS
from conftest import run_tool, stylegan2_cfg


def test_sampled_features_equal_upsampled_maps():
    feats = [torch.randn(2, 3, 4, 4), torch.randn(2, 5, 8, 8)]
    rows = torch.randint(0, 16, (2, 10))
    cols = torch.randint(0, 16, (2, 10))
    got = sample_features(feats, rows, cols, (16, 16))
    full = torch.cat([upsample(f, (16, 16)) for f in feats], 1)
    ref = full[torch.arange(2)[:, None], :, rows, cols]
    assert torch.allclose(got, ref, atol=1e-5)


def _planted():
    model = MODELS.build(
        dict(
            type='SemanticExtractor',
            teacher=None,
            generator=dict(generator=stylegan2_cfg(16)),
            head=dict(type='LSEHead', num_classes=3)))
    planted = LSEHead(model.generator.channels, 3)
    with torch.no_grad():
        for conv in planted.extractor:
            conv.weight.mul_(5)

    def label_fn(img, feats):
        return planted(feats).argmax(1)

    def agreement():
        with torch.no_grad():
            _, feats, _ = model.generate(
                torch.randn(16, 16, generator=torch.Generator().manual_seed(3)))
            return float((model.head(feats).argmax(1) == label_fn(None, feats)).float().mean())

    return model, label_fn, agreement


def test_recovers_a_planted_linear_labeller():
    model, label_fn, agreement = _planted()
    before = agreement()
    fit_lse_closed_form(
        model, num_images=64, pixels_per_image=128, ridge=1e-6, label_fn=label_fn, balanced=False)
    assert agreement() > max(0.8, before + 0.3), (before, agreement())


def test_cross_entropy_steps_improve_on_the_ridge_solution():
    model, label_fn, agreement = _planted()
    kw = dict(num_images=64, pixels_per_image=128, ridge=1e-6, label_fn=label_fn)
    fit_lse_closed_form(model, **kw)
    ridge_only = agreement()
    fit_lse_closed_form(model, ce_steps=30, **kw)
    assert agreement() > max(ridge_only, 0.9), (ridge_only, agreement())


def test_importance_weights_make_balanced_picks_count_as_the_image():
    from mmlinsem.models.heads.closed_form_lse import iter_pixel_features
    model, label_fn, _ = _planted()
    seen = []

    def labels(img, feats):
        seen.append(label_fn(img, feats))
        return seen[-1]

    for x, y, w in iter_pixel_features(
            model, 4, 64, batch_size=4, balanced=True, label_fn=labels, with_weights=True):
        area = torch.bincount(seen[-1].flatten(), minlength=3).float() * 64 / 256
        assert torch.allclose(torch.bincount(y, weights=w, minlength=3), area, rtol=1e-4)
        assert x.shape == (4 * 64, sum(model.generator.channels))


def test_closed_form_hook_in_a_job(tmp_path):
    res = run_tool('tools/train.py', 'tests/configs/tiny_lse_closed_form.py', '--work-dir',
                   str(tmp_path), '--cfg-options', 'train_cfg.max_iters=1',
                   'train_cfg.val_interval=1')
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'fitting the LSE in closed form' in res.stdout + res.stderr


def test_balanced_pixels_split_evenly_over_present_classes():
    from mmlinsem.models.heads.closed_form_lse import balanced_pixels
    labels = torch.zeros(2, 8, 8, dtype=torch.long)
    labels[0, :1, :2] = 3  # a 2-pixel class
    labels[1, :, 4:] = 1
    rows, cols = balanced_pixels(labels, 20, 4, torch.Generator().manual_seed(0))
    assert rows.shape == (2, 20)
    picked0 = labels[0][rows[0], cols[0]]
    assert (picked0 == 3).sum() == 10 and (picked0 == 0).sum() == 10
    picked1 = labels[1][rows[1], cols[1]]
    assert (picked1 == 1).sum() == 10
