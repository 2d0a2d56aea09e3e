"""A DCGAN-style generator written as a user would write one: the worked example of the
contract a generator that is not mmagic's fulfils to run under ``FeatureGenerator``.

The contract: a module registered in a registry the config can reach (here mmlinsem's
``MODELS``; a user's own module is registered the same way and imported with
``custom_imports``), with an integer attribute ``noise_size`` and ``forward(z) -> image``
((N, 3, H, W), about [-1, 1]). Its latent may have any shape that starts with
``(N, noise_size)``: this one takes ``(N, noise_size, 1, 1)``. Nothing else is required;
the hook points are chosen by module name (``tools/rank_layers.py`` ranks them).
"""
import math

from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS


@MODELS.register_module()
class ExampleDCGANGenerator(nn.Module):
    """Transposed convs from a (N, noise_size, 1, 1) latent to an ``out_size`` RGB image.

    Layout: ``main`` is a ``Sequential`` of blocks ``[ConvTranspose2d, BatchNorm2d,
    ReLU(inplace=True)]`` (4 px, then doubling) and a final ``ConvTranspose2d`` + ``Tanh``.
    The in-place ReLU overwrites the BatchNorm output, a pattern ``FeatureGenerator`` hooks
    correctly (it keeps a copy of a hooked output that a later op modifies in place).

    Args:
        noise_size (int): latent channels.
        out_size (int): image side, a power of two >= 8.
        base_channels (int): channels of the last hidden block (doubled per block towards
            the input, at most ``max_channels``).
        max_channels (int): channel cap.
    """

    def __init__(self,
                 noise_size: int = 100,
                 out_size: int = 64,
                 base_channels: int = 64,
                 max_channels: int = 512):
        super().__init__()
        if out_size < 8 or out_size & (out_size - 1):
            raise MMLinsemError(f'out_size must be a power of two >= 8, got {out_size}')
        self.noise_size = int(noise_size)
        self.out_size = int(out_size)
        num_blocks = int(math.log2(out_size)) - 2  # 4 px, then x2 up to out_size / 2
        chans = [
            min(base_channels * 2**(num_blocks - 1 - i), max_channels) for i in range(num_blocks)
        ]
        layers = []
        prev = noise_size
        for i, c in enumerate(chans):
            conv = nn.ConvTranspose2d(prev, c, 4, 1, 0, bias=False) if i == 0 else \
                nn.ConvTranspose2d(prev, c, 4, 2, 1, bias=False)
            layers += [conv, nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            prev = c
        layers += [nn.ConvTranspose2d(prev, 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z)
