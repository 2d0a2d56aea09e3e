"""Time of one photo inversion on the shipped 64 px toy StyleGAN2 (goal: <= 30 s on 2 CPU
cores), and per photo when photos are inverted together.

    python benchmarks/inversion_speed.py [--threads 2] [--steps 300] [--space w+]
        [--batches 1,8] [--device cpu|cuda] [--out benchmarks/results/inversion_speed.json]

The photos are rendered toy faces (validation stream of world seed 0); the recipe is
``invert_images``' default (pixel + MS-SSIM, noise maps optimised, 10k w samples), the
time includes the w statistics. Each batch size is timed once (an inversion is hundreds of
steps, so a warm-up of 3 steps is run first); prints a table and writes JSON.
"""
import argparse
import json
import os
import os.path as osp
import platform

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY = 'configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py'


def parse_args():
    p = argparse.ArgumentParser(description='GAN inversion speed on the toy GAN')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--space', default='w+', choices=['w', 'w+'])
    p.add_argument('--batches', default='1,8', help='comma list of batch sizes')
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results', 'inversion_speed.json'))
    return p.parse_args()


def build_generator(device):
    from mmengine.config import Config

    from mmlinsem.registry import MODELS, build_in_scope
    cfg = Config.fromfile(osp.join(ROOT, TOY))
    cwd = os.getcwd()
    os.chdir(ROOT)  # the config's checkpoint path is relative to the repository
    try:
        return build_in_scope(MODELS, cfg.model.generator.to_dict()).to(device)
    finally:
        os.chdir(cwd)


def photos(num, size):
    import torch

    from mmlinsem.datasets import render_toy_face
    out = []
    for i in range(num):
        img, _ = render_toy_face(0, 1_000_000_000 + i, size)
        out.append(torch.from_numpy(img).permute(2, 0, 1).float() / 127.5 - 1)
    return torch.stack(out)


def main():
    args = parse_args()
    import torch
    torch.set_num_threads(args.threads)
    import mmlinsem  # noqa: F401  (registers the modules)
    from mmlinsem.apis import invert_images
    from mmlinsem.utils import atomic_write
    gen = build_generator(args.device)
    batches = [int(b) for b in args.batches.split(',')]
    imgs = photos(max(batches), gen.image_size[0]).to(args.device)
    invert_images(gen, imgs[:1], space=args.space, steps=3)  # warm-up
    rows = []
    for b in batches:
        res = invert_images(gen, imgs[:b], space=args.space, steps=args.steps)
        if args.device != 'cpu':
            torch.cuda.synchronize()
        rows.append(
            dict(
                batch=b,
                seconds=res['seconds'],
                seconds_per_image=res['seconds'] / b,
                seconds_per_step=res['seconds'] / args.steps,
                mean_psnr=float(res['psnr'].mean()),
                mean_ms_ssim=float(res['ms_ssim'].mean())))
    result = dict(
        config=TOY,
        space=args.space,
        steps=args.steps,
        threads=args.threads,
        device=args.device,
        machine=platform.processor() or platform.machine(),
        goal='one 64 px inversion <= 30 s on 2 CPU cores',
        rows=rows)
    print(f'{"batch":>5} {"total s":>8} {"s/photo":>8} {"s/step":>7} {"PSNR":>6} {"MS-SSIM":>7}')
    for r in rows:
        print(f'{r["batch"]:>5} {r["seconds"]:>8.1f} {r["seconds_per_image"]:>8.1f} '
              f'{r["seconds_per_step"]:>7.3f} {r["mean_psnr"]:>6.2f} {r["mean_ms_ssim"]:>7.4f}')
    atomic_write(args.out, (json.dumps(result, indent=2) + '\n').encode())
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
