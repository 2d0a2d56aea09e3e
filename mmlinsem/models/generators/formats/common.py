"""What every generator-format reader returns, and the checks they share.

A reader maps the tensors of one foreign layout onto an mmagic generator: it returns a
:class:`ForeignGenerator` with the generator's state dict (mmagic key names), the generator
config that fits it (inferred from the tensor shapes), the list of source tensors it used
and the ones it checked but did not need to store (fixed filter kernels). A source tensor
that is neither is an error: nothing of a file is silently dropped.
"""
import contextlib
import io
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS

#: mmagic's StyleGAN2 channel table for a channel multiplier ``cm`` (fixed in the class)
_MMAGIC_SG2_BASE = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256, 128: 128, 256: 64, 512: 32, 1024: 16}


@dataclass
class ForeignGenerator:
    """A generator read from a foreign file, in mmagic's layout.

    Attributes:
        layout: the format found (e.g. ``'rosinality StyleGAN2'``).
        state: the generator state dict under mmagic's key names.
        generator: the ``generator`` config dict of ``FeatureGenerator`` that fits ``state``.
        used: source tensor names carried into ``state``.
        checked: source tensor names checked and not stored (fixed filter kernels ...).
        inferred: what was read off the file (``{'out_size': 256, ...}``), for messages.
        entry: the entry of the file the generator came from (``'g_ema'``, ``'G_ema'``).
        notes: one-line remarks for the user (truncation centre missing ...).
    """
    layout: str
    state: Dict[str, torch.Tensor]
    generator: dict
    used: List[str]
    checked: List[str] = field(default_factory=list)
    inferred: dict = field(default_factory=dict)
    entry: Optional[str] = None
    notes: List[str] = field(default_factory=list)

    @property
    def has_truncation_centre(self) -> bool:
        return 'w_avg' in self.state or 'style_mapping.w_avg' in self.state


def short(names: Iterable[str], n: int = 5) -> str:
    names = sorted(names)
    more = f' (+{len(names) - n} more)' if len(names) > n else ''
    return ', '.join(names[:n]) + more


def indices(keys: Iterable[str], pattern: str) -> List[int]:
    """Sorted integers captured by ``pattern`` (one group) over ``keys``."""
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for k in keys for m in [rx.match(k)] if m})


def require_contiguous(found: List[int], what: str, layout: str, start: int = 0):
    if not found or found != list(range(start, start + len(found))):
        raise MMLinsemError(f'{layout}: {what} indices are {found or "missing"}, expected '
                            f'{start}, {start + 1}, ...')


def check_all_used(source: Dict[str, torch.Tensor], used: Iterable[str], checked: Iterable[str],
                   layout: str, supported: str):
    """Every source tensor must be used or checked; name the rest in one line."""
    known = set(used) | set(checked)
    left = [k for k in source if k not in known]
    missing = [k for k in known if k not in source]
    if missing:
        raise MMLinsemError(f'{layout}: the file lacks {len(missing)} tensor(s) this layout '
                            f'needs ({short(missing)})')
    if left:
        raise MMLinsemError(f'{layout}: {len(left)} tensor(s) fit no supported part '
                            f'({short(left)}); supported: {supported}')


def sg2_channel_config(channels: Dict[int, int], out_size: int) -> dict:
    """The ``StyleGAN2Generator`` channel arguments for a channel table.

    mmagic's class fixes its table up to a multiplier; any other table (a reduced
    ``channel_max``, small test models) is expressed with ``StyleGAN2LiteGenerator``, the
    same modules with the table taken from the config.
    """
    need = [2**i for i in range(2, out_size.bit_length())]
    table = {r: int(channels[r]) for r in need}
    if out_size <= 32 and all(table[r] == 512 for r in need):
        return dict(type='StyleGAN2Generator')
    for cm in (1, 2, 4):
        mm = {r: (512 if r <= 32 else _MMAGIC_SG2_BASE[r] * cm) for r in need}
        if mm == table:
            return dict(type='StyleGAN2Generator', channel_multiplier=cm)
    return dict(type='StyleGAN2LiteGenerator', channels=table)


def sg2_generator_config(out_size: int, style_channels: int, noise_size: int, num_mlps: int,
                         channels: Dict[int, int], out_channels: int, w_avg: bool) -> dict:
    """The mmagic generator config of a StyleGAN2 generator with these dimensions."""
    cfg = sg2_channel_config(channels, out_size)
    typ = cfg.pop('type')
    out = dict(type=typ, out_size=out_size, style_channels=style_channels)
    if noise_size != style_channels:
        out['noise_size'] = noise_size
    out['num_mlps'] = num_mlps
    out.update(cfg)
    if out_channels != 3:
        out['out_channels'] = out_channels
    if w_avg:  # registers the w_avg buffer that holds the official truncation centre
        out['update_mean_latent_with_ema'] = True
    return out


def sg2_names(num_blocks: int) -> Dict[str, str]:
    """mmagic StyleGAN2 module prefixes: conv index i (0 = 4 px conv) -> module name."""
    names = {0: 'conv1'}
    for i in range(1, 2 * num_blocks + 1):
        names[i] = f'convs.{i - 1}'
    return names


def torgb_name(block: int) -> str:
    """mmagic StyleGAN2 ToRGB of resolution block ``block`` (0 = 4 px)."""
    return 'to_rgb1' if block == 0 else f'to_rgbs.{block - 1}'


_FIXED_FILTER = re.compile(r'\.(blur|upsample)\.kernel$')


def fir_kernel(gain: float = 4.0) -> torch.Tensor:
    """mmagic's StyleGAN2 filter: outer([1, 3, 3, 1]) normalised, times ``gain``."""
    k = torch.tensor([1., 3., 3., 1.])
    k = k[None, :] * k[:, None]
    return k / k.sum() * gain


def check_shapes(state: Dict[str, torch.Tensor], generator_cfg: dict, layout: str):
    """Build the configured generator on the meta device and compare every tensor.

    mmagic's fixed StyleGAN2 filter buffers (``*.blur.kernel``, ``*.upsample.kernel``) are
    added to ``state`` with mmagic's own values: the readers check the source's filters are
    the same [1, 3, 3, 1] filter and do not carry them.
    """
    from mmengine.registry import DefaultScope
    cfg = dict(generator_cfg)
    scope = cfg.pop('_scope_', 'mmagic')
    if scope == 'mmlinsem':
        registry = MODELS
    else:
        from mmagic.registry import MODELS as registry

        import mmlinsem.models.generators.stylegan2_lite  # noqa: F401 - registers the lite G
    with contextlib.redirect_stdout(io.StringIO()):  # mmagic prints on building some
        with torch.device('meta'), DefaultScope.overwrite_default_scope(scope):
            template = registry.build(cfg).state_dict()
    for key, val in template.items():
        if key not in state and _FIXED_FILTER.search(key) and tuple(val.shape) == (4, 4):
            state[key] = fir_kernel(4.0)
    missing = [k for k in template if k not in state]
    extra = [k for k in state if k not in template]
    bad = [k for k in state if k in template and tuple(state[k].shape) != tuple(template[k].shape)]
    if missing or extra or bad:
        what = []
        if missing:
            what.append(f'missing {short(missing, 3)}')
        if extra:
            what.append(f'extra {short(extra, 3)}')
        if bad:
            k = bad[0]
            what.append(f'shape {k} {tuple(state[k].shape)} vs {tuple(template[k].shape)}')
        raise MMLinsemError(f'{layout}: the converted tensors do not fit the inferred '
                            f'{generator_cfg.get("type")} ({"; ".join(what)})')
