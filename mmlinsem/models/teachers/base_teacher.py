"""What every teacher shares: frozen, normalised input, the sizes it labels at, logits
mapped to the extractor's classes, labels as their argmax."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from .label_maps import build_label_map

Size = Union[int, Sequence[int], None]


def size2(value: Size) -> Optional[Tuple[int, int]]:
    """``None``, an int or an (H, W) pair as ``None`` or an (H, W) tuple of ints."""
    if value is None:
        return None
    if isinstance(value, int):
        return (value, value)
    return tuple(int(v) for v in value)


class BaseTeacher(nn.Module):
    """A frozen labeller of generator images (RGB in [-1, 1]).

    Subclasses build their network, call :meth:`setup` and implement :meth:`raw_logits`
    (logits over the teacher's own classes); the label map (``IdentityLabelMap``,
    ``SelectLabelMap``, ``MergeLabelMap``) turns them into the extractor's classes.

    Two sizes, both optional, decide where the teacher works (see :meth:`set_sizes`):
    ``input_size`` is the size of the image the network sees (the generator's image is
    resized to it whenever its own size differs), ``output_size`` the size of the logits
    and labels it returns (default: the generator image's own size).
    """

    input_size: Optional[Tuple[int, int]] = None
    output_size: Optional[Tuple[int, int]] = None

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

    def set_sizes(self, input_size: Size = None, output_size: Size = None) -> None:
        """Set the network's input size and the labels' size (each an int, an (H, W)
        pair or None; see the class docstring)."""
        self.input_size = size2(input_size)
        self.output_size = size2(output_size)

    def label_size(self, images: torch.Tensor) -> Tuple[int, int]:
        """(H, W) of the logits and labels returned for ``images``."""
        return self.output_size or tuple(images.shape[-2:])

    def to_input_size(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` resized (bilinear, ``align_corners=True``) to ``input_size`` when its own
        size differs from it; unchanged without an ``input_size``."""
        if self.input_size is not None and tuple(x.shape[-2:]) != self.input_size:
            x = F.interpolate(x, self.input_size, mode='bilinear', align_corners=True)
        return x

    def to_label_size(self, logits: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """``logits`` resized (bilinear, ``align_corners=True``) to :meth:`label_size`."""
        size = self.label_size(images)
        if tuple(logits.shape[-2:]) != size:
            logits = F.interpolate(logits, size, mode='bilinear', align_corners=True)
        return logits

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
