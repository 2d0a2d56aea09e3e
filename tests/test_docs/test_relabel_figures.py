"""The maintainer script that gives the shipped grid pictures headers, a legend and the
project palette."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmlinsem.datasets import TOY_FACE_PALETTE
from mmlinsem.visualization import default_palette, grid, legend
from conftest import ROOT


def _load():
    spec = importlib.util.spec_from_file_location(
        'relabel_figures', osp.join(ROOT, '.dev_scripts', 'relabel_figures.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rf = _load()


def _bare_grid(mask_palette):
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(2):
        photo = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
        mask = np.asarray(mask_palette, np.uint8)[rng.integers(0, 8, (64, 64))]
        rows.append([photo, mask])
    return grid(rows, pad=2, scale=3)


def test_a_bare_grid_gets_headers_legend_and_the_project_palette():
    image = _bare_grid(TOY_FACE_PALETTE)
    out = rf.relabel(image, ('image', 'mask'), (1, ), TOY_FACE_PALETTE)
    key = legend(rf.TOY_FACE_CLASSES, rf.PROJECT, image.shape[1]).shape[0]
    assert out.shape[0] == image.shape[0] + rf.HEAD + key and out.shape[1] == image.shape[1]
    assert (out[:rf.HEAD] < 255).any()  # header text drawn
    top = rf.HEAD + rf.PAD
    photo = out[top:top + rf.TILE, rf.PAD:rf.PAD + rf.TILE]
    assert np.array_equal(photo, image[rf.PAD:rf.PAD + rf.TILE, rf.PAD:rf.PAD + rf.TILE])
    x = 2 * rf.PAD + rf.TILE
    mask_in = image[rf.PAD:rf.PAD + rf.TILE, x:x + rf.TILE].reshape(-1, 3)
    mask_out = out[top:top + rf.TILE, x:x + rf.TILE].reshape(-1, 3)
    old, new = np.asarray(TOY_FACE_PALETTE), np.asarray(default_palette(8))
    for i in range(8):
        where = np.all(mask_in == old[i], axis=1)
        assert where.any() and np.all(mask_out[where] == new[i])
    # a second pass leaves the relabelled picture as it is
    assert np.array_equal(rf.relabel(out, ('image', 'mask'), (1, ), TOY_FACE_PALETTE), out)


def test_a_colour_outside_the_palettes_is_refused():
    image = _bare_grid(TOY_FACE_PALETTE)
    image[10, 2 * rf.PAD + rf.TILE + 10] = (1, 2, 3)
    with pytest.raises(SystemExit, match='expected mask colours of the palette, found'):
        rf.relabel(image, ('image', 'mask'), (1, ), TOY_FACE_PALETTE)


def test_a_picture_that_is_no_grid_is_refused():
    with pytest.raises(SystemExit, match='expected a grid'):
        rf.relabel(np.zeros((100, 100, 3), np.uint8), ('a', 'b'), (1, ), TOY_FACE_PALETTE)


def test_the_shipped_pictures_are_relabelled():
    for rel, (headers, masks, old) in rf.FIGURES.items():
        image = np.array(Image.open(osp.join(ROOT, 'docs', 'en', '_static', rel)).convert('RGB'))
        assert np.array_equal(rf.relabel(image, headers, masks, old), image), rel
