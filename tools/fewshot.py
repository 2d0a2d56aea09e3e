"""Few-shot LSE: train on N in {1, 4, 8, 16} samples x repeats, print paper Table 2.

    python tools/fewshot.py CONFIG --shots 1,4,8,16 --repeats 5 --work-dir DIR
        [--full-miou X] [--epochs 50 --samples-per-epoch 128]

For every (N, repeat r) the set is made by ``tools/make_fewshot_set.py`` from the r-th
seed of the original (19961116, 1997816, 1116, 816, 19980903), the LSE is trained with
``tools/train.py`` (every step on all N samples, ``epochs x samples_per_epoch / N`` steps,
lr x0.1 at 40 %) and its validation mIoU read from the run's log. Writes
``fewshot.json`` and ``fewshot_table.md``: mean +- max deviation per N and, with
``--full-miou`` (the fully trained LSE's mIoU), the percentage of it. Runs that already
finished in ``--work-dir`` are reused, so an interrupted table resumes where it stopped.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import fewshot_train_options, run_main, run_tool_checked

SEEDS = (19961116, 1997816, 1116, 816, 19980903)


def parse_args():
    p = argparse.ArgumentParser(description='few-shot LSE table')
    p.add_argument('config')
    p.add_argument('--shots', default='1,4,8,16')
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--work-dir', required=True)
    p.add_argument('--full-miou', type=float, help="the fully trained LSE's mIoU")
    p.add_argument('--epochs', type=int, default=50)
    p.add_argument('--samples-per-epoch', type=int, default=128)
    p.add_argument(
        '--cfg-options',
        nargs='*',
        default=[],
        help='extra key=value overrides for every training run')
    return p.parse_args()


def last_miou(work_dir):
    from mmlinsem.analysis import last_scalar
    return last_scalar(work_dir, 'mIoU')


def main():
    args = parse_args()
    from mmlinsem.errors import MMLinsemError
    try:
        shots = [int(s) for s in args.shots.split(',')]
    except ValueError:
        raise MMLinsemError('--shots must be comma-separated positive integers (e.g. '
                            f'1,4,8,16), got {args.shots!r}') from None
    if any(n < 1 for n in shots):
        raise MMLinsemError(f'--shots must be positive integers, got {args.shots!r}')
    if args.repeats > len(SEEDS) or args.repeats < 1:
        raise MMLinsemError(f'--repeats must be 1..{len(SEEDS)}, got {args.repeats}')
    from mmengine.config import Config
    has_scheduler = bool(Config.fromfile(args.config).get('param_scheduler'))
    rows = {}
    for n in shots:
        rows[n] = []
        for r in range(args.repeats):
            tag = f'n{n}_r{r}'
            set_dir = osp.join(args.work_dir, 'sets', tag)
            run_dir = osp.join(args.work_dir, tag)
            miou = last_miou(run_dir)
            if miou is not None:  # finished earlier (an interrupted table resumes here)
                rows[n].append(miou)
                print(f'N={n} repeat {r}: mIoU {miou:.2f} (earlier run)', flush=True)
                continue
            run_tool_checked([
                'tools/make_fewshot_set.py', args.config, '--num',
                str(n), '--seed',
                str(SEEDS[r]), '--out', set_dir
            ])
            options = fewshot_train_options(
                set_dir,
                n,
                args.epochs * args.samples_per_epoch,
                seed=SEEDS[r],
                lr_drop=has_scheduler)
            run_tool_checked([
                'tools/train.py', args.config, '--work-dir', run_dir, '--cfg-options', *options,
                *args.cfg_options
            ])
            miou = last_miou(run_dir)
            if miou is None:
                raise MMLinsemError(f'no mIoU found in the logs of {run_dir}')
            rows[n].append(miou)
            print(f'N={n} repeat {r}: mIoU {miou:.2f}', flush=True)
    table = ['| N | mIoU (mean ± max dev.) | % of full LSE | runs |', '|---|---|---|---|']
    summary = {}
    for n, vals in rows.items():
        mean = sum(vals) / len(vals)
        dev = max(abs(v - mean) for v in vals)
        pct = f'{100 * mean / args.full_miou:.1f}' if args.full_miou else '-'
        summary[n] = dict(runs=vals, mean=mean, max_dev=dev)
        table.append(f'| {n} | {mean:.1f} ± {dev:.1f} | {pct} | {len(vals)} |')
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'fewshot.json'), 'w') as f:
        json.dump(dict(summary=summary, full_miou=args.full_miou), f, indent=2)
    with open(osp.join(args.work_dir, 'fewshot_table.md'), 'w') as f:
        f.write('\n'.join(table) + '\n')
    print('\n'.join(table))


if __name__ == '__main__':
    run_main(main)
