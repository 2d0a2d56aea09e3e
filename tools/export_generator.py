"""Export the EMA generator of an mmagic GAN training checkpoint as a small file.

    python tools/export_generator.py work_dirs/stylegan2lite_toyfaces64/iter_7500.pth \
        checkpoints/stylegan2lite_toyfaces64.pth

Keeps only ``generator_ema`` weights (``generator`` if there is no EMA), stored under the
``generator_ema.`` prefix that ``FeatureGenerator`` loads, plus the training iteration and
config text in ``meta``. Written atomically.
"""
import argparse
import os
import os.path as osp

from _common import run_main


def main():
    p = argparse.ArgumentParser(description='export a GAN generator')
    p.add_argument('checkpoint')
    p.add_argument('out')
    args = p.parse_args()
    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.generators.checkpoint import PREFIXES
    try:
        ckpt = CheckpointLoader.load_checkpoint(args.checkpoint, map_location='cpu')
    except FileNotFoundError:
        raise MMLinsemError(f'checkpoint not found: {args.checkpoint}') from None
    state = ckpt.get('state_dict', ckpt)
    for prefix in PREFIXES[:-1]:
        sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if sub:
            break
    else:
        raise MMLinsemError(f'{args.checkpoint} holds no generator weights (expected keys '
                            f'under {PREFIXES[:-1]})')
    meta = ckpt.get('meta', {}) or {}
    out = dict(
        state_dict={
            'generator_ema.' + k: v.clone()
            for k, v in sub.items()
        },
        meta=dict(
            iter=meta.get('iter'),
            source=osp.basename(args.checkpoint),
            source_prefix=prefix,
            cfg=meta.get('cfg')))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    torch.save(out, tmp)
    os.replace(tmp, args.out)
    print(f'exported {len(sub)} tensors ({prefix}*, iteration {meta.get("iter")}) to '
          f'{args.out} ({osp.getsize(args.out) / 1e6:.1f} MB)')


if __name__ == '__main__':
    run_main(main)
