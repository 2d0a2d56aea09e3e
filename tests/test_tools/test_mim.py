"""Issue 12.3: the package is a mim codebase: ``mim train mmlinsem CONFIG`` and
``mim test mmlinsem CONFIG --checkpoint CKPT`` run the repository's tools."""
import os
import os.path as osp
import subprocess
import sys

from conftest import ROOT


def _mim(*args, cwd):
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    assert osp.isfile(mim), f'mim is not installed beside {sys.executable} (requirements/mim.txt)'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([mim, *args],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=600)


def test_package_carries_the_mim_folder():
    import mmlinsem
    mim_dir = osp.join(osp.dirname(mmlinsem.__file__), '.mim')
    assert osp.isfile(osp.join(mim_dir, 'tools', 'train.py'))
    assert osp.isfile(osp.join(mim_dir, 'tools', 'test.py'))
    assert osp.isdir(osp.join(mim_dir, 'configs', 'lse'))


def test_mim_train_and_test_a_tiny_config(tmp_path):
    cfg = osp.join(ROOT, 'tests', 'configs', 'tiny_lse.py')
    wd = str(tmp_path / 'work')
    res = _mim(
        'train',
        'mmlinsem',
        cfg,
        '--work-dir',
        wd,
        '--cfg-options',
        'train_cfg.max_iters=2',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert osp.isfile(osp.join(wd, 'iter_2.pth')), os.listdir(wd)
    res = _mim(
        'test',
        'mmlinsem',
        cfg,
        '--checkpoint',
        osp.join(wd, 'iter_2.pth'),
        '--work-dir',
        str(tmp_path / 'test'),
        '--out',
        str(tmp_path / 'results'),
        cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert osp.isfile(tmp_path / 'results' / 'metrics.json')
