"""Named and region-specific latent directions from a trained semantic head.

    python tools/semantic_directions.py CONFIG HEAD_CKPT [--method name|region|compare]
        [--classes hair[,skin]] [--layers all|a-b|0,1,2] [--source sefa|pca|FILE]
        [--num-directions 5] [--num-samples 8] [--strength 3] [--tau 1] [--out DIR]

``--method name`` (default): name the directions of ``--source`` (SeFa on ``--layers``, a
PCA of sampled w as GANSpace, or a ``directions.pt`` / (k, d) tensor FILE) by the classes
whose head-mask area they change most, with a locality score. ``--method region``: the
directions that change the ``--classes`` region most while keeping the rest (ReSeFa-style
generalised eigenvectors from the head's Jacobian), then named the same way.
``--method compare``: for each of ``--classes`` on its own, the region direction's locality
against the best ``--source`` direction for that class (by the naming table), both at the
same mean image change ``--target-change``, on held-out samples.

Writes to ``--out``: ``directions.pt`` (``directions`` (k, d), ``eigenvalues``, ``layers``:
the layout of ``tools/sefa.py``, plus ``names``), ``table.json``, ``table.md`` and
``grid.png`` (rows: image and head mask per direction; columns: -s, 0, +s per sample);
compare also ``compare.json`` / ``compare.md`` (``directions.pt`` then holds one region
direction per class).
"""
import argparse
import json
import os
import os.path as osp
import time

from mmlinsem.cli import add_trust_arg, load_config, run_main


def parse_args():
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description='named / region-specific latent directions')
    p.add_argument('config')
    p.add_argument('checkpoint', help='head checkpoint written by tools/train.py')
    p.add_argument('--method', choices=['name', 'region', 'compare'], default='name')
    p.add_argument('--classes', help='comma-separated class names (required by region)')
    p.add_argument('--layers', help="w+ layers: 'all' (default), 'a-b' or '0,1,2'")
    p.add_argument('--source', default='sefa', help="name: 'sefa', 'pca' or a FILE")
    p.add_argument('--num-directions', type=int, default=5)
    p.add_argument('--num-samples', type=int, default=8, help='samples measured (M)')
    p.add_argument('--strength', type=float, default=3.0, help='edits at -s and +s')
    p.add_argument('--tau', type=float, default=1.0, help='region: M_b + tau tr(M_b)/d I')
    p.add_argument('--jacobian-layer', type=int, help='region: feature layer of the logits')
    p.add_argument(
        '--target-change',
        type=float,
        default=0.05,
        help='compare: mean per-pixel image change of every edit (RGB in [-1, 1])')
    p.add_argument('--eval-samples', type=int, default=12, help='compare: held-out samples')
    p.add_argument('--grid-samples', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default='work_dirs/semantic_directions')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_trust_arg(p)
    return p.parse_args()


def _source_directions(args, model, layers):
    import torch

    from mmlinsem.apis import pca_directions, sefa_directions
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.utils import reading, safe_torch_load
    g = model.generator
    if args.source == 'sefa':
        dirs, vals, _ = sefa_directions(g.generator, layers, args.num_directions)
        return dirs, vals, layers
    if args.source == 'pca':
        dirs, vals = pca_directions(g, args.num_directions, seed=args.seed)
        return dirs, vals, layers
    if not osp.isfile(args.source):
        raise MMLinsemError(f"--source must be 'sefa', 'pca' or a directions file; "
                            f'{args.source!r} is none')
    with reading(f'directions file {args.source}', 'expected a .pth written by this tool'):
        data = safe_torch_load(args.source)
    dirs = data['directions'] if isinstance(data, dict) else data
    if not torch.is_tensor(dirs) or dirs.ndim != 2 or dirs.shape[1] != g.style_channels:
        raise MMLinsemError(f'{args.source}: expected (k, {g.style_channels}) directions, got '
                            f'{tuple(getattr(dirs, "shape", ()))}')
    if args.layers is None and isinstance(data, dict) and data.get('layers') is not None:
        layers = [int(i) for i in data['layers']]
    vals = data.get('eigenvalues') if isinstance(data, dict) else None
    return dirs.float(), vals if vals is not None else torch.zeros(len(dirs)), layers


def _compare(args, model, classes, layers):
    import torch

    from mmlinsem.apis.directions import (compare_locality, compare_markdown, direction_grid,
                                          directions_markdown)
    from mmlinsem.utils import atomic_write, write_png
    dirs, _, layers = _source_directions(args, model, layers)
    res = compare_locality(
        model,
        classes,
        dirs,
        layers,
        args.target_change,
        args.num_samples,
        args.eval_samples,
        args.seed,
        args.strength,
        tau=args.tau,
        jacobian_layer=args.jacobian_layer)
    os.makedirs(args.out, exist_ok=True)
    found = res['region_directions']
    torch.save(
        dict(
            directions=found,
            eigenvalues=torch.zeros(len(found)),
            layers=list(layers),
            names=[f'{c} (region)' for c in classes],
            method='compare',
            classes=classes,
            tau=args.tau), osp.join(args.out, 'directions.pt'))
    what = args.source if args.source in ('sefa', 'pca') else 'given'
    what = {'sefa': 'SeFa', 'pca': 'PCA'}.get(what, what)
    summary = dict(
        layers=list(layers),
        target_change=args.target_change,
        rows=res['rows'],
        table=res['table'],
        tau=args.tau)
    atomic_write(osp.join(args.out, 'compare.json'), json.dumps(summary, indent=2).encode())
    atomic_write(osp.join(args.out, 'compare.md'), compare_markdown(res['rows'], what).encode())
    atomic_write(osp.join(args.out, 'table.md'), directions_markdown(res['table']).encode())
    labels = [f'{r["class"]} region | loc {r["region_locality"]:.2f}' for r in res['rows']]
    s = args.strength
    pic = direction_grid(model, found, labels, layers, (-s, 0, s), args.grid_samples, args.seed)
    write_png(osp.join(args.out, 'grid.png'), pic)
    print('; '.join(f'{r["class"]}: region {r["region_locality"]:.2f} vs {what} '
                    f'{r["best"]} {r["best_locality"]:.2f} ({r["seconds"]:.1f} s)'
                    for r in res['rows']) + f'; outputs in {args.out}')


def main():
    args = parse_args()
    import torch

    from mmlinsem.apis import LinSemInferencer, name_directions, region_directions
    from mmlinsem.apis.directions import direction_grid, directions_markdown
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.generators import parse_layers
    from mmlinsem.utils import atomic_write, write_png
    if args.num_directions < 1 or args.num_samples < 1:
        raise MMLinsemError('--num-directions and --num-samples must be >= 1')
    if args.method != 'name' and not args.classes:
        raise MMLinsemError(f'--method {args.method} needs --classes, e.g. --classes hair')
    cfg = load_config(args.config, args.cfg_options)
    if not osp.isfile(args.checkpoint):
        raise MMLinsemError(f'head checkpoint not found: {args.checkpoint}')
    model = LinSemInferencer(cfg, args.checkpoint, device=args.device).model
    g = model.generator
    if not g.style_based:
        raise MMLinsemError('semantic directions need a style-based generator (w / w+)')
    classes = [c.strip() for c in args.classes.split(',')] if args.classes else None
    layers = parse_layers(args.layers or 'all', g.num_latents)
    if classes is not None:  # fail on an unknown class before any work
        name_directions(model, torch.zeros(0, g.style_channels), layers, classes=classes)
    if args.method == 'compare':
        return _compare(args, model, classes, layers)
    start = time.perf_counter()
    extra = {}
    if args.method == 'region':
        res = region_directions(
            model,
            classes,
            layers,
            args.num_directions,
            args.num_samples,
            args.seed,
            tau=args.tau,
            jacobian_layer=args.jacobian_layer)
        dirs, vals = res['directions'], res['eigenvalues']
        extra = dict(classes=res['classes'], jacobian_layer=res['jacobian_layer'], tau=args.tau)
    else:
        dirs, vals, layers = _source_directions(args, model, layers)
        layers = parse_layers(layers, g.num_latents)
    found = time.perf_counter() - start
    table = name_directions(
        model,
        dirs,
        layers,
        args.strength,
        args.num_samples,
        args.seed + 1,  # measured on other samples than the region directions were fit on
        classes=classes)
    os.makedirs(args.out, exist_ok=True)
    torch.save(
        dict(
            directions=dirs,
            eigenvalues=vals,
            layers=layers,
            names=[r['name'] for r in table],
            method=args.method,
            source=args.source if args.method == 'name' else 'region',
            **extra), osp.join(args.out, 'directions.pt'))
    summary = dict(
        method=args.method,
        layers=layers,
        seconds=round(found, 3),
        eigenvalues=[float(v) for v in vals],
        table=table,
        **extra)
    atomic_write(osp.join(args.out, 'table.json'), json.dumps(summary, indent=2).encode())
    atomic_write(osp.join(args.out, 'table.md'), directions_markdown(table, classes).encode())
    labels = [f'{r["index"]}: {r["name"] or "-"} | loc {r["locality"]:.2f}' for r in table]
    s = args.strength
    pic = direction_grid(model, dirs, labels, layers, (-s, 0, s), args.grid_samples, args.seed)
    write_png(osp.join(args.out, 'grid.png'), pic)
    print(f'{len(table)} directions ({args.method}, {found:.1f} s): ' +
          '; '.join(f'{r["index"]}: {r["name"] or "-"} ({r["locality"]:.2f})'
                    for r in table) + f'; outputs in {args.out}')


if __name__ == '__main__':
    run_main(main)
