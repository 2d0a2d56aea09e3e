"""Segment photos with a trained head: invert each photo into the GAN, read the head's
mask of the reconstruction.

    python tools/segment_real.py CONFIG HEAD IMAGE [IMAGE ...] --out DIR
        [--space w|w+] [--steps 300] [--loss pixel+msssim] [--semantic W]

Photos of another size or aspect are centre-cropped to a square and resized to the
generator's size. Per photo: masks/STEM.png (palette PNG whose values are the class
indices), overlays/STEM.png (photo | reconstruction | mask | mask over the photo, with the
class legend), and the inversion's latents/, images/, photos/, noise/; metrics.json holds
the reconstruction PSNR / MS-SSIM.
"""
import argparse

from mmlinsem.cli import add_inversion_args, inversion_kwargs, run_main


def parse_args():
    p = argparse.ArgumentParser(description='Segment photos: inversion + the head mask')
    p.add_argument('config', help='the mmlinsem job config the head was trained with')
    p.add_argument('head', help='head checkpoint (tools/train.py)')
    add_inversion_args(p, out='work_dirs/segment_real')
    return p.parse_args()


def main():
    args = parse_args()
    from mmlinsem.apis import LinSemInferencer, invert_paths
    inf = LinSemInferencer(args.config, args.head, device=args.device, cfg_options=args.cfg_options)
    summary = invert_paths(
        inf.model,
        args.images,
        args.out,
        mask_source='head',
        batch_size=args.batch_size,
        log=lambda line: print(line, flush=True),
        **inversion_kwargs(args))
    print(f'{summary["num_images"]} photo(s) segmented (masks/, overlays/), mean '
          f'reconstruction PSNR {summary["mean_psnr"]:.2f} dB; written to {args.out}')


if __name__ == '__main__':
    run_main(main)
