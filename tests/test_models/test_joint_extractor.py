"""Issue 13.1: heads trained side by side follow their single-head runs exactly."""
import json

import pytest
import torch
from mmengine.optim import OptimWrapper

from mmlinsem.datasets import LatentSeedDataset
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from mmlinsem.utils import safe_torch_load
from conftest import run_tool, stylegan2_cfg, tiny_teacher_cfg


def _train(config, work_dir):
    res = run_tool('tools/train.py', config, '--work-dir', str(work_dir))
    assert res.returncode == 0, res.stderr[-3000:]


def _weights(path):
    return safe_torch_load(str(path))['state_dict']


def _test(config, ckpt, out):
    res = run_tool('tools/test.py', config, str(ckpt), '--work-dir', str(out), '--out',
                   str(out / 'results'))
    assert res.returncode == 0, res.stderr[-3000:]
    return json.load(open(out / 'results' / 'metrics.json'))


def test_split_checkpoints_load_with_their_own_configs_and_the_main_head_is_its_run(tmp_path):
    _train('tests/configs/tiny_joint.py', tmp_path / 'joint')
    joint = _test('tests/configs/tiny_joint.py', tmp_path / 'joint' / 'iter_6.pth',
                  tmp_path / 'test_joint')
    assert sorted(p.name for p in (tmp_path / 'test_joint' / 'results').glob('*.csv')) == [
        'per_class_iou_lse.csv', 'per_class_iou_nse1.csv', 'per_class_iou_nse2.csv'
    ]
    for name in ('lse', 'nse1', 'nse2'):
        split = tmp_path / 'joint' / name / 'iter_6.pth'
        assert (tmp_path / 'joint' / name / 'iter_3.pth').is_file()  # with every checkpoint
        # the split checkpoint loads with the head's own config; its test mIoU is the
        # joint evaluation's figure for that head
        metrics = _test(f'tests/configs/tiny_{name}.py', split, tmp_path / f'test_{name}')
        assert metrics['mIoU'] == pytest.approx(joint[f'{name}/mIoU'], abs=1e-9), name
    # the main head is built and initialised as in its single-head run: the same weights
    _train('tests/configs/tiny_lse.py', tmp_path / 'lse')
    split, alone = _weights(tmp_path / 'joint' / 'lse' / 'iter_6.pth'), \
        _weights(tmp_path / 'lse' / 'iter_6.pth')
    assert split.keys() == alone.keys()
    for k, v in alone.items():
        if torch.is_tensor(v) and v.is_floating_point():
            assert torch.allclose(split[k], v, atol=1e-6, rtol=1e-5), k


def test_each_joint_head_takes_the_steps_it_takes_alone():
    torch.manual_seed(0)
    joint = _build(
        head_name='lse', extra_heads=dict(nse1=dict(type='NSE1Head'), nse2=dict(type='NSE2Head')))
    singles = {}
    for name, head in (('lse', 'LSEHead'), ('nse1', 'NSE1Head'), ('nse2', 'NSE2Head')):
        single = MODELS.build(
            dict(
                type='SemanticExtractor',
                generator=dict(generator=stylegan2_cfg(16)),
                teacher=tiny_teacher_cfg(),
                head=dict(type=head)))
        single.generator.load_state_dict(joint.generator.state_dict())
        single.teacher.load_state_dict(joint.teacher.state_dict())
        single.load_state_dict(joint.head_checkpoint(name)['state_dict'])  # same start
        singles[name] = single
    start = {n: joint.head_checkpoint(n)['state_dict'] for n in singles}
    trainable = [p for p in joint.parameters() if p.requires_grad]
    opt = OptimWrapper(torch.optim.Adam(trainable, lr=1e-2))
    opts = {
        n: OptimWrapper(torch.optim.Adam(m.head.parameters(), lr=1e-2))
        for n, m in singles.items()
    }
    for step in range(3):
        data = batch(4, offset=4 * step)
        log = joint.train_step(data, opt)
        for n, m in singles.items():
            alone = m.train_step(data, opts[n])
            assert log[f'{n}.loss_ce'] == pytest.approx(alone['loss_ce'], rel=1e-5), (n, step)
    for n, m in singles.items():
        mine = joint.head_checkpoint(n)['state_dict']
        for k, v in m.state_dict().items():
            if v.is_floating_point():
                assert torch.allclose(mine[k], v, atol=1e-6, rtol=1e-5), (n, k)
        assert any(not torch.equal(mine[k], start[n][k]) for k in mine
                   if mine[k].is_floating_point()), n  # the heads did move


def test_joint_checkpoint_refuses_a_single_head_checkpoint(tmp_path):
    _train('tests/configs/tiny_lse.py', tmp_path / 'lse')
    res = run_tool('tools/test.py', 'tests/configs/tiny_joint.py',
                   str(tmp_path / 'lse' / 'iter_6.pth'), '--work-dir', str(tmp_path / 't'))
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith('error:') and 'head_nse1.*' in last, last


def batch(n, offset=0, dim=16):
    ds = LatentSeedDataset(64, dim, seed=1)
    items = [ds[offset + i] for i in range(n)]
    return dict(
        inputs=[it['inputs'] for it in items],
        sample_idx=[it['sample_idx'] for it in items],
        sample_seed=[it['sample_seed'] for it in items])


def _build(**kw):
    return MODELS.build(
        dict(
            type='JointExtractor',
            generator=dict(generator=stylegan2_cfg(16)),
            teacher=tiny_teacher_cfg(),
            head=dict(type='LSEHead'),
            **kw))


def test_joint_extractor_arguments_and_head_checkpoint():
    with pytest.raises(MMLinsemError, match='extra_heads'):
        _build()
    with pytest.raises(MMLinsemError, match='identifiers'):
        _build(head_name='lse', extra_heads={'lse': dict(type='NSE1Head')})
    m = _build(head_name='lse', extra_heads=dict(nse1=dict(type='NSE1Head')))
    assert m.head_names == ['lse', 'nse1']
    ckpt = m.head_checkpoint('nse1')
    assert all(k.startswith(('head.', '_extra_state')) for k in ckpt['state_dict'])
    with pytest.raises(MMLinsemError, match="no head named 'nse3'"):
        m.head_checkpoint('nse3')
