"""Convert a GAN generator from another code base into an mmagic-layout checkpoint.

    python tools/model_converters/to_mmlinsem.py SRC DST [--print-config]

SRC is told apart by content: a rosinality ``.pt`` (``g_ema``, ``latent_avg``; training
checkpoints too), an NVIDIA stylegan2-ada / stylegan3 ``network-snapshot-*.pkl``
(``G_ema``; read by a restricted unpickler that never runs the pickled source), or a
LinearGAN / genforce ``.pth`` (StyleGAN2, PGGAN, StyleGAN v1). Every tensor of the
generator is carried over (or, for fixed filter kernels, checked); the architecture is
inferred from the tensor shapes and the truncation centre (``latent_avg`` / ``w_avg``) is
kept. DST is written atomically as ``{'state_dict': {'generator_ema.<key>': ...}, 'meta':
{...}}``, which ``FeatureGenerator(checkpoint=DST)`` and mmagic's own ``pretrained=dict(
ckpt_path=DST, prefix='generator_ema')`` load. The ``FeatureGenerator`` config that fits
it is printed (in full, as config text, with ``--print-config``). ``FeatureGenerator``
also loads SRC directly; converting once saves the conversion on every start.
"""
import argparse
import io
import os.path as osp

from mmlinsem.cli import add_trust_arg, run_main
from mmlinsem.utils import atomic_write


def _value_text(value, level: int = 0, column: int = 0) -> str:
    """Config text of ``value``: ``dict(k=v, ...)`` with ``type`` first, on one line while
    it fits in 100 columns, else one key per line indented by ``level``."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return repr(value)  # (a channel table {res: channels} reads as a dict literal)
    keys = sorted(value, key=lambda k: k != 'type')
    one = 'dict(' + ', '.join(f'{k}={_value_text(value[k])}' for k in keys) + ')'
    if column + len(one) <= 100:
        return one
    pad = ' ' * 4 * (level + 1)
    inner = ',\n'.join(f'{pad}{k}={_value_text(value[k], level + 1, len(pad) + len(k) + 1)}'
                       for k in keys)
    return f'dict(\n{inner})'


def _config_text(cfg: dict) -> str:
    return 'generator = ' + _value_text(cfg, 0, len('generator = '))


def main():
    p = argparse.ArgumentParser(
        description='rosinality / NVIDIA / LinearGAN / genforce generator -> mmagic layout')
    p.add_argument('src', help='generator file (.pt, .pkl or .pth), told apart by content')
    p.add_argument('dst', help='output .pth for FeatureGenerator(checkpoint=...)')
    p.add_argument(
        '--print-config',
        action='store_true',
        help='print the FeatureGenerator config as config text (generator = dict(...))')
    add_trust_arg(p)
    args = p.parse_args()
    import torch

    from mmlinsem.errors import MMLinsemError
    from mmlinsem.models.generators.formats import (SUPPORTED_FORMATS, feature_generator_config,
                                                    read_generator_file)
    if not osp.isfile(args.src):
        raise MMLinsemError(f'input not found: {args.src}')
    _, foreign = read_generator_file(args.src)
    if foreign is None:
        raise MMLinsemError(f'{args.src} is already an mmagic-layout checkpoint (or no '
                            f'generator of another layout); supported: {SUPPORTED_FORMATS}')
    meta = dict(
        source=osp.basename(args.src),
        source_entry=foreign.entry,
        layout=foreign.layout,
        inferred=foreign.inferred,
        generator=foreign.generator)
    state = {f'generator_ema.{k}': v.contiguous() for k, v in foreign.state.items()}
    buf = io.BytesIO()
    torch.save(dict(state_dict=state, meta=meta), buf)
    atomic_write(args.dst, buf.getvalue())
    entry = f', entry {foreign.entry}' if foreign.entry else ''
    print(f'read {args.src}: {foreign.layout}{entry}')
    print('inferred: ' + ', '.join(f'{k}={v}' for k, v in foreign.inferred.items()))
    total = len(foreign.used) + len(foreign.checked)
    print(f'used all {total} tensors of the generator ({len(foreign.used)} converted, '
          f'{len(foreign.checked)} constants checked): wrote {args.dst}')
    for note in foreign.notes:
        print(f'note: {note}')
    cfg = feature_generator_config(foreign, args.dst)
    if args.print_config:
        print(_config_text(cfg))
    else:
        print(f'FeatureGenerator config: {cfg}')


if __name__ == '__main__':
    run_main(main)
