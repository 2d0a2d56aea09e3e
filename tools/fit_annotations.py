"""Fit a few-shot LSE on an annotation folder in seconds (the app's "Train" button).

    python tools/fit_annotations.py CONFIG ANNOTATIONS --out HEAD.pth
        [--ce-steps 100] [--pixels 4096] [--eval 64] [--eval-seed 2024]

ANNOTATIONS is a folder in the ``AnnotatedLatentDataset`` layout (``latents/NAME.npy`` w+
latents + ``masks/NAME.png`` class indices, 255 = not annotated), as written by the app or
by tools/make_fewshot_set.py. The LSE is fitted in closed form (ridge regression on
class-balanced pixel picks) and refined with --ce-steps L-BFGS steps of the pixel
cross-entropy; the head checkpoint loads like one of tools/train.py. With a teacher in the
config, prints the paper mIoU against it on --eval held-out samples.
"""
import argparse

from mmlinsem.cli import add_trust_arg, run_main


def parse_args():
    p = argparse.ArgumentParser(description='few-shot LSE from annotations, closed form')
    p.add_argument('config')
    p.add_argument('annotations')
    p.add_argument('--out', required=True, help='head checkpoint to write (.pth)')
    p.add_argument('--ce-steps', type=int, default=100)
    p.add_argument('--pixels', type=int, default=4096, help='pixels picked per sample')
    p.add_argument('--eval', type=int, default=64, help='held-out samples (0: skip)')
    p.add_argument('--eval-seed', type=int, default=2024)
    p.add_argument('--device', default='cpu')
    add_trust_arg(p)
    return p.parse_args()


def main():
    args = parse_args()
    import json

    import torch

    from mmlinsem.apis import LinSemInferencer, label_size
    from mmlinsem.datasets import AnnotationStore
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.heads import fit_lse_on_annotations
    from mmlinsem.utils import save_head_checkpoint
    if args.ce_steps < 0 or args.pixels <= 0 or args.eval < 0:
        raise MMLinsemError(f'expected --ce-steps >= 0, --pixels > 0, --eval >= 0, got '
                            f'{args.ce_steps}, {args.pixels}, {args.eval}')
    inf = LinSemInferencer(args.config, device=args.device)
    store = AnnotationStore(args.annotations, len(inf.classes), label_size(inf.model))
    latents, masks, names = store.arrays()
    for name, mask in zip(names, masks):
        try:
            store.check_mask(mask)
        except MMLinsemError as err:
            raise MMLinsemError(f'{store.root}/masks/{name}.png: {err}') from None
    fit = fit_lse_on_annotations(
        inf.model,
        torch.from_numpy(latents),
        torch.from_numpy(masks.astype('int64')),
        pixels_per_image=args.pixels,
        ce_steps=args.ce_steps)
    save_head_checkpoint(inf.model, args.out,
                         dict(annotations=names, ce_steps=args.ce_steps, pixels=args.pixels))
    result = dict(
        head=args.out,
        num_annotations=len(names),
        seconds=round(fit['seconds'], 2),
        num_pixels=fit['num_pixels'])
    if args.eval and inf.model.teacher is not None:
        result['miou_vs_teacher'] = round(inf.miou_vs_teacher(args.eval_seed, args.eval), 2)
    print(json.dumps(result))


if __name__ == '__main__':
    run_main(main)
