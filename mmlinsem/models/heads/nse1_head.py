"""NSE-1: a small per-layer MLP (1x1 convs) in place of LSE's linear map."""
from torch import nn

from mmlinsem.registry import MODELS
from .per_layer_head import PerLayerHead


@MODELS.register_module()
class NSE1Head(PerLayerHead):
    """Nonlinear Semantic Extractor 1.

    Per layer: ``Conv(C->m) ReLU Conv(m->m) ReLU Conv(m->K)`` with ``m = (C + K) // 2``,
    kernel ``ksize`` (1 in the paper) and bias; fused like LSE.
    """

    def __init__(self, in_channels, num_classes, ksize: int = 1, num_convs: int = 3, **kwargs):
        self.ksize = ksize
        self.num_convs = num_convs
        super().__init__(in_channels, num_classes, **kwargs)

    def build_layer(self, in_channels, num_classes):
        mid = (in_channels + num_classes) // 2
        pad = self.ksize // 2
        layers, c = [], in_channels
        for _ in range(self.num_convs - 1):
            layers += [nn.Conv2d(c, mid, self.ksize, padding=pad), nn.ReLU(inplace=True)]
            c = mid
        layers.append(nn.Conv2d(c, num_classes, self.ksize, padding=pad))
        return nn.Sequential(*layers)
