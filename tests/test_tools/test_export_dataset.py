"""tools/export_dataset.py end to end on the tiny random generator: two shards, the filter,
a refused rerun, bad input, and a few iterations of the exported mmseg config."""
import glob
import json
import os.path as osp

import pytest
import torch

from conftest import ROOT, run_tool

TINY = osp.join(ROOT, 'tests', 'configs', 'tiny_lse.py')


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    """Two head checkpoints of the tiny config: its own head and a perturbed copy."""
    from mmlinsem.apis import LinSemInferencer
    folder = tmp_path_factory.mktemp('heads')
    state = LinSemInferencer(TINY).model.state_dict()
    torch.save({'state_dict': state}, folder / 'h0.pth')
    g = torch.Generator().manual_seed(1)
    other = {
        k:
        v + 0.5 * torch.randn(v.shape, generator=g)
        if k.startswith('head.') and v.is_floating_point() else v
        for k, v in state.items()
    }
    torch.save({'state_dict': other}, folder / 'h1.pth')
    return str(folder / 'h0.pth'), str(folder / 'h1.pth')


def test_export_tool_shards_filter_and_train(ckpts, tmp_path):
    h0, h1 = ckpts
    out = str(tmp_path / 'synth')
    common = [
        'tools/export_dataset.py', TINY, h0, '--num', '6', '--out', out, '--ensemble-ckpts', h1,
        '--filter', '0.2', '--batch-size', '2', '--val-frac', '0.3', '--no-progress'
    ]
    res = run_tool(*common, '--shard', '1/2')
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'wrote 2 samples' in res.stdout and 'images/s' in res.stdout
    assert 'generator alone' in res.stdout
    assert 'other shards are not finished' in res.stdout
    res = run_tool(*common, '--shard', '0/2')
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'wrote 4 samples' in res.stdout
    assert 'dataset complete: 5 of 6 samples kept (1 dropped' in res.stdout
    meta = [json.loads(x) for x in open(osp.join(out, 'meta.jsonl'))]
    assert [m['index'] for m in meta] == list(range(6))
    assert sum(not m['kept'] for m in meta) == 1
    worst = max(meta, key=lambda m: m['score'])
    assert not worst['kept']
    assert osp.isfile(osp.join(out, 'filtered', 'img_dir', worst['split'], worst['name'] + '.png'))
    assert len(glob.glob(osp.join(out, 'img_dir', '*', '*.png'))) == 5
    assert len(glob.glob(osp.join(out, 'ann_dir', '*', '*.png'))) == 5
    assert len(glob.glob(osp.join(out, 'latents', '*.npy'))) == 6
    manifest = json.load(open(osp.join(out, 'export.json')))
    assert manifest['ensemble']['members'] == 2
    # a rerun of a shard without --resume is one error line
    res = run_tool(*common, '--shard', '0/2')
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1].startswith('error: ')
    assert '--resume' in res.stderr
    # the exported config trains a standard mmseg segmenter (a few iterations)
    res = run_tool(
        'tools/train.py',
        osp.join(out, 'seg_config.py'),
        '--work-dir',
        str(tmp_path / 'seg'),
        '--cfg-options',
        'train_cfg.max_iters=2',
        'train_cfg.val_interval=2',
        'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
        'param_scheduler=[]',
    )
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    assert 'mIoU' in res.stdout + res.stderr
    assert glob.glob(str(tmp_path / 'seg' / '*.pth'))
    # judged by mmseg's IoUMetric on the export's val split: the per-class IoU it returns
    # (which IoUMetric only logs) equals a count over the predictions against the PNGs
    import numpy as np
    from PIL import Image

    from mmlinsem.errors import MMLinsemError
    from mmlinsem.evaluation import evaluate_segmenter
    ckpt = str(tmp_path / 'seg' / 'iter_2.pth')
    res = evaluate_segmenter(osp.join(out, 'seg_config.py'), ckpt, out, keep_predictions=99)
    val = sorted(glob.glob(osp.join(out, 'ann_dir', 'val', '*.png')))
    assert res['num_images'] == len(val) == len(res['predictions']) >= 1
    assert res['names'] == [osp.basename(v)[:-4] for v in val]
    inter, union = np.zeros(4), np.zeros(4)
    for pred, path in zip(res['predictions'], val):
        gt = np.array(Image.open(path))
        assert pred.shape == gt.shape
        for c in range(4):
            inter[c] += ((pred == c) & (gt == c)).sum()
            union[c] += ((pred == c) | (gt == c)).sum()
    for c, name in enumerate(['background', 'a', 'b', 'c']):
        got = res['per_class'][name]
        if union[c] == 0:
            assert got is None
        else:
            assert got == pytest.approx(100 * inter[c] / union[c], abs=0.01)
    known = [v for v in res['per_class'].values() if v is not None]
    assert res['mIoU'] == pytest.approx(sum(known) / len(known), abs=0.02)
    with pytest.raises(MMLinsemError, match='img_dir/test'):
        evaluate_segmenter(osp.join(out, 'seg_config.py'), ckpt, out, split='test')


@pytest.mark.parametrize(
    'extra, message',
    [
        (['--shard', '2/2'], '--shard'),
        (['--ensemble', '3', '--ensemble-ckpts', 'x.pth'], 'not allowed with'),
        (['--seg-recipe', 'configs/nope.py'], 'segmenter recipe config not found'),
    ],
)
def test_export_tool_bad_input_is_one_error_line(ckpts, tmp_path, extra, message):
    res = run_tool('tools/export_dataset.py', TINY, ckpts[0], '--num', '4', '--out',
                   str(tmp_path / 'o'), *extra)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and message in lines[-1]
    assert not osp.exists(tmp_path / 'o')


def test_export_tool_teacher_labels(tmp_path):
    out = str(tmp_path / 'distilled')
    res = run_tool('tools/export_dataset.py', TINY, '--teacher-labels', '--num', '3', '--out', out,
                   '--no-progress')
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'wrote 3 samples' in res.stdout and '(teacher: labels' in res.stdout
    assert json.load(open(osp.join(out, 'export.json')))['labeller'] == 'teacher'
    bad = [([], 'or --teacher-labels'), (['--teacher-labels', '--filter', '0.1'], 'no uncertainty')]
    for extra, message in bad:
        res = run_tool('tools/export_dataset.py', TINY, *extra, '--num', '3', '--out',
                       str(tmp_path / 'o'))
        assert res.returncode == 2
        assert message in res.stderr.strip().splitlines()[-1]
