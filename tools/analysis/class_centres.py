"""Class centres as a forged LSE (paper Sec. 3.3), evaluated beside a trained LSE.

    python tools/analysis/class_centres.py CONFIG [--checkpoint TRAINED_LSE]
        [--num-images 3000] [--pixels-per-image 1024] [--eval-samples 1000] [--out DIR]

Writes ``centres.pt``, ``class_centres.json`` (mIoU and per-class IoU of the forged LSE
and, with ``--checkpoint``, of the trained one), ``class_centres.md`` (the per-class IoUs
side by side) and ``centres_vs_lse.png`` (image | teacher | centres [| trained LSE]).
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import run_main


def parse_args():
    p = argparse.ArgumentParser(description='class centres as a forged LSE')
    p.add_argument('config')
    p.add_argument('--checkpoint', help='a trained LSE head checkpoint to compare with')
    p.add_argument('--num-images', type=int, default=3000)
    p.add_argument('--pixels-per-image', type=int, default=1024)
    p.add_argument('--eval-samples', type=int, default=1000)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default='work_dirs/analysis/class_centres')
    return p.parse_args()


def main():
    args = parse_args()
    import torch

    from mmlinsem.analysis import (class_centres, evaluate_extractor, forge_lse_from_centres,
                                   markdown_table)
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import default_palette, grid, img_to_uint8, overlay
    forged = LinSemInferencer(args.config, device=args.device)
    centres = class_centres(forged.model, args.num_images, args.pixels_per_image)
    forge_lse_from_centres(forged.model, centres)
    res = dict(centres=evaluate_extractor(forged.model, args.eval_samples))
    models = [forged]
    if args.checkpoint:
        trained = LinSemInferencer(args.config, args.checkpoint, device=args.device)
        res['trained_lse'] = evaluate_extractor(trained.model, args.eval_samples)
        models.append(trained)
    os.makedirs(args.out, exist_ok=True)
    torch.save(dict(centres=centres, classes=forged.classes), osp.join(args.out, 'centres.pt'))
    with open(osp.join(args.out, 'class_centres.json'), 'w') as f:
        json.dump(res, f, indent=2)
    names = list(res)
    per_class = [{
        c: float('nan') if v is None else v / 100
        for c, v in res[n]['per_class'].items()
    } for n in names]
    with open(osp.join(args.out, 'class_centres.md'), 'w') as f:
        f.write(
            markdown_table(names, per_class,
                           miou=[res[n]['mIoU']
                                 for n in names]).replace('| class |', '| class (IoU %) |', 1))
    pal = default_palette(len(forged.classes))
    z = forged.latents(99, 6)
    segs = [m.segment(z) for m in models]
    rows = []
    for i in range(len(z)):
        img = img_to_uint8(segs[0]['images'][i]).cpu().numpy()
        row = [img, overlay(img, segs[0]['teacher_masks'][i].cpu().numpy(), pal)]
        row += [overlay(img, s['masks'][i].cpu().numpy(), pal) for s in segs]
        rows.append(row)
    write_png(osp.join(args.out, 'centres_vs_lse.png'), grid(rows, scale=2))
    line = f"class centres mIoU {res['centres']['mIoU']:.2f}"
    if 'trained_lse' in res:
        line += f"; trained LSE mIoU {res['trained_lse']['mIoU']:.2f}"
    print(line + f'; results in {args.out}')


if __name__ == '__main__':
    run_main(main)
