"""Convert a semantic extractor of the original LinearGAN (LSE, NSE-1 or NSE-2) into an
mmlinsem head checkpoint.

    python tools/model_converters/lineargan_head_to_mmlinsem.py \
        stylegan2_ffhq_LSE.pth work_dirs/lineargan_heads/stylegan2_ffhq_LSE.pth
    python tools/test.py configs/lse/lse_stylegan2-ffhq1024_face.py \
        work_dirs/lineargan_heads/stylegan2_ffhq_LSE.pth

The source is a ``{'arch', 'param'}`` file as LinearGAN's training scripts save it (``arch``:
``type`` 'LSE' / 'NSE-1' / 'NSE-2', ``n_class``, ``dims``, ``layers``, ``lw_type``, ...;
``param``: the extractor's state dict). Every tensor is checked against the architecture
``arch`` describes, as the original's strict loader does; a file that does not fit is one
``error:`` line naming the missing, unexpected or misshapen keys. The files NSE-2 training
left without ``arch['type']`` are recognised by their keys.

Layer weights. LinearGAN fuses the per-layer logits as ``sum_i w_i up(logits_i)`` with
``w = softplus(p) / sum softplus(p)`` (``lw_type='softplus'``), ``sigmoid(p) / sum
sigmoid(p)`` ('sigmoid'), ``p`` ('direct') or 1 ('none'). With ``--layer-weighting
softplus`` (the default, what the zoo configs build) a softplus file keeps its parameter as
it is, and any other weighting is folded into each layer's last conv (weight and bias
times ``L * w_i``, with the L softplus parameters set equal, so each weighs ``1 / L``).
With ``--layer-weighting none`` the weights are folded into the convs (times ``w_i``) and
the head sums the layers: set ``model.head.layer_weighting='none'`` in the config (the tool
prints the head config). Both give the original's fused logits; a folded head's per-layer
logits are the original's times a positive factor for softplus and sigmoid weights.

Class names (checked when the head is loaded with a config): ``--classes`` takes a named
list (``celebamask_hq_15``, ``ade20k``), a selected ADE20K list (``stylegan2_bedroom``: its
classes after ``background``) or comma-separated names; without it they are read from the
file name as LinearGAN names its files (``{G}_{SE}.pth``: ``ffhq`` / ``celebahq`` faces get
the 15 face classes, ``stylegan2_bedroom`` its selected ADE20K list).
"""
import argparse
import json
import os.path as osp

import torch
import torch.nn.functional as F

from mmlinsem.cli import add_trust_arg, run_main
from mmlinsem.data import DATA_DIR, named_classes, selected_ade20k_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.models import SemanticExtractor
from mmlinsem.registry import MODELS, build_in_scope
from mmlinsem.utils import read_checkpoint, save_head_checkpoint

EXPECTED = ("a LinearGAN semantic extractor file ({'arch': ..., 'param': state dict} of an "
            'LSE, NSE-1 or NSE-2)')
HEADS = {'LSE': 'LSEHead', 'NSE-1': 'NSE1Head', 'NSE-2': 'NSE2Head'}
LAYER_WEIGHTS = ('softplus', 'sigmoid', 'direct', 'none')


# ----------------------------------------------------------------------------- reading
def read_source(path: str):
    """``(arch, param)`` of a LinearGAN extractor file, ``arch['type']`` filled in."""
    if not osp.isfile(path):
        raise MMLinsemError(f'input not found: {path}')
    obj = read_checkpoint(path, expected=EXPECTED)
    param = obj.get('param')
    if not isinstance(param, dict) or not param:
        raise MMLinsemError(f'{path} holds keys {sorted(map(str, obj))[:6]} but no '
                            f"'param' state dict; expected {EXPECTED}")
    arch = dict(obj.get('arch') or {})
    if not arch.get('type'):  # NSE-2 files saved before their arch was complete
        if 'visualizer.weight' not in param:
            raise MMLinsemError(f"{path} has no arch['type'] and is no NSE-2 (no "
                                f'visualizer.weight); expected {EXPECTED}')
        dims = [
            int(param[f'extractor.{i}.0.weight'].shape[0]) for i in range(len(param))
            if f'extractor.{i}.0.weight' in param
        ]
        arch = dict(
            type='NSE-2',
            n_class=int(param['visualizer.weight'].shape[0]),
            dims=dims,
            layers=list(range(len(dims))),
            ksize=int(param['visualizer.weight'].shape[-1]))
    if arch['type'] not in HEADS:
        raise MMLinsemError(f"{path}: arch type {arch['type']!r} is not one of "
                            f'{sorted(HEADS)}')
    for key in ('n_class', 'dims'):
        if key not in arch:
            raise MMLinsemError(f"{path}: the {arch['type']} arch has no {key!r} "
                                f'(found {sorted(arch)})')
    arch.setdefault('layers', list(range(len(arch['dims']))))
    return arch, param


def original_shapes(arch: dict, param: dict) -> dict:
    """Key -> shape of the extractor that ``arch`` describes, as LinearGAN builds it."""
    kind, n, dims = arch['type'], int(arch['n_class']), [int(d) for d in arch['dims']]
    shapes = {}
    if kind == 'LSE':
        for i, d in enumerate(dims):
            shapes[f'extractor.{i}.weight'] = (n, d, 1, 1)
            if arch.get('use_bias', False):
                shapes[f'extractor.{i}.bias'] = (n, )
        shapes['layer_weight'] = (len(arch['layers']), )
    elif kind == 'NSE-1':
        k, convs = int(arch.get('ksize', 1)), max(2, int(arch.get('n_layers', 3)))
        for i, d in enumerate(dims):
            mid, cin = (d + n) // 2, d
            for j in range(convs):
                cout = n if j == convs - 1 else mid
                shapes[f'extractor.{i}.{2 * j}.weight'] = (cout, cin, k, k)
                shapes[f'extractor.{i}.{2 * j}.bias'] = (cout, )
                cin = mid
        shapes['layer_weight'] = (len(dims), )
    else:
        k = int(arch.get('ksize', 3))
        for i, d in enumerate(dims):
            shapes[f'extractor.{i}.0.weight'] = (d, d, k, k)
            shapes[f'extractor.{i}.0.bias'] = (d, )
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            shapes[f'reviser.{i}.0.weight'] = (b, a, k, k)
            shapes[f'reviser.{i}.0.bias'] = (b, )
        shapes['visualizer.weight'] = (n, dims[-1], k, k)
        shapes['visualizer.bias'] = (n, )
    return shapes


def check_keys(path: str, arch: dict, param: dict) -> None:
    """The original's strict load: every key of the architecture, no other, same shapes."""
    shapes = original_shapes(arch, param)
    missing = [k for k in shapes if k not in param]
    unexpected = [k for k in param if k not in shapes]
    what = f"{arch['type']} (n_class={arch['n_class']}, {len(arch['dims'])} layers)"
    if missing or unexpected:
        found = [f'{len(missing)} missing keys ({", ".join(missing[:4])})'] if missing else []
        found += [f'{len(unexpected)} unexpected keys ({", ".join(unexpected[:4])})'
                  ] if unexpected else []
        raise MMLinsemError(f'{path} does not fit the {what} its arch describes: '
                            f'{"; ".join(found)}')
    for key, shape in shapes.items():
        if tuple(param[key].shape) != shape:
            raise MMLinsemError(f'{path} does not fit the {what} its arch describes: {key} '
                                f'is {tuple(param[key].shape)}, expected {shape}')


# ----------------------------------------------------------------------------- converting
def original_layer_weights(lw_type: str, raw: torch.Tensor) -> torch.Tensor:
    """LinearGAN's fusion weights ``w_i`` from its ``layer_weight`` parameter."""
    raw = raw.double()
    if lw_type == 'softplus':
        w = F.softplus(raw)
        return w / w.sum()
    if lw_type == 'sigmoid':
        w = torch.sigmoid(raw)
        return w / w.sum()
    if lw_type == 'direct':
        return raw
    return torch.ones_like(raw)


def convert(arch: dict, param: dict, layer_weighting: str):
    """``(head config, head state dict, how the layer weights were carried over)``."""
    kind = arch['type']
    head = dict(
        type=HEADS[kind],
        in_channels=[int(d) for d in arch['dims']],
        num_classes=int(arch['n_class']))
    state = {k: v.float() for k, v in param.items() if k != 'layer_weight'}
    if kind == 'NSE-2':
        if int(arch.get('ksize', 3)) != 3:
            raise MMLinsemError(f"NSE-2 with ksize={arch['ksize']}: mmlinsem's NSE2Head has "
                                '3x3 convs (the ksize LinearGAN trains)')
        return head, state, 'none (NSE-2 has no layer weights)'
    lw_type = arch.get('lw_type', 'softplus')
    if lw_type not in LAYER_WEIGHTS:
        raise MMLinsemError(f'unknown lw_type {lw_type!r}; expected one of {LAYER_WEIGHTS}')
    if kind == 'LSE':
        if arch.get('use_bias', False):
            raise MMLinsemError("LSE with use_bias=True: mmlinsem's LSEHead has no bias "
                                "(LinearGAN's training scripts leave it off)")
        last = [f'extractor.{i}.' for i in range(len(arch['dims']))]
    else:
        convs = max(2, int(arch.get('n_layers', 3)))
        head.update(kernel_size=int(arch.get('ksize', 1)), num_convs=convs)
        last = [f'extractor.{i}.{2 * (convs - 1)}.' for i in range(len(arch['dims']))]
    head['layer_weighting'] = layer_weighting
    raw = param['layer_weight'].float()
    if layer_weighting == 'softplus' and lw_type == 'softplus':
        state['layer_weights.layer_weight'] = raw.clone()
        return head, state, 'softplus layer weights kept'
    weights = original_layer_weights(lw_type, raw)
    if layer_weighting == 'softplus':  # equal softplus weights 1/L, undone in the convs
        weights = weights * len(weights)
        state['layer_weights.layer_weight'] = torch.ones_like(raw)
    for prefix, w in zip(last, weights):
        for name in ('weight', 'bias'):
            if prefix + name in state:
                state[prefix + name] = (param[prefix + name].double() * w).float()
    return head, state, f'{lw_type} layer weights folded into the convs'


def build_head(head_cfg: dict, state: dict):
    """The mmlinsem head with ``state`` loaded; every weight of the head comes from it."""
    head = build_in_scope(MODELS, head_cfg)
    own = head.state_dict()
    needed = {k for k in own if not k.endswith('_extra_state')}
    if set(state) != needed:
        raise MMLinsemError(f'internal: converted keys {sorted(set(state) ^ needed)[:4]} do '
                            f"not match {head_cfg['type']}'s")
    head.load_state_dict(dict(own, **state), strict=True)
    return head


class ConvertedHead(torch.nn.Module):
    """A head with the architecture record a ``SemanticExtractor`` saves beside it (class
    names and head type), for :func:`save_head_checkpoint`."""

    get_extra_state = SemanticExtractor.get_extra_state

    def __init__(self, head: torch.nn.Module, classes):
        super().__init__()
        self.head = head
        self.classes = list(classes)

    def arch(self) -> dict:
        return dict(classes=self.classes, head=type(self.head).__name__)


# ----------------------------------------------------------------------------- classes
def _presets():
    """Names of the selected ADE20K class lists (LinearGAN's generator names)."""
    with open(osp.join(DATA_DIR, 'selected_labels.json')) as f:
        return [k for k in json.load(f) if not k.startswith('_')]


def class_names(spec, path: str, n: int):
    """The ``n`` class names from ``--classes`` or from LinearGAN's file naming."""
    if spec:
        if ',' in spec:
            names = [s.strip() for s in spec.split(',')]
        elif spec in _presets():
            names = ['background'] + list(selected_ade20k_classes(spec))
        else:
            names = list(named_classes(spec))
        if len(names) != n:
            raise MMLinsemError(f'--classes {spec} gives {len(names)} names but the extractor '
                                f'has {n} classes')
        return names
    stems = [osp.basename(path), osp.basename(osp.dirname(osp.abspath(path)))]
    if any(('ffhq' in s or 'celebahq' in s) for s in stems) and n == 15:
        return list(named_classes('celebamask_hq_15'))
    for preset in _presets():
        if any(s.startswith(preset + '_') for s in stems):
            names = ['background'] + list(selected_ade20k_classes(preset))
            if len(names) == n:
                return names
    raise MMLinsemError(f'cannot tell the {n} class names of {path} from its name; pass '
                        '--classes (celebamask_hq_15, a selected ADE20K list such as '
                        'stylegan2_bedroom, or a,b,c)')


# ----------------------------------------------------------------------------- main
def main():
    p = argparse.ArgumentParser(
        description='LinearGAN LSE / NSE-1 / NSE-2 file -> mmlinsem head checkpoint')
    p.add_argument('src', help="LinearGAN extractor .pth ({'arch', 'param'})")
    p.add_argument('dst', help='output head checkpoint (for tools/test.py, sie.py, scs.py, app)')
    p.add_argument(
        '--classes',
        help='class names: celebamask_hq_15, a selected ADE20K list (stylegan2_bedroom, ...) '
        'or a,b,c (default: from the file name)')
    p.add_argument(
        '--layer-weighting',
        choices=('softplus', 'none'),
        default='softplus',
        help="the head's layer weighting: softplus (the zoo configs'; other weightings are "
        'folded) or none (all folded into the convs)')
    add_trust_arg(p)
    args = p.parse_args()
    arch, param = read_source(args.src)
    check_keys(args.src, arch, param)
    classes = class_names(args.classes, args.src, int(arch['n_class']))
    head_cfg, state, how = convert(arch, param, args.layer_weighting)
    head = build_head(head_cfg, state)
    meta = dict(
        source=osp.basename(args.src),
        source_format='LinearGAN semantic extractor',
        lineargan_arch={
            k: (list(v) if isinstance(v, (list, tuple, range)) else v)
            for k, v in arch.items()
        },
        layer_weights=how,
        head=head_cfg,
        classes=classes)
    save_head_checkpoint(ConvertedHead(head, classes), args.dst, meta)
    layers = [int(i) for i in arch['layers']]
    config_head = {k: v for k, v in head_cfg.items() if k not in ('in_channels', 'num_classes')}
    print(f"converted {arch['type']} ({len(arch['dims'])} layers, {arch['n_class']} classes; "
          f'{how}) from {args.src} to {args.dst}')
    print(f'head config: {config_head}')
    if layers != list(range(len(layers))):
        print(f'note: the extractor reads generator layers {layers}: hook exactly those '
              'layers in the generator config')


if __name__ == '__main__':
    run_main(main)
