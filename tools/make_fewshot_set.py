"""Write a few-shot training set: N generated samples labelled once by the teacher.

    python tools/make_fewshot_set.py CONFIG --num 8 --seed 1116 --out data/fewshot/n8_r0

Each sample i is z = f(seed, i), stored as its (truncated, per the config) w+ latent in
``latents/NAME.npy`` with the teacher's mask in ``masks/NAME.png`` -- the layout of
``AnnotatedLatentDataset``, so a user's own annotations use the same files. A preview
(image | mask) is written too. ``--seg-layout`` also writes the N labelled images in mmseg's
layout (``img_dir/train/NAME.png`` RGB, ``ann_dir/train/NAME.png`` palette PNGs of class
indices): the "N annotated images" training set of a standard segmenter.
"""
import argparse
import os
import os.path as osp

from mmlinsem.cli import run_main


def parse_args():
    p = argparse.ArgumentParser(description='few-shot set from the teacher')
    p.add_argument('config')
    p.add_argument('--num', type=int, required=True)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', required=True)
    p.add_argument('--device', default='cpu')
    p.add_argument('--seg-layout', action='store_true', help='also img_dir/ + ann_dir/ (mmseg)')
    return p.parse_args()


def main():
    args = parse_args()
    import numpy as np
    import torch
    from PIL import Image

    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.utils import label_png, write_png
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8
    if args.num <= 0:
        raise MMLinsemError(f'--num must be positive, got {args.num}')
    inf = LinSemInferencer(args.config, device=args.device)
    if inf.model.teacher is None:
        raise MMLinsemError('the config has no teacher to label the samples')
    gen = inf.model.generator
    z = inf.latents(args.seed, args.num)
    with torch.no_grad():
        wp = gen.native_latent(z)  # w+ with the configured truncation, or z (z-only)
        img, _ = gen(wp, space=gen.native_space, truncate=False)
        masks = inf.model.teacher(img)
    subs = ['latents', 'masks'] + (['img_dir/train', 'ann_dir/train'] if args.seg_layout else [])
    for sub in subs:
        os.makedirs(osp.join(args.out, sub), exist_ok=True)
    pal = default_palette(len(inf.classes))
    rows = []
    for i in range(args.num):
        name = f'{i:05d}'
        np.save(osp.join(args.out, 'latents', name + '.npy'), wp[i].cpu().numpy())
        Image.fromarray(masks[i].cpu().numpy().astype(np.uint8)).save(
            osp.join(args.out, 'masks', name + '.png'))
        rgb, mask = img_to_uint8(img[i]).cpu().numpy(), masks[i].cpu().numpy()
        if args.seg_layout:
            # the image the teacher labelled, at the mask's size (the export's convention)
            if rgb.shape[:2] != mask.shape:
                rgb = np.array(Image.fromarray(rgb).resize(mask.shape[::-1], Image.BILINEAR))
            Image.fromarray(rgb).save(osp.join(args.out, 'img_dir', 'train', name + '.png'))
            label_png(mask, pal).save(osp.join(args.out, 'ann_dir', 'train', name + '.png'))
        rows.append([rgb, colorize(mask, pal)])
    write_png(osp.join(args.out, 'preview.png'), grid(rows[:16], scale=2))
    print(f'wrote {args.num} samples ({gen.native_space} latents, teacher masks) to '
          f'{args.out}')


if __name__ == '__main__':
    run_main(main)
