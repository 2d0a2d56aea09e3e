"""Print a result beside a model-zoo entry: how far a test run's mIoU is from a reference.

    python tools/analysis/compare_to_zoo.py work_dirs/default/test/results/metrics.json \
        --reference nse1_stylegan2lite-toyfaces64

The reference value is read from the zoo's metafiles (``configs/*/metafile.yml``, the same
table the model-zoo pages show), so the main job compares itself with the shipped figures.
"""
import argparse
import glob
import json
import os.path as osp

import yaml

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils import run_main

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
    args = p.parse_args()
    try:
        with open(args.metrics) as f:
            miou = float(json.load(f)['mIoU'])
    except (OSError, ValueError, KeyError) as err:
        raise MMLinsemError(f'expected a metrics.json with an mIoU from tools/test.py --out at '
                            f'{args.metrics}: {err}') from None
    entry = zoo_entry(args.reference)
    ref = float(entry['Results']['Metrics']['mIoU'])
    iters = entry.get('Metadata', {}).get('Iterations')
    trained = f', {iters} iterations' if iters else ''
    print(f'{args.label}: mIoU {miou:.2f}; {args.reference} ({entry["file"]}{trained}): '
          f'{ref:.2f}; difference {miou - ref:+.2f} points ({100 * (miou - ref) / ref:+.1f} %)')


if __name__ == '__main__':
    run_main(main)
