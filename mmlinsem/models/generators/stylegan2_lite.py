"""StyleGAN2 generator / discriminator from mmagic's modules with a channel table.

mmagic's classes hard-code 512 channels up to 32 px, far too slow to train on a CPU. These
subclasses keep mmagic's modules, forward passes, hook names (``conv1``, ``convs.i``) and
latent interface (z, w, w+), and only take the per-resolution channel counts from config.
They are registered in mmagic's registry so GAN configs build them in the mmagic scope.
"""
from typing import Dict, Optional

import numpy as np
from mmagic.models.editors.stylegan1 import EqualLinearActModule
from mmagic.models.editors.stylegan2 import StyleGAN2Discriminator, StyleGAN2Generator
from mmagic.models.editors.stylegan2.stylegan2_modules import (ConvDownLayer, ModMBStddevLayer,
                                                               ResBlock)
from mmagic.registry import MODELS as MMAGIC_MODELS
from mmengine.model import BaseModule
from torch import nn

from mmlinsem.errors import MMLinsemError


def _channel_table(channels: Dict, size: int) -> Dict[int, int]:
    table = {int(k): int(v) for k, v in channels.items()}
    need = [2**i for i in range(2, int(np.log2(size)) + 1)]
    missing = [r for r in need if r not in table]
    if missing:
        raise MMLinsemError(f'channels must give a count for every resolution {need}, '
                            f'missing {missing}')
    return table


@MMAGIC_MODELS.register_module()
class StyleGAN2LiteGenerator(StyleGAN2Generator):
    """``StyleGAN2Generator`` whose conv widths come from ``channels`` {res: C}."""

    def __init__(self, out_size: int, style_channels: int, channels: Dict, **kwargs):
        # Set before the parent __init__, which assigns its own table to self.channels;
        # the property below keeps ours (assignment is ignored).
        self._lite_channels = _channel_table(channels, out_size)
        super().__init__(out_size, style_channels, **kwargs)

    @property
    def channels(self):
        return self._lite_channels

    @channels.setter
    def channels(self, value):
        pass


@MMAGIC_MODELS.register_module()
class StyleGAN2LiteDiscriminator(StyleGAN2Discriminator):
    """``StyleGAN2Discriminator`` (unconditional) with widths from ``channels``."""

    def __init__(self,
                 in_size: int,
                 channels: Dict,
                 img_channels: int = 3,
                 blur_kernel=(1, 3, 3, 1),
                 mbstd_cfg=dict(group_size=4, channel_groups=1),
                 init_cfg: Optional[dict] = None):
        BaseModule.__init__(self, init_cfg=init_cfg)
        table = _channel_table(channels, in_size)
        self.num_fp16_scale = 0
        self.fp16_enabled = False
        self.convert_input_fp32 = True
        self.out_fp32 = True
        self.input_bgr2rgb = False
        blur_kernel = list(blur_kernel)
        convs = [ConvDownLayer(img_channels, table[in_size], 1)]
        in_ch = table[in_size]
        for i in range(int(np.log2(in_size)), 2, -1):
            out_ch = table[2**(i - 1)]
            convs.append(ResBlock(in_ch, out_ch, blur_kernel))
            in_ch = out_ch
        self.convs = nn.Sequential(*convs)
        self.mbstd_layer = ModMBStddevLayer(**mbstd_cfg)
        self.final_conv = ConvDownLayer(in_ch + 1, table[4], 3)
        self.final_linear = nn.Sequential(
            EqualLinearActModule(table[4] * 16, table[4], act_cfg=dict(type='fused_bias')),
            EqualLinearActModule(table[4], 1))
