"""What every teacher shares: frozen, normalised input, logits mapped to the extractor's
classes, labels as their argmax."""
from typing import Optional, Sequence

import torch
from torch import nn

from .label_maps import build_label_map


class BaseTeacher(nn.Module):
    """A frozen labeller of generator images (RGB in [-1, 1]).

    Subclasses build their network, call :meth:`setup` and implement :meth:`raw_logits`
    (logits over the teacher's own classes); the label map (``IdentityLabelMap``,
    ``SelectLabelMap``, ``MergeLabelMap``) turns them into the extractor's classes.
    """

    def setup(self, source_classes: Sequence[str], label_map: Optional[dict], mean: Sequence[float],
              std: Sequence[float]) -> None:
        """Store the class lists, the label map and the input normalisation buffers."""
        self.source_classes = list(source_classes)
        self.label_map = build_label_map(label_map, self.source_classes)
        self.classes = list(self.label_map.classes)
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float).view(1, 3, 1, 1), persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float).view(1, 3, 1, 1), persistent=False)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def train(self, mode: bool = True):
        self.training = mode  # the network stays in eval mode (frozen BN)
        return self

    def raw_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits over the teacher's own classes (differentiable)."""
        raise NotImplementedError

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits over the extractor's classes (after the label map)."""
        return self.label_map.logits(self.raw_logits(images))

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) RGB images in [-1, 1] -> (N, H, W) long labels."""
        return self.logits(images).argmax(1)
