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
