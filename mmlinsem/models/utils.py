"""Resampling helpers shared by the heads, the model and the APIs."""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F


def upsample(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Bilinear resize of ``x`` (N, C, h, w) to ``size`` with ``align_corners=True`` (the
    original LinearGAN's ``bu``); returns ``x`` itself when it already has that size."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=True)


def sample_points(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor,
                  size: Sequence[int]) -> torch.Tensor:
    """Values of ``upsample(x, size)`` at pixels (rows, cols), without upsampling.

    Args:
        x (Tensor): (N, C, h, w) map at its native resolution.
        rows (Tensor): (N, P) integer row indices into a ``size`` map.
        cols (Tensor): (N, P) integer column indices into a ``size`` map.
        size (tuple[int]): (H, W) of the map the pixels index.

    Returns:
        Tensor: (N, C, P), bilinear ``align_corners=True`` reads of the native map.
    """
    h, w = size
    gy = rows.to(x.device).float() * (2.0 / max(h - 1, 1)) - 1
    gx = cols.to(x.device).float() * (2.0 / max(w - 1, 1)) - 1
    grid = torch.stack([gx, gy], -1).unsqueeze(1).to(x.dtype)  # (N, 1, P, 2)
    return F.grid_sample(x, grid, mode='bilinear', align_corners=True)[:, :, 0]


def largest_size(xs: Sequence[torch.Tensor]) -> Tuple[int, int]:
    """(H, W) of the map with the most pixels among ``xs``."""
    return max((tuple(x.shape[-2:]) for x in xs), key=lambda s: s[0] * s[1])
