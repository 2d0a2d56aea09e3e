"""Apply a saved edit (a w+ delta from the app's "Save edit", or written with
``mmlinsem.apis.edit_delta`` + ``save_edit``) to other samples or latents, at a strength.

    python tools/apply_edit.py CONFIG CHECKPOINT EDIT.npz [--seed 0] [--index 0,1,2]
        [--latent FILE.npy ...] [--strength 1.0[,0.5,...]] [--out DIR]

Each sample (``--seed`` / ``--index``, the same samples as tools/sie.py, or saved w+
latents: the app's downloads and annotations) gets a row: original | its mask | edited at each
strength | its mask. Writes ``apply_edit.png``, the edited w+ latents
(``latents/NAME_sS.npy``) and ``metrics.json`` (per row and strength: the fraction of label
pixels that changed, and of those, how many became the edit's class).
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import add_pipeline_args, inferencer_from_args, run_main


def parse_args():
    p = argparse.ArgumentParser(description='apply a saved w+ edit to other latents')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('edit', help='an edit .npz')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--index', default='0,1,2', help='sample indices (comma-separated)')
    p.add_argument('--latent', nargs='+', default=[], help='w+ latents (.npy) to edit instead')
    p.add_argument('--strength', default='1.0', help='strength, or several: 0.5,1,1.5')
    add_pipeline_args(p, out='work_dirs/apply_edit')
    return p.parse_args()


def floats(text, what):
    from mmlinsem.errors import MMLinsemError
    try:
        return [float(v) for v in text.split(',') if v.strip()]
    except ValueError:
        raise MMLinsemError(f'{what} must be comma-separated numbers, got {text!r}') from None


def main():
    args = parse_args()
    import numpy as np
    import torch

    from mmlinsem.apis import apply_edit, label_size, load_edit, predict_logits
    from mmlinsem.apis.editing import load_wplus
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.utils import latent_for, write_png
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8
    strengths = floats(args.strength, '--strength')
    if not strengths:
        raise MMLinsemError('--strength needs at least one number')
    inf = inferencer_from_args(args)
    model, gen = inf.model, inf.model.generator
    if not gen.style_based:
        raise MMLinsemError('saved edits move w+ latents: this generator has no w+ space')
    edit = load_edit(args.edit, gen.num_latents, gen.style_channels)
    label = edit['meta'].get('label')
    pal = default_palette(len(inf.classes))
    sources = []
    if args.latent:
        for path in args.latent:
            sources.append((osp.splitext(osp.basename(path))[0],
                            load_wplus(path, gen.num_latents, gen.style_channels)))
    else:
        for i in floats(args.index, '--index'):
            z = latent_for(args.seed, int(i), (gen.noise_size, ))[None].to(inf.device)
            with torch.no_grad():
                sources.append((f'seed{args.seed}_{int(i)}', gen.to_wp(z, 'z', truncate=False)[0]))

    def render(wp):
        with torch.no_grad():
            img, feats = gen(wp[None].to(inf.device), space='w+', truncate=False)
            mask = predict_logits(model, img, feats, label_size(model), 'head').argmax(1)[0]
        return img_to_uint8(img[0]).numpy(), mask.cpu().numpy()

    os.makedirs(osp.join(args.out, 'latents'), exist_ok=True)
    rows, results = [], []
    for name, wp in sources:
        wp = wp.to(inf.device)
        img0, mask0 = render(wp)
        row = [img0, colorize(mask0, pal)]
        for s in strengths:
            edited = apply_edit(wp, edit, s)
            img, mask = render(edited)
            row += [img, colorize(mask, pal)]
            np.save(osp.join(args.out, 'latents', f'{name}_s{s:g}.npy'), edited.cpu().numpy())
            changed = mask != mask0
            results.append(
                dict(
                    name=name,
                    strength=s,
                    changed_fraction=float(changed.mean()),
                    changed_to_class=(float((mask[changed] == label).mean())
                                      if changed.any() and label is not None else None)))
            print(json.dumps(results[-1]), flush=True)
        rows.append(row)
    write_png(osp.join(args.out, 'apply_edit.png'), grid(rows, scale=3))
    with open(osp.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(dict(edit=args.edit, meta=edit['meta'], results=results), f, indent=2)
    print(f'wrote {osp.join(args.out, "apply_edit.png")}')


if __name__ == '__main__':
    run_main(main)
