"""Semantic Image Editing: paint a class on the LSE mask, get the edited image.

    python tools/sie.py CONFIG CHECKPOINT --label CLASS --box X0,Y0,X1,Y1
        [--stroke-mask PNG] [--seed 0] [--index 0[,1,...]] [--space mixz|w+|z] [--steps 50]
        [--lr 0.01] [--baseline-color R,G,B] [--out DIR] [--amp [--amp-dtype float16]]
        [--latent FILE.npy [--photo IMG] [--dilate 2] [--feather 2]]

The stroke is a box (pixel coordinates at the label size) or a PNG (non-zero = stroke).
Writes a picture (a row per edit: original | its mask | target | edited | new mask
[| color baseline]) and ``metrics.json`` (agreement with the target inside the edited
region, mean pixel change outside it, per edit and averaged over the edits; the same under
``color_baseline`` when ``--baseline-color`` is given, RGB 0..255, its mask read by the LSE).

Real images: ``--latent`` edits a w+ latent written by ``tools/invert.py`` (with its
``noise/`` maps when there are any; ``--seed`` / ``--index`` are then unused, the space is
w+). ``--photo`` (the inverted photo) applies the edit to the photo: the edited
reconstruction is blended into it where the labels changed (dilated, feathered); the row
then starts with the photo and ends with the blended photo, also written as ``blended.png``.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import add_pipeline_args, amp_from_args, inferencer_from_args, run_main


def parse_args():
    p = argparse.ArgumentParser(description='Semantic image editing')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--label', required=True, help='class name or index to paint')
    p.add_argument('--box', help='stroke rectangle X0,Y0,X1,Y1 (label-size pixels)')
    p.add_argument('--stroke-mask', help='PNG, non-zero pixels are the stroke')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--index',
        default='0',
        help='sample index, or several (0,1,2): one edit each, metrics averaged')
    p.add_argument(
        '--space',
        choices=['mixz', 'w+', 'z'],
        help='mixz (default), w+ (always with --latent), z (a z-only generator: the default)')
    p.add_argument('--steps', type=int, default=50)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--baseline-color', help='R,G,B (0..255): also run the color baseline')
    p.add_argument('--latent', help='a w+ latent .npy written by tools/invert.py (latents/)')
    p.add_argument('--photo', help='with --latent: the photo it inverts, to blend the edit into')
    p.add_argument('--dilate', type=int, default=2, help='--photo: grow the region by N px')
    p.add_argument('--feather', type=int, default=2, help='--photo: soften its edge over N px')
    add_pipeline_args(p, out='work_dirs/sie')
    return p.parse_args()


def main():
    args = parse_args()
    import numpy as np
    from PIL import Image

    from mmlinsem.apis import label_size
    from mmlinsem.apis.editing import box_stroke, check_stroke
    from mmlinsem.data import class_index
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.utils import latent_for, write_png
    from mmlinsem.visualization import default_palette, grid
    if args.latent and args.space == 'mixz':
        raise MMLinsemError('--latent is a w+ latent: edit it with --space w+ (the default '
                            'with --latent), got --space mixz')
    if args.photo and not args.latent:
        raise MMLinsemError('--photo needs --latent (the inversion of that photo)')
    inf = inferencer_from_args(args)
    style = inf.model.generator.style_based
    args.space = args.space or ('w+' if args.latent else 'mixz' if style else 'z')
    classes = inf.classes
    label = class_index(classes, args.label, '--label class')
    size = label_size(inf.model)
    if args.stroke_mask:
        stroke = check_stroke(np.array(Image.open(args.stroke_mask)) > 0, [size])
    elif args.box:
        stroke = box_stroke(args.box.split(','), size)
    else:
        raise MMLinsemError('give the stroke with --box X0,Y0,X1,Y1 or --stroke-mask PNG')
    try:
        indices = [int(v) for v in args.index.split(',')]
        rgb = ([int(v) / 127.5 - 1
                for v in args.baseline_color.split(',')] if args.baseline_color else None)
    except ValueError:
        raise MMLinsemError(f'--index takes I[,I...] and --baseline-color R,G,B, got '
                            f'{args.index!r} and {args.baseline_color!r}') from None
    if min(indices) < 0:
        raise MMLinsemError(f'--index takes sample indices >= 0, got {args.index!r}')
    if rgb is not None and (len(rgb) != 3 or not all(-1 <= v <= 1 for v in rgb)):
        raise MMLinsemError(f'--baseline-color takes R,G,B in 0..255, got '
                            f'{args.baseline_color!r}')
    pal = default_palette(len(classes))
    rows, edits = [], []
    if args.latent:
        indices = []
        row, metrics = edit_inverted(inf, stroke, label, rgb, args, pal)
        rows.append(row)
        edits.append(dict(latent=args.latent, **metrics))
        print(f'edit of {args.latent}: {metrics}', flush=True)
    for index in indices:
        z = latent_for(args.seed, index, (inf.model.generator.noise_size, ))
        row, metrics = edit_one(inf, z, stroke, label, rgb, args, pal)
        rows.append(row)
        edits.append(dict(index=index, **metrics))
        print(f'edit {len(edits)}/{len(indices)} (sample {index}): {metrics}', flush=True)
    methods = ['lse'] + (['color_baseline'] if rgb is not None else [])
    summary = dict(
        label=classes[label],
        stroke_pixels=int(stroke.sum()),
        space=args.space,
        steps=args.steps,
        amp=amp_from_args(args) or None,
        seed=args.seed,
        num_edits=len(edits),
        edits=edits)
    for m in methods:  # means over the edits
        summary[m] = {
            k: mean([e[m][k] for e in edits if e[m][k] is not None])
            for k in ('target_agreement_inside', 'pixel_change_outside')
        }
    os.makedirs(args.out, exist_ok=True)
    write_png(osp.join(args.out, 'sie.png'), grid(rows, scale=3))
    with open(osp.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(json.dumps({k: v for k, v in summary.items() if k != 'edits'}))


def mean(values):
    return sum(values) / len(values) if values else None


def edit_inverted(inf, stroke, label, rgb, args, pal):
    """The edit of an inverted photo's latent (``--latent``), blended into ``--photo``."""
    from mmlinsem.apis import load_inverted
    from mmlinsem.apis.inversion import blend_edit, injected_noise, load_photo
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import img_to_uint8
    gen = inf.model.generator
    latent, maps = load_inverted(args.latent, gen.num_latents)
    photo = load_photo(args.photo, gen.image_size) if args.photo else None
    with injected_noise(gen, maps):
        row, metrics, out = edit_one(inf, latent, stroke, label, rgb, args, pal, 'w+', True)
    if photo is None:
        return row, metrics
    changed = (out['mask'] != out['original_mask']).cpu()
    blend = blend_edit(photo, out['original_image'][0].cpu(), out['image'][0].cpu(), changed,
                       args.dilate, args.feather)
    metrics['blend'] = dict(
        changed_pixels=int(changed.sum()),
        blended_pixels=int((blend['alpha'] > 0).sum()),
        recon_error_inside=blend['recon_error'])
    blended = img_to_uint8(blend['image']).numpy()
    write_png(osp.join(args.out, 'blended.png'), blended)
    return [img_to_uint8(photo).numpy()] + row + [blended], metrics


def edit_one(inf, z, stroke, label, rgb, args, pal, latent_space='z', full=False):
    """One edit (and its color baseline): a picture row and the metrics (and the SIE
    result with ``full``)."""
    from mmlinsem.apis import semantic_image_edit
    from mmlinsem.apis.editing import color_edit
    from mmlinsem.visualization import colorize, img_to_uint8
    amp = amp_from_args(args)
    out = semantic_image_edit(
        inf.model,
        z,
        latent_space=latent_space,
        stroke=stroke,
        label=label,
        space=args.space,
        steps=args.steps,
        lr=args.lr,
        amp=amp)
    row = [
        img_to_uint8(out['original_image'][0]).numpy(),
        colorize(out['original_mask'].cpu().numpy(), pal),
        colorize(out['target'].cpu().numpy(), pal),
        img_to_uint8(out['image'][0]).numpy(),
        colorize(out['mask'].cpu().numpy(), pal)
    ]
    keys = ('target_agreement_inside', 'pixel_change_outside')
    metrics = dict(lse={k: out[k] for k in keys})
    if rgb is not None:
        base = color_edit(
            inf.model,
            z,
            stroke,
            rgb,
            latent_space=latent_space,
            space=args.space,
            steps=args.steps,
            lr=args.lr,
            label=label,
            amp=amp)
        metrics['color_baseline'] = {k: base[k] for k in keys}
        row.append(img_to_uint8(base['image'][0]).numpy())
    return (row, metrics, out) if full else (row, metrics)


if __name__ == '__main__':
    run_main(main)
