"""The toy-face StyleGAN2 config trains through tools/train.py, resumes, and its EMA
generator loads into FeatureGenerator (RGB output, 9 StyleGAN2 feature maps)."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import torch

from mmlinsem.utils import safe_torch_load
from conftest import ROOT, run_tool

CONFIG = osp.join('configs', 'toyworld', 'stylegan2lite_toyfaces64.py')


def _make_images(root, n=16, size=64):
    """Tiny RGB PNGs in mmseg layout: ``root/img_dir/train/*.png``."""
    out = osp.join(root, 'img_dir', 'train')
    os.makedirs(out)
    rng = np.random.default_rng(0)
    for i in range(n):
        img = np.empty((size, size, 3), np.uint8)
        img[:] = rng.integers(0, 256, 3)
        centre = (int(rng.integers(24, 40)), int(rng.integers(24, 40)))
        axes = (int(rng.integers(10, 20)), int(rng.integers(12, 24)))
        cv2.ellipse(img, centre, axes, 0, 0, 360, [int(v) for v in rng.integers(0, 256, 3)], -1)
        cv2.imwrite(osp.join(out, f'{i:03d}.png'), img)


def _train(data_root, work_dir, max_iters, resume=False):
    args = [
        'tools/train.py',
        CONFIG,
        '--work-dir',
        str(work_dir),
        '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        f'train_cfg.max_iters={max_iters}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
        'train_dataloader.batch_size=4',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'custom_hooks.0.interval=2',
        'custom_hooks.0.n_samples=4',
    ]
    if resume:
        args.append('--resume')
    proc = run_tool(*args, timeout=300)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def test_gan_config_trains_resumes_and_loads_into_feature_generator(tmp_path):
    from mmengine.config import Config

    from mmlinsem.models import FeatureGenerator

    data_root = tmp_path / 'toyfaces'
    work_dir = tmp_path / 'work'
    _make_images(str(data_root))

    _train(data_root, work_dir, max_iters=2)
    ckpt_path = work_dir / 'iter_2.pth'
    assert ckpt_path.is_file()
    ckpt = safe_torch_load(str(ckpt_path))
    state = ckpt['state_dict']
    ema_keys = [k for k in state if k.startswith('generator_ema.')]
    assert ema_keys and any(k.startswith('generator_ema.module.') for k in ema_keys)
    assert any(k.startswith('discriminator.') for k in state)
    assert ckpt['meta']['iter'] == 2
    # the sample-grid hook wrote a picture
    assert glob.glob(str(work_dir / '*' / 'vis_data' / 'vis_image' / 'fake_img_2.png'))

    # resume continues from iteration 2
    proc = _train(data_root, work_dir, max_iters=3, resume=True)
    assert 'resumed' in (proc.stdout + proc.stderr).lower()
    assert (work_dir / 'iter_3.pth').is_file()

    # the trained EMA generator through FeatureGenerator, with the config's own arguments
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    gen_cfg = dict(cfg.generator, _scope_='mmagic')
    fg = FeatureGenerator(generator=gen_cfg, checkpoint=str(ckpt_path))
    prefix = 'generator_ema.module.'
    ema_w = state[prefix + 'style_mapping.1.linear.weight_orig']
    assert torch.equal(fg.generator.style_mapping[1].linear.weight_orig, ema_w)
    z = torch.randn(2, fg.noise_size)
    with torch.no_grad():
        img, feats = fg(z)
    assert img.shape == (2, 3, 64, 64)
    assert len(feats) == 9  # conv1 + 8 convs at 64 px
    assert fg.layer_names == ['conv1'] + [f'convs.{i}' for i in range(8)]
    assert [f.shape[-1] for f in feats] == [4, 8, 8, 16, 16, 32, 32, 64, 64]


def test_gan_config_feeds_rgb_to_the_model(tmp_path):
    """Real images reach D (and so G learns) in RGB, normalised to [-1, 1]."""
    from mmagic.registry import DATASETS, MODELS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope

    out = tmp_path / 'img_dir' / 'train'
    out.mkdir(parents=True)
    red = np.zeros((64, 64, 3), np.uint8)
    red[..., 2] = 255  # OpenCV writes BGR: a pure red picture
    cv2.imwrite(str(out / 'red.png'), red)

    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    ds_cfg = dict(cfg.train_dataloader.dataset, data_root=str(tmp_path))
    with DefaultScope.overwrite_default_scope('mmagic'):
        dataset = DATASETS.build(ds_cfg)
        pre = MODELS.build(cfg.model.data_preprocessor)
    batch = pre(pseudo_collate([dataset[0]]), training=True)
    real = batch['data_samples'].gt_img
    assert real.shape == (1, 3, 64, 64)
    assert torch.allclose(real[:, 0], torch.ones(1)) and torch.allclose(real[:, 2], -torch.ones(1))
