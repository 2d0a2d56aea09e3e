"""Print a result beside a model-zoo entry: how far a test run's mIoU is from a reference.

    python tools/analysis/compare_to_zoo.py work_dirs/default/test/results/metrics.json \
        --reference nse1_stylegan2lite-toyfaces64 [--metric mIoU]

The reference value is read from the zoo's metafiles (``configs/*/metafile.yml``, the same
table the model-zoo pages show), so the main job compares itself with the shipped figures.
``--metric`` picks one of the entry's metrics (an entry of several heads, such as the
converged Table 1 run, has one per head: ``'NSE-1 mIoU'``); the run's own figure is its
``mIoU``. The line gives the difference and the run's figure as a % of the reference.
"""
import argparse
import glob
import json
import os.path as osp

import yaml

from mmlinsem.cli import run_main
from mmlinsem.errors import MMLinsemError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def zoo_entry(name: str) -> dict:
    """The metafile model entry called ``name`` (with the metafile's path under 'file')."""
    names = []
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '*', 'metafile.yml'))):
        with open(path) as f:
            models = (yaml.safe_load(f) or {}).get('Models', [])
        for model in models:
            names.append(model.get('Name'))
            if model.get('Name') == name:
                return dict(model, file=osp.relpath(path, ROOT))
    raise MMLinsemError(f'no model-zoo entry named {name!r}; known: {", ".join(names)}')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('metrics', help='metrics.json written by tools/test.py --out')
    p.add_argument('--reference', required=True, help='model-zoo entry name')
    p.add_argument('--label', default='this run', help='name of the run in the printed line')
    p.add_argument('--metric', default='mIoU', help="the entry's metric to compare with")
    args = p.parse_args()
    try:
        with open(args.metrics) as f:
            miou = float(json.load(f)['mIoU'])
    except (OSError, ValueError, KeyError) as err:
        raise MMLinsemError(f'expected a metrics.json with an mIoU from tools/test.py --out at '
                            f'{args.metrics}: {err}') from None
    entry = zoo_entry(args.reference)
    metrics = entry.get('Results', {}).get('Metrics', {})
    if args.metric not in metrics:
        raise MMLinsemError(f'model-zoo entry {args.reference} has no metric {args.metric!r}; '
                            f'it has: {", ".join(map(str, metrics)) or "none"}')
    ref = float(metrics[args.metric])
    iters = entry.get('Metadata', {}).get('Iterations')
    trained = f', {iters} iterations' if iters else ''
    what = '' if args.metric == 'mIoU' else f' {args.metric}'
    print(f'{args.label}: mIoU {miou:.2f}; {args.reference}{what} ({entry["file"]}{trained}): '
          f'{ref:.2f}; difference {miou - ref:+.2f} points ({100 * (miou - ref) / ref:+.1f} %), '
          f'{100 * miou / ref:.1f} % of it')


if __name__ == '__main__':
    run_main(main)
