"""Pictures: palettes, colourised masks, overlays, image grids, tensors to uint8."""
import colorsys
from typing import List, Sequence

import cv2
import numpy as np
import torch

from mmlinsem.compat import atomic_write


def default_palette(n: int) -> List[List[int]]:
    """A fixed high-contrast palette of ``n`` RGB colours: black background, then hues
    spread by the golden ratio."""
    pal = [[0, 0, 0]]
    for i in range(1, n):
        h = (i * 0.618033988749895) % 1.0
        s, v = (0.9, 0.95) if i % 2 else (0.6, 0.8)
        pal.append([int(255 * c) for c in colorsys.hsv_to_rgb(h, s, v)])
    return pal


def img_to_uint8(img: torch.Tensor) -> torch.Tensor:
    """(3, H, W) RGB in [-1, 1] -> (H, W, 3) uint8 on the CPU (for pictures)."""
    img = ((img.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return img.permute(1, 2, 0).cpu()


def colorize(mask: np.ndarray, palette: Sequence[Sequence[int]]) -> np.ndarray:
    """(H, W) class indices -> (H, W, 3) uint8 RGB; out-of-palette values are white."""
    pal = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    pal = np.concatenate([pal, np.full((256 - len(pal), 3), 255, np.uint8)])
    return pal[np.clip(mask.astype(np.int64), 0, 255)]


def overlay(image: np.ndarray, mask: np.ndarray, palette, alpha: float = 0.5) -> np.ndarray:
    color = colorize(mask, palette)
    return (image.astype(np.float32) * (1 - alpha) + color * alpha).round().astype(np.uint8)


def grid(rows: List[List[np.ndarray]], pad: int = 2, scale: int = 1) -> np.ndarray:
    """Tile equally sized RGB tiles row by row on a white background."""
    h, w = rows[0][0].shape[:2]
    ncol = max(len(r) for r in rows)
    out = np.full(((h + pad) * len(rows) + pad, (w + pad) * ncol + pad, 3), 255, np.uint8)
    for i, row in enumerate(rows):
        for j, tile in enumerate(row):
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            out[y:y + h, x:x + w] = tile
    if scale != 1:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    return out


def save_rgb(path: str, image: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 RGB image as PNG, atomically."""
    ok, data = cv2.imencode('.png', cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise RuntimeError(f'could not encode a {image.shape} image as PNG')
    atomic_write(path, data.tobytes())
