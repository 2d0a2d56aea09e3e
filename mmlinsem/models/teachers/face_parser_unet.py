"""The UNet of the LinearGAN face parser (``faceparse_unet_512.pth``), key for key."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmlinsem.errors import MMLinsemError


def _conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 conv (bias) -> BatchNorm -> ReLU; state keys ``0.*`` (conv) and ``1.*`` (BN)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.BatchNorm2d(out_channels), nn.ReLU())


class _TwoConvs(nn.Module):
    """Two conv-BN-ReLU steps at one resolution (``conv1``, ``conv2``)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = _conv_bn_relu(in_channels, out_channels)
        self.conv2 = _conv_bn_relu(out_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class _UpStep(nn.Module):
    """A 2x2 stride-2 transposed conv (``up``), concatenated after the encoder's map of
    the same resolution, then two conv-BN-ReLU steps (``conv``)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = _TwoConvs(2 * out_channels, out_channels)
        self.up = nn.ConvTranspose2d(in_channels, out_channels, 2, stride=2)

    def forward(self, skip: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([skip, self.up(x)], 1))


class FaceParserUNet(nn.Module):
    """Four-level UNet: encoder ``conv1..conv4`` (each followed by a 2x2 max pool),
    ``center``, decoder ``up_concat4..up_concat1`` and a 1x1 ``final`` conv to the class
    logits. The module and parameter names are those of the released state dict.

    Args:
        num_classes (int): output channels of ``final``.
        in_channels (int): image channels.
        widths (Sequence[int]): channels of ``conv1..conv4`` and ``center``.
    """

    ENCODER = ('conv1', 'conv2', 'conv3', 'conv4')
    DECODER = ('up_concat4', 'up_concat3', 'up_concat2', 'up_concat1')

    def __init__(self,
                 num_classes: int = 15,
                 in_channels: int = 3,
                 widths: Sequence[int] = (16, 32, 64, 128, 256)):
        super().__init__()
        if len(widths) != 5:
            raise MMLinsemError(f'FaceParserUNet needs 5 widths (conv1..conv4, center), '
                                f'got {list(widths)}')
        ins = [in_channels] + list(widths[:-1])
        for name, cin, cout in zip(self.ENCODER + ('center', ), ins, widths):
            self.add_module(name, _TwoConvs(cin, cout))
        for name, cin, cout in zip(self.DECODER, widths[:0:-1], widths[-2::-1]):
            self.add_module(name, _UpStep(cin, cout))
        self.final = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) -> (N, num_classes, H, W) logits; H and W divisible by 16."""
        if x.shape[-2] % 16 or x.shape[-1] % 16:
            raise MMLinsemError(f'FaceParserUNet needs an input whose height and width are '
                                f'multiples of 16, got {tuple(x.shape[-2:])}')
        skips = []
        for name in self.ENCODER:
            x = getattr(self, name)(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.center(x)
        for name, skip in zip(self.DECODER, reversed(skips)):
            x = getattr(self, name)(skip, x)
        return self.final(x)
