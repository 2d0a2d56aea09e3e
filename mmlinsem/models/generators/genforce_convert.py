"""Convert genforce-layout StyleGAN (v1) weights onto ``GenforceStyleGANGenerator``.

Reads current genforce checkpoints and the legacy interfacegan / LinearGAN layout; used by
``tools/model_converters/stylegan1_genforce_to_mmlinsem.py``.
"""
import math
import re
from typing import Tuple, Union

import torch

from mmlinsem.errors import MMLinsemError
from .stylegan1 import _FUSED_MIN_RES, GenforceStyleGANGenerator, genforce_channels

# ------------------------------------------------------------------ conversion
_LEGACY_RENAMES = [
    (r'^mapping\.dense(\d+)\.fc\.weight$', r'mapping.dense\1.weight'),
    (r'^mapping\.dense(\d+)\.wscale\.bias$', r'mapping.dense\1.bias'),
    (r'^synthesis\.layer(\d+)\.conv\.weight$', r'synthesis.layer\1.weight'),
    (r'^synthesis\.layer(\d+)\.epilogue\.bias$', r'synthesis.layer\1.bias'),
    (r'^synthesis\.layer(\d+)\.epilogue\.style_mod\.dense\.fc\.weight$',
     r'synthesis.layer\1.style.weight'),
    (r'^synthesis\.layer(\d+)\.epilogue\.style_mod\.dense\.wscale\.bias$',
     r'synthesis.layer\1.style.bias'),
    (r'^synthesis\.layer(\d+)\.epilogue\.apply_noise\.(weight|noise)$',
     r'synthesis.layer\1.apply_noise.\2'),
    (r'^synthesis\.output(\d+)\.conv\.weight$', r'synthesis.output\1.weight'),
]

# Tensors that are derived constants, checked but not stored: the blur kernels, the
# truncation coefficients (rebuilt from psi) and the level of detail (must be 0).
_DERIVED = (re.compile(r'^synthesis\.layer\d+\.blur\.kernel$'),
            re.compile(r'^truncation\.truncation$'), re.compile(r'^synthesis\.lod$'))


def _short(names, n=6):
    names = sorted(names)
    more = f' (+{len(names) - n} more)' if len(names) > n else ''
    return ', '.join(names[:n]) + more


def unwrap_genforce_checkpoint(obj) -> Tuple[dict, str]:
    """The generator state dict of a genforce ``.pth`` (prefers the EMA ``generator_smooth``)."""
    if not isinstance(obj, dict):
        raise MMLinsemError(f'expected a state dict (a dict of tensors), got {type(obj).__name__}')
    for key in ('generator_smooth', 'generator', 'state_dict'):
        if isinstance(obj.get(key), dict):
            return obj[key], key
    return obj, ''


def _canonical(state: dict) -> Tuple[dict, str, set]:
    """Rename the legacy layout (interfacegan / LinearGAN) to genforce's current names.

    Returns the renamed dict, the layout name and the layer indices that are fused
    (known only in the legacy layout, where they keep their TF (k, k, in, out) shape).
    """
    tensors = {k: v for k, v in state.items() if torch.is_tensor(v)}
    other = [k for k in state if k not in tensors]
    if other:
        raise MMLinsemError(f'genforce state dict holds non-tensor entries: {_short(other)}')
    legacy = any('.epilogue.' in k or '.wscale.' in k for k in tensors)
    if not legacy:
        return tensors, 'genforce', set()
    out, fused = {}, set()
    for key, val in tensors.items():
        new = key
        for pat, rep in _LEGACY_RENAMES:
            new, hit = re.subn(pat, rep, key)
            if hit:
                break
        m = re.match(r'^synthesis\.layer(\d+)\.weight$', key)
        if m:  # legacy fused up-conv kept the TF layout (k, k, in, out)
            val = val.permute(3, 2, 0, 1)
            fused.add(int(m.group(1)))
        out[new] = val
    return out, 'legacy', fused


def _infer_arch(c: dict, fused_scale) -> dict:
    dense = sorted(
        int(m.group(1)) for k in c for m in [re.match(r'^mapping\.dense(\d+)\.weight$', k)] if m)
    biases = sorted(
        int(m.group(1)) for k in c for m in [re.match(r'^synthesis\.layer(\d+)\.bias$', k)] if m)
    if not dense or not biases:
        raise MMLinsemError('not a genforce StyleGAN generator: no mapping.dense{i}.weight / '
                            f'synthesis.layer{{i}}.bias keys (found e.g. {_short(c, 4)})')
    if 'mapping.label_weight' in c:
        raise MMLinsemError('label-conditioned StyleGAN (mapping.label_weight) is not supported')
    if dense != list(range(len(dense))) or biases != list(range(len(biases))):
        raise MMLinsemError(f'layer indices are not contiguous: dense {dense}, synthesis '
                            f'layers {biases}')
    style = int(c['mapping.dense0.weight'].shape[1])
    not_square = [
        f'mapping.dense{i}.weight {tuple(c[f"mapping.dense{i}.weight"].shape)}' for i in dense
        if tuple(c[f'mapping.dense{i}.weight'].shape) != (style, style)
    ]
    if not_square:
        raise MMLinsemError(f'mapping layers must all be ({style}, {style}) (z = w = '
                            f'hidden size): {_short(not_square, 3)}')
    if len(biases) % 2 or len(biases) < 4:
        raise MMLinsemError(f'{len(biases)} synthesis layers: expected an even number >= 4')
    out_size = 4 * 2**(len(biases) // 2 - 1)
    channels = {
        4 * 2**b: int(c[f'synthesis.layer{2 * b + 1}.bias'].shape[0])
        for b in range(len(biases) // 2)
    }
    arch = dict(out_size=out_size, style_channels=style, num_mlps=len(dense))
    if channels != genforce_channels(out_size):
        arch['channels'] = channels
    if fused_scale != 'auto':
        arch['fused_scale'] = fused_scale
    return arch


def convert_genforce_state(state: dict, fused_scale: Union[str, bool] = 'auto'):
    """Map a genforce-layout StyleGAN generator state dict onto ``GenforceStyleGANGenerator``.

    Args:
        state: genforce (``mapping.dense0.weight``, ``synthesis.layer1.style.weight`` ...) or
            legacy interfacegan / LinearGAN (``...epilogue.style_mod.dense.fc.weight``) keys.
        fused_scale: up-sampling of the current-layout files, which do not record it
            (official models: ``'auto'``). Legacy files record it and are checked against it.

    Returns:
        tuple: (state dict for the generator, generator config kwargs, report dict with
        ``layout``, ``source_to_target`` {source key: target key} and ``derived`` keys).
    """
    c, layout, fused = _canonical(state)
    if layout == 'legacy':
        fused_scale = _legacy_fused_scale(c, fused)
    arch = _infer_arch(c, fused_scale)
    target = GenforceStyleGANGenerator(**arch)
    template = target.state_dict()
    style = arch['style_channels']
    names = _target_names(arch, target)
    derived = _check_source_keys(c, names, layout, arch, target)

    out = dict(template)
    for src, dst in names.items():
        val = c[src].detach().float().clone()
        if src.endswith('.style.weight'):
            val = val / math.sqrt(2.0)  # mmagic's AdaIN affine has gain sqrt(2), genforce 1
        elif src.endswith('.style.bias'):
            # genforce: x * (s + 1) + t; mmagic's AdaIN: x * gamma + beta
            val = val.clone()
            val[:val.shape[0] // 2] += 1
        if tuple(val.shape) != tuple(template[dst].shape):
            raise MMLinsemError(f'shape mismatch at {src} -> {dst}: {tuple(c[src].shape)} vs '
                                f'{tuple(template[dst].shape)}')
        out[dst] = val
    if tuple(out['w_avg'].shape) != (style, ):
        raise MMLinsemError(f'truncation.w_avg has shape {tuple(out["w_avg"].shape)}, '
                            f'expected ({style},)')
    report = dict(layout=layout, source_to_target=names, derived=derived)
    return out, arch, report


def _legacy_fused_scale(c: dict, fused: set):
    """The ``fused_scale`` setting that fuses exactly the up-sampling convs a legacy file
    records as fused."""
    ups = [
        i for i in range(2, len(c), 2)
        if f'synthesis.layer{i}.weight' in c and f'synthesis.layer{i}.bias' in c
    ]
    auto = {i for i in ups if 4 * 2**(i // 2) >= _FUSED_MIN_RES}
    options = {'auto': auto, True: set(ups), False: set()}
    match = [opt for opt, layers in options.items() if layers == fused]
    if not match:
        raise MMLinsemError(f'fused up-sampling at layers {sorted(fused)} matches none of '
                            "fused_scale='auto' / True / False")
    return match[0]


def _target_names(arch: dict, target) -> dict:
    """Source (canonical) key -> target key of every learned tensor."""
    names = {}
    for i in range(arch['num_mlps']):
        names[f'mapping.dense{i}.weight'] = f'style_mapping.{i + 1}.linear.weight_orig'
        names[f'mapping.dense{i}.bias'] = f'style_mapping.{i + 1}.bias'
    names['truncation.w_avg'] = 'w_avg'
    for i in range(target.num_latents):
        src, dst = f'synthesis.layer{i}', f'layers.{i}'
        if i == 0:
            names[f'{src}.const'] = f'{dst}.const.input'
        else:
            names[f'{src}.weight'] = f'{dst}.conv.weight'
        names[f'{src}.bias'] = f'{dst}.bias.bias'
        names[f'{src}.style.weight'] = f'{dst}.style.affine.weight_orig'
        names[f'{src}.style.bias'] = f'{dst}.style.affine.bias'
        names[f'{src}.apply_noise.weight'] = f'{dst}.noise.weight'
        names[f'{src}.apply_noise.noise'] = f'injected_noise_{i}'
    for b in range(len(target.resolutions)):
        names[f'synthesis.output{b}.weight'] = f'to_rgbs.{b}.conv.weight_orig'
        names[f'synthesis.output{b}.bias'] = f'to_rgbs.{b}.conv.bias'
    return names


def _check_source_keys(c: dict, names: dict, layout: str, arch: dict, target) -> list:
    """The derived keys of ``c`` (rebuilt by the generator, checked here); every other
    key must be one of ``names`` and all of them present, the generator fully grown."""
    derived = [k for k in c if any(p.match(k) for p in _DERIVED)]
    missing = [k for k in names if k not in c]
    unknown = [k for k in c if k not in names and k not in derived]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f'missing {len(missing)}: {_short(missing)}')
        if unknown:
            parts.append(f'unexpected {len(unknown)}: {_short(unknown)}')
        raise MMLinsemError(f'{layout} StyleGAN state dict does not fit a {arch["out_size"]} px '
                            f'generator: ' + '; '.join(parts))
    if 'synthesis.lod' in c and float(c['synthesis.lod']) != 0:
        raise MMLinsemError(f'synthesis.lod is {float(c["synthesis.lod"])}: only fully grown '
                            'generators (lod 0) are supported')
    for k in derived:
        if k.endswith('blur.kernel'):
            i = int(re.match(r'^synthesis\.layer(\d+)\.', k).group(1))
            blur = getattr(target.layers[i], 'blur', None)
            ref = None if blur is None else blur.kernel
            ker = c[k].reshape(-1, *c[k].shape[-2:])
            if ref is None or ker.shape[-2:] != ref.shape or not torch.allclose(
                    ker, ref.expand_as(ker), atol=1e-6):
                raise MMLinsemError(f'{k} is not the normalised [1, 2, 1] blur this generator '
                                    'uses')
    return derived
