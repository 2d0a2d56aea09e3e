"""Pictures: colourised masks, overlays and image grids (numpy / OpenCV only)."""
from typing import List, Sequence

import cv2
import numpy as np


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
    import os
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp.png'
    cv2.imwrite(tmp, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    os.replace(tmp, path)
