"""Issue 11.4b: SCS initial latents per dataset as the original's experiments (10 bedroom,
100 church, 100 FFHQ), set in the zoo configs and used by tools/scs.py by default."""
import glob
import importlib.util
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from conftest import ROOT, run_tool

EXPECTED = dict(bedroom=10, church=100, ffhq=100, celebahq=100)


def _scs_tool():
    spec = importlib.util.spec_from_file_location('_scs_tool', osp.join(ROOT, 'tools', 'scs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ZOO = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
    if any(f'-{d}' in osp.basename(p) for d in EXPECTED))


def test_every_zoo_config_of_the_papers_datasets_is_covered():
    names = {osp.basename(p) for p in ZOO}
    for d in EXPECTED:
        assert any(f'-{d}' in n for n in names), d
    assert len(ZOO) >= 30


@pytest.mark.parametrize('path', ZOO, ids=[osp.relpath(p, ROOT) for p in ZOO])
def test_zoo_configs_set_the_originals_n_init(path):
    dataset = next(d for d in EXPECTED if f'-{d}' in osp.basename(path))
    cfg = Config.fromfile(path)
    assert _scs_tool().default_n_init(cfg) == EXPECTED[dataset]


def test_default_without_key_is_ten():
    assert _scs_tool().default_n_init(Config(dict(model=dict()))) == 10


def test_scs_tool_reads_the_config_and_the_flag_overrides(tmp_path):
    wd = str(tmp_path / 'train')
    res = run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', wd, '--cfg-options',
                   'train_cfg.max_iters=1', 'train_cfg.val_interval=10')
    assert res.returncode == 0, res.stderr[-2000:]
    ckpt = os.path.join(wd, 'iter_1.pth')
    common = ['--num-targets', '1', '--samples', '1', '--steps', '1']
    res = run_tool('tools/scs.py', 'tests/configs/tiny_lse.py', ckpt, *common, '--out',
                   str(tmp_path / 'cfg'), '--cfg-options', 'scs_cfg.n_init=3')
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.load(open(tmp_path / 'cfg' / 'metrics.json'))['n_init'] == 3
    res = run_tool('tools/scs.py', 'tests/configs/tiny_lse.py', ckpt, *common, '--n-init', '2',
                   '--out', str(tmp_path / 'flag'), '--cfg-options', 'scs_cfg.n_init=3')
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.load(open(tmp_path / 'flag' / 'metrics.json'))['n_init'] == 2
    res = run_tool('tools/scs.py', 'tests/configs/tiny_lse.py', ckpt, *common, '--n-init', '0',
                   '--out', str(tmp_path / 'bad'))
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1].startswith('error:')
