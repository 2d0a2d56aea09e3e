"""Issue 18 item 5: a NaN / inf loss stops training in one line, keeping the last good
checkpoint; absurd learning rates are refused before training."""
import os
import os.path as osp
from types import SimpleNamespace

import pytest
import torch

from mmlinsem.engine import NanGuardHook, check_lr
from mmlinsem.errors import MMLinsemError
from mmlinsem.utils import safe_torch_load
from conftest import ROOT, run_tool


@pytest.mark.parametrize('lr', [float('nan'), float('inf'), 1e10, -1, 0, 'x'])
def test_absurd_lr_is_refused(lr):
    with pytest.raises(MMLinsemError, match=r'must be a .*number in \(0, 10\]'):
        check_lr(lr)
    check_lr(1e-2)
    check_lr(0, allow_zero=True)


def _runner(param, lr=0.01):
    opt = torch.optim.Adam([param], lr=lr)
    return SimpleNamespace(optim_wrapper=SimpleNamespace(optimizer=opt), iter=6)


def test_hook_stops_on_nan_loss_or_weights():
    hook = NanGuardHook()
    good = torch.nn.Parameter(torch.ones(3))
    hook.before_train(_runner(good))
    hook.after_train_iter(_runner(good), 0, outputs=dict(loss=torch.tensor(1.0)))
    with pytest.raises(
            MMLinsemError,
            match=r'iteration 7: non-finite loss \(loss\); '
            r'losses loss=nan, acc=3; lr=0.01'):
        hook.after_train_iter(_runner(good), 0, outputs=dict(loss=float('nan'), acc=3.0))
    bad = torch.nn.Parameter(torch.tensor([1.0, float('inf')]))
    with pytest.raises(MMLinsemError, match='non-finite weights'):
        hook.after_train_iter(_runner(bad), 0, outputs=dict(loss=torch.tensor(1.0)))
    with pytest.raises(MMLinsemError, match='optimizer lr must be'):
        hook.before_train(_runner(good, lr=100.0))


def test_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    wd = tmp_path / 'wd'
    path = os.pathsep.join([ROOT, osp.join(ROOT, 'tests', 'test_tools')])
    res = run_tool(
        'tools/train.py',
        'tests/configs/tiny_lse_nan.py',
        '--work-dir',
        str(wd),
        env=dict(PYTHONPATH=path))
    assert res.returncode == 2, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith('error: training stopped at iteration 5: non-finite loss'), line
    assert 'loss=nan' in line and 'lr=0.01' in line
    assert sorted(p for p in os.listdir(wd) if p.endswith('.pth')) == ['iter_3.pth']
    state = safe_torch_load(str(wd / 'iter_3.pth'))['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())
    assert (wd / 'last_checkpoint').read_text().strip().endswith('iter_3.pth')
