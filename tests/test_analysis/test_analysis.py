"""Issue 7: class centres (forged LSE), fair sampling and class cosine similarity."""
import json

import pytest
import torch
import torch.nn.functional as F

from mmlinsem.analysis import (category_cosine_similarity, class_centres, fair_feature_sampling,
                               forge_lse_from_centres)
from mmlinsem.models import upsample
from mmlinsem.registry import MODELS
from conftest import run_tool, stylegan2_cfg, tiny_teacher_cfg


def _model():
    return MODELS.build(
        dict(
            type='SemanticExtractor',
            generator=dict(generator=stylegan2_cfg(16)),
            teacher=tiny_teacher_cfg(),
            head=dict(type='LSEHead')))


def test_cosine_matrix_equals_mean_pairwise_cosine():
    pools = {0: torch.randn(30, 5), 2: torch.randn(20, 5) + 1}
    m = category_cosine_similarity(pools)
    a, b = F.normalize(pools[0], dim=1), F.normalize(pools[2], dim=1)
    assert torch.allclose(m[0, 1], (a @ b.t()).mean(), atol=1e-5)
    assert torch.allclose(m[1, 1], (b @ b.t()).mean(), atol=1e-5)


def test_forged_lse_is_the_nearest_centre_on_the_sphere():
    model = _model()
    centres = class_centres(model, num_images=8, pixels_per_image=32)
    assert centres.shape == (4, sum(model.generator.channels))
    forge_lse_from_centres(model, centres)
    with torch.no_grad():
        _, feats, _ = model.generate(torch.randn(2, 16))
        pred = model.head(feats).argmax(1)
        full = torch.cat([upsample(f, (16, 16)) for f in feats], 1)
        x = F.normalize(full.permute(0, 2, 3, 1), dim=-1)
        nearest = (x @ centres.t()).argmax(-1)
    assert (pred == nearest).float().mean() > 0.99


def test_fair_sampling_pools():
    model = _model()
    pools = fair_feature_sampling(model, t1=10, t2=30, max_images=20)
    assert pools
    for feats in pools.values():
        assert len(feats) <= 30 and len(feats) % 10 == 0
        assert feats.shape[1] == sum(model.generator.channels)


def test_analysis_tools(tmp_path):
    res = run_tool('tools/analysis/cosine_similarity.py', 'tests/configs/tiny_lse.py', '--t1', '10',
                   '--t2', '30', '--max-images', '20', '--out', str(tmp_path))
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.load(open(tmp_path / 'cosine_similarity.json'))
    assert -1 <= out['intra_mean'] <= 1 and (tmp_path / 'cosine_similarity.png').is_file()
    res = run_tool('tools/analysis/class_centres.py', 'tests/configs/tiny_lse.py', '--num-images',
                   '8', '--pixels-per-image', '32', '--eval-samples', '8', '--out',
                   str(tmp_path / 'cc'))
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.load(open(tmp_path / 'cc' / 'class_centres.json'))
    assert 0 <= out['centres']['mIoU'] <= 100
    assert set(out['centres']['per_class']) == {'a', 'b', 'c'}  # background left out
    assert all(v is None or 0 <= v <= 100 for v in out['centres']['per_class'].values())
    assert (tmp_path / 'cc' /
            'class_centres.md').read_text().startswith('| class (IoU %) | centres |')
    assert (tmp_path / 'cc' / 'centres_vs_lse.png').is_file()


def test_layerwise_tool_and_api(tmp_path):
    import pytest

    from mmlinsem.analysis import layerwise_miou
    from mmlinsem.errors import MMLinsemError
    model = _model()
    res = layerwise_miou(model, num_samples=4, batch_size=2)
    assert len(res['layers']) == len(model.generator.layer_names)
    nse2 = MODELS.build(
        dict(
            type='SemanticExtractor',
            generator=dict(generator=stylegan2_cfg(16)),
            teacher=tiny_teacher_cfg(),
            head=dict(type='NSE2Head')))
    with pytest.raises(MMLinsemError, match='no per-layer outputs'):
        layerwise_miou(nse2, num_samples=2)
    wd = str(tmp_path / 'train')
    assert run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', wd,
                    '--cfg-options', 'train_cfg.max_iters=1', 'train_cfg.val_interval=10',
                    'model.head.aux_loss_weight=0.1').returncode == 0
    res = run_tool('tools/analysis/layerwise.py', 'tests/configs/tiny_lse.py', f'{wd}/iter_1.pth',
                   '--num-samples', '4', '--num-rows', '2', '--out', str(tmp_path / 'lw'))
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.load(open(tmp_path / 'lw' / 'layerwise.json'))
    assert len(out['layers']) == 5 and (tmp_path / 'lw' / 'layerwise_grid.png').is_file()


def test_category_selection(tmp_path):
    from mmlinsem.analysis import select_categories
    assert select_categories([{
        'a': 0.05,
        'b': 0.2
    }, {
        'a': 0.11,
        'c': 0.0
    }],
                             0.1,
                             order=['c', 'b', 'a']) == ['b', 'a']
    for name, rows in (('lse', 'a,0.05,0.1,3\nb,0.3,0.3,3\nc,nan,nan,0'),
                       ('nse1', 'a,0.15,0.1,3\nb,0.02,0.3,3\nc,0.0,0.0,1')):
        (tmp_path / name).mkdir()
        (tmp_path / name /
         'per_class_iou.csv').write_text('class,iou_paper,iou_accumulated,images\n' + rows + '\n')
    res = run_tool('tools/analysis/category_selection.py', '--results', str(tmp_path / 'lse'),
                   str(tmp_path / 'nse1'), '--work-dir', str(tmp_path / 'out'), '--name', 'g')
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.load(open(tmp_path / 'out' / 'selected_labels.json')) == {'g': ['a', 'b']}
    assert '| c | - | 0.0 |  |' in (tmp_path / 'out' / 'category_selection.md').read_text()


def test_category_selection_trains_configs(tmp_path):
    res = run_tool('tools/analysis/category_selection.py', '--configs', 'tests/configs/tiny_lse.py',
                   '--work-dir', str(tmp_path), '--cfg-options', 'train_cfg.max_iters=1',
                   'train_cfg.val_interval=10')
    assert res.returncode == 0, res.stderr[-2000:]
    selected = json.load(open(tmp_path / 'selected_labels.json'))['selected']
    assert set(selected) <= {'a', 'b', 'c'}
    assert (tmp_path / 'tiny_lse' / 'per_class' / 'per_class_iou.csv').is_file()


def test_figures_tool(tmp_path):
    wd = str(tmp_path / 'run')
    assert run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', wd,
                    '--cfg-options', 'train_cfg.max_iters=2',
                    'train_cfg.val_interval=2').returncode == 0
    res = run_tool('tools/analysis/figures.py', 'curves', wd, '--out', str(tmp_path / 'c.png'))
    assert res.returncode == 0 and (tmp_path / 'c.png').is_file(), res.stderr[-2000:]
    res = run_tool('tools/analysis/figures.py', 'qualitative', '--models',
                   f'tests/configs/tiny_lse.py:{wd}/iter_2.pth:LSE', '--num', '2', '--out',
                   str(tmp_path / 'q.png'))
    assert res.returncode == 0 and (tmp_path / 'q.png').is_file(), res.stderr[-2000:]
    out = tmp_path / 'results'
    assert run_tool('tools/test.py', 'tests/configs/tiny_lse.py', f'{wd}/iter_2.pth', '--work-dir',
                    str(tmp_path / 't'), '--out', str(out)).returncode == 0
    res = run_tool('tools/analysis/figures.py', 'per-class', str(out), '--out',
                   str(tmp_path / 'p.md'))
    assert res.returncode == 0
    table = (tmp_path / 'p.md').read_text()
    assert table.startswith('| class | results |')
    miou = json.load(open(out / 'metrics.json'))['mIoU']
    assert table.endswith(f'| **mIoU** | **{miou:.1f}** |\n')
    res = run_tool('tools/analysis/figures.py', 'curves', str(tmp_path / 'nothing'))
    assert res.returncode == 2 and 'no scalars.json' in res.stderr


def test_plateau_verdicts():
    from mmlinsem.analysis import plateau
    rising = [(s, 60 + s / 100) for s in range(1000, 9000, 1000)]  # +10 points per 1000
    flat = [(1000, 60.0), (2000, 80.0), (3000, 84.0), (4000, 84.1), (5000, 84.2), (6000, 84.0),
            (7000, 84.25), (8000, 84.2)]
    r, f = plateau(rising), plateau(flat)
    assert not r['plateaued'] and r['window_start_step'] == 6000 and r['spread'] > 10
    assert f['plateaued'] and f['spread'] == pytest.approx(0.25) and f['best_step'] == 7000
    # a resumed run validating a step again: the last value of that step counts
    again = flat + [(8000, 90.0)]
    assert plateau(again)['final'] == 90.0 and not plateau(again)['plateaued']
    with pytest.raises(ValueError, match='at least 2'):
        plateau([(1000, 1.0)])


def test_convergence_figure_of_a_joint_run(tmp_path):
    wd = tmp_path / 'joint'
    res = run_tool('tools/train.py', 'tests/configs/tiny_joint.py', '--work-dir', str(wd),
                   '--cfg-options', 'train_cfg.val_interval=2')
    assert res.returncode == 0, res.stderr[-3000:]
    out = tmp_path / 'conv.png'
    res = run_tool('tools/analysis/figures.py', 'convergence', str(wd), '--out', str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.load(open(tmp_path / 'conv.json'))
    assert sorted(report['heads']) == ['lse', 'nse1', 'nse2'] and out.stat().st_size > 0
    for v in report['heads'].values():
        assert [s for s, _ in v['curve']] == [2, 4, 6]
    assert report['iterations'] == 6 and report['train_seconds'] > 0
    res = run_tool('tools/analysis/figures.py', 'convergence', str(wd), '--heads', 'nse3')
    assert res.returncode == 2 and 'nse3/mIoU' in res.stderr.strip().splitlines()[-1]
