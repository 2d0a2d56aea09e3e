"""Issue 18: the bad-input matrix. Every tool x every class of bad input ends in exit code 2,
one ``error:`` line as the last line of stderr, no traceback, and no output written or
overwritten (an existing output file keeps its bytes, no checkpoint appears)."""
import hashlib
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, run_tool

TINY = 'tests/configs/tiny_lse.py'
FEWSHOT = 'tests/configs/tiny_fewshot.py'
TEACHER_CKPT = osp.join(ROOT, 'checkpoints', 'unet_toyfaces64.pth')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """A trained tiny head checkpoint and the bad files of the matrix."""
    root = tmp_path_factory.mktemp('bad_input')
    wd = root / 'train'
    res = run_tool('tools/train.py', TINY, '--work-dir', str(wd), '--cfg-options',
                   'train_cfg.max_iters=1', 'train_cfg.val_interval=100')
    assert res.returncode == 0, res.stderr[-3000:]
    head = wd / 'iter_1.pth'
    data = head.read_bytes()
    (root / 'garbage.pth').write_bytes(b'this is not a checkpoint\n' * 40)
    (root / 'truncated.pth').write_bytes(data[:len(data) // 2])
    # masks at the tiny label size (16 x 16, 4 classes)
    masks = root / 'targets_small'
    masks.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(masks / 'a.png')
    labels = root / 'targets_labels'
    labels.mkdir()
    Image.fromarray(np.full((16, 16), 9, np.uint8)).save(labels / 'a.png')
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / 'stroke_small.png')
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(root / 'stroke_empty.png')
    # annotation folders (AnnotatedLatentDataset layout: latents/NAME.npy, masks/NAME.png)
    for name, lat, msk in (('ann_no_mask', ['0', '1'], ['0']), ('ann_no_latent', ['0'], ['0', '1']),
                           ('ann_two', ['0', '1'], ['0', '1'])):
        (root / name / 'latents').mkdir(parents=True)
        (root / name / 'masks').mkdir()
        for i in lat:
            np.save(root / name / 'latents' / f'0000{i}.npy', np.zeros((10, 16), np.float32))
        for i in msk:
            Image.fromarray(np.zeros((16, 16),
                                     np.uint8)).save(root / name / 'masks' / f'0000{i}.png')
    # a NaN in an annotation latent
    (root / 'ann_nan' / 'latents').mkdir(parents=True)
    (root / 'ann_nan' / 'masks').mkdir()
    for i in range(2):
        latent = np.zeros((10, 16), np.float32)
        latent[0, 0] = np.nan if i == 1 else 0
        np.save(root / 'ann_nan' / 'latents' / f'0000{i}.npy', latent)
        Image.fromarray(np.zeros((16, 16),
                                 np.uint8)).save(root / 'ann_nan' / 'masks' / f'0000{i}.png')
    # a config mmengine cannot parse (a plain import before a non-lazy _base_)
    (root / 'lazy_cfg.py').write_text(f"import os\n_base_ = ['{osp.join(ROOT, TINY)}']\n"
                                      "work_dir = os.path.join('a', 'b')\n")
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(root / 'one_pixel.png')
    return dict(root=root, head=str(head))


def _sub(args, files):
    """``{head}``, ``{root}``... of an argument list -> paths of the fixture."""
    paths = dict(head=files['head'], root=str(files['root']), teacher=TEACHER_CKPT)
    return [a.format(**paths) for a in args]


#: (tool, arguments, expected words of the error line); every row writes under {out}
ROWS = [
    # -- train -----------------------------------------------------------------------------
    ('train', [TINY, '--cfg-options', 'optim_wrapper.optimizer.lr=inf'], 'lr'),
    pytest.param(
        'train', [TINY, '--cfg-options', 'optim_wrapper.optimizer.lrr=0.1'],
        'lrr',
        id='train-config-key'),
    pytest.param(
        'train', [TINY, '--resume', '--cfg-options', 'load_from={root}/garbage.pth'],
        'garbage.pth',
        id='train-resume-corrupt'),
    pytest.param(
        'train',
        [FEWSHOT, '--cfg-options', 'train_dataloader.dataset.data_root={root}/ann_no_mask'],
        '00001',
        id='train-latent-without-mask'),
    pytest.param(
        'train',
        [FEWSHOT, '--cfg-options', 'train_dataloader.dataset.data_root={root}/ann_no_latent'],
        '00001',
        id='train-mask-without-latent'),
    pytest.param(
        'train', [
            FEWSHOT, '--cfg-options', 'train_dataloader.dataset.data_root={root}/ann_two',
            'train_dataloader.dataset.num_samples=5'
        ],
        '5',
        id='train-more-shots-than-samples'),
    pytest.param('train', ['{root}/lazy_cfg.py'], 'lazy_cfg.py', id='train-unparsable-config'),
    # -- fit_annotations ---------------------------------------------------------------------
    pytest.param(
        'fit_annotations', [TINY, '{root}/ann_nan', '--out', '{out}/head.pth', '--eval', '0'],
        'NaN',
        id='fit_annotations-nan-latent'),
    # -- invert ------------------------------------------------------------------------------
    pytest.param(
        'invert', [TINY, '{root}/one_pixel.png', '--steps', '2'],
        '1x1',
        id='invert-one-pixel-photo'),
    # -- test ------------------------------------------------------------------------------
    ('test', [TINY, '{root}/missing.pth'], 'missing.pth'),
    pytest.param('test', [TINY, '{root}/truncated.pth'], 'truncated.pth', id='test-truncated'),
    pytest.param('test', [TINY, '{teacher}'], 'checkpoint', id='test-wrong-kind'),
    # -- scs -------------------------------------------------------------------------------
    ('scs', [TINY, '{head}', '--targets', '{root}/targets_small'], '16x16'),
    ('scs', [TINY, '{head}', '--targets', '{root}/targets_labels'], '[0, 4)'),
    # -- sie -------------------------------------------------------------------------------
    ('sie', [TINY, '{head}', '--label', 'a', '--box=-30,0,10,10'], '0 <= X0 < X1 <= 16'),
    ('sie', [TINY, '{head}', '--label', 'a', '--box', '10,10,5,5'], '0 <= X0 < X1 <= 16'),
    ('sie', [TINY, '{head}', '--label', 'a', '--box', '0,0,99,99'], '0 <= X0 < X1 <= 16'),
    ('sie', [TINY, '{head}', '--label', 'a', '--box', '0,0,4,4', '--index=-1'], '>= 0'),
    ('sie', [TINY, '{head}', '--label', 'a', '--stroke-mask', '{root}/stroke_empty.png'], 'empty'),
    # -- sefa ------------------------------------------------------------------------------
    ('sefa', [TINY, '--layers', '99'], '99'),
    # -- fewshot / make_fewshot_set --------------------------------------------------------
    ('fewshot', [FEWSHOT, '--shots', 'x', '--work-dir', '{out}'], '--shots'),
    ('make_fewshot_set', [TINY, '--num', '0', '--out', '{out}/sub'], '--num'),
    # -- export_dataset --------------------------------------------------------------------
    ('export_dataset', [TINY, '{root}/missing.pth', '--num', '2', '--out',
                        '{out}/sub'], 'missing.pth'),
    pytest.param(
        'export_dataset', [TINY, '{root}/garbage.pth', '--num', '2', '--out', '{out}/sub'],
        'garbage.pth',
        id='export-corrupt'),
    pytest.param(
        'export_dataset', [
            TINY, '{head}', '--num', '2', '--out', '{out}/sub', '--ensemble', '2', '--annotations',
            '{root}/ann_no_mask'
        ],
        '00001',
        id='export-latent-without-mask'),
    pytest.param(
        'export_dataset', [TINY, '--teacher-labels', '--num', '2', '--out', '{out}/metrics.json'],
        'metrics.json',
        id='export-out-is-a-file'),
    # -- semantic_directions ---------------------------------------------------------------
    ('semantic_directions', [TINY, '{head}', '--method', 'region', '--classes', 'zebra'], 'zebra'),
    pytest.param(
        'semantic_directions', [TINY, '{root}/garbage.pth'],
        'garbage.pth',
        id='semantic_directions-corrupt'),
]

#: how each tool names its output; the test puts an existing file there beforehand
OUT_FLAG = dict(
    train='--work-dir',
    test='--out',
    scs='--out',
    sie='--out',
    sefa='--out',
    invert='--out',
    semantic_directions='--out',
)


def _digest(folder):
    """{relative path: sha1} of every file under ``folder``."""
    out = {}
    for base, _, names in os.walk(folder):
        for n in names:
            p = osp.join(base, n)
            out[osp.relpath(p, folder)] = hashlib.sha1(open(p, 'rb').read()).hexdigest()
    return out


@pytest.mark.parametrize('tool,args,words', ROWS)
def test_bad_input_is_one_error_line(tool, args, words, files, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'metrics.json').write_text('{"kept": true}\n')  # an earlier result
    args = _sub([a.replace('{out}', str(out)) for a in args], files)
    if tool in OUT_FLAG:
        args += [OUT_FLAG[tool], str(out)]
    if tool == 'test':
        args += ['--work-dir', str(out / 'wd')]
    before = _digest(out)
    res = run_tool(f'tools/{tool}.py', *args, timeout=120)
    assert res.returncode == 2, (res.returncode, res.stderr[-3000:])
    assert 'Traceback' not in res.stderr, res.stderr[-3000:]
    lines = res.stderr.strip().splitlines()
    assert lines and lines[-1].startswith('error: '), res.stderr[-3000:]
    assert sum(line.startswith('error: ') for line in lines) == 1
    assert words in lines[-1], lines[-1]
    after = _digest(out)
    # nothing overwritten; no checkpoint / result written (logs of a started run may appear)
    assert all(after.get(k) == v for k, v in before.items()), lines[-1]
    new = [k for k in after if k not in before]
    assert not [k for k in new if k.endswith(('.pth', '.png', '.npy', '.csv'))], new
