"""StyleGAN2's modulated conv in its unfused form, for batches that share one weight.

The fused conv (mmagic ``ModulatedConv2d``) builds a modulated weight per sample. The
unfused form scales the input channels by the style, convolves with the shared weight and
scales the output channels by the demodulation factor (Karras et al. 2020, sec. 2.2). It is
the same function up to float rounding (~1e-6 relative) and cheaper where many rows of a
batch go through one generator: to differentiate (the conv weight is constant, so backward
needs no weight gradient) and for forward-mode products (many tangents of one sample).
"""
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn


def unfused_modulated_conv(conv: nn.Module, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """mmagic ``ModulatedConv2d.forward`` (fp32, no input gain) with the style applied to the
    input and the demodulation to the output."""
    n, c = x.shape[:2]
    # (out, in, k, k), equalised-lr scaled by the module's hook
    weight = conv.weight.reshape(conv.out_channels, conv.in_channels, conv.kernel_size,
                                 conv.kernel_size)
    s = conv.style_modulation(style).reshape(n, c) + conv.style_bias  # (n, in)
    x = x * s[:, :, None, None]
    if conv.upsample:
        x = F.conv_transpose2d(x, weight.transpose(0, 1), padding=0, stride=2)
    elif conv.downsample:
        x = F.conv2d(conv.blur(x), weight, stride=2, padding=0)
    else:
        x = F.conv2d(x, weight, padding=conv.padding)
    if conv.demodulate:
        demod = torch.rsqrt(s.pow(2) @ weight.pow(2).sum([2, 3]).t() + conv.eps)  # (n, out)
        x = x * demod[:, :, None, None]
    return conv.blur(x) if conv.upsample else x


@contextmanager
def unfused_modulation(module: nn.Module):
    """Within the block, every StyleGAN2 ``ModulatedConv2d`` of ``module`` (without fp16;
    calls with an input gain keep the fused form) runs :func:`unfused_modulated_conv`."""
    patched = []
    for m in module.modules():
        if type(m).__name__ == 'ModulatedConv2d' and not getattr(m, 'fp16_enabled', False):
            original = m.forward

            def forward(x, style, input_gain=None, m=m, original=original):
                if input_gain is not None:
                    return original(x, style, input_gain)
                return unfused_modulated_conv(m, x, style)

            m.forward = forward
            patched.append(m)
    try:
        yield module
    finally:
        for m in patched:
            del m.forward
