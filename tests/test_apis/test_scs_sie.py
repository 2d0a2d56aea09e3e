"""Issue 5: SCS and SIE pipelines (contracts on a tiny random GAN + teacher)."""
import pytest
import torch

from mmlinsem.apis import evaluate_scs, semantic_conditional_sample, semantic_image_edit
from mmlinsem.apis.editing import color_edit, fuse_stroke
from mmlinsem.errors import MMLinsemError
from conftest import tiny_extractor


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    m = tiny_extractor(16)
    with torch.no_grad():  # a head with some spatial structure to steer
        for conv in m.head.extractor:
            conv.weight.mul_(20)
    return m.eval()


def _target(model, seed=7):
    with torch.no_grad():
        _, feats, _ = model.generate(
            torch.randn(1, 16, generator=torch.Generator().manual_seed(seed)))
        return model.head(feats).argmax(1)[0]


@pytest.mark.parametrize('space', ['z', 'w', 'w+', 'mixz'])
def test_scs_moves_towards_the_target(model, space):
    target = _target(model)
    out = semantic_conditional_sample(
        model, target, seed=1, space=space, n_init=4, steps=15, lr=0.05)
    assert out['image'].shape == (1, 3, 16, 16) and out['prediction'].shape == (16, 16)
    assert out['loss_history'][-1] < out['loss_history'][0]
    assert 0 <= out['init_index'] < 4
    assert all(p.grad is None for p in model.head.parameters())


def test_scs_teacher_predictor_and_evaluation(model):
    target = _target(model)
    out = semantic_conditional_sample(model, target, predictor='teacher', n_init=2, steps=3)
    assert out['teacher_label'].shape == (16, 16)
    res = evaluate_scs(model, [target, _target(model, 8)], samples_per_target=2, n_init=2, steps=3)
    assert res['num_samples'] == 4 and 0 <= res['miou'] <= 100
    assert 0 <= res['miou_random'] <= 100


def test_bad_targets_are_refused_in_one_line(model):
    with pytest.raises(MMLinsemError, match='must be 16x16'):
        semantic_conditional_sample(model, torch.zeros(8, 8, dtype=torch.long))
    with pytest.raises(MMLinsemError, match=r'in \[0, 4\)'):
        semantic_conditional_sample(model, torch.full((16, 16), 9))
    with pytest.raises(MMLinsemError, match='2-D integer'):
        semantic_conditional_sample(model, torch.zeros(16, 16))


def test_sie_stroke_edit_and_metrics(model):
    z = torch.randn(16, generator=torch.Generator().manual_seed(3))
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[4:10, 4:10] = True
    out = semantic_image_edit(model, z, stroke=stroke, label=2, steps=20, lr=0.05)
    assert torch.equal(out['target'][stroke], torch.full((36, ), 2))
    assert torch.equal(out['target'][~stroke], out['original_mask'][~stroke])
    region = out['target'] != out['original_mask']
    before = (out['original_mask'][region] == 2).float().mean()
    assert out['target_agreement_inside'] >= float(before)
    assert 0 <= out['pixel_change_outside'] <= 1
    assert out['loss_history'][-1] < out['loss_history'][0]
    with pytest.raises(MMLinsemError, match='stroke mask must be'):
        fuse_stroke(out['original_mask'], torch.zeros(4, 4), 1)


def test_color_edit_baseline(model):
    z = torch.randn(16, generator=torch.Generator().manual_seed(3))
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[:, :8] = True
    out = color_edit(model, z, stroke, color=[1.0, -1.0, -1.0], steps=20, lr=0.05)
    red = torch.tensor([1.0, -1.0, -1.0]).view(3, 1)
    d0 = (out['original_image'][0][:, stroke] - red).pow(2).mean()
    d1 = (out['image'][0][:, stroke] - red).pow(2).mean()
    assert d1 < d0
    assert 'mask' not in out  # scored only when given the label it stands for


def test_color_edit_baseline_is_scored_as_sie(model):
    """The color baseline's metrics come from the API: its edited image read by the LSE
    against SIE's target (the original LSE mask with the label painted on the stroke)."""
    from mmlinsem.apis import predict_logits
    from mmlinsem.apis.editing import edit_metrics
    from mmlinsem.apis.latent_optim import render
    z = torch.randn(16, generator=torch.Generator().manual_seed(3))
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[4:10, 4:10] = True
    sie = semantic_image_edit(model, z, stroke=stroke, label=2, steps=1)
    out = color_edit(model, z, stroke, color=[1.0, -1.0, -1.0], steps=5, lr=0.05, label=2)
    assert torch.equal(out['target'], sie['target'])
    assert torch.equal(out['original_mask'], sie['original_mask'])
    with torch.no_grad():
        img, feats = render(model.generator, out['latent'], 'mixz')
        mask = predict_logits(model, img, feats, (16, 16), 'head').argmax(1)[0]
    assert torch.equal(out['mask'], mask)
    expected = edit_metrics(out['original_image'], out['image'], mask, out['target'], out['target']
                            != out['original_mask'])
    assert out['target_agreement_inside'] == expected['target_agreement_inside']
    assert out['pixel_change_outside'] == pytest.approx(expected['pixel_change_outside'])
    with pytest.raises(MMLinsemError, match='stroke mask must be'):
        color_edit(model, z, torch.zeros(5, 5, dtype=torch.bool), color=[0, 0, 0], steps=1)


def test_scs_and_sie_tools(tmp_path):
    import json
    import os

    from conftest import run_tool
    wd = str(tmp_path / 'train')
    assert run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', wd,
                    '--cfg-options', 'train_cfg.max_iters=1',
                    'train_cfg.val_interval=10').returncode == 0
    ckpt = os.path.join(wd, 'iter_1.pth')
    res = run_tool('tools/scs.py', 'tests/configs/tiny_lse.py', ckpt, '--num-targets',
                   '2', '--samples', '2', '--steps', '3', '--n-init', '2', '--out',
                   str(tmp_path / 'scs'), '--cfg-options', 'model.generator.noise=fixed')
    assert res.returncode == 0, res.stderr[-2000:]
    m = json.load(open(tmp_path / 'scs' / 'metrics.json'))
    assert m['num_samples'] == 4 and (tmp_path / 'scs' / 'scs_grid.png').is_file()
    res = run_tool('tools/sie.py', 'tests/configs/tiny_lse.py', ckpt, '--label', 'b', '--box',
                   '0,0,8,8', '--steps', '3', '--baseline-color', '255,0,0', '--index', '0,1',
                   '--amp', '--out', str(tmp_path / 'sie'))
    assert res.returncode == 0, res.stderr[-2000:]
    m = json.load(open(tmp_path / 'sie' / 'metrics.json'))
    assert m['label'] == 'b' and m['amp'] == 'bfloat16' and m['num_edits'] == 2
    for method in ('lse', 'color_baseline'):  # the summary is the mean over the edits
        per_edit = [e[method]['pixel_change_outside'] for e in m['edits']]
        assert abs(m[method]['pixel_change_outside'] - sum(per_edit) / 2) < 1e-9
    res = run_tool('tools/sie.py', 'tests/configs/tiny_lse.py', ckpt, '--label', 'b', '--box',
                   '0,0,8,8', '--baseline-color', 'red')
    assert res.returncode == 2 and 'baseline-color' in res.stderr.strip().splitlines()[-1]
    res = run_tool('tools/sie.py', 'tests/configs/tiny_lse.py', ckpt, '--label', 'nope', '--box',
                   '0,0,8,8')
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1].startswith('error:')


@pytest.mark.parametrize('amp', ['bfloat16', 'float16'])
def test_amp_scs_and_sie_follow_fp32(model, amp):
    """Issue 6: autocast forwards (the head runs in ``amp``), fp32 latent / outputs, and the
    same optimisation as fp32 up to rounding."""
    dtypes = []
    hook = model.head.register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    try:
        target = _target(model)
        kw = dict(seed=1, space='mixz', n_init=4, steps=15, lr=0.05)
        ref = semantic_conditional_sample(model, target, **kw)
        dtypes.clear()
        out = semantic_conditional_sample(model, target, amp=amp, **kw)
    finally:
        hook.remove()
    assert set(dtypes) == {getattr(torch, amp)}
    assert out['latent'].dtype == out['image'].dtype == torch.float32
    assert out['init_index'] == ref['init_index']
    assert out['loss_history'][-1] < out['loss_history'][0]
    assert out['loss_history'] == pytest.approx(ref['loss_history'], rel=0.05)
    z = torch.randn(16, generator=torch.Generator().manual_seed(3))
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[4:10, 4:10] = True
    edit = semantic_image_edit(model, z, stroke=stroke, label=2, steps=10, lr=0.05, amp=amp)
    assert edit['loss_history'][-1] < edit['loss_history'][0]
    color = color_edit(model, z, stroke, color=[1.0, -1.0, -1.0], steps=10, lr=0.05, amp=amp)
    assert color['loss_history'][-1] < color['loss_history'][0]
    res = evaluate_scs(model, [target], samples_per_target=1, n_init=2, steps=2, amp=amp)
    assert 0 <= res['miou'] <= 100
    with pytest.raises(MMLinsemError, match='amp must be'):
        semantic_conditional_sample(model, target, steps=1, amp='int8')


def test_sie_geometry_is_validated_against_the_mask(model):
    from mmlinsem.apis.editing import box_stroke
    assert int(box_stroke((2, 3, 6, 5), (16, 16)).sum()) == 8
    for box in [(-30, 0, 10, 10), (10, 10, 5, 5), (0, 0, 99, 4), (4, 4, 4, 9)]:
        with pytest.raises(MMLinsemError, match=r'0 <= X0 < X1 <= 16 and 0 <= Y0 < Y1 <= 16'):
            box_stroke(box, (16, 16))
    z = torch.randn(16, generator=torch.Generator().manual_seed(3))
    with pytest.raises(MMLinsemError, match='stroke mask is empty'):
        semantic_image_edit(model, z, stroke=torch.zeros(16, 16, dtype=torch.bool), label=1)
    with pytest.raises(MMLinsemError, match=r'label must be a class index in \[0, 4\)'):
        semantic_image_edit(model, z, stroke=torch.ones(16, 16, dtype=torch.bool), label=7)
    out = semantic_image_edit(
        model, z, stroke=torch.ones(16, 16, dtype=torch.bool), label=1, steps=1)
    with pytest.raises(MMLinsemError, match='would paint no pixel'):
        semantic_image_edit(model, z, target=out['original_mask'], steps=1)
    with pytest.raises(MMLinsemError, match=r'target 1: target mask must be 16x16'):
        evaluate_scs(model, [out['original_mask'], torch.zeros(8, 8, dtype=torch.long)])
