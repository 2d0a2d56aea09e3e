"""Choose a generator's feature layers by measurement; print the best set as a config line.

    python tools/rank_layers.py CONFIG [--annotations DIR] [--num 256] [--val-frac 0.25]
        [--pixels 256] [--seed 0] [--top 12] [--out ranking.json] [--cfg-options K=V ...]

Every module of the config's generator whose output is a feature map is a candidate, with
a role: ``conv``, ``norm``, ``act`` (by type) or ``block`` (top-level containers). Ranked
are each role's modules together, each module alone, the generator's default layers (when
it has them) and the layers the config lists: a closed-form LSE (ridge regression on
class-balanced pixels) is fitted on the first samples and scored by the pixel mIoU of the
held-out --val-frac. Labels come from the config's teacher on --num generated samples, or
from an annotation folder (``latents/NAME.npy`` + ``masks/NAME.png``, as the app writes).
The config's own ``layers`` may be missing: the generator is built without hooks here.
"""
import argparse

from mmlinsem.cli import run_main


def parse_args():
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description='rank feature-layer sets by a closed-form LSE fit')
    p.add_argument('config')
    p.add_argument('--annotations', help='annotation folder (default: label with the teacher)')
    p.add_argument(
        '--space',
        help="latent space of the annotations' latents (default: "
        "'z' for 1-D latents, 'w+' for 2-D)")
    p.add_argument('--num', type=int, default=256, help='generated samples (teacher labels)')
    p.add_argument('--val-frac', type=float, default=0.25, help='held-out fraction')
    p.add_argument('--pixels', type=int, default=256, help='pixels picked per sample')
    p.add_argument('--ridge', type=float, default=1e-3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--top', type=int, default=12, help='rows printed')
    p.add_argument('--out', help='write the whole ranking as JSON')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return p.parse_args()


def _classes(cfg, teacher):
    if teacher is not None:
        return list(teacher.classes)
    if cfg.model.get('classes'):
        return list(cfg.model.classes)
    if (cfg.model.get('teacher') or {}).get('classes'):
        return list(cfg.model.teacher.classes)
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    classes = (dataset.get('metainfo') or {}).get('classes')
    return list(classes) if classes else None


def _annotations(args, cfg, num_classes, space):
    import numpy as np
    import torch

    from mmlinsem.datasets import AnnotationStore
    from mmlinsem.errors import MMLinsemError
    latents, masks, names = AnnotationStore(args.annotations, num_classes or 255).arrays()
    if len(names) < 2:
        raise MMLinsemError(f'{args.annotations}: expected at least 2 annotated samples '
                            f'(one is held out), found {len(names)}')
    if num_classes is None:
        num_classes = int(masks[masks != 255].max()) + 1
    if space is None:
        space = 'w+' if latents.ndim == 3 else 'z'
    return torch.from_numpy(latents), torch.from_numpy(masks.astype(np.int64)), num_classes, space


def main():
    args = parse_args()
    import json

    import torch

    from mmlinsem.analysis import (candidate_layers, candidate_sets, layers_config_line,
                                   rank_layer_sets)
    from mmlinsem.cli import load_config
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.registry import MODELS, build_in_scope
    from mmlinsem.utils import latent_for
    if args.num < 2 or args.pixels < 1 or not 0 < args.val_frac < 1 or args.top < 1:
        raise MMLinsemError(f'expected --num >= 2, --pixels >= 1, 0 < --val-frac < 1, '
                            f'--top >= 1, got {args.num}, {args.pixels}, {args.val_frac}, '
                            f'{args.top}')
    cfg = load_config(args.config, args.cfg_options)
    gen_cfg = dict(dict(type='FeatureGenerator'), **cfg.model.generator.to_dict())
    listed = gen_cfg.pop('layers', 'default')
    fg = build_in_scope(MODELS, dict(gen_cfg, layers=[])).to(args.device)
    teacher = None
    if not args.annotations:
        if not cfg.model.get('teacher'):
            raise MMLinsemError('the config has no teacher: give --annotations DIR (labelled '
                                'samples) to rank layers by')
        teacher = build_in_scope(MODELS, cfg.model.teacher.to_dict()).to(args.device).eval()
    classes = _classes(cfg, teacher)
    space = args.space
    if args.annotations:
        latents, masks, k, space = _annotations(args, cfg, len(classes) if classes else None, space)
    else:
        latents = torch.stack(
            [latent_for(args.seed, i, (fg.noise_size, )) for i in range(args.num)])
        masks, k, space = None, len(classes), 'z'
    latents = latents.to(args.device)
    cands = candidate_layers(fg, latents[:1], space)
    if not cands:
        raise MMLinsemError('no module of the generator returns a feature map once per '
                            'forward; list layers by hand')
    extra = {}
    defaults = fg.default_layers()
    if defaults:
        extra['default'] = defaults
    if listed not in ('default', None, [], ()):
        extra['config'] = [listed] if isinstance(listed, str) else list(listed)
    sets = candidate_sets(cands, extra)

    def label_fn(img, feats):
        return teacher(img)

    ranked = rank_layer_sets(
        fg,
        latents,
        k,
        sets,
        labels=masks,
        label_fn=None if masks is not None else label_fn,
        space=space,
        val_frac=args.val_frac,
        pixels_per_image=args.pixels,
        ridge=args.ridge,
        batch_size=args.batch_size,
        seed=args.seed)
    print(f'{len(cands)} candidate modules, {len(sets)} sets, {len(latents)} samples '
          f'({space}), {k} classes; held-out pixel mIoU:')
    print(f'{"rank":>4}  {"mIoU":>6}  {"acc":>6}  {"channels":>8}  set')
    for i, row in enumerate(ranked[:args.top]):
        print(f'{i + 1:>4}  {row["miou"]:6.2f}  {row["accuracy"]:6.2f}  {row["channels"]:>8}  '
              f'{row["name"]}')
    if args.out:
        from mmlinsem.utils import atomic_write
        text = json.dumps(dict(candidates=cands, ranking=ranked), indent=1)
        atomic_write(args.out, text.encode())
    best = ranked[0]
    print(f'best: {best["name"]} ({best["miou"]:.2f} mIoU); config line:')
    print(layers_config_line(best['layers']))


if __name__ == '__main__':
    run_main(main)
