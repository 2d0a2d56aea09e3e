"""SeFa: closed-form latent directions of a GAN, rendered as edit grids.

    python tools/sefa.py CONFIG [--layers all|0,1,2] [--num-directions 5]
        [--strengths=-3,-1.5,0,1.5,3] [--num-samples 3] [--seed 0] [--out DIR]

CONFIG is any mmlinsem job config (its ``model.generator``). Writes one grid per sample
(rows: directions, columns: strengths), ``directions.pt`` and ``eigenvalues.json``.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import add_trust_arg, load_config, run_main


def parse_args():
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description='SeFa directions and edit grids')
    p.add_argument('config')
    p.add_argument('--checkpoint', help='override the generator checkpoint')
    p.add_argument(
        '--layers',
        default='all',
        help="style layers: 'all', a range 'a-b' or comma-separated indices")
    p.add_argument('--num-directions', type=int, default=5)
    p.add_argument(
        '--strengths',
        default='-3,-1.5,0,1.5,3',
        help='comma-separated; write --strengths=-3,0,3 (negative first value)')
    p.add_argument('--num-samples', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='work_dirs/sefa')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_trust_arg(p)
    return p.parse_args()


def main():
    args = parse_args()
    import torch

    from mmlinsem.apis import sefa_directions
    from mmlinsem.apis.directions import edit_wplus
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.registry import MODELS, build_in_scope
    from mmlinsem.utils import latent_for, write_png
    from mmlinsem.visualization import grid, img_to_uint8
    cfg = load_config(args.config, args.cfg_options)
    gen_cfg = dict(cfg.model.generator)
    gen_cfg.setdefault('type', 'FeatureGenerator')
    if args.checkpoint:
        gen_cfg['checkpoint'] = args.checkpoint
    try:
        strengths = [float(s) for s in args.strengths.split(',')]
    except ValueError:
        raise MMLinsemError('--strengths takes comma-separated numbers, e.g. -3,0,3; got '
                            f'{args.strengths!r}')
    g = build_in_scope(MODELS, gen_cfg)
    dirs, eigvals, used = sefa_directions(g.generator, args.layers, args.num_directions)
    os.makedirs(args.out, exist_ok=True)
    torch.save(
        dict(directions=dirs, eigenvalues=eigvals, layers=used),
        osp.join(args.out, 'directions.pt'))
    with open(osp.join(args.out, 'eigenvalues.json'), 'w') as f:
        json.dump(dict(layers=used, eigenvalues=[float(v) for v in eigvals]), f, indent=2)
    for s in range(args.num_samples):
        z = latent_for(args.seed, s, (1, g.noise_size))
        rows = []
        with torch.no_grad():
            base = g.to_wp(z) if g.style_based else z
            for d in dirs:
                row = []
                for a in strengths:
                    if g.style_based:
                        img, _ = g(edit_wplus(base, d, a, used), space='w+', truncate=False)
                    else:
                        img, _ = g(base + a * d, space='z')
                    row.append(img_to_uint8(img[0]).numpy())
                rows.append(row)
        write_png(osp.join(args.out, f'sefa_sample{s}.png'), grid(rows, scale=2))
    print(f'eigenvalues: {[round(float(v), 3) for v in eigvals]}; grids in {args.out}')


if __name__ == '__main__':
    run_main(main)
