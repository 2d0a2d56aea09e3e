"""Label masks <-> what a painting canvas shows and returns (no UI library needed).

A canvas is shown ``scale`` times larger than the label mask (64 px images at 4x). What
the user painted comes back as an RGBA layer: a pixel counts as painted when its alpha is
at least 128; brush strokes are antialiased, so each painted pixel is snapped to the
nearest palette colour, and the canvas is brought back to the label size by a majority
vote over each ``scale x scale`` block (nearest-neighbour for other sizes). Unpainted
pixels keep the base mask's label (or 255 = not annotated). A mask pre-loaded into the
layer is drawn with alpha :data:`PRELOAD_ALPHA` (>= 128, so it reads back as painted) and
the image stays visible under it.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import reading

PAINTED_ALPHA = 128
PRELOAD_ALPHA = 170
UNLABELLED = 255


def palette_hex(palette: Sequence[Sequence[int]]) -> list:
    """'#rrggbb' strings of an RGB palette (the brush colours)."""
    return ['#%02x%02x%02x' % tuple(int(c) for c in rgb[:3]) for rgb in palette]


def upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour upscale of an (H, W[, C]) array."""
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)


def mask_layer(mask: np.ndarray, palette, scale: int, alpha: int = PRELOAD_ALPHA) -> np.ndarray:
    """(H*s, W*s, 4) uint8 RGBA layer drawing ``mask`` (255 = transparent)."""
    mask = np.asarray(mask)
    pal = np.asarray(palette, dtype=np.uint8)[:, :3]
    rgba = np.zeros(mask.shape + (4, ), dtype=np.uint8)
    valid = mask != UNLABELLED
    rgba[valid, :3] = pal[mask[valid]]
    rgba[valid, 3] = alpha
    return upscale(rgba, scale)


def _as_rgba(layer) -> np.ndarray:
    if layer is None:
        raise MMLinsemError('the canvas returned no layer: paint on the canvas first')
    if isinstance(layer, Image.Image):
        layer = np.array(layer.convert('RGBA'))
    layer = np.asarray(layer)
    if layer.ndim != 3 or layer.shape[2] not in (3, 4):
        raise MMLinsemError(f'expected an (H, W, 4) RGBA canvas layer, got shape {layer.shape}')
    if layer.shape[2] == 3:  # no alpha: every non-black pixel is paint
        alpha = np.where(layer.max(2) > 0, 255, 0).astype(np.uint8)
        layer = np.concatenate([layer, alpha[..., None]], 2)
    return layer.astype(np.uint8)


def snap_to_palette(rgb: np.ndarray, palette) -> np.ndarray:
    """Index of the nearest palette colour of every (..., 3) RGB value."""
    pal = np.asarray(palette, dtype=np.int32)[:, :3]
    d = ((rgb[..., None, :3].astype(np.int32) - pal)**2).sum(-1)
    return d.argmin(-1).astype(np.uint8)


def _block_mode(labels: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Bring (H, W) labels to ``size``: majority per block for integer factors, else
    nearest-neighbour."""
    h, w = labels.shape
    th, tw = size
    if h % th == 0 and w % tw == 0:
        fy, fx = h // th, w // tw
        blocks = labels.reshape(th, fy, tw, fx).transpose(0, 2, 1, 3).reshape(th, tw, -1)
        values = np.arange(256, dtype=np.uint8)
        counts = (blocks[..., None] == values).sum(2)
        return values[counts.argmax(-1)]
    return np.array(Image.fromarray(labels).resize((tw, th), Image.NEAREST))


def mask_from_layer(layer,
                    palette,
                    size: Tuple[int, int],
                    base: Optional[np.ndarray] = None) -> np.ndarray:
    """The (H, W) label mask at ``size`` of a painted RGBA ``layer``: painted pixels take
    their nearest palette class, the others the ``base`` mask's label (255 without one)."""
    rgba = _as_rgba(layer)
    painted = rgba[..., 3] >= PAINTED_ALPHA
    full = np.full(painted.shape, UNLABELLED, dtype=np.uint8)
    if base is not None:
        base = np.asarray(base).astype(np.uint8)
        full = np.array(
            Image.fromarray(base).resize((painted.shape[1], painted.shape[0]), Image.NEAREST))
    full[painted] = snap_to_palette(rgba[painted], palette)
    return _block_mode(full, tuple(size))


def stroke_from_layer(layer, palette, size: Tuple[int, int]) -> Tuple[np.ndarray, int]:
    """(bool stroke at ``size``, class) of a single-class stroke painted on a layer: the
    class is the palette colour painted most."""
    rgba = _as_rgba(layer)
    painted = rgba[..., 3] >= PAINTED_ALPHA
    if not painted.any():
        raise MMLinsemError('no stroke painted: paint the class to add on the mask')
    classes = snap_to_palette(rgba[painted], palette)
    label = int(np.bincount(classes).argmax())
    mask = np.full(painted.shape, UNLABELLED, dtype=np.uint8)
    mask[painted] = classes
    small = _block_mode(mask, tuple(size))
    return small == label, label


def read_index_png(data: bytes,
                   size: Tuple[int, int],
                   num_classes: int,
                   max_bytes: int = 4 << 20) -> np.ndarray:
    """An uploaded index PNG (class per pixel) checked for type, byte size, pixel size and
    label range; any failure is one line saying what was expected."""
    import io
    if len(data) > max_bytes:
        raise MMLinsemError(f'upload too large: {len(data)} bytes, at most {max_bytes}')
    if not data.startswith(b'\x89PNG\r\n\x1a\n'):
        raise MMLinsemError('expected a PNG file of class indices (one channel or palette)')
    with reading('the PNG'):
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > 4096 * 4096:
            raise MMLinsemError(f'PNG too large: {img.width}x{img.height} pixels')
        if img.mode not in ('L', 'P', 'I', 'I;16'):
            raise MMLinsemError(f'expected a one-channel or palette index PNG, got mode '
                                f'{img.mode}')
        mask = np.array(img)
    if mask.shape != tuple(size):
        raise MMLinsemError(f'index PNG must be {size[1]}x{size[0]} (W x H), got '
                            f'{mask.shape[1]}x{mask.shape[0]}')
    bad = (mask >= num_classes) & (mask != UNLABELLED)
    if bad.any():
        raise MMLinsemError(f'index PNG labels must be in [0, {num_classes}) or 255, found '
                            f'{int(mask[bad].max())}')
    return mask.astype(np.uint8)
