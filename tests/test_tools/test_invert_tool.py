"""Issue 16: tools/invert.py, tools/segment_real.py and tools/sie.py --latent end to end."""
import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import run_tool

CFG = 'tests/configs/tiny_lse.py'
FAST = ('--steps', '15', '--num-w-samples', '256')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A head checkpoint of the tiny job and two photos: a generated image (PNG) and a
    non-square JPEG."""
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.utils import save_head_checkpoint
    from mmlinsem.visualization import img_to_uint8
    root = tmp_path_factory.mktemp('invert')
    inf = LinSemInferencer(CFG)
    ckpt = save_head_checkpoint(inf.model, str(root / 'head.pth'))
    with torch.no_grad():
        img, _ = inf.model.generator(torch.randn(1, 16, generator=torch.Generator().manual_seed(1)))
    Image.fromarray(img_to_uint8(img[0]).numpy()).save(root / 'gen.png')
    wide = np.random.default_rng(0).integers(0, 255, (24, 40, 3), dtype=np.uint8)
    Image.fromarray(wide).save(root / 'wide photo.jpg')
    return root, ckpt


def _error_line(res):
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith('error:'), res.stderr
    return lines[0]


def test_invert_writes_the_dataset_layout(setup):
    from mmlinsem.datasets import AnnotatedLatentDataset
    root, ckpt = setup
    out = root / 'inv'
    res = run_tool('tools/invert.py', CFG, str(root / 'gen.png'), str(root / 'wide photo.jpg'),
                   '--head', ckpt, '--out', str(out), *FAST)
    assert res.returncode == 0, res.stderr[-2000:]
    names = ['gen', 'wide_photo']
    for sub, ext in [('latents', '.npy'), ('masks', '.png'), ('images', '.png'), ('photos', '.png'),
                     ('noise', '.npz'), ('overlays', '.png')]:
        assert sorted(os.listdir(out / sub)) == [n + ext for n in names], sub
    metrics = json.load(open(out / 'metrics.json'))
    assert metrics['num_images'] == 2 and metrics['settings']['space'] == 'w+'
    assert all(np.isfinite(r['psnr']) and 0 < r['ms_ssim'] <= 1 for r in metrics['images'])
    assert Image.open(out / 'masks' / 'gen.png').mode == 'P'
    ds = AnnotatedLatentDataset(
        str(out), metainfo=dict(classes=['background', 'a', 'b', 'c']), latent_space='w+')
    assert len(ds) == 2 and ds[0]['inputs'].shape == (6, 16) and ds[0]['name'] == 'gen'
    assert ds[0]['gt_label'].shape == (16, 16)


def test_bad_files_are_one_line(setup, tmp_path):
    root, ckpt = setup
    (tmp_path / 'notes.png').write_text('not an image')
    res = run_tool('tools/invert.py', CFG, str(root / 'gen.png'), str(tmp_path / 'notes.png'),
                   '--out', str(tmp_path / 'o'), *FAST)
    assert 'notes.png' in _error_line(res) and not (tmp_path / 'o').exists()
    res = run_tool('tools/invert.py', CFG, str(tmp_path / 'missing.png'), *FAST)
    assert 'image not found' in _error_line(res) and 'missing.png' in res.stderr
    res = run_tool('tools/invert.py', CFG, str(root / 'gen.png'), '--semantic', '1', *FAST)
    assert '--head' in _error_line(res)
    res = run_tool('tools/invert.py', CFG, str(root / 'gen.png'), '--loss', 'pixel+l1', *FAST)
    assert 'loss must be' in _error_line(res)


def test_segment_real_and_sie_on_the_inverted_latent(setup):
    root, ckpt = setup
    out = root / 'seg'
    res = run_tool('tools/segment_real.py', CFG, ckpt, str(root / 'gen.png'), '--out', str(out),
                   '--space', 'w', *FAST)
    assert res.returncode == 0, res.stderr[-2000:]
    mask = np.array(Image.open(out / 'masks' / 'gen.png'))
    assert mask.shape == (16, 16) and mask.max() < 4
    overlay = np.array(Image.open(out / 'overlays' / 'gen.png'))
    assert overlay.shape[1] > 4 * 16 * 4  # four tiles, zoomed, plus the legend below
    latent = str(out / 'latents' / 'gen.npy')
    sie = root / 'sie'
    res = run_tool('tools/sie.py', CFG, ckpt, '--latent', latent, '--photo', str(root / 'gen.png'),
                   '--label', 'b', '--box', '0,0,8,8', '--steps', '3', '--baseline-color',
                   '255,0,0', '--out', str(sie))
    assert res.returncode == 0, res.stderr[-2000:]
    metrics = json.load(open(sie / 'metrics.json'))
    assert metrics['space'] == 'w+' and metrics['edits'][0]['latent'] == latent
    assert set(metrics['edits'][0]) >= {'lse', 'color_baseline', 'blend'}
    assert (sie / 'blended.png').is_file() and (sie / 'sie.png').is_file()
    res = run_tool('tools/sie.py', CFG, ckpt, '--latent', latent, '--space', 'mixz', '--label', 'b',
                   '--box', '0,0,8,8')
    assert 'w+' in _error_line(res)
    res = run_tool('tools/sie.py', CFG, ckpt, '--photo', str(root / 'gen.png'), '--label', 'b',
                   '--box', '0,0,8,8')
    assert '--latent' in _error_line(res)


def test_eval_inversion_on_the_shipped_gan(tmp_path):
    """The evaluation tool end to end on the shipped toy GAN (2 faces, a few steps): one row
    per setting beside the teacher's, scores in range, the table and the figure written."""
    from conftest import ROOT
    head = tmp_path / 'head.pth'
    toy = 'configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py'
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.utils import save_head_checkpoint
    save_head_checkpoint(LinSemInferencer(os.path.join(ROOT, toy)).model, str(head))
    out, fig = tmp_path / 'eval', tmp_path / 'fig.png'
    res = run_tool('tools/analysis/eval_inversion.py', toy, str(head), '--num',
                   '2', '--steps', '4', '--settings', 'w+,w+sem', '--out', str(out), '--figure',
                   str(fig), '--figure-rows', '1')
    assert res.returncode == 0, res.stderr[-2000:]
    rows = json.load(open(out / 'results.json'))['rows']
    assert [r['setting'] for r in rows] == ['teacher on the photo', 'w+', 'w+ + semantic (1)']
    assert all(0 <= r['miou'] <= 100 and 0 <= r['dataset_iou'] <= 100 for r in rows)
    assert rows[0]['miou'] > 80  # the shipped teacher on rendered faces
    assert all(np.isfinite(r['psnr']) and r['seconds_per_image'] > 0 for r in rows[1:])
    table = (out / 'table.md').read_text().splitlines()
    assert len(table) == 2 + len(rows) and {line.count('|') for line in table} == {7}
    assert Image.open(fig).size[0] > 5 * 64 * 4  # five tiles, zoomed 4x
    res = run_tool('tools/analysis/eval_inversion.py', toy, str(head), '--settings', 'z')
    assert '--settings' in _error_line(res)
