"""Write a few-shot training set: N generated samples labelled once by the teacher.

    python tools/make_fewshot_set.py CONFIG --num 8 --seed 1116 --out data/fewshot/n8_r0

Each sample i is z = f(seed, i), stored as its (truncated, per the config) w+ latent in
``latents/NAME.npy`` with the teacher's mask in ``masks/NAME.png`` -- the layout of
``AnnotatedLatentDataset``, so a user's own annotations use the same files. A preview
(image | mask) is written too.
"""
import argparse
import os
import os.path as osp

from mmlinsem.utils import run_main


def parse_args():
    p = argparse.ArgumentParser(description='few-shot set from the teacher')
    p.add_argument('config')
    p.add_argument('--num', type=int, required=True)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', required=True)
    p.add_argument('--device', default='cpu')
    return p.parse_args()


def main():
    args = parse_args()
    import numpy as np
    import torch
    from PIL import Image

    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8, save_rgb
    if args.num <= 0:
        raise MMLinsemError(f'--num must be positive, got {args.num}')
    inf = LinSemInferencer(args.config, device=args.device)
    if inf.model.teacher is None:
        raise MMLinsemError('the config has no teacher to label the samples')
    gen = inf.model.generator
    z = inf.latents(args.seed, args.num)
    with torch.no_grad():
        wp = gen.to_wp(z, 'z')  # truncation as configured
        img, _ = gen(wp, space='w+', truncate=False)
        masks = inf.model.teacher(img)
    for sub in ('latents', 'masks'):
        os.makedirs(osp.join(args.out, sub), exist_ok=True)
    pal = default_palette(len(inf.classes))
    rows = []
    for i in range(args.num):
        name = f'{i:05d}'
        np.save(osp.join(args.out, 'latents', name + '.npy'), wp[i].cpu().numpy())
        Image.fromarray(masks[i].cpu().numpy().astype(np.uint8)).save(
            osp.join(args.out, 'masks', name + '.png'))
        rows.append([img_to_uint8(img[i]).cpu().numpy(), colorize(masks[i].cpu().numpy(), pal)])
    save_rgb(osp.join(args.out, 'preview.png'), grid(rows[:16], scale=2))
    print(f'wrote {args.num} samples (w+ latents, teacher masks) to {args.out}')


if __name__ == '__main__':
    run_main(main)
