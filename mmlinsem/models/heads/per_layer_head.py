"""Heads that classify each layer at native resolution and fuse upsampled logits."""
from collections import OrderedDict

from torch import nn

from .layer_weights import LayerWeights
from .multi_layer_head import MultiLayerHead, largest_size, sample_points, upsample


class PerLayerHead(MultiLayerHead):
    """Per-layer classifier at native resolution, then weighted, upsampled sum.

    Bilinear upsampling is linear, so the logits of layers that share a resolution are
    summed *before* one upsampling: the same result, one full-size tensor per resolution
    instead of one per layer.
    """

    def __init__(self, in_channels, num_classes, layer_weighting: str = 'softplus', **kwargs):
        super().__init__(in_channels, num_classes, **kwargs)
        self.layer_weights = LayerWeights(len(self.in_channels), layer_weighting)
        self.extractor = nn.ModuleList(
            [self.build_layer(c, self.num_classes) for c in self.in_channels])

    def build_layer(self, in_channels: int, num_classes: int) -> nn.Module:
        raise NotImplementedError

    def _grouped_logits(self, inputs):
        """Per-layer logits at native resolution and their weighted sums per resolution."""
        xs = self._transform_inputs(inputs)
        self._check_inputs(xs)
        weights = self.layer_weights().to(xs[0])
        logits = [layer(x) for layer, x in zip(self.extractor, xs)]
        groups = OrderedDict()
        for w, logit in zip(weights, logits):
            key = tuple(logit.shape[-2:])
            groups[key] = groups[key] + w * logit if key in groups else w * logit
        return logits, list(groups.values()), largest_size(xs)

    def forward_full(self, inputs, return_layers: bool = False):
        logits, groups, size = self._grouped_logits(inputs)
        out = sum(upsample(group, size) for group in groups)
        return (out, logits) if return_layers else out

    def forward_points(self, inputs, rows, cols, size, return_layers: bool = False):
        """As the base class, but read from the native-resolution logits: no full-size
        tensor at all (the cost of the head no longer grows with the output size)."""
        logits, groups, _ = self._grouped_logits(inputs)
        out = sum(sample_points(group, rows, cols, size) for group in groups)
        if not return_layers:
            return out
        return out, [sample_points(x, rows, cols, size) for x in logits]
