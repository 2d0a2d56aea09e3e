"""tools/rank_layers.py on the tiny z-only DCGAN job: teacher labels and an annotation folder."""
import json

import numpy as np
from PIL import Image

from conftest import run_tool

CONFIG = 'tests/configs/tiny_byo_dcgan.py'


def _config_line(stdout):
    lines = stdout.strip().splitlines()
    assert lines[-2].startswith('best: ')
    assert lines[-1].startswith('model = dict(generator=dict(layers=[')
    return lines


def test_rank_layers_with_the_teacher(tmp_path):
    out = tmp_path / 'rank.json'
    res = run_tool('tools/rank_layers.py', CONFIG, '--num', '16', '--pixels', '32', '--out',
                   str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    lines = _config_line(res.stdout)
    data = json.loads(out.read_text())
    names = {r['name'] for r in data['ranking']}
    # the three roles, each candidate alone and the config's own layers
    assert {'conv', 'norm', 'act', 'config'} <= names
    assert {c['role'] for c in data['candidates']} == {'conv', 'norm', 'act'}
    best = data['ranking'][0]
    assert lines[-1] == f"model = dict(generator=dict(layers={best['layers']!r}))"
    scores = [r['miou'] for r in data['ranking']]
    assert scores == sorted(scores, reverse=True)


def test_rank_layers_from_annotations_in_z(tmp_path):
    root = tmp_path / 'ann'
    (root / 'latents').mkdir(parents=True)
    (root / 'masks').mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        np.save(root / 'latents' / f's{i}.npy', rng.standard_normal(8).astype(np.float32))
        mask = np.zeros((16, 16), np.uint8)
        mask[:, 8:] = 1
        mask[:2] = 255  # not annotated
        Image.fromarray(mask).save(root / 'masks' / f's{i}.png')
    res = run_tool('tools/rank_layers.py', CONFIG, '--annotations', str(root), '--pixels', '32')
    assert res.returncode == 0, res.stderr[-2000:]
    lines = _config_line(res.stdout)
    assert '6 samples (z), 4 classes' in lines[0]
    bad = run_tool('tools/rank_layers.py', CONFIG, '--annotations', str(tmp_path / 'none'))
    assert bad.returncode == 2 and bad.stderr.strip().startswith('error: ')
    assert len(bad.stderr.strip().splitlines()) == 1
