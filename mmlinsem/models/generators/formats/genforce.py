"""LinearGAN and genforce ``.pth`` generators -> mmagic (StyleGAN2, PGGAN, StyleGAN v1).

Two related layouts are read, both as written by their own converters from the official
TF weights:

* LinearGAN's ``models/pretrain/pytorch/*_generator.pth``: a bare state dict whose
  StyleGAN2 conv weights keep the TF ``(k, k, in, out)`` layout (``...style.fc.weight``,
  ``mapping.dense{i}.fc.weight``) and whose PGGAN layers are ``layer{i}.conv.weight`` +
  ``layer{i}.wscale.bias``.
* genforce's checkpoints (``generator_smooth`` / ``generator`` entries, or a bare state
  dict): StyleGAN2 conv weights in PyTorch's ``(out, in, k, k)`` layout
  (``...style.weight``, ``mapping.dense{i}.weight``), PGGAN ``layer{i}.weight`` /
  ``layer{i}.bias``.

StyleGAN2 goes to mmagic's ``StyleGAN2Generator``: the up-sampling convs are flipped
spatially (the source flips them at run time, mmagic stores them flipped) and the style
biases get the +1 the source adds at run time. PGGAN goes to ``PGGANGenerator`` with
separate nearest up-sampling + conv (``fused_upconv=False``); the 4x4 first layer, a conv
over the 1x1 latent with padding 3, becomes mmagic's dense ``noise2feat`` (flipped and
reordered). StyleGAN v1 files go to ``GenforceStyleGANGenerator`` through
:func:`~mmlinsem.models.generators.genforce_convert.convert_genforce_state`.
"""
import re
from typing import Dict, Tuple

import torch

from mmlinsem.errors import MMLinsemError
from ..genforce_convert import convert_genforce_state
from .common import (ForeignGenerator, check_all_used, check_shapes, indices, require_contiguous,
                     sg2_generator_config, sg2_names, short, torgb_name)

SUPPORTED = ('StyleGAN2 (skip architecture, spatial noise, unconditional), PGGAN (separate '
             'up-sampling, unconditional) and StyleGAN v1')


def unwrap(obj) -> Tuple[dict, str]:
    """The generator state dict of a genforce checkpoint (EMA first) or a bare state dict."""
    if isinstance(obj, dict) and isinstance(obj.get('models'), dict):
        obj = obj['models']  # genforce runner checkpoint
    if isinstance(obj, dict):
        for key in ('generator_smooth', 'generator'):
            if isinstance(obj.get(key), dict):
                return obj[key], key
    return obj, ''


def kind(state) -> str:
    """'stylegan2-lineargan' / 'stylegan2-genforce' / 'pggan-lineargan' / 'pggan-genforce' /
    'stylegan1' / '' for a state dict of another layout."""
    if not isinstance(state, dict):
        return ''
    keys = set(state)
    if 'synthesis.early_layer.const' in keys:
        if any(k.endswith('.style.fc.weight') for k in keys):
            return 'stylegan2-lineargan'
        if any(k.endswith('.style.weight') for k in keys):
            return 'stylegan2-genforce'
    if 'output0.conv.weight' in keys and 'layer0.conv.weight' in keys:
        return 'pggan-lineargan'
    if 'output0.weight' in keys and 'layer0.weight' in keys and 'lod' in keys:
        return 'pggan-genforce'
    if any('.epilogue.' in k for k in keys) or 'synthesis.layer0.const' in keys:
        return 'stylegan1'
    return ''


def _normalised_fir_ok(val: torch.Tensor) -> bool:
    k = torch.tensor([1., 3., 3., 1.])
    ref = k[None, :] * k[:, None]
    ref = ref / ref.sum()
    ker = val.reshape(-1, *val.shape[-2:]).float()
    return ker.shape[-2:] == (4, 4) and bool(
        torch.allclose(ker / ker.sum(dim=(1, 2), keepdim=True), ref.expand_as(ker), atol=1e-6))


# ------------------------------------------------------------------------------ StyleGAN2
# Long on purpose: one key-by-key table (source -> mmagic) read top to bottom.
def _convert_sg2(state: dict, lineargan: bool, entry: str) -> ForeignGenerator:
    layout = f'{"LinearGAN" if lineargan else "genforce"} StyleGAN2'
    supported = f'{layout} generator ({SUPPORTED.split(",")[0]})'
    if 'mapping.label_weight' in state:
        raise MMLinsemError(f'{layout}: a label-conditioned generator (mapping.label_weight) was '
                            f'found; supported: {supported}')
    if any(k.startswith('synthesis.skip_layer') for k in state):
        raise MMLinsemError(f"{layout}: architecture 'resnet' (synthesis.skip_layer*) was found; "
                            "mmagic's StyleGAN2Generator has only the 'skip' architecture")
    fc = '.fc' if lineargan else ''
    style_w = '.style.fc.weight' if lineargan else '.style.weight'
    dense = indices(state, rf'^mapping\.dense(\d+){re.escape(fc)}\.weight$')
    require_contiguous(dense, 'mapping.dense', layout)
    layers = indices(state, r'^synthesis\.layer(\d+)\.bias$')
    require_contiguous(layers, 'synthesis.layer', layout)
    outputs = indices(state, r'^synthesis\.output(\d+)\.bias$')
    require_contiguous(outputs, 'synthesis.output', layout)
    num_blocks = len(outputs) - 1
    if len(layers) != 2 * num_blocks + 1:
        raise MMLinsemError(f"{layout}: {len(layers)} synthesis layers and {len(outputs)} "
                            "ToRGB outputs: expected 2 layers per ToRGB minus one (the 'skip' "
                            'architecture)')
    out_size = 4 * 2**num_blocks
    first = state[f'mapping.dense0{fc}.weight']
    w_dim, z_dim = int(first.shape[0]), int(first.shape[1])
    odd = [
        f'mapping.dense{i}{fc}.weight {tuple(state[f"mapping.dense{i}{fc}.weight"].shape)}'
        for i in dense[1:] if tuple(state[f'mapping.dense{i}{fc}.weight'].shape) != (w_dim, w_dim)
    ]
    if odd:
        raise MMLinsemError(f'{layout}: mapping layers of another width than w ({w_dim}) were '
                            f"found ({short(odd, 2)}); mmagic's mapping keeps one width")

    def conv_weight(key):  # -> (out, in, k, k)
        w = state[key]
        return w.permute(3, 2, 0, 1) if lineargan else w

    out: Dict[str, torch.Tensor] = {}
    used, checked = [], []

    def put(src, dst, val=None):
        out[dst] = (state[src] if val is None else val).detach().float().clone()
        used.append(src)

    for i in dense:
        put(f'mapping.dense{i}{fc}.weight', f'style_mapping.{i + 1}.linear.weight_orig')
        put(f'mapping.dense{i}.bias', f'style_mapping.{i + 1}.bias')
    if 'truncation.w_avg' in state:
        put('truncation.w_avg', 'w_avg', state['truncation.w_avg'].reshape(-1))
    const = state['synthesis.early_layer.const']
    put('synthesis.early_layer.const', 'constant_input.input', const.reshape(1, *const.shape[-3:]))
    names = sg2_names(num_blocks)
    channels = {}
    for i in layers:
        src, dst = f'synthesis.layer{i}', names[i]
        w = conv_weight(f'{src}.weight')
        if i % 2 == 1:  # up-sampling conv: flipped at run time by the source
            w = w.flip(2, 3)
        put(f'{src}.weight', f'{dst}.conv.weight_orig', w[None])
        put(f'{src}{style_w}', f'{dst}.conv.style_modulation.linear.weight_orig')
        put(f'{src}.style.bias', f'{dst}.conv.style_modulation.bias',
            state[f'{src}.style.bias'] + 1)
        put(f'{src}.bias', f'{dst}.activate.bias')
        put(f'{src}.noise_strength', f'{dst}.noise_injector.weight',
            state[f'{src}.noise_strength'].reshape(1))
        put(f'{src}.noise', f'injected_noise_{i}')
        if i % 2 == 0:
            channels[4 * 2**(i // 2)] = int(w.shape[0])
        if f'{src}.filter.kernel' in state:
            checked.append(f'{src}.filter.kernel')
    for b in outputs:
        src, dst = f'synthesis.output{b}', torgb_name(b)
        w = conv_weight(f'{src}.weight')
        put(f'{src}.weight', f'{dst}.conv.weight_orig', w[None])
        put(f'{src}{style_w}', f'{dst}.conv.style_modulation.linear.weight_orig')
        put(f'{src}.style.bias', f'{dst}.conv.style_modulation.bias',
            state[f'{src}.style.bias'] + 1)
        put(f'{src}.bias', f'{dst}.bias', state[f'{src}.bias'].reshape(1, -1, 1, 1))
    for key in ('synthesis.upsample.kernel', ):
        if key in state:
            checked.append(key)
    for key in checked:
        if not _normalised_fir_ok(state[key]):
            raise MMLinsemError(f'{layout}: {key} is not the [1, 3, 3, 1] filter mmagic uses')
    if 'truncation.truncation' in state:
        checked.append('truncation.truncation')  # psi coefficients: set in the config
    check_all_used(state, used, checked, layout, supported)
    img_ch = int(out['to_rgb1.conv.weight_orig'].shape[1])
    cfg = sg2_generator_config(out_size, w_dim, z_dim, len(dense), channels, img_ch, 'w_avg' in out)
    check_shapes(out, cfg, layout)
    notes = [] if 'w_avg' in out else [
        'no truncation.w_avg in the file: truncation uses the '
        'mean of w over sampled z'
    ]
    inferred = dict(
        out_size=out_size,
        style_channels=w_dim,
        noise_size=z_dim,
        num_mlps=len(dense),
        channels=channels,
        architecture='skip',
        truncation_centre='truncation.w_avg' if 'w_avg' in out else None)
    return ForeignGenerator(layout, out, cfg, used, checked, inferred, entry or None, notes)


# ------------------------------------------------------------------------------ PGGAN
def _pggan_channels(channels: Dict[int, int], layout: str) -> Tuple[int, int]:
    """(base_channels, max_channels) of mmagic's ``min(base / 2^(s-1), max)`` table."""
    top = channels[4]
    lower = [(r, c) for r, c in sorted(channels.items()) if c < top]
    base = lower[0][1] * lower[0][0] // 2 if lower else max(8192, top * 2)
    for res, ch in channels.items():
        want = min(int(base / 2**(res.bit_length() - 2)), top)
        if want != ch:
            raise MMLinsemError(f'{layout}: channels {channels} follow no min(base / res, max) '
                                'table, which is the only one mmagic\'s PGGANGenerator builds')
    return base, top


def _convert_pggan(state: dict, lineargan: bool, entry: str) -> ForeignGenerator:
    layout = f'{"LinearGAN" if lineargan else "genforce"} PGGAN'
    supported = f'{layout} generator ({SUPPORTED.split(", ")[1]})'
    wkey = '{}.conv.weight' if lineargan else '{}.weight'
    bkey = '{}.wscale.bias' if lineargan else '{}.bias'
    layers = indices(state, r'^layer(\d+)\.' + ('wscale\\.' if lineargan else '') + r'bias$')
    require_contiguous(layers, 'layer', layout)
    outputs = indices(state, r'^output(\d+)\.' + ('conv\\.' if lineargan else '') + r'weight$')
    require_contiguous(outputs, 'output', layout)
    fused = [f'layer{i}' for i in layers if i >= 2 and wkey.format(f'layer{i}') not in state]
    if fused or any(state[wkey.format(f'layer{i}')].shape[-1] != 3 for i in layers[1:]):
        raise MMLinsemError(f'{layout}: fused-scale up-sampling layers ({short(fused, 3)}) were '
                            'found; supported: separate nearest up-sampling + conv '
                            '(fused_scale=False)')
    if len(layers) != 2 * len(outputs):
        raise MMLinsemError(f'{layout}: {len(layers)} layers for {len(outputs)} outputs, '
                            'expected two per resolution')
    lod = state.get('lod')
    if lod is not None and float(lod) != 0:
        raise MMLinsemError(f'{layout}: lod is {float(lod)}; only fully grown generators '
                            '(lod 0) are supported')
    out_size = 4 * 2**(len(outputs) - 1)
    dense = state[wkey.format('layer0')]  # (C, z, 4, 4): a conv over the 1x1 latent
    ch4, z_dim = int(dense.shape[0]), int(dense.shape[1])
    out: Dict[str, torch.Tensor] = {}
    used, checked = [], []

    def put(src, dst, val=None):
        out[dst] = (state[src] if val is None else val).detach().float().clone()
        used.append(src)

    # a 4x4 conv with padding 3 on a 1x1 input: output pixel (y, x) sees kernel tap (3-y, 3-x)
    put(
        wkey.format('layer0'), 'noise2feat.linear.weight_orig',
        dense.flip(2, 3).permute(0, 2, 3, 1).reshape(16 * ch4, z_dim))
    put(
        bkey.format('layer0'), 'noise2feat.bias',
        state[bkey.format('layer0')].reshape(1, ch4, 1, 1))
    channels = {4: ch4}
    for i in layers[1:]:
        put(wkey.format(f'layer{i}'), f'conv_blocks.{i - 1}.conv.weight_orig')
        put(bkey.format(f'layer{i}'), f'conv_blocks.{i - 1}.conv.bias')
        channels[4 * 2**(i // 2)] = int(state[wkey.format(f'layer{i}')].shape[0])
    for b in outputs:
        put(wkey.format(f'output{b}'), f'torgb_layers.{b}.conv.weight_orig')
        put(bkey.format(f'output{b}'), f'torgb_layers.{b}.conv.bias')
    if lod is not None:
        checked.append('lod')
    check_all_used(state, used, checked, layout, supported)
    base, top = _pggan_channels(channels, layout)
    cfg = dict(type='PGGANGenerator', noise_size=z_dim, out_scale=out_size, fused_upconv=False)
    if (base, top) != (8192, 512):
        cfg.update(base_channels=base, max_channels=top)
    check_shapes(out, cfg, layout)
    inferred = dict(
        out_size=out_size, noise_size=z_dim, channels=channels, up_sampling='nearest + conv')
    return ForeignGenerator(layout, out, cfg, used, checked, inferred, entry or None, [])


# ------------------------------------------------------------------------------ StyleGAN v1
def _convert_sg1(state: dict, entry: str) -> ForeignGenerator:
    sd, arch, report = convert_genforce_state(state)
    cfg = dict(_scope_='mmlinsem', type='GenforceStyleGANGenerator', **arch)
    layout = f'genforce StyleGAN ({report["layout"]} layout)'
    inferred = dict(arch, truncation_centre='truncation.w_avg')
    return ForeignGenerator(layout, sd, cfg, list(report['source_to_target']),
                            list(report['derived']), inferred, entry or None, [])


def convert(obj) -> ForeignGenerator:
    """Read a LinearGAN / genforce generator (checkpoint dict or bare state dict)."""
    state, entry = unwrap(obj)
    which = kind(state)
    tensors = {k: v for k, v in state.items() if torch.is_tensor(v)}
    if which == 'stylegan2-lineargan':
        return _convert_sg2(tensors, True, entry)
    if which == 'stylegan2-genforce':
        return _convert_sg2(tensors, False, entry)
    if which == 'pggan-lineargan':
        return _convert_pggan(tensors, True, entry)
    if which == 'pggan-genforce':
        return _convert_pggan(tensors, False, entry)
    if which == 'stylegan1':
        return _convert_sg1(state, entry)
    raise MMLinsemError(f'not a LinearGAN / genforce generator; supported: {SUPPORTED}')
