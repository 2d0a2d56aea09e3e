"""Heads that classify each layer at native resolution and fuse upsampled logits."""
from collections import OrderedDict

from torch import nn

from ..utils import sample_points, upsample
from .layer_weights import LayerWeights
from .multi_layer_head import MultiLayerHead


class PerLayerHead(MultiLayerHead):
    """Per-layer classifier at native resolution, then a weighted sum at the output size.

    Bilinear upsampling is linear, so the weighted logits of layers that share a resolution
    are summed *before* one resize: the same result, one output-size tensor per resolution
    instead of one per layer. Each resolution group is resized straight to the output size
    (no map at the largest feature size when the output is smaller). Heads whose per-layer
    map is a 1x1 linear map (``resize_features = True``: LSE) resize the *features* of
    layers larger than the output before it -- exact, as the two commute -- so no logit
    map beyond the output size is made at all, at a fraction of the conv's cost.

    Args:
        in_channels (list[int]): channels of each layer.
        num_classes (int): number of classes (background included).
        layer_weighting (str): ``'softplus'`` (learnable normalised layer weights, see
            :class:`LayerWeights`) or ``'none'`` (plain sum).
        **kwargs: :class:`MultiLayerHead` arguments (``aux_loss_weight``, ...).
    """

    has_layer_logits = True
    resize_features = False

    def __init__(self, in_channels, num_classes, layer_weighting: str = 'softplus', **kwargs):
        super().__init__(in_channels, num_classes, **kwargs)
        self.layer_weights = LayerWeights(len(self.in_channels), layer_weighting)
        self.extractor = nn.ModuleList(
            [self.build_layer(c, self.num_classes) for c in self.in_channels])

    def build_layer(self, in_channels: int, num_classes: int) -> nn.Module:
        """The per-layer classifier: (N, in_channels, h, w) -> (N, num_classes, h, w)."""
        raise NotImplementedError

    def _layer_maps(self, xs, size=None):
        out = []
        for layer, x in zip(self.extractor, xs):
            if size is not None and self.resize_features and \
                    x.shape[-2] * x.shape[-1] > size[0] * size[1]:
                x = upsample(x, size)
            out.append(layer(x))
        return out

    def _groups(self, xs, size=None):
        """Weighted sums of the per-layer logits, one per resolution (see ``_layer_maps``)."""
        weights = self.layer_weights().to(xs[0])
        groups = OrderedDict()
        for w, logit in zip(weights, self._layer_maps(xs, size)):
            key = tuple(logit.shape[-2:])
            groups[key] = groups[key] + w * logit if key in groups else w * logit
        return list(groups.values())

    def _logits(self, xs, size):
        return sum(upsample(group, size) for group in self._groups(xs, size))

    def _point_logits(self, xs, rows, cols, size):
        """Read from the native-resolution logits: no output-size tensor at all (the cost
        of the head no longer grows with the output size)."""
        return sum(sample_points(group, rows, cols, size) for group in self._groups(xs))
