"""Convert a genforce-layout StyleGAN (v1) generator ``.pth`` for ``GenforceStyleGANGenerator``.

    python tools/model_converters/stylegan1_genforce_to_mmlinsem.py \
        stylegan_bedroom256_generator.pth checkpoints/stylegan_lsun-bedroom-256_converted.pth

Reads genforce's checkpoints (``generator_smooth`` / ``generator`` entries, current key names)
and the flat state dicts LinearGAN distributed (``models/pretrain/pytorch/*_generator.pth``,
interfacegan's legacy names such as ``...epilogue.style_mod.dense.fc.weight``). Every tensor
is mapped by name; blur kernels, truncation coefficients and ``lod`` are checked, not stored.
Missing or unexpected names are listed in one ``error:`` line. The output holds the generator
weights (with the official ``w_avg`` truncation centre) and, in ``meta``, the generator config
to use (printed too).
"""
import argparse
import io
import os.path as osp

from mmlinsem.cli import add_trust_arg, run_main
from mmlinsem.utils import atomic_write


def _fused(value):
    if value == 'auto':
        return 'auto'
    if value in ('true', 'false'):
        return value == 'true'
    raise argparse.ArgumentTypeError(f"expected auto, true or false, got {value!r}")


def main():
    p = argparse.ArgumentParser(description='genforce StyleGAN (v1) -> mmlinsem')
    p.add_argument('src', help='genforce-layout .pth (state dict or genforce checkpoint)')
    p.add_argument('dst', help='output .pth for FeatureGenerator(checkpoint=...)')
    p.add_argument(
        '--fused-scale',
        type=_fused,
        default='auto',
        help="up-sampling of files in genforce's current layout, which do not record it: "
        "auto (official: fused transposed conv from 128 px), true or false")
    add_trust_arg(p)
    args = p.parse_args()
    import torch

    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.generators import convert_genforce_state, unwrap_genforce_checkpoint
    from mmlinsem.utils import read_checkpoint
    if not osp.isfile(args.src):
        raise MMLinsemError(f'input not found: {args.src}')
    obj = read_checkpoint(args.src, expected='a genforce StyleGAN state dict or checkpoint')
    state, entry = unwrap_genforce_checkpoint(obj)
    sd, arch, report = convert_genforce_state(state, fused_scale=args.fused_scale)
    cfg = dict(_scope_='mmlinsem', type='GenforceStyleGANGenerator', **arch)
    meta = dict(
        source=osp.basename(args.src),
        source_entry=entry or None,
        layout=report['layout'],
        generator=cfg)
    buf = io.BytesIO()
    torch.save(dict(state_dict=sd, meta=meta), buf)
    atomic_write(args.dst, buf.getvalue())
    print(f'converted {len(report["source_to_target"])} tensors ({report["layout"]} layout'
          f'{", entry " + entry if entry else ""}; checked {len(report["derived"])} derived) '
          f'to {args.dst}')
    print(f'generator config: {cfg}')


if __name__ == '__main__':
    run_main(main)
