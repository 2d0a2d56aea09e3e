"""DatasetGAN's pixel MLP without the full-resolution feature tensor."""
from collections import OrderedDict
from typing import Sequence

import torch
from torch import nn

from mmlinsem.registry import MODELS
from ..utils import upsample
from .multi_layer_head import MultiLayerHead


@MODELS.register_module()
class LinearMLPHead(MultiLayerHead):
    """The per-pixel MLP of DatasetGAN, memory-exact.

    DatasetGAN upsamples every layer to full size, concatenates (thousands of channels per
    pixel) and applies ``Linear -> ReLU -> BN -> Linear -> ReLU -> BN -> Linear``. The first
    linear map of a concatenation is a sum of per-layer linear maps, and bilinear upsampling
    commutes with a 1x1 conv, so here each layer is projected to ``hidden[0]`` channels at
    its native resolution, same-resolution projections are summed, upsampled and summed
    (the bias added once); the remaining layers run as 1x1 convs at full resolution. The
    output equals the naive model's with the same weights, while the largest tensor has
    ``hidden[0]`` channels instead of the sum of all layers' channels.

    Args:
        hidden (tuple[int]): widths of the hidden layers (DatasetGAN: 128, 32).
        norm (bool): BatchNorm after each hidden ReLU, as in DatasetGAN.
    """

    def __init__(self,
                 in_channels,
                 num_classes,
                 hidden: Sequence[int] = (128, 32),
                 norm: bool = True,
                 **kwargs):
        super().__init__(in_channels, num_classes, **kwargs)
        hidden = [int(h) for h in hidden]
        self.projections = nn.ModuleList(
            [nn.Conv2d(c, hidden[0], 1, bias=False) for c in self.in_channels])
        self.bias = nn.Parameter(torch.zeros(hidden[0]))
        layers = [nn.ReLU(inplace=True)] + ([nn.BatchNorm2d(hidden[0])] if norm else [])
        for cin, cout in zip(hidden[:-1], hidden[1:]):
            layers += [nn.Conv2d(cin, cout, 1), nn.ReLU(inplace=True)]
            layers += [nn.BatchNorm2d(cout)] if norm else []
        layers.append(nn.Conv2d(hidden[-1], self.num_classes, 1))
        self.mlp = nn.Sequential(*layers)

    def first_layer(self, xs, size) -> torch.Tensor:
        """The first linear map of the concatenated features, at ``size``."""
        groups = OrderedDict()
        for proj, x in zip(self.projections, xs):
            key = tuple(x.shape[-2:])
            y = proj(x)
            groups[key] = groups[key] + y if key in groups else y
        out = None
        for group in groups.values():
            up = upsample(group, size)
            out = up if out is None else out + up
        return out + self.bias.view(1, -1, 1, 1)

    def _logits(self, xs, size):
        return self.mlp(self.first_layer(xs, size))
