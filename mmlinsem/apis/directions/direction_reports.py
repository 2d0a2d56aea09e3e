"""Pictures and tables of named directions: edit grids with the head's masks, and the
Markdown table of :func:`~.direction_naming.name_directions`."""
from typing import List, Optional, Sequence

import numpy as np
import torch

from mmlinsem.models.generators import LayerSpec, move_wplus, parse_layers
from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8, put_text
from .direction_naming import render_masks, sample_wplus


@torch.no_grad()
def direction_grid(model,
                   directions: torch.Tensor,
                   labels: Sequence[str],
                   layers: LayerSpec = 'all',
                   strengths: Sequence[float] = (-3, 0, 3),
                   num_samples: int = 2,
                   seed: int = 0,
                   scale: int = 2,
                   palette=None) -> np.ndarray:
    """A picture: per direction an image row and a head-mask row (columns: samples x
    strengths), its label on the left, a class colour legend below; tiles upscaled by
    ``scale`` with nearest neighbour.

    Args:
        model (SemanticExtractor): generator + head.
        directions (Tensor): (k, d) directions.
        labels (list[str]): one label per direction (e.g. its name and locality).
        layers (str | list[int]): w+ indices the edits move.
        strengths (list[float]): the columns of each sample.
        num_samples (int): samples side by side.
        seed (int): latent seed.
        scale (int): nearest-neighbour upscale factor of the tiles.
        palette (list, optional): class colours (default :func:`default_palette`).

    Returns:
        ndarray: (H, W, 3) uint8 RGB.
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    palette = palette or default_palette(len(model.classes))
    wp = sample_wplus(g, num_samples, seed)
    rows = []
    for d in directions:
        imgs, masks = [], []
        for i in range(num_samples):
            for a in strengths:
                img, mask, _ = render_masks(model, move_wplus(wp[i:i + 1], a * d, idx))
                imgs.append(img_to_uint8(img[0]).numpy())
                masks.append(colorize(mask[0].cpu().numpy(), palette))
        rows += [imgs, masks]
    pad = 2
    tiles = grid(rows, pad=pad, scale=scale)
    tile_h = (g.image_size[0] + pad) * scale
    strip = np.full((tiles.shape[0], 150, 3), 255, np.uint8)
    for r, label in enumerate(labels):
        words = str(label).split('|')
        put_text(strip, [w.strip() for w in words], 4, r * 2 * tile_h + 18)
    body = np.concatenate([strip, tiles], 1)
    head = np.full((22, body.shape[1], 3), 255, np.uint8)
    cols = ', '.join(f'{a:g}' for a in strengths)
    put_text(head, [f'columns per sample: strength {cols}; rows: image, head mask'], 4, 15)
    per_row = max(1, body.shape[1] // 110)
    legend = np.full((22 * -(-len(model.classes) // per_row), body.shape[1], 3), 255, np.uint8)
    for c, name in enumerate(model.classes):
        x, y = 4 + (c % per_row) * 110, 4 + (c // per_row) * 22
        legend[y:y + 14, x:x + 14] = palette[c]
        put_text(legend, [name], x + 18, y + 12)
    return np.concatenate([head, body, legend], 0)


def directions_markdown(table: List[dict], classes: Optional[Sequence[str]] = None) -> str:
    """A Markdown table of :func:`name_directions` rows (area change per unit strength of
    ``classes``, default the named ones)."""
    extra = classes is not None and all('class_locality' in r for r in table)
    head = '| direction | name | locality |'
    if extra:
        head += f' locality ({", ".join(classes)}) |'
    lines = [head + ' image change / unit | area change / unit |', '|---' * (5 + extra) + '|']
    for row in table:
        show = classes or row['classes']
        areas = ', '.join(f'{c} {row["area_change"][c]:+.4f}' for c in show)
        cells = [str(row['index']), row['name'] or '-', f'{row["locality"]:.2f}']
        if extra:
            cells.append(f'{row["class_locality"]:.2f}')
        cells += [f'{row["image_change"]:.4f}', areas]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'
