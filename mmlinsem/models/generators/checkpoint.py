"""Load generator weights from a checkpoint (path or URL).

Local files are told apart by content: a foreign generator (rosinality ``.pt``, NVIDIA
``.pkl``, LinearGAN / genforce ``.pth``) is converted to mmagic's layout by its reader in
:mod:`~mmlinsem.models.generators.formats` and then loaded like an mmagic checkpoint, so the
configured generator must fit it (a mismatch names the config the file needs).
"""
import os.path as osp

from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.checkpoint_io import describe_keys, expecting
from mmlinsem.utils.paths import resolve_path
from .formats.detect import SUPPORTED_FORMATS, read_generator_file

# Preference order: EMA weights (mmagic >= 1.0 layout, then the legacy layout), then raw.
# Buffers some checkpoints carry that the generator may not define.
OPTIONAL_EXTRA = ('truncation_latent', 'w_avg')
PREFIXES = ('generator_ema.module.', 'generator_ema.', 'generator.', '')


def select_generator_state(state_dict: dict, expected_keys) -> tuple:
    """Pick the key prefix whose stripped keys cover ``expected_keys`` best."""
    expected = set(expected_keys)
    best = None
    for prefix in PREFIXES:
        sub = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
        hit = len(expected & set(sub))
        if hit and (best is None or hit > best[2]):
            best = (prefix, sub, hit)
        if hit == len(expected):
            break
    if best is None:
        raise MMLinsemError(
            'generator checkpoint has no generator weights: expected keys under one of '
            f'{PREFIXES[:-1]} or bare generator keys, but {describe_keys(state_dict)}; '
            f'supported: {SUPPORTED_FORMATS}')
    return best[0], best[1]


def load_generator_weights(generator: nn.Module, checkpoint: str) -> str:
    """Load ``checkpoint`` into ``generator`` strictly; return the prefix used."""
    checkpoint = resolve_path(checkpoint)
    foreign = None
    try:
        with expecting('a generator checkpoint (mmagic StyleGAN weights, keys '
                       f'generator_ema.* / generator.*, or one of: {SUPPORTED_FORMATS})'):
            if osp.isfile(checkpoint):
                ckpt, foreign = read_generator_file(checkpoint)
            else:
                ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    except FileNotFoundError:
        raise MMLinsemError(f'generator checkpoint not found: {checkpoint}') from None
    if foreign is not None:
        ckpt = dict(state_dict=foreign.state)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    own = generator.state_dict()
    prefix, sub = select_generator_state(state, own.keys())
    missing = [k for k in own if k not in sub]
    # noise buffers / cached latents are optional in older checkpoints
    missing = [k for k in missing if not k.startswith('injected_noise')]
    unexpected = [k for k in sub if k not in own and k not in OPTIONAL_EXTRA]
    bad_shape = [k for k in sub if k in own and sub[k].shape != own[k].shape]
    if missing or bad_shape or unexpected:
        if missing:
            what = f'{len(missing)} missing keys (e.g. {missing[:2]})'
        elif bad_shape:
            k = bad_shape[0]
            what = (f'shape mismatch at {k}: checkpoint {tuple(sub[k].shape)} vs model '
                    f'{tuple(own[k].shape)}')
        else:
            what = f'{len(unexpected)} extra keys (e.g. {unexpected[:2]})'
        if foreign is not None:
            raise MMLinsemError(
                f'generator checkpoint {checkpoint} ({foreign.layout}) does not fit the '
                f'configured generator {type(generator).__name__}: {what}; the file needs '
                f'generator={foreign.generator}')
        raise MMLinsemError(
            f'generator checkpoint {checkpoint} (prefix "{prefix}") does not fit the '
            f'configured generator {type(generator).__name__}: {what}; check out_size / '
            'style_channels / channels in the config')
    generator.load_state_dict({k: v for k, v in sub.items() if k in own}, strict=False)
    return prefix
