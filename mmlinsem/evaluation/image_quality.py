"""Reference-based image quality without learned weights: PSNR, SSIM and MS-SSIM.

All functions take (N, 3, H, W) RGB batches in [-1, 1] (the generators' range), compare
them on the [0, 1] scale and return one value per image. MS-SSIM follows Wang, Simoncelli
and Bovik (2003): Gaussian windows (11 px, sigma 1.5), contrast-structure terms at every
scale and the luminance term at the coarsest, combined with the paper's scale weights.
Images too small for five scales use as many as fit (the weights of the kept scales
renormalised to sum to 1), and a window wider than the image shrinks to the image side.
"""
from typing import Sequence

import torch
import torch.nn.functional as F

from mmlinsem.errors import MMLinsemError

#: Wang et al.'s weights of scales 1 (finest) to 5
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_C1, _C2 = 0.01**2, 0.03**2  # (K1 L)^2, (K2 L)^2 for the data range L = 1


def _pair(x: torch.Tensor, y: torch.Tensor):
    if x.shape != y.shape or x.ndim != 4:
        raise MMLinsemError(f'image quality needs two (N, C, H, W) batches of one shape, got '
                            f'{tuple(x.shape)} and {tuple(y.shape)}')
    return (x.float().clamp(-1, 1) + 1) / 2, (y.float().clamp(-1, 1) + 1) / 2


def psnr(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image (peak 1 on the [0, 1] scale)."""
    x, y = _pair(x, y)
    mse = (x - y).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1 / (mse + eps))


def _window(size: int, sigma: float, channels: int, like: torch.Tensor) -> torch.Tensor:
    offsets = torch.arange(size, dtype=like.dtype, device=like.device) - (size - 1) / 2
    g = torch.exp(-offsets.pow(2) / (2 * sigma**2))
    return (g / g.sum()).view(1, 1, 1, size).repeat(channels, 1, 1, 1)


def _blur(t: torch.Tensor, win: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian filter, valid region only (as the reference implementation)."""
    c = t.shape[1]
    t = F.conv2d(t, win, groups=c)
    return F.conv2d(t, win.transpose(2, 3), groups=c)


def _ssim_terms(x, y, win):
    """Per-image mean SSIM and mean contrast-structure term at one scale."""
    mu_x, mu_y = _blur(x, win), _blur(y, win)
    var_x = _blur(x * x, win) - mu_x.pow(2)
    var_y = _blur(y * y, win) - mu_y.pow(2)
    cov = _blur(x * y, win) - mu_x * mu_y
    cs = (2 * cov + _C2) / (var_x + var_y + _C2)
    lum = (2 * mu_x * mu_y + _C1) / (mu_x.pow(2) + mu_y.pow(2) + _C1)
    return (lum * cs).flatten(1).mean(1), cs.flatten(1).mean(1)


def _win_size(side: int, win_size: int) -> int:
    size = min(win_size, side)
    return size if size % 2 else size - 1


def ssim(x: torch.Tensor, y: torch.Tensor, win_size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Single-scale SSIM per image (mean over the valid window positions and channels)."""
    x, y = _pair(x, y)
    win = _window(_win_size(min(x.shape[-2:]), win_size), sigma, x.shape[1], x)
    return _ssim_terms(x, y, win)[0]


def num_scales(side: int, win_size: int = 11, max_scales: int = len(MS_SSIM_WEIGHTS)) -> int:
    """How many dyadic scales of an image ``side`` px wide still hold a full window."""
    scales = 1
    while scales < max_scales and side // 2**scales >= win_size:
        scales += 1
    return scales


def ms_ssim(x: torch.Tensor,
            y: torch.Tensor,
            win_size: int = 11,
            sigma: float = 1.5,
            weights: Sequence[float] = MS_SSIM_WEIGHTS,
            eps: float = 1e-6) -> torch.Tensor:
    """Multi-scale SSIM per image, in (0, 1] (1 for identical images).

    Negative contrast-structure terms (anti-correlated images) are clamped to ``eps``
    before the fractional powers, so the value and its gradient stay finite.
    """
    x, y = _pair(x, y)
    side = min(x.shape[-2:])
    scales = num_scales(side, win_size, len(weights))
    w = torch.tensor(weights[:scales], dtype=x.dtype, device=x.device)
    w = w / w.sum()
    win = _window(_win_size(side, win_size), sigma, x.shape[1], x)
    value = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
    for level in range(scales):
        s, cs = _ssim_terms(x, y, win)
        last = level == scales - 1
        value = value * (s if last else cs).clamp(min=eps).pow(w[level])
        if not last:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return value
