"""Softplus-normalised learnable layer weights (or a plain sum)."""
import torch
import torch.nn.functional as F
from torch import nn

from mmlinsem.errors import MMLinsemError


class LayerWeights(nn.Module):
    """Layer weights ``w = softplus(p) / sum(softplus(p))``, ``p`` initialised to ones.

    Calling the module returns the (num_layers,) weights.

    Args:
        num_layers (int): number of layers to weight.
        mode (str): ``'softplus'`` (a learnable ``layer_weight`` parameter) or ``'none'``
            (a plain sum: all weights 1, no parameter).
    """

    def __init__(self, num_layers: int, mode: str = 'softplus'):
        super().__init__()
        if mode not in ('softplus', 'none'):
            raise MMLinsemError(f"layer_weighting must be 'softplus' or 'none', got {mode!r}")
        self.mode = mode
        self.num_layers = num_layers
        if mode == 'softplus':
            self.layer_weight = nn.Parameter(torch.ones(num_layers))

    def forward(self) -> torch.Tensor:
        if self.mode == 'none':
            return torch.ones(self.num_layers)
        w = F.softplus(self.layer_weight)
        return w / w.sum()
