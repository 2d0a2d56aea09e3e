"""Drawing on the toy world's pixel grid: coordinates in [0, 1], smooth noise fields,
ellipses in a rotated frame, colour jitter and shading, and painting one region into the
image and the mask at once."""
from functools import lru_cache
from typing import Tuple

import numpy as np


@lru_cache(maxsize=8)
def pixel_grid(size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Normalised pixel-centre coordinates ``(x, y)``, each ``(size, size)`` float32."""
    t = (np.arange(size, dtype=np.float32) + 0.5) / size
    y, x = np.meshgrid(t, t, indexing='ij')
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


@lru_cache(maxsize=16)
def _interp_matrix(size: int, knots: int) -> np.ndarray:
    """``(size, knots)`` bilinear interpolation weights from a coarse grid to ``size``."""
    pos = (np.arange(size, dtype=np.float64) + 0.5) / size * (knots - 1)
    lo = np.clip(np.floor(pos).astype(int), 0, knots - 2)
    frac = pos - lo
    mat = np.zeros((size, knots), dtype=np.float32)
    mat[np.arange(size), lo] = 1 - frac
    mat[np.arange(size), lo + 1] = frac
    mat.setflags(write=False)
    return mat


def smooth_noise(rng: np.random.Generator, size: int, knots: int) -> np.ndarray:
    """Low-frequency noise in roughly ``[-1, 1]``: a random coarse grid, upsampled."""
    mat = _interp_matrix(size, knots)
    coarse = rng.standard_normal((knots, knots)).astype(np.float32)
    return np.clip(mat @ coarse @ mat.T * 0.6, -1.5, 1.5)


def ellipse(x, y, cx, cy, rx, ry):
    """Inside test of an axis-aligned ellipse (in whatever frame ``x, y`` are given)."""
    return ((x - cx) / rx)**2 + ((y - cy) / ry)**2 <= 1.0


def rotated(x, y, cx, cy, angle):
    """Coordinates of ``(x, y)`` relative to ``(cx, cy)`` in a frame rotated by ``angle``."""
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = x - cx, y - cy
    return dx * c + dy * s, -dx * s + dy * c


def paint(img, mask, region, colour, label):
    """Paint ``colour`` (RGB triple or an ``(H, W, 3)`` texture) and ``label`` on ``region``."""
    if np.ndim(colour) == 1:
        img[region] = colour
    else:
        np.copyto(img, colour, where=region[..., None])
    mask[region] = label


def jitter(rng, colour, amount):
    return np.clip(np.asarray(colour, np.float32) + rng.uniform(-amount, amount, 3), 0, 255)


def textured(base, field, strength):
    """``base`` RGB modulated by a scalar ``field`` (``(H, W)``): ``base * (1 + s*f)``."""
    return base[None, None, :] * (1.0 + strength * field[..., None])
