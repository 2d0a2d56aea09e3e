"""Figures of the paper's kind from your runs.

    python tools/analysis/figures.py curves WORK_DIR [WORK_DIR ...] --out curves.png
    python tools/analysis/figures.py qualitative --models CFG:CKPT:NAME [...] --out grid.png
    python tools/analysis/figures.py per-class RESULTS_DIR [...] --out table.md
    python tools/analysis/figures.py convergence WORK_DIR --heads lse nse1 nse2 --out c.png

``curves``: training loss and validation mIoU against iterations, from mmengine's
``scalars.json`` logs. ``qualitative``: image | teacher | each model's mask (paper Fig. 3;
all models must share generator and teacher). ``per-class``: per-class IoU (%) of
``tools/test.py --out`` results as a Markdown table (with their mIoU when ``metrics.json``
is there). ``convergence``: the validation mIoU of each head of one (joint) run against
iterations, with the plateau test (spread over the last ``--window`` of iterations below
``--tol`` points) and each head's training loss; the figures also go to ``OUT.json``.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import run_main


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
    v = sub.add_parser('convergence')
    v.add_argument('work_dir')
    v.add_argument(
        '--heads',
        nargs='+',
        default=['lse', 'nse1', 'nse2'],
        help="metric prefixes: '{head}/mIoU' and '{head}.loss_ce' are read")
    v.add_argument('--window', type=float, default=0.25)
    v.add_argument('--tol', type=float, default=0.3)
    v.add_argument('--out', default='work_dirs/figures/convergence.png')
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
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8
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
    write_png(args.out, grid(rows, scale=2))
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


def convergence(args):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmlinsem.analysis import last_per_step, plateau, read_scalars, scalar_series
    from mmlinsem.errors import MMLinsemError
    records = read_scalars(args.work_dir)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    report = dict(work_dir=args.work_dir, window=args.window, tol=args.tol, heads={})
    for head in args.heads:
        val = last_per_step(scalar_series(records, f'{head}/mIoU'))
        if len(val) < 2:
            raise MMLinsemError(f'{args.work_dir}: fewer than 2 validations of {head}/mIoU '
                                'logged (is it a joint run still at its start?)')
        verdict = plateau(val, args.window, args.tol)
        report['heads'][head] = dict(verdict, curve=val)
        b.plot(
            *zip(*val),
            'o-',
            ms=3,
            label=f'{head}: {verdict["final"]:.2f} (last {args.window:.0%}: '
            f'{verdict["spread"]:.2f} pts)')
        loss = last_per_step(scalar_series(records, f'{head}.loss_ce'))
        if loss:
            a.plot(*zip(*loss), label=head, lw=0.8)
    # training time: each logged iteration time times the iterations it stands for
    steps = last_per_step(scalar_series(records, 'time'))
    report['train_seconds'] = sum(t * (s - p) for (p, _), (s, t) in zip([(0, 0)] + steps, steps))
    report['iterations'] = steps[-1][0] if steps else 0
    start = min(v['window_start_step'] for v in report['heads'].values())
    b.axvspan(start, report['heads'][args.heads[0]]['final_step'], color='0.92', zorder=0)
    a.set(xlabel='iteration', ylabel='training cross-entropy', yscale='log')
    b.set(
        xlabel='iteration',
        ylabel='val mIoU (%), paper metric',
        title=f'shaded: last {args.window:.0%} (plateau: spread < {args.tol} points)')
    a.legend(fontsize=8)
    b.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=120)
    out_json = osp.splitext(args.out)[0] + '.json'
    with open(out_json, 'w') as f:
        json.dump(report, f, indent=1)
    for head, v in report['heads'].items():
        print(f'{head}: final {v["final"]:.2f} at {v["final_step"]}, best {v["best"]:.2f} at '
              f'{v["best_step"]}, spread over the last {args.window:.0%} {v["spread"]:.2f} '
              f'points: {"plateaued" if v["plateaued"] else "NOT plateaued"}')
    print(f'training time {report["train_seconds"] / 60:.1f} min for {report["iterations"]} '
          f'iterations; written {out_json}')


def main():
    args = parse_args()
    {
        'curves': curves,
        'qualitative': qualitative,
        'per-class': per_class,
        'convergence': convergence
    }[args.what](
        args)
    print(f'written {args.out}')


if __name__ == '__main__':
    run_main(main)
