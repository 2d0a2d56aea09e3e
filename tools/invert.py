"""Invert photos into the GAN of a job config (the StyleGAN2 projector recipe).

    python tools/invert.py CONFIG IMAGE [IMAGE ...] [--head CKPT] [--space w|w+]
        [--steps 300] [--loss pixel+msssim|pixel|msssim|lpips|...] [--semantic W]
        [--noise optimise|fixed] [--out DIR]

Photos of another size or aspect are centre-cropped to a square and resized to the
generator's size. Writes, per photo, the AnnotatedLatentDataset layout (latents/STEM.npy,
masks/STEM.png) plus images/ (reconstruction), photos/, noise/ and overlays/, and
metrics.json (PSNR, MS-SSIM per photo). masks/ holds the head's mask of the reconstruction
with --head, else the teacher's mask of the photo.
"""
import argparse

from mmlinsem.cli import add_inversion_args, inversion_kwargs, run_main


def parse_args():
    p = argparse.ArgumentParser(
        description='Invert photos into the GAN; write latents, masks, reconstructions')
    p.add_argument('config', help='an mmlinsem job config (generator + teacher)')
    p.add_argument('--head', help='head checkpoint: masks/ then holds its mask of G(w)')
    p.add_argument(
        '--masks',
        choices=['head', 'teacher', 'none'],
        help='what masks/ holds (default: head with --head, else teacher)')
    add_inversion_args(p, out='work_dirs/invert')
    return p.parse_args()


def main():
    args = parse_args()
    from mmlinsem.apis import LinSemInferencer, invert_paths
    from mmlinsem.errors import MMLinsemError
    masks = args.masks or ('head' if args.head else 'teacher')
    if (masks == 'head' or args.semantic > 0) and not args.head:
        raise MMLinsemError('--semantic and --masks head need a trained head: give --head CKPT')
    inf = LinSemInferencer(args.config, args.head, device=args.device, cfg_options=args.cfg_options)
    if masks == 'teacher' and inf.model.teacher is None:
        masks = 'none'
    summary = invert_paths(
        inf.model,
        args.images,
        args.out,
        mask_source=masks,
        batch_size=args.batch_size,
        log=lambda line: print(line, flush=True),
        **inversion_kwargs(args))
    print(f'{summary["num_images"]} photo(s): mean PSNR {summary["mean_psnr"]:.2f} dB, '
          f'MS-SSIM {summary["mean_ms_ssim"]:.4f}, {summary["seconds_per_image"]:.1f} s per '
          f'photo; written to {args.out}')


if __name__ == '__main__':
    run_main(main)
