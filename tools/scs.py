"""Semantic-Conditional Sampling with evaluation and pictures.

    python tools/scs.py CONFIG CHECKPOINT [--targets DIR] [--num-targets 4] [--samples 3]
        [--space z|w|w+|mixz] [--predictor head|teacher] [--n-init N] [--steps 50]
        [--lr 0.01] [--seed 0] [--out DIR] [--amp [--amp-dtype float16]]

Targets are index-mask PNGs from ``--targets`` or, by default, teacher masks of generated
images (``--target-seed``), as the paper does for scenes. Prints and writes (``metrics.json``)
the semantic accuracy -- the teacher's mIoU of each sample against its target -- beside
random sampling, and a grid per run (rows: target | samples | their teacher masks).
``--n-init`` (latents drawn to pick each sample's start) defaults to the config's
``scs_cfg.n_init`` -- the original's 10 for bedroom, 100 for church and FFHQ in the zoo
configs -- else 10.
"""
import argparse
import glob
import json
import os
import os.path as osp

from mmlinsem.cli import add_pipeline_args, amp_from_args, inferencer_from_args, run_main


def parse_args():
    p = argparse.ArgumentParser(description='Semantic-conditional sampling')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--targets', help='folder of single-channel index-mask PNGs')
    p.add_argument('--num-targets', type=int, default=4)
    p.add_argument('--target-seed', type=int, default=20210601)
    p.add_argument('--samples', type=int, default=3, help='samples per target')
    p.add_argument('--space', default='z', choices=['z', 'w', 'w+', 'mixz'])
    p.add_argument('--predictor', default='head', choices=['head', 'teacher'])
    p.add_argument(
        '--n-init',
        type=int,
        help="latents drawn per sample (default: the config's scs_cfg.n_init, else 10)")
    p.add_argument('--steps', type=int, default=50)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--seed', type=int, default=0)
    add_pipeline_args(p, out='work_dirs/scs')
    return p.parse_args()


DEFAULT_N_INIT = 10


def default_n_init(cfg) -> int:
    """``scs_cfg.n_init`` of the config, else 10."""
    return int((cfg.get('scs_cfg') or {}).get('n_init', DEFAULT_N_INIT))


def load_targets(args, inf):
    import numpy as np
    import torch
    from PIL import Image

    from mmlinsem.apis import label_size
    from mmlinsem.apis.synthesis import check_target
    from mmlinsem.errors import MMLinsemError
    if args.targets:
        paths = sorted(glob.glob(osp.join(args.targets, '*.png')))
        if not paths:
            raise MMLinsemError(f'no *.png target masks in {args.targets}')
        targets = []
        for path in paths:
            mask = np.array(Image.open(path))
            if mask.ndim != 2:
                raise MMLinsemError(f'target {path} must be a single-channel index-mask PNG, '
                                    f'got shape {mask.shape}')
            try:  # the API's check, named by file
                check_target(mask.astype(np.int64), len(inf.classes), label_size(inf.model))
            except MMLinsemError as err:
                raise MMLinsemError(f'{path}: {err}') from None
            targets.append(torch.from_numpy(mask.astype(np.int64)))
        return targets
    seg = inf.segment(inf.latents(args.target_seed, args.num_targets))
    return list(seg['teacher_masks'].cpu())


def main():
    args = parse_args()
    from mmlinsem.apis import evaluate_scs
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8
    inf = inferencer_from_args(args)
    if args.n_init is None:
        args.n_init = default_n_init(inf.cfg)
    if args.n_init < 1:
        raise MMLinsemError(f'--n-init must be >= 1, got {args.n_init}')
    if args.samples < 1 or (not args.targets and args.num_targets < 1):
        raise MMLinsemError(f'--samples and --num-targets must be >= 1, got {args.samples} '
                            f'and {args.num_targets}')
    targets = load_targets(args, inf)
    res = evaluate_scs(
        inf.model,
        targets,
        samples_per_target=args.samples,
        seed=args.seed,
        return_samples=True,
        space=args.space,
        predictor=args.predictor,
        n_init=args.n_init,
        steps=args.steps,
        lr=args.lr,
        amp=amp_from_args(args))
    palette = default_palette(len(inf.classes))
    rows = []
    for t, target in enumerate(targets):
        samples = [s for s in res['samples'] if s['target_index'] == t]
        rows.append([colorize(target.numpy(), palette)] +
                    [img_to_uint8(s['image'][0]).numpy() for s in samples] +
                    [colorize(s['teacher_label'].numpy(), palette) for s in samples])
    os.makedirs(args.out, exist_ok=True)
    write_png(osp.join(args.out, 'scs_grid.png'), grid(rows, scale=2))
    metrics = {k: v for k, v in res.items() if k != 'samples'}
    metrics.update(
        space=args.space,
        predictor=args.predictor,
        steps=args.steps,
        n_init=args.n_init,
        amp=amp_from_args(args) or None)
    with open(osp.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    print(f"SCS semantic accuracy (teacher mIoU vs target): {res['miou']:.2f}  "
          f"random samples: {res['miou_random']:.2f}  ({res['num_samples']} samples); "
          f"grid and metrics in {args.out}")


if __name__ == '__main__':
    run_main(main)
