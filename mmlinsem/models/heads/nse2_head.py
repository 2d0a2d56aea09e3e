"""NSE-2: a generator-like chain that fuses layers progressively with 3x3 convs."""
import torch.nn.functional as F
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from ..utils import sample_points, upsample
from .multi_layer_head import MultiLayerHead


def _conv_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True))


@MODELS.register_module()
class NSE2Head(MultiLayerHead):
    """Nonlinear Semantic Extractor 2.

    ``h_0 = E_0(x_0)``; ``h_i = R_i(up(h_{i-1})) + E_i(x_i)`` with ``E_i`` a 3x3 conv +
    ReLU on layer i, ``R_i`` a 3x3 conv + ReLU from the previous width, ``up`` a nearest
    resize to the layer's resolution; then a 3x3 conv to the classes at the last layer's
    resolution and one bilinear resize to the output size. Layers must come in
    non-decreasing resolution. There are no per-layer logits (``layer_logits`` raises).

    Args:
        in_channels (list[int]): channels of each generator layer (also the width of the
            chain at that layer).
        num_classes (int): number of classes (background included).
        **kwargs: further :class:`MultiLayerHead` / ``BaseDecodeHead`` arguments;
            ``aux_loss_weight`` must be 0.
    """

    def __init__(self, in_channels, num_classes, **kwargs):
        if kwargs.get('aux_loss_weight', 0):
            raise MMLinsemError('NSE2Head has no per-layer outputs: set aux_loss_weight=0')
        super().__init__(in_channels, num_classes, **kwargs)
        chs = self.in_channels
        self.extractor = nn.ModuleList([_conv_relu(c, c) for c in chs])
        self.reviser = nn.ModuleList([_conv_relu(a, b) for a, b in zip(chs[:-1], chs[1:])])
        self.visualizer = nn.Conv2d(chs[-1], self.num_classes, 3, padding=1)

    def _native_logits(self, xs):
        """Logits at the last layer's resolution."""
        hidden = self.extractor[0](xs[0])
        for i in range(1, len(xs)):
            size = xs[i].shape[-2:]
            if size[0] < hidden.shape[-2]:
                raise MMLinsemError('NSE2Head needs layers in non-decreasing resolution; '
                                    f'layer {i} is {tuple(size)} after '
                                    f'{tuple(hidden.shape[-2:])}')
            if hidden.shape[-2:] != size:
                hidden = F.interpolate(hidden, size=size, mode='nearest')
            hidden = self.reviser[i - 1](hidden) + self.extractor[i](xs[i])
        return self.visualizer(hidden)

    def _logits(self, xs, size):
        return upsample(self._native_logits(xs), size)

    def _point_logits(self, xs, rows, cols, size):
        return sample_points(self._native_logits(xs), rows, cols, size)
