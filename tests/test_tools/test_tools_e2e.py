"""Issue 3: train -> test through the tools for every head; clear errors from the tools."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from conftest import run_tool


@pytest.mark.parametrize('name', ['tiny_lse', 'tiny_nse1', 'tiny_nse2'])
def test_train_then_test(tmp_path, name):
    cfg = f'tests/configs/{name}.py'
    wd = str(tmp_path / 'train')
    res = run_tool('tools/train.py', cfg, '--work-dir', wd, '--cfg-options',
                   'train_cfg.max_iters=3', 'train_cfg.val_interval=3')
    assert res.returncode == 0, res.stderr[-3000:]
    assert os.path.isfile(os.path.join(wd, 'vis', 'val_iter3.png'))
    out = str(tmp_path / 'out')
    res = run_tool('tools/test.py', cfg, os.path.join(wd, 'iter_3.pth'), '--work-dir',
                   str(tmp_path / 'test'), '--out', out, '--show-dir', str(tmp_path / 'show'))
    assert res.returncode == 0, res.stderr[-3000:]
    metrics = json.load(open(os.path.join(out, 'metrics.json')))
    assert 0 <= metrics['mIoU'] <= 100 and metrics['num_images'] == 8
    assert os.path.isfile(os.path.join(out, 'per_class_iou.csv'))
    assert os.listdir(tmp_path / 'show')


def _last_line(res):
    assert res.returncode == 2, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    return res.stderr.strip().splitlines()[-1]


def test_one_line_errors(tmp_path):
    line = _last_line(
        run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', str(tmp_path / 'a'),
                 '--cfg-options', 'model.generator.layers=[conv1,convs.9]'))
    assert line.startswith('error: unknown generator layer(s)') and 'convs.3' in line
    line = _last_line(
        run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', str(tmp_path / 'b'),
                 '--cfg-options', 'model.head.num_classes=7'))
    assert line.startswith('error: head num_classes=7 but the teacher produces 4 classes')
    wd = str(tmp_path / 'nse1')
    assert run_tool('tools/train.py', 'tests/configs/tiny_nse1.py', '--work-dir', wd,
                    '--cfg-options', 'train_cfg.max_iters=1',
                    'train_cfg.val_interval=100').returncode == 0
    line = _last_line(
        run_tool('tools/test.py', 'tests/configs/tiny_lse.py', os.path.join(wd, 'iter_1.pth'),
                 '--work-dir', str(tmp_path / 't')))
    assert line.startswith('error: checkpoint') and 'NSE1Head' in line and 'LSEHead' in line


def _toy_mmseg_data(root, n=4, size=64):
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        os.makedirs(root / 'img_dir' / split)
        os.makedirs(root / 'ann_dir' / split)
        for i in range(n):
            mask = np.zeros((size, size), np.uint8)
            mask[:, size // 2:] = 1
            mask[size // 2:, :] = 2
            img = (rng.random((size, size, 3)) * 60 + mask[..., None] * 60).astype(np.uint8)
            Image.fromarray(img).save(root / 'img_dir' / split / f'{i}.png')
            Image.fromarray(mask).save(root / 'ann_dir' / split / f'{i}.png')


def test_lse_head_in_plain_mmseg_config_trains(tmp_path):
    _toy_mmseg_data(tmp_path / 'data')
    root = str(tmp_path / 'data')
    res = run_tool('tools/train.py', 'configs/mmseg_reuse/lsehead_r18_example.py', '--work-dir',
                   str(tmp_path / 'wd'), '--cfg-options', 'train_cfg.max_iters=4',
                   'train_cfg.val_interval=4', f'train_dataloader.dataset.data_root={root}',
                   f'val_dataloader.dataset.data_root={root}',
                   f'test_dataloader.dataset.data_root={root}')
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'mIoU' in res.stdout + res.stderr
