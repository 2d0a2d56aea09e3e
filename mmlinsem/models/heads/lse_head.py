"""LSE: the linear semantic extractor (a bias-free 1x1 conv per layer)."""
from torch import nn

from mmlinsem.registry import MODELS
from .per_layer_head import PerLayerHead


@MODELS.register_module()
class LSEHead(PerLayerHead):
    """Linear Semantic Extractor.

    One ``Conv2d(C_i, num_classes, 1, bias=False)`` per layer applied at native
    resolution, bilinear upsampling (``align_corners=True``) and a softplus-weighted sum
    (``layer_weighting='none'``: plain sum). ``aux_loss_weight=0.1`` adds the per-layer
    losses used to study layer-wise semantics.
    """

    def build_layer(self, in_channels, num_classes):
        return nn.Conv2d(in_channels, num_classes, 1, bias=False)
