"""Export a synthetic labelled dataset (images + head labels) in mmseg's layout.

    python tools/export_dataset.py CONFIG (HEAD_CKPT | --teacher-labels) --num 5000 \
        --out data/synth [--val-frac 0.1] \
        [--ensemble K [--annotations DIR] | --ensemble-ckpts A,B,...] [--filter 0.1] \
        [--shard i/n] [--seed 0] [--batch-size 8] [--resume] \
        [--seg-recipe SEG_CONFIG]

Writes ``OUT/img_dir/{train,val}``, ``OUT/ann_dir/{train,val}`` (palette PNGs of class
indices), ``OUT/latents``, ``OUT/meta.jsonl`` and ``OUT/seg_config.py`` (a ready mmseg config:
the model and schedule of ``--seg-recipe``, by default the toy teacher's UNet + FCN); see
``mmlinsem.apis.dataset_export``. The labels are HEAD_CKPT's, or with an ensemble the
per-pixel mode of HEAD_CKPT and the other members: ``--ensemble-ckpts A,B`` (members
HEAD_CKPT, A, B) or ``--ensemble K`` (HEAD_CKPT and K-1 closed-form LSEs fitted on bootstrap
resamples of ``--annotations DIR``, a ``latents/`` + ``masks/`` folder, or without it of
``--num-annotated`` samples labelled by the config's teacher). ``--filter f`` drops the f
most uncertain images (Jensen-Shannon score) once all N are written. Shards (``--shard i/n``)
may run at once into one OUT; a killed run continues with ``--resume``. ``--teacher-labels``
labels the images with the config's teacher instead (no head, no filter): a distillation
set, or the ceiling of the synthetic route (a perfect labeller of generated images).
"""
import argparse
import os.path as osp
import sys

from mmlinsem.cli import add_trust_arg, run_main


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one ``error: ...`` line and exit code 2."""

    def error(self, message):
        print(f'error: {message}', file=sys.stderr)
        sys.exit(2)


def parse_args():
    p = _Parser(description='export a synthetic labelled dataset (mmseg layout)')
    p.add_argument('config')
    p.add_argument(
        'checkpoint',
        nargs='?',
        help='head checkpoint (the labels, ensemble member 0); not with --teacher-labels')
    p.add_argument('--num', type=int, required=True, help='samples 0..N-1')
    p.add_argument('--out', required=True)
    p.add_argument('--val-frac', type=float, default=0.1)
    group = p.add_mutually_exclusive_group()
    group.add_argument('--ensemble', type=int, help='K members: HEAD_CKPT + K-1 bootstrap LSEs')
    group.add_argument('--ensemble-ckpts', help='further member checkpoints, comma-separated')
    group.add_argument(
        '--teacher-labels',
        action='store_true',
        help="label with the config's teacher (a distillation set; the ceiling of the "
        'synthetic route)')
    p.add_argument('--annotations', help='annotated set (latents/ + masks/) of --ensemble')
    p.add_argument('--annotations-space', default='w+', choices=['z', 'w', 'w+'])
    p.add_argument(
        '--num-annotated',
        type=int,
        default=16,
        help='teacher-labelled samples of --ensemble without --annotations')
    p.add_argument('--annotation-seed', type=int, default=1116)
    p.add_argument('--pixels-per-image', type=int, default=1024)
    p.add_argument('--ce-steps', type=int, default=0, help='L-BFGS steps of each bootstrap LSE')
    p.add_argument('--filter', type=float, default=0.0, help='fraction of images dropped')
    p.add_argument('--top-frac', type=float, default=0.1, help='pixels of the image score')
    p.add_argument('--shard', default='0/1', help='i/n')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--resume', action='store_true')
    p.add_argument(
        '--seg-recipe',
        help='mmseg segmenter config whose model and schedule OUT/seg_config.py trains '
        '(default: the toy teacher\'s, configs/toyworld/unet_toyfaces64.py)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-progress', action='store_true')
    add_trust_arg(p)
    return p.parse_args()


def main():
    args = parse_args()
    from mmlinsem.apis import bootstrap_lse_ensemble, export_dataset, load_head
    from mmlinsem.apis.synthesis import parse_shard
    from mmlinsem.errors import MMLinsemError
    shard = parse_shard(args.shard)
    if args.num < 1:
        raise MMLinsemError(f'--num must be >= 1, got {args.num}')
    if osp.exists(args.out) and not osp.isdir(args.out):
        raise MMLinsemError(f'--out {args.out} is a file; expected a folder to export into '
                            '(a new one, or an earlier export of the same settings to resume)')
    if not 0 <= args.filter < 1:
        raise MMLinsemError(f'--filter must be in [0, 1), got {args.filter}')
    if args.ensemble is not None and args.ensemble < 2:
        raise MMLinsemError(f'--ensemble K needs K >= 2, got {args.ensemble}')
    if args.annotations is not None and args.ensemble is None:
        raise MMLinsemError('--annotations is the annotated set of --ensemble K')
    if args.annotations is not None and not osp.isdir(args.annotations):
        raise MMLinsemError(f'--annotations folder not found: {args.annotations}')
    if (args.checkpoint is None) != args.teacher_labels:
        raise MMLinsemError('give a head checkpoint, or --teacher-labels without one')
    if args.teacher_labels and args.filter > 0:
        raise MMLinsemError('--filter needs an ensemble; teacher labels have no uncertainty')
    extra = [c for c in (args.ensemble_ckpts or '').split(',') if c]
    if args.ensemble_ckpts is not None and not extra:
        raise MMLinsemError('--ensemble-ckpts needs at least one checkpoint')
    for path in [args.config, *([args.checkpoint] if args.checkpoint else []), *extra]:
        if not osp.isfile(path):
            raise MMLinsemError(f'file not found: {path}')

    from mmlinsem.apis import LinSemInferencer
    inf = LinSemInferencer(args.config, args.checkpoint, device=args.device)
    model = inf.model
    heads = [model.head_module]
    info = dict(config=osp.abspath(args.config), members=1)
    if args.checkpoint:
        info.update(head=osp.abspath(args.checkpoint))
    if extra:
        heads += [load_head(model, c).to(args.device) for c in extra]
        info.update(members=len(heads), ckpts=[osp.abspath(c) for c in extra])
    elif args.ensemble:
        heads += bootstrap_lse_ensemble(
            model,
            args.ensemble - 1,
            annotations=args.annotations,
            num_annotated=args.num_annotated,
            annotation_seed=args.annotation_seed,
            latent_space=args.annotations_space,
            pixels_per_image=args.pixels_per_image,
            ce_steps=args.ce_steps,
            seed=args.seed)
        info.update(
            members=len(heads),
            bootstrap=dict(
                annotations=osp.abspath(args.annotations) if args.annotations else None,
                space=args.annotations_space if args.annotations else 'z',
                num_annotated=None if args.annotations else args.num_annotated,
                annotation_seed=None if args.annotations else args.annotation_seed,
                pixels_per_image=args.pixels_per_image,
                ce_steps=args.ce_steps))
    recipe = dict(seg_recipe=args.seg_recipe) if args.seg_recipe else {}
    stats = export_dataset(
        model,
        args.out,
        args.num,
        heads=None if args.teacher_labels else heads,
        seed=args.seed,
        val_frac=args.val_frac,
        batch_size=args.batch_size,
        shard=shard,
        resume=args.resume,
        drop_frac=args.filter,
        top_frac=args.top_frac,
        ensemble_info=None if args.teacher_labels else info,
        progress=not args.no_progress,
        teacher_labels=args.teacher_labels,
        **recipe)
    ips = stats['images_per_s']
    gps = stats['generator_images_per_s']
    tag = f'shard {shard[0]}/{shard[1]}'
    if ips:
        print(f'{tag}: wrote {stats["written"]} samples ({stats["skipped"]} already there) '
              f'to {args.out} in {stats["seconds"]:.1f} s: {ips:.1f} images/s')
    else:
        print(f'{tag}: nothing to write ({stats["skipped"]} samples already there)')
    if gps:
        labeller = 'teacher' if args.teacher_labels else f'{len(heads)}-head ensemble'
        print(f'generator alone: {gps:.1f} images/s ({labeller}: labels, scores and PNG '
              'writing are the rest)')
    fin = stats['finalized']
    if fin is None:
        print('other shards are not finished: the filter runs when the last one ends')
    else:
        print(f'dataset complete: {fin["kept"]} of {fin["total"]} samples kept '
              f'({fin["dropped"]} dropped by the uncertainty filter, moved to '
              f'{osp.join(args.out, "filtered")}); mmseg config: '
              f'{osp.join(args.out, "seg_config.py")}')


if __name__ == '__main__':
    run_main(main)
