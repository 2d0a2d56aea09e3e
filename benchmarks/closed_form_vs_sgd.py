"""Closed-form LSE against SGD training, on the shipped toy-world GAN (issue 6).

    python benchmarks/closed_form_vs_sgd.py [--threads 2] [--work-dir work_dirs/bench_cf]
        [--out benchmarks/results/closed_form_vs_sgd.json]

Trains the SGD LSE (``configs/lse/lse_stylegan2lite-toyfaces64.py``, the main job) and the
closed-form one (``configs/lse/lse-closedform_stylegan2lite-toyfaces64.py``: ridge fit +
100 refinement steps) one after the other with ``tools/train.py`` (validation off), times each
training run (wall clock of the whole process, start-up included), evaluates both with
``tools/test.py`` on the same 1,000 samples and prints mIoU and time ratios.
Goal: closed form >= 98 % of the SGD mIoU in <= 1/10 of its time.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RUNS = dict(
    sgd='configs/lse/lse_stylegan2lite-toyfaces64.py',
    closed_form='configs/lse/lse-closedform_stylegan2lite-toyfaces64.py')


def run(args, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f'error: {" ".join(args[:2])} failed:\n{res.stderr[-2000:]}')
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--work-dir', default='work_dirs/bench_closed_form')
    p.add_argument(
        '--out', default=osp.join(ROOT, 'benchmarks', 'results', 'closed_form_vs_sgd.json'))
    args = p.parse_args()
    results = {}
    for name, config in RUNS.items():
        wd = osp.join(args.work_dir, name)
        train_s = run([
            'tools/train.py', config, '--work-dir', wd, '--cfg-options', 'val_dataloader=None',
            'val_cfg=None', 'val_evaluator=None'
        ], args.threads)
        with open(osp.join(ROOT, wd, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        run([
            'tools/test.py', config, ckpt, '--work-dir',
            osp.join(wd, 'test'), '--out',
            osp.join(wd, 'results')
        ], args.threads)
        with open(osp.join(ROOT, wd, 'results', 'metrics.json')) as f:
            miou = json.load(f)['mIoU']
        results[name] = dict(config=config, train_s=train_s, mIoU=miou)
        print(f'{name}: mIoU {miou:.2f}, training {train_s:.0f} s', flush=True)
    sgd, cf = results['sgd'], results['closed_form']
    summary = dict(
        miou_ratio=cf['mIoU'] / sgd['mIoU'],
        time_ratio=cf['train_s'] / sgd['train_s'],
        goal='miou_ratio >= 0.98 and time_ratio <= 0.10')
    print(f"closed form / SGD: mIoU {100 * summary['miou_ratio']:.1f} %, "
          f"time {summary['time_ratio']:.3f} (goal >= 98 %, <= 0.10)")
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(threads=args.threads, runs=results, summary=summary), f, indent=2)


if __name__ == '__main__':
    main()
