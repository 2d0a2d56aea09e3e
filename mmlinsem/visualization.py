"""Pictures: palettes, colourised masks, overlays, error maps, legends, grids, tensors to uint8."""
import colorsys
from typing import List, Sequence

import cv2
import numpy as np
import torch


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


def error_map(image: np.ndarray, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Where ``pred`` and ``target`` disagree: red on a faded grey copy of ``image``."""
    grey = image.astype(np.float32).mean(-1, keepdims=True)
    out = np.repeat(128 + grey * 0.5, 3, axis=-1).round().astype(np.uint8)
    out[pred != target] = (255, 0, 0)
    return out


def auto_scale(size: int, target: int = 256) -> int:
    """Nearest-neighbour zoom that brings a ``size``-px image to about ``target`` px."""
    return max(1, -(-target // max(1, int(size))))


def put_text(canvas: np.ndarray, text, x: int, y: int, scale: float = 0.4) -> None:
    """Black text on ``canvas`` in place, its baseline at (x, y); a list of strings is
    written one line under the other."""
    lines = [text] if isinstance(text, str) else list(text)
    for k, line in enumerate(lines):
        cv2.putText(canvas, line, (x, y + int(16 * k * scale / 0.4)), cv2.FONT_HERSHEY_SIMPLEX,
                    scale, (0, 0, 0), 1, cv2.LINE_AA)


def legend(classes: Sequence[str], palette, width: int, row_h: int = 18) -> np.ndarray:
    """A white strip ``width`` px wide: one colour swatch + name per class, wrapped in rows."""
    items, widths = [], []
    for i, name in enumerate(classes):
        (tw, _), _ = cv2.getTextSize(str(name), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        items.append((i, str(name)))
        widths.append(row_h + 4 + tw + 12)
    lines, line, used = [], [], 0
    for item, w in zip(items, widths):
        if line and used + w > width:
            lines.append(line)
            line, used = [], 0
        line.append((item, w))
        used += w
    if line:
        lines.append(line)
    out = np.full((row_h * len(lines) + 4, width, 3), 255, np.uint8)
    pal = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    for r, line in enumerate(lines):
        x, y = 4, 2 + r * row_h
        for (i, name), w in line:
            color = pal[i] if i < len(pal) else (255, 255, 255)
            out[y + 2:y + row_h - 2, x:x + row_h - 4] = color
            cv2.rectangle(out, (x, y + 2), (x + row_h - 5, y + row_h - 3), (0, 0, 0), 1)
            put_text(out, name, x + row_h, y + row_h - 5)
            x += w
    return out


def labelled_grid(rows: List[List[np.ndarray]],
                  headers: Sequence[str],
                  classes: Sequence[str],
                  palette,
                  scale: int = 1,
                  pad: int = 2) -> np.ndarray:
    """:func:`grid` zoomed by ``scale`` (nearest neighbour) with column headers on top and a
    class legend (colour + name) below."""
    body = grid(
        rows, pad=pad * scale, scale=1) if scale == 1 else grid(
            [[cv2.resize(t, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST) for t in r]
             for r in rows],
            pad=pad * scale)
    tile_w = rows[0][0].shape[1] * scale
    head = np.full((20, body.shape[1], 3), 255, np.uint8)
    for j, name in enumerate(headers):
        put_text(head, str(name), pad * scale + j * (tile_w + pad * scale) + 2, 14)
    return np.concatenate([head, body, legend(classes, palette, body.shape[1])])


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
