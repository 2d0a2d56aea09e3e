"""Issue 6: closed-form LSE fitting."""
import torch
from conftest import run_tool, stylegan2_cfg

from mmlinsem.apis import fit_lse_closed_form, sample_features
from mmlinsem.models import LSEHead
from mmlinsem.models.heads.multi_layer_head import upsample
from mmlinsem.registry import MODELS


def test_sampled_features_equal_upsampled_maps():
    feats = [torch.randn(2, 3, 4, 4), torch.randn(2, 5, 8, 8)]
    rows = torch.randint(0, 16, (2, 10))
    cols = torch.randint(0, 16, (2, 10))
    got = sample_features(feats, rows, cols, (16, 16))
    full = torch.cat([upsample(f, (16, 16)) for f in feats], 1)
    ref = full[torch.arange(2)[:, None], :, rows, cols]
    assert torch.allclose(got, ref, atol=1e-5)


def test_recovers_a_planted_linear_labeller():
    model = MODELS.build(dict(type='SemanticExtractor', teacher=None,
                              generator=dict(generator=stylegan2_cfg(16)),
                              head=dict(type='LSEHead', num_classes=3)))
    planted = LSEHead(model.generator.channels, 3)
    with torch.no_grad():
        for conv in planted.extractor:
            conv.weight.mul_(5)

    def label_fn(img, feats):
        return planted(feats).argmax(1)

    fit_lse_closed_form(model, num_images=64, pixels_per_image=128, ridge=1e-6,
                        label_fn=label_fn)
    with torch.no_grad():
        z = torch.randn(16, 16)
        _, feats, _ = model.generate(z)
        agree = (model.head(feats).argmax(1) == label_fn(None, feats)).float().mean()
    assert agree > 0.85, agree


def test_closed_form_hook_in_a_job(tmp_path):
    res = run_tool('tools/train.py', 'tests/configs/tiny_lse_closed_form.py', '--work-dir',
                   str(tmp_path), '--cfg-options', 'train_cfg.max_iters=1',
                   'train_cfg.val_interval=1')
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'fitting the LSE in closed form' in res.stdout + res.stderr
