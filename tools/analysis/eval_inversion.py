"""How well real images are inverted and segmented: the toy world's rendered faces (exact
masks) as the photos.

    python tools/analysis/eval_inversion.py CONFIG HEAD [--num 20] [--steps 300]
        [--settings w,w+,w+sem] [--semantic 1.0] [--out DIR] [--figure PNG]

For each setting (``w`` / ``w+``, ``sem`` = with the semantic term) every face is inverted;
reported are the reconstruction PSNR / MS-SSIM, the paper mIoU (per image, background
excluded) and the dataset IoU (intersections and unions summed over the faces, background
excluded) of the head's mask of the reconstruction against the ground truth, and seconds
per face; beside them the teacher applied to the photo directly. The faces are the
validation stream of the toy world (``render_toy_face(world_seed, 1e9 + i)``, unseen by
the GAN). Writes ``OUT/results.json`` and ``OUT/table.md``; ``--figure`` also writes
photo | reconstruction | head mask | ground truth | an SIE edit blended back into the photo
for the first faces of the first w+ setting, 4x nearest-neighbour zoom.
"""
import argparse
import json
import os.path as osp

from mmlinsem.cli import run_main

VAL_INDEX_OFFSET = 1_000_000_000  # as tools/make_toy_dataset.py


def parse_args():
    p = argparse.ArgumentParser(description='Evaluate GAN inversion on rendered toy faces')
    p.add_argument('config')
    p.add_argument('head')
    p.add_argument('--num', type=int, default=20, help='faces')
    p.add_argument('--world-seed', type=int, default=0)
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--settings', default='w,w+,w+sem', help='comma list of w, w+, wsem, w+sem')
    p.add_argument('--semantic', type=float, default=1.0, help='weight of the semantic term')
    p.add_argument('--loss', default='pixel+msssim')
    p.add_argument('--batch-size', type=int, default=20)
    p.add_argument('--out', default='work_dirs/eval_inversion')
    p.add_argument('--figure', help='also write the picture here (PNG)')
    p.add_argument('--figure-rows', type=int, default=4)
    p.add_argument('--edit-label', default='hair', help='SIE edit of the figure: class')
    p.add_argument('--edit-box', default='18,2,46,14', help='SIE edit of the figure: X0,Y0,X1,Y1')
    p.add_argument('--device', default='cpu')
    return p.parse_args()


def iou_scores(preds, gts, num_classes):
    """(paper mIoU, dataset IoU) in percent, background excluded from both: the mean over
    classes of per-image IoUs, and the IoU of intersections / unions summed over the set."""
    import numpy as np

    from mmlinsem.evaluation import aggregate_iou, per_image_iou
    ious, inter, union = [], 0, 0
    for p, g in zip(preds, gts):
        iou, i, u = per_image_iou(p.cpu(), g.cpu(), num_classes)
        ious.append(iou.numpy())
        inter, union = inter + i.numpy(), union + u.numpy()
    keep = [c for c in range(num_classes) if c != 0 and union[c] > 0]
    dataset = float(np.mean(inter[keep] / union[keep]) * 100)
    return float(np.nanmean(aggregate_iou(np.stack(ious))) * 100), dataset


def faces(args, size):
    import torch

    from mmlinsem.datasets import render_toy_face
    photos, masks = [], []
    for i in range(args.num):
        img, mask = render_toy_face(args.world_seed, VAL_INDEX_OFFSET + i, size)
        photos.append(torch.from_numpy(img).permute(2, 0, 1).float() / 127.5 - 1)
        masks.append(torch.from_numpy(mask).long())
    return torch.stack(photos), torch.stack(masks)


def check_setup(model, args):
    from mmlinsem.apis import label_size
    from mmlinsem.datasets import TOY_FACE_CLASSES
    from mmlinsem.errors import MMLinsemError
    gen = model.generator
    if tuple(model.classes) != tuple(TOY_FACE_CLASSES):
        raise MMLinsemError(f'the job must label the toy-face classes {TOY_FACE_CLASSES}, '
                            f'got {model.classes}')
    size = tuple(gen.image_size)
    if size[0] != size[1] or tuple(label_size(model)) != size:
        raise MMLinsemError(f'expected a square generator with labels at its size, got images '
                            f'{size} and labels {label_size(model)}')
    settings = [s.strip() for s in args.settings.split(',') if s.strip()]
    bad = [s for s in settings if s not in ('w', 'w+', 'wsem', 'w+sem')]
    if bad or not settings:
        raise MMLinsemError(f'--settings takes w, w+, wsem, w+sem (comma list), got '
                            f'{args.settings!r}')
    return size[0], settings


def main():
    args = parse_args()
    import numpy as np
    import torch

    from mmlinsem.apis import LinSemInferencer, invert_images
    from mmlinsem.utils import atomic_write
    inf = LinSemInferencer(args.config, args.head, device=args.device)
    model = inf.model
    size, settings = check_setup(model, args)
    photos, gts = faces(args, size)
    k = len(model.classes)
    with torch.no_grad():
        teacher = torch.cat([model.teacher(b.to(args.device)).cpu() for b in photos.split(16)])
    miou, aiou = iou_scores(teacher, gts, k)
    rows = [dict(setting='teacher on the photo', miou=miou, dataset_iou=aiou)]
    print(f'teacher on the photo: mIoU {miou:.2f}, dataset IoU {aiou:.2f}', flush=True)
    kept = {}
    for setting in settings:
        space = setting.replace('sem', '')
        sem = args.semantic if setting.endswith('sem') else 0.0
        masks, recon, lat, noise, stats, seconds = [], [], [], [], [], 0.0
        for b in range(0, args.num, args.batch_size):
            batch = photos[b:b + args.batch_size].to(args.device)
            res = invert_images(
                model, batch, space=space, steps=args.steps, loss=args.loss, semantic_weight=sem)
            seconds += res['seconds']
            masks.append(res['head_masks'].cpu())
            recon.append(res['images'].cpu())
            lat.append(res['latents'].cpu())
            noise.append(res['noise'])
            stats.append(torch.stack([res['psnr'], res['ms_ssim']], 1))
        stats = torch.cat(stats)
        miou, aiou = iou_scores(torch.cat(masks), gts, k)
        row = dict(
            setting=f'{space}' + (f' + semantic ({sem:g})' if sem else ''),
            space=space,
            semantic_weight=sem,
            psnr=float(stats[:, 0].mean()),
            ms_ssim=float(stats[:, 1].mean()),
            miou=miou,
            dataset_iou=aiou,
            seconds_per_image=seconds / args.num)
        rows.append(row)
        print(
            f'{row["setting"]}: PSNR {row["psnr"]:.2f} dB, MS-SSIM {row["ms_ssim"]:.4f}, '
            f'head mIoU {miou:.2f}, dataset IoU {aiou:.2f}, {row["seconds_per_image"]:.1f} s/face',
            flush=True)
        kept[setting] = dict(
            masks=torch.cat(masks), images=torch.cat(recon), latents=lat, noise=noise)
    settings_info = dict(
        num=args.num,
        world_seed=args.world_seed,
        steps=args.steps,
        loss=args.loss,
        batch_size=args.batch_size,
        threads=torch.get_num_threads(),
        config=args.config,
        head=args.head)
    atomic_write(
        osp.join(args.out, 'results.json'),
        (json.dumps(dict(settings=settings_info, rows=rows), indent=2) + '\n').encode())
    atomic_write(osp.join(args.out, 'table.md'), table(rows).encode())
    print(table(rows))
    if args.figure:
        wplus = next((s for s in settings if s.startswith('w+')), settings[0])
        figure(args, model, photos, gts, kept[wplus], np)


def table(rows):
    lines = [
        '| setting | PSNR (dB) | MS-SSIM | paper mIoU vs ground truth (%) | dataset IoU (%) '
        '| s / face |', '|---|---|---|---|---|---|'
    ]
    for r in rows:
        if 'psnr' not in r:
            lines.append(
                f'| {r["setting"]} | – | – | {r["miou"]:.2f} | {r["dataset_iou"]:.2f} | – |')
        else:
            lines.append(f'| head on the inversion, {r["setting"]} | {r["psnr"]:.2f} | '
                         f'{r["ms_ssim"]:.4f} | {r["miou"]:.2f} | {r["dataset_iou"]:.2f} | '
                         f'{r["seconds_per_image"]:.1f} |')
    return '\n'.join(lines) + '\n'


def figure(args, model, photos, gts, kept, np):
    """photo | reconstruction | head mask | ground truth | SIE edit blended into the photo."""
    import torch

    from mmlinsem.apis import label_size, semantic_image_edit
    from mmlinsem.apis.editing import box_stroke
    from mmlinsem.apis.inversion import blend_edit, injected_noise
    from mmlinsem.data import class_index
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import colorize, default_palette, img_to_uint8, labelled_grid
    classes = list(model.classes)
    pal = default_palette(len(classes))
    label = class_index(classes, args.edit_label, '--edit-label class')
    stroke = box_stroke(args.edit_box.split(','), label_size(model))
    latents = torch.cat(kept['latents'])
    noise = kept['noise']
    rows = []
    for i in range(min(args.figure_rows, args.num)):
        b, j = divmod(i, args.batch_size)
        maps = None if noise[b] is None else [m[j:j + 1] for m in noise[b]]
        with injected_noise(model.generator, maps):
            out = semantic_image_edit(
                model, latents[i], latent_space='w+', stroke=stroke, label=label, space='w+')
        changed = (out['mask'] != out['original_mask']).cpu()
        blend = blend_edit(photos[i], out['original_image'][0].cpu(), out['image'][0].cpu(),
                           changed)
        rows.append([
            img_to_uint8(photos[i]).numpy(),
            img_to_uint8(kept['images'][i]).numpy(),
            colorize(kept['masks'][i].numpy(), pal),
            colorize(gts[i].numpy(), pal),
            img_to_uint8(blend['image']).numpy()
        ])
    headers = ['photo', 'reconstruction', 'head mask', 'ground truth', f'+{args.edit_label} (SIE)']
    write_png(args.figure, labelled_grid(rows, headers, classes, pal, scale=4))
    print(f'figure written to {args.figure}')


if __name__ == '__main__':
    run_main(main)
