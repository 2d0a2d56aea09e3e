"""LSE: the linear semantic extractor (a bias-free 1x1 conv per layer)."""
import torch
from torch import nn

from mmlinsem.registry import MODELS
from .per_layer_head import PerLayerHead


@MODELS.register_module()
class LSEHead(PerLayerHead):
    """Linear Semantic Extractor.

    One ``Conv2d(C_i, num_classes, 1, bias=False)`` per layer applied at native
    resolution, bilinear upsampling (``align_corners=True``) to the output size and a
    softplus-weighted sum (``layer_weighting='none'``: plain sum). A layer larger than the
    output is resized first and then classified: the same result (the conv commutes with
    the resize) without a logit map beyond the output size. ``aux_loss_weight=0.1`` adds
    the per-layer losses used to study layer-wise semantics.

    Args:
        in_channels (list[int]): channels of each generator layer.
        num_classes (int): number of classes (background included).
        layer_weighting (str): ``'softplus'`` (learnable, normalised) or ``'none'``.
        aux_loss_weight (float): weight of each layer's own cross-entropy (0 = off).
        **kwargs: further :class:`MultiLayerHead` / ``BaseDecodeHead`` arguments
            (``loss_decode``, ``ignore_index``, ...).
    """

    resize_features = True  # a bias-free 1x1 conv commutes with bilinear resizing

    def build_layer(self, in_channels, num_classes):
        return nn.Conv2d(in_channels, num_classes, 1, bias=False)

    @torch.no_grad()
    def set_linear_weight(self, weight: torch.Tensor):
        """Make the head compute ``logits = W x`` on the concatenated (upsampled) features:
        ``weight`` (K, sum C_l) is split into the per-layer convs; the layer weights are
        reset to equal and undone by scaling, so the weighted sum reproduces ``W x``."""
        lw = self.layer_weights
        scale = 1.0
        if lw.mode == 'softplus':
            lw.layer_weight.fill_(1.0)
            scale = float(lw.num_layers)
        for conv, part in zip(self.extractor, weight.split(list(self.in_channels), 1)):
            conv.weight.copy_((scale * part).to(conv.weight).view_as(conv.weight))
