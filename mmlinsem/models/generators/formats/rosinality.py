"""rosinality/stylegan2-pytorch ``.pt`` files -> mmagic ``StyleGAN2Generator``.

Both kinds of file are read: the output of its TF-weight converter (``g_ema`` plus
``latent_avg``, the official truncation centre) and its training checkpoints (``g``,
``d``, ``g_ema``, optimiser states, ``args``). The EMA generator is used. mmagic's StyleGAN2
modules compute the same formulas with the same tensor shapes, so every tensor carries over
unchanged under a new name; the blur and up-sampling kernels are fixed filters, checked
against mmagic's and not stored.
"""
import re
from typing import Dict, Optional

import torch

from mmlinsem.errors import MMLinsemError
from .common import (ForeignGenerator, check_all_used, check_shapes, fir_kernel, indices,
                     require_contiguous, sg2_generator_config, short)

LAYOUT = 'rosinality StyleGAN2'
SUPPORTED = ("rosinality's Generator (style.*, input.input, conv1, convs.*, to_rgb1, to_rgbs.*,"
             ' noises.*)')

_RENAMES = (
    (re.compile(r'^style\.(\d+)\.weight$'), r'style_mapping.\1.linear.weight_orig'),
    (re.compile(r'^style\.(\d+)\.bias$'), r'style_mapping.\1.bias'),
    (re.compile(r'^input\.input$'), 'constant_input.input'),
    (re.compile(r'^(.*)\.conv\.modulation\.weight$'),
     r'\1.conv.style_modulation.linear.weight_orig'),
    (re.compile(r'^(.*)\.conv\.modulation\.bias$'), r'\1.conv.style_modulation.bias'),
    (re.compile(r'^(.*)\.conv\.weight$'), r'\1.conv.weight_orig'),
    (re.compile(r'^(.*)\.noise\.weight$'), r'\1.noise_injector.weight'),
    (re.compile(r'^noises\.noise_(\d+)$'), r'injected_noise_\1'),
    (re.compile(r'^((conv1|convs\.\d+)\.activate\.bias)$'), r'\1'),
    (re.compile(r'^((to_rgb1|to_rgbs\.\d+)\.bias)$'), r'\1'),
)
_FIXED = re.compile(r'^(convs\.\d+\.conv\.blur\.kernel|to_rgbs\.\d+\.upsample\.kernel)$')


def looks_like(obj) -> bool:
    """A rosinality file: a dict with a ``g_ema`` state dict holding ``input.input``."""
    return (isinstance(obj, dict) and isinstance(obj.get('g_ema'), dict)
            and 'input.input' in obj['g_ema']) or is_generator_state(obj)


def is_generator_state(obj) -> bool:
    return isinstance(obj, dict) and 'input.input' in obj and 'style.1.weight' in obj


def convert(obj: dict) -> ForeignGenerator:
    """Read a rosinality checkpoint dict (or the bare generator state dict)."""
    if is_generator_state(obj):
        state, entry, latent_avg = obj, None, None
    else:
        state, entry, latent_avg = obj['g_ema'], 'g_ema', obj.get('latent_avg')
    state = {k: v for k, v in state.items() if torch.is_tensor(v)}
    mlps = indices(state, r'^style\.(\d+)\.weight$')
    require_contiguous(mlps, 'style (mapping) layer', LAYOUT, start=1)
    rgbs = indices(state, r'^to_rgbs\.(\d+)\.conv\.weight$')
    if rgbs:
        require_contiguous(rgbs, 'to_rgbs', LAYOUT)
    out_size = 2**(len(rgbs) + 2)
    style = int(state['style.1.weight'].shape[0])
    noise = int(state['style.1.weight'].shape[1])
    channels: Dict[int, int] = {4: int(state['conv1.conv.weight'].shape[1])}
    for b in range(1, len(rgbs) + 1):
        key = f'convs.{2 * b - 1}.conv.weight'
        if key not in state:
            raise MMLinsemError(f'{LAYOUT}: {key} is missing for the {4 * 2**b} px block')
        channels[4 * 2**b] = int(state[key].shape[1])
    out_ch = int(state['to_rgb1.conv.weight'].shape[1])

    out: Dict[str, torch.Tensor] = {}
    used, checked = [], []
    for key, val in state.items():
        if _FIXED.match(key):
            if tuple(val.shape) != (4, 4) or not torch.allclose(
                    val.float(), fir_kernel(4.0), atol=1e-6):
                raise MMLinsemError(f'{LAYOUT}: {key} is not the [1, 3, 3, 1] filter mmagic '
                                    'uses (custom blur kernels are not supported)')
            checked.append(key)
            continue
        for rx, rep in _RENAMES:
            if rx.match(key):
                out[rx.sub(rep, key)] = val.detach().float().clone()
                used.append(key)
                break
    check_all_used(state, used, checked, LAYOUT, SUPPORTED)

    w_avg = latent_avg is not None
    notes = []
    if w_avg:
        latent_avg = torch.as_tensor(latent_avg).float().reshape(-1)
        if latent_avg.numel() != style:
            raise MMLinsemError(f'{LAYOUT}: latent_avg has {latent_avg.numel()} values, the '
                                f'style size is {style}')
        out['w_avg'] = latent_avg.clone()
    else:
        notes.append('no latent_avg in the file (a training checkpoint): truncation uses '
                     'the mean of w over sampled z')
    cfg = sg2_generator_config(out_size, style, noise, len(mlps), channels, out_ch, w_avg)
    check_shapes(out, cfg, LAYOUT)
    inferred = dict(
        out_size=out_size,
        style_channels=style,
        num_mlps=len(mlps),
        channels=channels,
        truncation_centre='latent_avg' if w_avg else None)
    return ForeignGenerator(LAYOUT, out, cfg, used + (['latent_avg'] if w_avg else []), checked,
                            inferred, entry, notes)


def describe(obj: dict) -> Optional[str]:
    """What else the file holds (for the converter's report)."""
    if not isinstance(obj, dict):
        return None
    return short([k for k in obj if k not in ('g_ema', 'latent_avg')], 8) or None
