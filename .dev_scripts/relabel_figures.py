"""Give the shipped grid pictures column headers, a class legend and the project palette.

    .venv/bin/python .dev_scripts/relabel_figures.py [--root DIR] [--check]

The pictures named in ``FIGURES`` are grids of 64 px tiles zoomed ×3 with a 6 px white
gutter, as ``mmlinsem.visualization.grid`` / ``labelled_grid`` draw them. Their data is the
tiles themselves: each tile is cut out of the shipped PNG unchanged, the mask tiles are
recoloured colour for colour from the palette they were drawn with to the project palette
(``default_palette``; a colour outside the old palette stops the script), and the grid is
drawn again by ``labelled_grid`` with human-readable headers and the legend. Nothing is
recomputed, so every pixel of every image tile is kept. Running it again on a picture it
already relabelled leaves it as it is. ``--check`` writes nothing and exits 1 when a
picture would change.
"""
import argparse
import os.path as osp
import sys

import numpy as np
from PIL import Image

from mmlinsem.datasets import TOY_FACE_CLASSES, TOY_FACE_PALETTE
from mmlinsem.utils import write_png
from mmlinsem.visualization import default_palette, labelled_grid, legend

TILE, PAD, HEAD = 192, 6, 20
PROJECT = default_palette(len(TOY_FACE_CLASSES))
SIE_HEADERS = ('original', 'mask', 'target', 'edited', 'new mask', 'colour baseline')
SIE_MASKS = (1, 2, 4)
DOWNSTREAM_HEADERS = ('image', 'truth', 'synthetic, filter', 'synthetic, no filter', '8 generated',
                      '8 rendered', 'teacher')
DOWNSTREAM_MASKS = (1, 2, 3, 4, 5, 6)

# path under docs/en/_static/ -> (headers, mask columns, palette the masks were drawn with)
FIGURES = {
    'control/sie_hair.png': (SIE_HEADERS, SIE_MASKS, PROJECT),
    'control/sie_hair_converged.png': (SIE_HEADERS, SIE_MASKS, PROJECT),
    'downstream/predictions.png': (DOWNSTREAM_HEADERS, DOWNSTREAM_MASKS, TOY_FACE_PALETTE),
    'downstream/run1/predictions.png': (DOWNSTREAM_HEADERS, DOWNSTREAM_MASKS, TOY_FACE_PALETTE),
}


def grid_geometry(image, ncol):
    """(rows, top) of a grid picture: bare (``grid``) or with headers and a legend."""
    height, width = image.shape[:2]
    if width != ncol * (TILE + PAD) + PAD:
        raise SystemExit(f'error: expected a grid {ncol * (TILE + PAD) + PAD} px wide '
                         f'({ncol} tiles of {TILE} px), found {width} px')
    if (height - PAD) % (TILE + PAD) == 0:
        return (height - PAD) // (TILE + PAD), 0
    labelled = height - HEAD - PAD - legend(TOY_FACE_CLASSES, PROJECT, width).shape[0]
    if labelled > 0 and labelled % (TILE + PAD) == 0:
        return labelled // (TILE + PAD), HEAD
    raise SystemExit(f'error: expected a grid of {TILE} px tiles, found a height of {height} px')


def recolour(tile, old, new):
    """Map every colour of ``tile`` from palette ``old`` (or already ``new``) to ``new``."""
    flat = tile.reshape(-1, 3)
    out = np.empty_like(flat)
    done = np.zeros(len(flat), bool)
    for pal in (new, old):
        for idx, colour in enumerate(pal):
            hit = ~done & np.all(flat == np.asarray(colour, np.uint8), axis=1)
            out[hit] = new[idx]
            done |= hit
    if not done.all():
        bad = flat[~done][0].tolist()
        raise SystemExit(f'error: expected mask colours of the palette, found {bad}')
    return out.reshape(tile.shape)


def relabel(image, headers, masks, old):
    rows, top = grid_geometry(image, len(headers))
    tiles = []
    for r in range(rows):
        y = top + PAD + r * (TILE + PAD)
        row = []
        for c in range(len(headers)):
            x = PAD + c * (TILE + PAD)
            tile = image[y:y + TILE, x:x + TILE].copy()
            row.append(recolour(tile, old, PROJECT) if c in masks else tile)
        tiles.append(row)
    return labelled_grid(tiles, headers, TOY_FACE_CLASSES, PROJECT, scale=1, pad=PAD)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default=osp.join(osp.dirname(__file__), '..'))
    parser.add_argument('--check', action='store_true', help='write nothing; exit 1 on a change')
    args = parser.parse_args()
    changed = []
    for rel, (headers, masks, old) in FIGURES.items():
        path = osp.join(args.root, 'docs', 'en', '_static', rel)
        image = np.array(Image.open(path).convert('RGB'))
        out = relabel(image, headers, masks, old)
        same = out.shape == image.shape and np.array_equal(out, image)
        if not same:
            changed.append(rel)
            if not args.check:
                write_png(path, out)
        print(f'{rel}: {"unchanged" if same else "relabelled"} ({out.shape[1]}x{out.shape[0]})')
    return 1 if args.check and changed else 0


if __name__ == '__main__':
    sys.exit(main())
