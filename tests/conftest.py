import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import mmlinsem  # noqa: E402,F401  (registers modules, applies compat fixes)


def stylegan2_cfg(out_size=16, style_channels=16, **extra):
    """A tiny StyleGAN2 from mmagic's modules (random weights)."""
    table = {4: 16, 8: 16, 16: 8, 32: 8, 64: 4}
    channels = {r: c for r, c in table.items() if r <= out_size}
    return dict(
        _scope_='mmagic',
        type='StyleGAN2LiteGenerator',
        out_size=out_size,
        style_channels=style_channels,
        num_mlps=2,
        channels=channels,
        **extra)


def tiny_teacher_cfg(classes=('background', 'a', 'b', 'c'), **extra):
    """The random tiny mmseg UNet teacher of tests/configs/tiny_base.py."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'tests', 'configs', 'tiny_base.py'))
    teacher = cfg.model.teacher.to_dict()
    teacher['classes'] = list(classes)
    teacher['segmentor']['decode_head']['num_classes'] = len(classes)
    teacher.update(extra)
    return teacher


def tiny_extractor(out_size=16, **head):
    """A SemanticExtractor of the tiny StyleGAN2, the tiny teacher and an LSE head
    (random weights, built from torch's current seed)."""
    from mmlinsem.registry import MODELS
    return MODELS.build(
        dict(
            _scope_='mmlinsem',
            type='SemanticExtractor',
            generator=dict(generator=stylegan2_cfg(out_size)),
            teacher=tiny_teacher_cfg(),
            head=dict(type='LSEHead', **head)))


def run_tool(*args, env=None, timeout=600):
    """Run a repository tool with this interpreter; return the CompletedProcess."""
    import os
    path = os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')]))
    full_env = dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS='1')
    full_env.update(env or {})
    return subprocess.run([sys.executable, *args],
                          cwd=ROOT,
                          capture_output=True,
                          text=True,
                          env=full_env,
                          timeout=timeout)


@pytest.fixture(autouse=True)
def _seed_and_scope():
    """Each test starts seeded, in the mmlinsem scope (as under a runner), whatever
    scope an earlier test left current (mmseg's init_model sets 'mmseg' globally)."""
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmlinsem'):
        yield
