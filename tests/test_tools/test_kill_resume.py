"""Issue 18.7: a training run SIGKILLed during a checkpoint write, or right after one,
continues with --resume to bit-identical final head weights."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmlinsem.utils import safe_torch_load
from conftest import ROOT, run_tool

CFG = 'tests/configs/tiny_lse_slow_write.py'
HERE = os.path.dirname(os.path.abspath(__file__))


def _env(**extra):
    path = os.pathsep.join([ROOT, HERE])
    return dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS='1', **extra)


def _head(path):
    state = safe_torch_load(str(path))['state_dict']
    return {k: v for k, v in state.items() if k.startswith('head.') and torch.is_tensor(v)}


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    wd = tmp_path_factory.mktemp('full')
    res = run_tool('tools/train.py', CFG, '--work-dir', str(wd), env=_env())
    assert res.returncode == 0, res.stderr[-3000:]
    return _head(wd / 'iter_6.pth')


# during the write of iter_6.pth; right after iter_3.pth is in place
@pytest.mark.parametrize('pause', ['during:iter_6.pth', 'after:iter_3.pth'])
def test_sigkill_then_resume_is_bit_identical(uninterrupted, tmp_path, pause):
    wd, marker = tmp_path / 'wd', tmp_path / 'paused'
    proc = subprocess.Popen([sys.executable, 'tools/train.py', CFG, '--work-dir',
                             str(wd)],
                            cwd=ROOT,
                            env=_env(MMLINSEM_TEST_PAUSE=pause, MMLINSEM_TEST_MARKER=str(marker)),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while not marker.exists():
            assert proc.poll() is None, 'training ended before the pause'
            assert time.time() < deadline, 'no pause within 300 s'
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert (wd / 'iter_3.pth').is_file()
    assert not (wd / 'iter_6.pth').exists()  # killed before (or while) writing it
    if pause.startswith('during'):
        assert (wd / '.tmp-partial-iter_6.pth').is_file()  # the half-written temp file
    res = run_tool('tools/train.py', CFG, '--work-dir', str(wd), '--resume', env=_env())
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'resumed epoch: 0, iter: 3' in res.stdout + res.stderr  # resumed, not restarted
    resumed = _head(wd / 'iter_6.pth')
    assert resumed.keys() == uninterrupted.keys() and resumed
    for k, v in uninterrupted.items():
        assert torch.equal(v, resumed[k]), k
