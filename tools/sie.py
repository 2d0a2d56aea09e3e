"""Semantic Image Editing: paint a class on the LSE mask, get the edited image.

    python tools/sie.py CONFIG CHECKPOINT --label CLASS --box X0,Y0,X1,Y1
        [--stroke-mask PNG] [--seed 0] [--index 0] [--space mixz|w+] [--steps 50]
        [--lr 0.01] [--baseline-color R,G,B] [--out DIR] [--amp [--amp-dtype float16]]

The stroke is a box (pixel coordinates at the label size) or a PNG (non-zero = stroke).
Writes a picture (original | its mask | target | edited | new mask [| colour baseline]) and
``metrics.json`` (agreement with the target inside the edited region, mean pixel change
outside it; the same for the colour baseline when ``--baseline-color`` is given, RGB 0..255).
"""
import argparse
import json
import os
import os.path as osp

from _common import add_amp_args, amp_from_args, run_main


def parse_args():
    p = argparse.ArgumentParser(description='Semantic image editing')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--label', required=True, help='class name or index to paint')
    p.add_argument('--box', help='stroke rectangle X0,Y0,X1,Y1 (label-size pixels)')
    p.add_argument('--stroke-mask', help='PNG, non-zero pixels are the stroke')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--index', type=int, default=0)
    p.add_argument('--space', default='mixz', choices=['mixz', 'w+'])
    p.add_argument('--steps', type=int, default=50)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--baseline-color', help='R,G,B (0..255): also run the colour baseline')
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default='work_dirs/sie')
    add_amp_args(p)
    return p.parse_args()


def main():
    args = parse_args()
    import numpy as np
    import torch
    from PIL import Image
    from mmlinsem.apis import LinSemInferencer, color_edit, semantic_image_edit
    from mmlinsem.apis.scs import label_size
    from mmlinsem.datasets.latent_seed_dataset import default_palette, latent_for
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.semantic_extractor import img_to_uint8
    from mmlinsem.visualization import colorize, grid, save_rgb
    inf = LinSemInferencer(args.config, args.checkpoint, device=args.device)
    classes = inf.classes
    label = classes.index(args.label) if args.label in classes else None
    if label is None:
        if not args.label.isdigit() or int(args.label) >= len(classes):
            raise MMLinsemError(f'--label must be one of {classes} or an index < '
                                f'{len(classes)}, got {args.label!r}')
        label = int(args.label)
    h, w = label_size(inf.model)
    if args.stroke_mask:
        stroke = torch.from_numpy(np.array(Image.open(args.stroke_mask)) > 0)
    elif args.box:
        try:
            x0, y0, x1, y1 = [int(v) for v in args.box.split(',')]
        except ValueError:
            raise MMLinsemError(f'--box takes X0,Y0,X1,Y1, got {args.box!r}') from None
        stroke = torch.zeros(h, w, dtype=torch.bool)
        stroke[max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)] = True
    else:
        raise MMLinsemError('give the stroke with --box X0,Y0,X1,Y1 or --stroke-mask PNG')
    z = latent_for(args.seed, args.index, (inf.model.generator.noise_size, ))
    out = semantic_image_edit(inf.model, z, stroke=stroke, label=label, space=args.space,
                              steps=args.steps, lr=args.lr, amp=amp_from_args(args))
    pal = default_palette(len(classes))
    row = [img_to_uint8(out['original_image'][0]).numpy(),
           colorize(out['original_mask'].cpu().numpy(), pal),
           colorize(out['target'].cpu().numpy(), pal),
           img_to_uint8(out['image'][0]).numpy(), colorize(out['mask'].cpu().numpy(), pal)]
    metrics = dict(label=classes[label], stroke_pixels=int(stroke.sum()), space=args.space,
                   steps=args.steps,
                   amp=amp_from_args(args) or None, lse=dict(
                       target_agreement_inside=out['target_agreement_inside'],
                       pixel_change_outside=out['pixel_change_outside']))
    if args.baseline_color:
        rgb = [int(v) / 127.5 - 1 for v in args.baseline_color.split(',')]
        base = color_edit(inf.model, z, stroke, rgb, space=args.space, steps=args.steps,
                          lr=args.lr, amp=amp_from_args(args))
        from mmlinsem.apis.latent_optim import predict_logits
        from mmlinsem.apis.scs import render
        with torch.no_grad():
            img, feats = render(inf.model.generator, base['latent'], args.space)
            mask = predict_logits(inf.model, img, feats, (h, w), 'head').argmax(1)[0]
        region = out['target'] != out['original_mask']
        change = ((base['image'] - base['original_image']).abs().mean(1)[0] / 2)
        metrics['colour_baseline'] = dict(
            target_agreement_inside=float((mask[region] == out['target'][region])
                                          .float().mean()) if region.any() else None,
            pixel_change_outside=float(change[~stroke].mean()))
        row.append(img_to_uint8(base['image'][0]).numpy())
    os.makedirs(args.out, exist_ok=True)
    save_rgb(osp.join(args.out, 'sie.png'), grid([row], scale=3))
    with open(osp.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics))


if __name__ == '__main__':
    run_main(main)
