"""Features-only synthesis: run a generator only as far as its hooked layers need.

A loss that reads only a head's logits needs the feature maps, not the image. For mmagic's
StyleGAN2 family hooked at its style convs (``conv1``, ``convs.i``: the default layers),
:func:`stylegan2_features` replays the generator's synthesis loop with the same module calls
(the same numbers) but skips every ToRGB layer and stops after the deepest hooked conv. Any
other generator runs its normal forward and is stopped by :class:`StopForward`, raised from
the capture hook once the last hooked layer has fired (later layers never run).

``split=True`` computes each modulated conv in its unfused form
(:func:`~.modulated_conv.unfused_modulated_conv`): equal up to float rounding and cheaper to
differentiate.
"""
from typing import List, Optional, Sequence

import torch
from torch import nn

from .modulated_conv import unfused_modulated_conv


class StopForward(Exception):
    """Raised inside a forward hook to end a features-only pass early."""


def is_stylegan2(generator: nn.Module) -> bool:
    """mmagic's ``StyleGAN2Generator`` or a subclass (e.g. ``StyleGAN2LiteGenerator``)."""
    return any(cls.__name__ == 'StyleGAN2Generator' for cls in type(generator).__mro__)


def style_conv_index(name: str) -> Optional[int]:
    """Position of a StyleGAN2 style conv in synthesis order (``conv1`` 0, ``convs.i``
    i + 1), which is also its w+ and noise index; None for any other module name."""
    if name == 'conv1':
        return 0
    parts = name.split('.')
    if len(parts) == 2 and parts[0] == 'convs' and parts[1].isdigit():
        return int(parts[1]) + 1
    return None


def _style_conv(module: nn.Module, x, style, noise, split: bool):
    if not split:
        return module(x, style, noise=noise, add_noise=True)
    out = unfused_modulated_conv(module.conv, x, style)
    return module.activate(module.noise_injector(out, noise=noise))


def split_supported(generator: nn.Module) -> bool:
    """The unfused conv covers the fp32 StyleGAN2 style convs (no down-sampling there)."""
    convs = [generator.conv1] + list(generator.convs)
    return not generator.fp16_enabled and not any(
        c.fp16_enabled or c.conv.fp16_enabled or c.conv.downsample for c in convs)


def stylegan2_features(generator: nn.Module,
                       wp: torch.Tensor,
                       noise: Sequence[torch.Tensor],
                       names: Sequence[str],
                       split: bool = False) -> List[torch.Tensor]:
    """Outputs of the style convs ``names`` (``conv1`` / ``convs.i``) of an mmagic StyleGAN2
    on w+ ``wp`` (N, L, C), in synthesis order, without any ToRGB layer.

    Mirrors ``StyleGAN2Generator.forward`` (no style mixing, ``add_noise=True``): the
    constant input, then style conv k with ``wp[:, k]`` and noise map k; it stops after
    the deepest conv in ``names``. ``noise``: per-layer noise maps (the fixed ones are
    ``FeatureGenerator.noise_buffers()``). ``split``: see the module docstring.
    """
    from mmengine.runner.amp import autocast
    g = generator
    wanted = sorted(style_conv_index(n) for n in names)
    convs = [g.conv1] + list(g.convs)
    outs = []
    with autocast(enabled=g.fp16_enabled):
        out = g.constant_input(wp)
        if g.fp16_enabled:
            out = out.to(torch.float16)
        for k in range(wanted[-1] + 1):
            out = _style_conv(convs[k], out, wp[:, k], noise[k], split)
            if k in wanted:
                outs.append(out)
    return outs
