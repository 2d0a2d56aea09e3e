"""Every shipped config parses; zoo configs keep their real weight URLs."""
import glob
import os

import pytest
from mmengine.config import Config

from conftest import ROOT

CONFIGS = sorted(
    p for p in glob.glob(os.path.join(ROOT, 'configs', '*', '*.py')) if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS, ids=[os.path.relpath(p, ROOT) for p in CONFIGS])
def test_config_parses(path):
    cfg = Config.fromfile(path)
    assert cfg.model.type
    if cfg.model.type == 'SemanticExtractor':
        assert cfg.default_scope == 'mmlinsem'
        assert cfg.custom_imports['imports'] == ['mmlinsem']
        assert cfg.model.head.type in ('LSEHead', 'NSE1Head', 'NSE2Head')
        ckpt = cfg.model.generator.checkpoint
        if ckpt is None:  # bring-your-own templates: random weights until the user's are set
            assert os.path.relpath(path, ROOT).startswith(os.path.join('configs', 'byo', ''))
        else:
            assert ckpt.startswith(('https://download.openmmlab.com/', 'checkpoints/'))


def test_paper_schedule_numbers():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/lse/lse_stylegan2-church256_ade.py'))
    assert cfg.train_cfg.max_iters == 6656  # 2048 x bs1 + 4096 x bs4 + 512 x bs64 = 51,200
    assert cfg.train_dataloader.batch_sampler.schedule == [(0, 1), (2048, 4), (6144, 64)]
    assert cfg.param_scheduler[0].milestones == [6176]
    assert cfg.optim_wrapper.optimizer.lr == 1e-3


def test_ade20k_teacher_from_mmseg_zoo_config_builds_without_weights():
    from mmlinsem.registry import MODELS
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/lse/lse_stylegan2-bedroom256_ade.py'))
    teacher = dict(cfg.model.teacher, checkpoint=None)
    t = MODELS.build(teacher)
    assert t.segmentor.decode_head.out_channels == 150 and t.num_classes == 17
