"""Quality evidence of the toy-world GAN: teacher class histogram of generated images vs
the ground-truth histogram of real toy faces (total variation), plus a sample grid.

    python tools/toy_gan_check.py [--checkpoint GAN_CKPT] [--num 1000] [--out DIR]

The GAN is the generator of ``configs/lse/lse_stylegan2lite-toyfaces64.py`` (its shipped
checkpoint unless ``--checkpoint`` is given, e.g. a training checkpoint); samples are drawn
without truncation. Writes ``histogram.json``, ``histogram.png`` and ``samples.png``.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import run_main
from mmlinsem.utils import REPO_ROOT

CONFIG = 'configs/lse/lse_stylegan2lite-toyfaces64.py'


def parse_args():
    p = argparse.ArgumentParser(description='toy GAN label-histogram check')
    p.add_argument('--config', default=CONFIG)
    p.add_argument('--checkpoint', help='GAN checkpoint (default: the config\'s)')
    p.add_argument('--num', type=int, default=1000)
    p.add_argument('--seed', type=int, default=31337)
    p.add_argument('--batch-size', type=int, default=50)
    p.add_argument('--out', default='docs/en/_static/toy_gan')
    return p.parse_args()


def main():
    args = parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.datasets import TOY_FACE_CLASSES, class_histogram, render_toy_face
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import grid, img_to_uint8
    os.chdir(REPO_ROOT)
    opts = {'model.generator.checkpoint': args.checkpoint} if args.checkpoint else None
    inf = LinSemInferencer(args.config, cfg_options=opts)
    k = len(TOY_FACE_CLASSES)
    counts = np.zeros(k)
    samples = []
    latents = inf.latents(args.seed, args.num)
    for start in range(0, args.num, args.batch_size):
        z = latents[start:start + args.batch_size]
        with torch.no_grad():
            img, _ = inf.model.generator(z, space='z', truncate=False)
            labels = inf.model.teacher(img)
        counts += np.bincount(labels.flatten().numpy(), minlength=k)[:k]
        if len(samples) < 64:
            samples += [img_to_uint8(im).numpy() for im in img[:64 - len(samples)]]
    gen_hist = counts / counts.sum()
    masks = np.stack([render_toy_face(args.seed, i, 64)[1] for i in range(args.num)])
    real_hist = class_histogram(masks, k)
    tv = 0.5 * float(np.abs(gen_hist - real_hist).sum())
    os.makedirs(args.out, exist_ok=True)
    res = dict(
        classes=list(TOY_FACE_CLASSES),
        generated=gen_hist.tolist(),
        real=np.asarray(real_hist).tolist(),
        total_variation=tv,
        num=args.num,
        checkpoint=args.checkpoint or inf.cfg.model.generator.checkpoint)
    with open(osp.join(args.out, 'histogram.json'), 'w') as f:
        json.dump(res, f, indent=2)
    fig, ax = plt.subplots(figsize=(7, 3))
    x = np.arange(k)
    ax.bar(x - 0.2, real_hist, 0.4, label='real (ground truth)')
    ax.bar(x + 0.2, gen_hist, 0.4, label='generated (teacher)')
    ax.set_xticks(x, TOY_FACE_CLASSES, rotation=30)
    ax.set_ylabel('pixel share')
    ax.set_title(f'class frequencies, total variation {tv:.3f}')
    ax.legend()
    fig.tight_layout()
    fig.savefig(osp.join(args.out, 'histogram.png'), dpi=120)
    rows = [samples[i:i + 8] for i in range(0, len(samples), 8)]
    write_png(osp.join(args.out, 'samples.png'), grid(rows, scale=1))
    print(f'total variation {tv:.3f} over {args.num} images; {args.out}')


if __name__ == '__main__':
    run_main(main)
