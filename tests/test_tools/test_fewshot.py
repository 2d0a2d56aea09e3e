"""Issue 5 (few-shot part): teacher-labelled few-shot sets and the Table 2 driver."""
import json
import os

import numpy as np
from PIL import Image

from conftest import run_tool


def test_fewshot_set_and_table(tmp_path):
    res = run_tool('tools/fewshot.py', 'tests/configs/tiny_fewshot.py', '--shots', '1,2',
                   '--repeats', '1', '--epochs', '1', '--samples-per-epoch', '4', '--work-dir',
                   str(tmp_path), '--full-miou', '50')
    assert res.returncode == 0, res.stderr[-3000:]
    sets = tmp_path / 'sets' / 'n2_r0'
    assert sorted(os.listdir(sets / 'latents')) == ['00000.npy', '00001.npy']
    wp = np.load(sets / 'latents' / '00000.npy')
    assert wp.ndim == 2 and wp.shape[1] == 16  # a w+ latent (layers, 16)
    mask = np.array(Image.open(sets / 'masks' / '00000.png'))
    assert mask.shape == (16, 16) and mask.max() < 4
    summary = json.load(open(tmp_path / 'fewshot.json'))['summary']
    assert set(summary) == {'1', '2'}
    assert all(0 <= v['mean'] <= 100 for v in summary.values())
    table = (tmp_path / 'fewshot_table.md').read_text()
    assert table.startswith('| N | mIoU (mean ± max dev.) | % of full LSE |')
    # a second call reuses the finished runs instead of training again
    again = run_tool('tools/fewshot.py', 'tests/configs/tiny_fewshot.py', '--shots', '1,2',
                     '--repeats', '1', '--work-dir', str(tmp_path), '--full-miou', '50')
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count('(earlier run)') == 2
    assert json.load(open(tmp_path / 'fewshot.json'))['summary'] == summary


def test_fewshot_bad_repeats(tmp_path):
    res = run_tool('tools/fewshot.py', 'tests/configs/tiny_fewshot.py', '--repeats', '9',
                   '--work-dir', str(tmp_path))
    assert res.returncode == 2 and 'repeats must be 1..5' in res.stderr


def test_fewshot_set_seg_layout_is_an_mmseg_training_set(tmp_path):
    """--seg-layout: the labelled images themselves, in mmseg's layout (the few-label baseline
    of the downstream experiment): the image is the one the teacher labelled."""
    import torch

    from mmlinsem.apis import LinSemInferencer
    out = tmp_path / 'set'
    res = run_tool('tools/make_fewshot_set.py', 'tests/configs/tiny_fewshot.py', '--num', '3',
                   '--seed', '5', '--out', str(out), '--seg-layout')
    assert res.returncode == 0, res.stderr[-3000:]
    names = ['00000.png', '00001.png', '00002.png']
    assert sorted(os.listdir(out / 'img_dir' / 'train')) == names
    assert sorted(os.listdir(out / 'ann_dir' / 'train')) == names
    inf = LinSemInferencer('tests/configs/tiny_fewshot.py')
    for i, name in enumerate(names):
        ann = Image.open(out / 'ann_dir' / 'train' / name)
        assert ann.mode == 'P'  # palette PNG: reads back as class indices
        assert (np.array(ann) == np.array(Image.open(out / 'masks' / name))).all()
        img = np.array(Image.open(out / 'img_dir' / 'train' / name))
        wp = torch.from_numpy(np.load(out / 'latents' / name.replace('.png', '.npy')))
        with torch.no_grad():
            ref, _ = inf.model.generator(wp[None], space='w+', truncate=False)
        ref = ((ref[0].clamp(-1, 1) + 1) * 127.5).round().permute(1, 2, 0).numpy()
        assert img.shape == ref.shape
        assert np.abs(img.astype(float) - ref).max() <= 1
