"""NVIDIA ``network-snapshot-*.pkl`` files (stylegan2-ada-pytorch, stylegan3).

The pickle of such a snapshot holds every network as a "persistent object": the source
code of its module plus the module's ``__dict__``, rebuilt by ``exec``-ing that source when
the file is unpickled the usual way. Here the file is read by a restricted unpickler: the
persistent-object constructor is replaced by an inert record that keeps the class name and
the state (the embedded source text is never looked at, let alone run), ``EasyDict`` by a
plain dict, and storages are rebuilt by ``torch.load(weights_only=True)``. Any other global
the pickle asks for is refused in one line before it is imported.

The ``G_ema`` record is then flattened into a state dict and mapped onto mmagic:

* StyleGAN2 (``synthesis.b4 ... b{res}``, both repositories) -> ``StyleGAN2Generator``
  (renames plus reshapes; the filter kernels are fixed and checked); only the ``skip``
  architecture of the official models is expressible.
* StyleGAN3 (``synthesis.input`` + ``synthesis.L{i}_{size}_{ch}``, -T and -R) ->
  ``StyleGAN3Generator``: the same module names, ``mapping`` renamed ``style_mapping``.
  The geometry of every layer (sizes, sampling rates, cutoffs, padding) is compared with
  the one mmagic computes from the inferred config.
"""
import math
from typing import Dict, List, Tuple

import numpy as np
import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.safe_load import RestrictedUnpickler
from .common import (ForeignGenerator, check_all_used, check_shapes, fir_kernel, indices,
                     require_contiguous, sg2_generator_config, sg2_names, short, torgb_name)

SG2 = 'NVIDIA StyleGAN2 (stylegan2-ada / stylegan3 repository)'
SG3 = 'NVIDIA StyleGAN3'
SUPPORTED = ("G_ema of an unconditional StyleGAN2 with architecture='skip', or of a StyleGAN3 "
             '(-T or -R)')


class PersistentRecord:
    """What a persistent object of the pickle is read as: its class name and state."""

    def __init__(self, class_name: str, state: dict):
        self.class_name = str(class_name)
        self.state = state if isinstance(state, dict) else {}

    def child(self, name: str):
        return (self.state.get('_modules') or {}).get(name)

    def children(self) -> Dict[str, object]:
        return dict(self.state.get('_modules') or {})

    def attr(self, name: str, default=None):
        return self.state.get(name, default)

    def __repr__(self):
        return f'<{self.class_name} record>'


def _persistent_record(meta):
    """Stand-in for ``torch_utils.persistence._reconstruct_persistent_obj``."""
    if not isinstance(meta, dict) or meta.get('type') != 'class':
        raise MMLinsemError('NVIDIA pickle: a persistent object of an unknown kind')
    return PersistentRecord(meta.get('class_name', '?'), meta.get('state'))


class EasyDictRecord(dict):
    """Stand-in for ``dnnlib.util.EasyDict`` (a dict with attribute access)."""


_STAND_INS = {
    ('torch_utils.persistence', '_reconstruct_persistent_obj'): _persistent_record,
    ('dnnlib.util', 'EasyDict'): EasyDictRecord,
    ('dnnlib', 'EasyDict'): EasyDictRecord,
}


class NvidiaUnpickler(RestrictedUnpickler):
    """:class:`RestrictedUnpickler` with inert stand-ins for NVIDIA's persistence."""

    def __init__(self, file, source: str = 'the file'):
        super().__init__(file, extra=dict(_STAND_INS), source=source)


def read_pickle(path: str):
    """Unpickle an NVIDIA snapshot without running anything from it."""
    with open(path, 'rb') as f:
        return NvidiaUnpickler(f, source=path).load()


def looks_like(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get('G_ema'), PersistentRecord)


def flatten(record: PersistentRecord, prefix: str = '') -> Dict[str, torch.Tensor]:
    """The ``state_dict()`` the record's module would have."""
    out = {}
    for name, val in (record.state.get('_parameters') or {}).items():
        if val is not None:
            out[prefix + name] = val
    skip = set(record.state.get('_non_persistent_buffers_set') or ())
    for name, val in (record.state.get('_buffers') or {}).items():
        if val is not None and name not in skip:
            out[prefix + name] = val
    for name, child in record.children().items():
        if isinstance(child, PersistentRecord):
            out.update(flatten(child, f'{prefix}{name}.'))
        elif child is not None:
            raise MMLinsemError(f'NVIDIA pickle: module {prefix}{name} is a '
                                f'{type(child).__name__}, not a persistent network record')
    return {k: v.detach().float() for k, v in out.items() if torch.is_tensor(v)}


def _num(val, default=None):
    if val is None:
        return default
    return float(np.asarray(val).reshape(-1)[0])


def _kwargs(record: PersistentRecord) -> dict:
    kw = dict(record.attr('_init_kwargs') or {})
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in kw.items()}


def _mapping_lr(mapping: PersistentRecord, layout: str) -> float:
    fc0 = mapping.child('fc0')
    lr = _num(fc0.attr('bias_gain'), 0.01) if isinstance(fc0, PersistentRecord) else 0.01
    return lr


def _check_unconditional(g: PersistentRecord, state: dict, layout: str):
    c_dim = int(_num(g.attr('c_dim'), 0) or 0)
    if c_dim or any(k.startswith('mapping.embed.') for k in state):
        raise MMLinsemError(f'{layout}: a conditional generator (c_dim={c_dim}) was found; '
                            f'supported: {SUPPORTED}')


# ------------------------------------------------------------------------------ StyleGAN2
# Long on purpose: one key-by-key table (source -> mmagic) read top to bottom.
def _convert_sg2(g: PersistentRecord, state: dict) -> ForeignGenerator:
    layout = SG2
    _check_unconditional(g, state, layout)
    synth = g.child('synthesis')
    blocks = sorted(int(n[1:]) for n in synth.children() if n.startswith('b') and n[1:].isdigit())
    out_size = blocks[-1]
    if blocks != [4 * 2**i for i in range(len(blocks))]:
        raise MMLinsemError(f'{layout}: synthesis blocks {blocks} are not 4, 8, 16, ...')
    archs = {str(synth.child(f'b{r}').attr('architecture', 'skip')) for r in blocks}
    skips = [k for k in state if '.skip.' in k]
    if archs != {'skip'} or skips or any(f'synthesis.b{r}.torgb.weight' not in state
                                         for r in blocks):
        found = ', '.join(sorted(archs - {'skip'})) or 'resnet'
        raise MMLinsemError(f"{layout}: architecture '{found}' was found; mmagic's "
                            "StyleGAN2Generator has only the 'skip' architecture (a ToRGB "
                            f"per resolution, no residual skips); supported: {SUPPORTED}")
    fcs = indices(state, r'^mapping\.fc(\d+)\.weight$')
    require_contiguous(fcs, 'mapping.fc', layout)
    w_dim = int(state['mapping.fc0.weight'].shape[0])
    z_dim = int(state['mapping.fc0.weight'].shape[1])
    odd = [
        f'mapping.fc{i}.weight {tuple(state[f"mapping.fc{i}.weight"].shape)}' for i in fcs[1:]
        if tuple(state[f'mapping.fc{i}.weight'].shape) != (w_dim, w_dim)
    ]
    if odd:
        raise MMLinsemError(f'{layout}: mapping layers of another width than w_dim={w_dim} '
                            f"({short(odd, 2)}): mmagic's mapping keeps w_dim throughout")

    out, used, checked = {}, [], []

    def put(src, dst, val=None):
        out[dst] = (state[src] if val is None else val).clone()
        used.append(src)

    for i in fcs:
        put(f'mapping.fc{i}.weight', f'style_mapping.{i + 1}.linear.weight_orig')
        put(f'mapping.fc{i}.bias', f'style_mapping.{i + 1}.bias')
    if 'mapping.w_avg' in state:
        put('mapping.w_avg', 'w_avg')
    put('synthesis.b4.const', 'constant_input.input', state['synthesis.b4.const'][None])
    names = sg2_names(len(blocks) - 1)
    channels = {}
    for b, res in enumerate(blocks):
        src_b = f'synthesis.b{res}'
        convs = [(f'{src_b}.conv1', 0)] if b == 0 else [(f'{src_b}.conv0', 2 * b - 1),
                                                        (f'{src_b}.conv1', 2 * b)]
        for src, idx in convs:
            dst = names[idx]
            put(f'{src}.weight', f'{dst}.conv.weight_orig', state[f'{src}.weight'][None])
            put(f'{src}.affine.weight', f'{dst}.conv.style_modulation.linear.weight_orig')
            put(f'{src}.affine.bias', f'{dst}.conv.style_modulation.bias')
            put(f'{src}.bias', f'{dst}.activate.bias')
            put(f'{src}.noise_strength', f'{dst}.noise_injector.weight',
                state[f'{src}.noise_strength'].reshape(1))
            put(f'{src}.noise_const', f'injected_noise_{idx}',
                state[f'{src}.noise_const'].reshape(1, 1, res, res))
            if f'{src}.resample_filter' in state:
                checked.append(f'{src}.resample_filter')
        channels[res] = int(state[f'{src_b}.conv1.weight'].shape[0])
        rgb, dst = f'{src_b}.torgb', torgb_name(b)
        put(f'{rgb}.weight', f'{dst}.conv.weight_orig', state[f'{rgb}.weight'][None])
        put(f'{rgb}.affine.weight', f'{dst}.conv.style_modulation.linear.weight_orig')
        put(f'{rgb}.affine.bias', f'{dst}.conv.style_modulation.bias')
        put(f'{rgb}.bias', f'{dst}.bias', state[f'{rgb}.bias'].reshape(1, -1, 1, 1))
        if f'{src_b}.resample_filter' in state:
            checked.append(f'{src_b}.resample_filter')
    for key in checked:
        if not torch.allclose(state[key], fir_kernel(1.0), atol=1e-6):
            raise MMLinsemError(f'{layout}: {key} is not the [1, 3, 3, 1] filter mmagic uses '
                                '(custom resample filters are not supported)')
    check_all_used(state, used, checked, layout, SUPPORTED)
    img_ch = int(state[f'synthesis.b{blocks[0]}.torgb.weight'].shape[0])
    cfg = sg2_generator_config(out_size, w_dim, z_dim, len(fcs), channels, img_ch, 'w_avg' in out)
    lr = _mapping_lr(g.child('mapping'), layout)
    if not math.isclose(lr, 0.01, rel_tol=1e-6):
        cfg['lr_mlp'] = lr
    check_shapes(out, cfg, layout)
    notes = []
    clamp = _num(synth.child(f'b{out_size}').child('conv1').attr('conv_clamp'))
    if clamp:
        notes.append(f'the source clamps activations at +-{clamp:g} (conv_clamp) and mmagic '
                     'does not: images agree unless an activation exceeds it')
    inferred = dict(
        out_size=out_size,
        style_channels=w_dim,
        noise_size=z_dim,
        num_mlps=len(fcs),
        channels=channels,
        architecture='skip',
        truncation_centre='mapping.w_avg' if 'w_avg' in out else None)
    return ForeignGenerator(layout, out, cfg, used, checked, inferred, 'G_ema', notes)


# ------------------------------------------------------------------------------ StyleGAN3
_GEOMETRY = ('in_size', 'out_size', 'in_sampling_rate', 'out_sampling_rate', 'in_cutoff',
             'out_cutoff', 'in_half_width', 'out_half_width', 'padding', 'up_factor', 'down_factor',
             'up_taps', 'down_taps', 'conv_kernel', 'is_torgb', 'is_critically_sampled',
             'use_radial_filters', 'in_channels', 'out_channels')


def _plain(value):
    """numpy values as plain Python numbers / lists (for messages)."""
    return np.asarray(value).tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def _same(a, b) -> bool:
    try:
        return np.allclose(
            np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=1e-6, atol=1e-9)
    except (TypeError, ValueError):
        return a == b


def _sg3_config(g: PersistentRecord, synth: PersistentRecord, state: dict) -> dict:
    gkw, skw = _kwargs(g), _kwargs(synth)
    flat = dict(gkw.get('synthesis_kwargs') or {})
    flat.update({k: v for k, v in gkw.items() if k not in ('synthesis_kwargs', 'mapping_kwargs')})
    flat.update(skw)
    layers = [n for n in synth.attr('layer_names') or []]
    if not layers:
        raise MMLinsemError(f'{SG3}: the synthesis record has no layer_names')
    first = synth.child(layers[0])
    syn = dict(type='SynthesisNetwork')
    syn['channel_base'] = int(flat.get('channel_base', 32768))
    syn['channel_max'] = int(flat.get('channel_max', 512))
    for key, default in (('num_layers', 14), ('num_critical', 2), ('margin_size', 10),
                         ('output_scale', 0.25), ('num_fp16_res', 4)):
        val = synth.attr(key, flat.get(key, default))
        syn[key] = type(default)(_num(val, default))
    for key, default in (('first_cutoff', 2), ('first_stopband', 2**2.1), ('last_stopband_rel',
                                                                           2**0.3)):
        syn[key] = float(flat.get(key, default))
    syn['conv_kernel'] = int(_num(first.attr('conv_kernel'), flat.get('conv_kernel', 3)))
    syn['use_radial_filters'] = bool(
        first.attr('use_radial_filters', flat.get('use_radial_filters', False)))
    clamp = first.attr('conv_clamp', flat.get('conv_clamp', 256))
    syn['conv_clamp'] = None if clamp is None else int(_num(clamp))
    beta = _num(first.attr('magnitude_ema_beta'), None)
    if beta is not None:
        syn['magnitude_ema_beta'] = beta
    for key in ('filter_size', 'lrelu_upsampling'):
        if key in flat:
            syn[key] = flat[key]
    fcs = indices(state, r'^mapping\.fc(\d+)\.weight$')
    require_contiguous(fcs, 'mapping.fc', SG3)
    w_dim = int(state['mapping.fc0.weight'].shape[0])
    z_dim = int(state['mapping.fc0.weight'].shape[1])
    mapping = dict(type='MappingNetwork', num_layers=len(fcs))
    lr = _mapping_lr(g.child('mapping'), SG3)
    if not math.isclose(lr, 0.01, rel_tol=1e-6):
        mapping['lr_multiplier'] = lr
    img_ch = int(state[f'synthesis.{layers[-1]}.weight'].shape[0])
    res = int(_num(synth.attr('img_resolution'), gkw.get('img_resolution', 0)) or 0)
    if not res:
        res = int(np.asarray(synth.child(layers[-1]).attr('out_size')).reshape(-1)[0])
    return dict(
        type='StyleGAN3Generator',
        out_size=res,
        style_channels=w_dim,
        img_channels=img_ch,
        noise_size=z_dim,
        synthesis_cfg=_drop_defaults(syn),
        mapping_cfg=mapping)


#: mmagic's SynthesisNetwork / SynthesisLayer defaults (left out of printed configs)
_SG3_DEFAULTS = dict(
    num_layers=14,
    num_critical=2,
    margin_size=10,
    output_scale=0.25,
    num_fp16_res=4,
    first_cutoff=2.0,
    first_stopband=2**2.1,
    last_stopband_rel=2**0.3,
    conv_kernel=3,
    use_radial_filters=False,
    conv_clamp=256,
    magnitude_ema_beta=0.999)


def _drop_defaults(syn: dict) -> dict:
    return {
        k: v
        for k, v in syn.items() if k not in _SG3_DEFAULTS or not _same(v, _SG3_DEFAULTS[k]) or (
            v is None) != (_SG3_DEFAULTS[k] is None)
    }


def _build_meta(cfg: dict):
    from mmagic.registry import MODELS
    from mmengine.registry import DefaultScope
    with torch.device('meta'), DefaultScope.overwrite_default_scope('mmagic'):
        return MODELS.build(dict(cfg))


def _convert_sg3(g: PersistentRecord, state: dict) -> ForeignGenerator:
    layout = SG3
    _check_unconditional(g, state, layout)
    synth = g.child('synthesis')
    cfg = _sg3_config(g, synth, state)
    out = {}
    used = []
    for key, val in state.items():
        out[('style_' + key) if key.startswith('mapping.') else key] = val.clone()
        used.append(key)
    check_shapes(out, cfg, layout)
    built = _build_meta(cfg).synthesis
    for name in synth.attr('layer_names'):
        ours, theirs = getattr(built, name), synth.child(name)
        for attr in _GEOMETRY:
            if attr in theirs.state and hasattr(
                    ours, attr) and not _same(theirs.state[attr], getattr(ours, attr)):
                raise MMLinsemError(
                    f'{layout}: layer {name} has {attr}={_plain(theirs.state[attr])} in the '
                    f'file but {_plain(getattr(ours, attr))} with the inferred config '
                    f'{cfg["synthesis_cfg"]}')
    kind = '-R' if cfg['synthesis_cfg'].get('use_radial_filters') else '-T'
    inferred = dict(
        variant='StyleGAN3' + kind,
        out_size=cfg['out_size'],
        style_channels=cfg['style_channels'],
        noise_size=cfg['noise_size'],
        num_mlps=cfg['mapping_cfg']['num_layers'],
        channel_base=cfg['synthesis_cfg']['channel_base'],
        channel_max=cfg['synthesis_cfg']['channel_max'],
        truncation_centre='mapping.w_avg')
    return ForeignGenerator(layout, out, cfg, used, [], inferred, 'G_ema', [])


def convert(obj: dict) -> ForeignGenerator:
    """Map the ``G_ema`` of an unpickled NVIDIA snapshot onto mmagic."""
    g = obj['G_ema']
    synth = g.child('synthesis')
    if not isinstance(synth, PersistentRecord) or not isinstance(
            g.child('mapping'), PersistentRecord):
        raise MMLinsemError(f'NVIDIA pickle: G_ema ({g.class_name}) has no mapping / synthesis '
                            f'networks; supported: {SUPPORTED}')
    state = flatten(g)
    kids = synth.children()
    if 'input' in kids and any(n.startswith('L') for n in kids):
        return _convert_sg3(g, state)
    if 'b4' in kids:
        return _convert_sg2(g, state)
    raise MMLinsemError(f'NVIDIA pickle: synthesis network {synth.class_name} with parts '
                        f'{short(kids, 4)} is neither StyleGAN2 (b4, b8, ...) nor StyleGAN3 '
                        f'(input, L0_...); supported: {SUPPORTED}')


def entries(obj: dict) -> List[Tuple[str, str]]:
    """(key, class name) of the snapshot's networks, for messages."""
    return [(k, v.class_name) for k, v in obj.items() if isinstance(v, PersistentRecord)]
