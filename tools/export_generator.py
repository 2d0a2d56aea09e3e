"""Export the EMA generator of an mmagic GAN training checkpoint as a small file.

    python tools/export_generator.py work_dirs/stylegan2lite_toyfaces64/iter_7500.pth \
        checkpoints/stylegan2lite_toyfaces64.pth

Keeps only ``generator_ema`` weights (``generator`` if there is no EMA), stored under the
``generator_ema.`` prefix that ``FeatureGenerator`` loads, plus the training iteration and
config text in ``meta``. Written atomically.
"""
import argparse
import os.path as osp

from mmlinsem.cli import add_trust_arg, run_main


def main():
    p = argparse.ArgumentParser(description='export a GAN generator')
    p.add_argument('checkpoint')
    p.add_argument('out')
    add_trust_arg(p)
    args = p.parse_args()
    import io

    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.generators import PREFIXES, select_generator_state
    from mmlinsem.utils import atomic_write
    try:
        ckpt = CheckpointLoader.load_checkpoint(args.checkpoint, map_location='cpu')
    except FileNotFoundError:
        raise MMLinsemError(f'checkpoint not found: {args.checkpoint}') from None
    state = ckpt.get('state_dict', ckpt)
    # the generator's parameter names, however the checkpoint prefixes them (EMA preferred)
    names = {k[len(p):] for p in PREFIXES[:-1] for k in state if k.startswith(p)}
    if not names:
        raise MMLinsemError(f'{args.checkpoint} holds no generator weights (expected keys '
                            f'under {PREFIXES[:-1]})')
    prefix, sub = select_generator_state(state, names)
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
    buf = io.BytesIO()
    torch.save(out, buf)
    atomic_write(args.out, buf.getvalue())
    print(f'exported {len(sub)} tensors ({prefix}*, iteration {meta.get("iter")}) to '
          f'{args.out} ({osp.getsize(args.out) / 1e6:.1f} MB)')


if __name__ == '__main__':
    run_main(main)
