"""Figures of the paper's kind from your runs.

    python tools/analysis/figures.py curves WORK_DIR [WORK_DIR ...] --out curves.png
    python tools/analysis/figures.py qualitative --models CFG:CKPT:NAME [...] --out grid.png
    python tools/analysis/figures.py per-class RESULTS_DIR [...] --out table.md

``curves``: training loss and validation mIoU against iterations, from mmengine's
``scalars.json`` logs. ``qualitative``: image | teacher | each model's mask (paper Fig. 3;
all models must share generator and teacher). ``per-class``: per-class IoU (%) of
``tools/test.py --out`` results as a Markdown table (with their mIoU when ``metrics.json``
is there).
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.utils import run_main


def parse_args():
    p = argparse.ArgumentParser(description='figures')
    sub = p.add_subparsers(dest='what', required=True)
    c = sub.add_parser('curves')
    c.add_argument('work_dirs', nargs='+')
    c.add_argument('--out', default='work_dirs/figures/curves.png')
    q = sub.add_parser('qualitative')
    q.add_argument('--models', nargs='+', required=True, help='CONFIG:CHECKPOINT:NAME')
    q.add_argument('--num', type=int, default=6)
    q.add_argument('--seed', type=int, default=99)
    q.add_argument('--out', default='work_dirs/figures/qualitative.png')
    t = sub.add_parser('per-class')
    t.add_argument('results', nargs='+')
    t.add_argument('--out', default='work_dirs/figures/per_class.md')
    return p.parse_args()


def curves(args):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmlinsem.analysis import read_scalars, scalar_series
    from mmlinsem.errors import MMLinsemError
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
    found = False
    for wd in args.work_dirs:
        records = read_scalars(wd)
        train, val = scalar_series(records, 'loss'), scalar_series(records, 'mIoU')
        found |= bool(train or val)
        name = osp.basename(osp.normpath(wd))
        if train:
            a.plot(*zip(*train), label=name)
        if val:
            b.plot(*zip(*val), 'o-', label=name)
    if not found:
        raise MMLinsemError(f'no scalars.json logs under {args.work_dirs}')
    a.set(xlabel='iteration', ylabel='training loss', yscale='log')
    b.set(xlabel='iteration', ylabel='val mIoU (%)')
    a.legend(fontsize=7)
    b.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=120)


def qualitative(args):
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8, save_rgb
    segs, names = [], []
    for spec in args.models:
        parts = spec.split(':')
        if len(parts) != 3:
            raise MMLinsemError(f'--models takes CONFIG:CHECKPOINT:NAME, got {spec!r}')
        inf = LinSemInferencer(parts[0], parts[1])
        segs.append(inf.segment(inf.latents(args.seed, args.num)))
        names.append(parts[2])
    pal = default_palette(len(inf.classes))
    rows = []
    for i in range(args.num):
        rows.append([
            img_to_uint8(segs[0]['images'][i]).cpu().numpy(),
            colorize(segs[0]['teacher_masks'][i].cpu().numpy(), pal)
        ] + [colorize(s['masks'][i].cpu().numpy(), pal) for s in segs])
    save_rgb(args.out, grid(rows, scale=2))
    print('columns: image | teacher | ' + ' | '.join(names))


def per_class(args):
    from mmlinsem.analysis import markdown_table, read_per_class_iou
    results = [read_per_class_iou(osp.join(d, 'per_class_iou.csv')) for d in args.results]
    metrics = [osp.join(d, 'metrics.json') for d in args.results]
    miou = [json.load(open(m))['mIoU'] for m in metrics] \
        if all(osp.isfile(m) for m in metrics) else None  # written by tools/test.py --out
    table = markdown_table([osp.basename(osp.normpath(d)) for d in args.results],
                           results,
                           miou=miou)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(table)
    print(table)


def main():
    args = parse_args()
    {'curves': curves, 'qualitative': qualitative, 'per-class': per_class}[args.what](args)
    print(f'written {args.out}')


if __name__ == '__main__':
    run_main(main)
