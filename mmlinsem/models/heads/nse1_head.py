"""NSE-1: a small per-layer MLP (convs) in place of LSE's linear map."""
import warnings

from torch import nn

from mmlinsem.registry import MODELS
from .per_layer_head import PerLayerHead


@MODELS.register_module()
class NSE1Head(PerLayerHead):
    """Nonlinear Semantic Extractor 1.

    Per layer: ``Conv(C->m) ReLU Conv(m->m) ReLU Conv(m->K)`` with ``m = (C + K) // 2`` and
    bias, at native resolution; the per-layer logits are fused like LSE's.

    Args:
        in_channels (list[int]): channels of each generator layer.
        num_classes (int): number of classes (background included).
        kernel_size (int): kernel of every conv (1 in the paper); padding keeps the size.
        num_convs (int): convs per layer (3 in the paper).
        layer_weighting (str): ``'softplus'`` (learnable, normalised) or ``'none'``.
        aux_loss_weight (float): weight of each layer's own cross-entropy (0 = off).
        **kwargs: further :class:`MultiLayerHead` / ``BaseDecodeHead`` arguments.
            ``ksize`` (the old name of ``kernel_size``) is still read, with a warning.
    """

    def __init__(self,
                 in_channels,
                 num_classes,
                 kernel_size: int = 1,
                 num_convs: int = 3,
                 **kwargs):
        if 'ksize' in kwargs:
            warnings.warn('NSE1Head: ksize is renamed kernel_size', DeprecationWarning)
            kernel_size = kwargs.pop('ksize')
        self.kernel_size = int(kernel_size)
        self.num_convs = int(num_convs)
        super().__init__(in_channels, num_classes, **kwargs)

    def build_layer(self, in_channels, num_classes):
        mid = (in_channels + num_classes) // 2
        k, pad = self.kernel_size, self.kernel_size // 2
        layers, c = [], in_channels
        for _ in range(self.num_convs - 1):
            layers += [nn.Conv2d(c, mid, k, padding=pad), nn.ReLU(inplace=True)]
            c = mid
        layers.append(nn.Conv2d(c, num_classes, k, padding=pad))
        return nn.Sequential(*layers)
