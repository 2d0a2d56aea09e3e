"""Canvas <-> label mask: what the painting widget returns is read back exactly."""
import io

import numpy as np
import pytest
from PIL import Image

from mmlinsem.app import (mask_from_layer, mask_layer, palette_hex, read_index_png, snap_to_palette,
                          stroke_from_layer)
from mmlinsem.errors import MMLinsemError
from mmlinsem.visualization import default_palette

PAL = default_palette(4)


def test_palette_hex():
    assert palette_hex([[0, 0, 0], [255, 16, 1]]) == ['#000000', '#ff1001']


def test_preloaded_mask_reads_back_exactly():
    rng = np.random.default_rng(0)
    mask = rng.integers(0, 4, (16, 16)).astype(np.uint8)
    mask[0, :5] = 255  # unlabelled stays unlabelled
    layer = mask_layer(mask, PAL, scale=4)
    assert layer.shape == (64, 64, 4)
    np.testing.assert_array_equal(mask_from_layer(layer, PAL, (16, 16)), mask)


def test_antialiased_stroke_snaps_to_its_class():
    layer = np.zeros((64, 64, 4), np.uint8)
    yy, xx = np.mgrid[:64, :64]
    r = np.hypot(yy - 32, xx - 32)
    colour = np.array(PAL[2], np.int32)
    # a disc of class 2 with soft, colour-shifted edges, as a browser brush draws it
    edge = np.clip((14 - r) / 4, 0, 1)
    layer[..., :3] = np.clip(colour + (1 - edge[..., None]) * 30, 0, 255).astype(np.uint8)
    layer[..., 3] = (edge * 255).astype(np.uint8)
    base = np.ones((16, 16), np.uint8)
    out = mask_from_layer(layer, PAL, (16, 16), base=base)
    assert set(np.unique(out)) == {1, 2}
    assert out[8, 8] == 2 and out[0, 0] == 1
    painted = (out == 2).sum()
    assert 20 <= painted <= 50  # about pi * (13/4)^2 = 33 label pixels


def test_block_majority_vote():
    layer = np.zeros((8, 8, 4), np.uint8)
    layer[..., 3] = 255
    layer[:4, :4, :3] = PAL[1]
    layer[:3, :3, :3] = PAL[2]  # 9 of 16 pixels of the first block are class 2
    out = mask_from_layer(layer, PAL, (2, 2))
    assert out[0, 0] == 2 and out[1, 1] == 0


def test_stroke_from_layer_and_empty_stroke():
    layer = np.zeros((32, 32, 4), np.uint8)
    layer[8:16, 8:24, :3] = PAL[3]
    layer[8:16, 8:24, 3] = 255
    layer[20:22, 20:22, :3] = PAL[1]  # a smaller slip of another colour
    layer[20:22, 20:22, 3] = 255
    stroke, label = stroke_from_layer(layer, PAL, (8, 8))
    assert label == 3
    assert stroke.sum() == 2 * 4 and stroke[2:4, 2:6].all()
    with pytest.raises(MMLinsemError, match='no stroke painted'):
        stroke_from_layer(np.zeros((32, 32, 4), np.uint8), PAL, (8, 8))


def test_snap_to_palette():
    rgb = np.array([[1, 2, 3], [250, 10, 10]], np.uint8)
    pal = [[0, 0, 0], [255, 0, 0]]
    assert snap_to_palette(rgb, pal).tolist() == [0, 1]


def _png(array, mode=None):
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format='PNG')
    return buf.getvalue()


def test_read_index_png_checks_everything():
    mask = np.zeros((16, 16), np.uint8)
    mask[4:8, 4:8] = 3
    np.testing.assert_array_equal(read_index_png(_png(mask), (16, 16), 4), mask)
    with pytest.raises(MMLinsemError, match='must be 16x16'):
        read_index_png(_png(np.zeros((8, 16), np.uint8)), (16, 16), 4)
    bad = mask.copy()
    bad[0, 0] = 7
    with pytest.raises(MMLinsemError, match=r'labels must be in \[0, 4\) or 255, found 7'):
        read_index_png(_png(bad), (16, 16), 4)
    with pytest.raises(MMLinsemError, match='one-channel or palette'):
        read_index_png(_png(np.zeros((16, 16, 3), np.uint8)), (16, 16), 4)
    jpeg = io.BytesIO()
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(jpeg, format='JPEG')
    with pytest.raises(MMLinsemError, match='expected a PNG'):
        read_index_png(jpeg.getvalue(), (16, 16), 4)
    with pytest.raises(MMLinsemError, match='upload too large'):
        read_index_png(b'\x89PNG\r\n\x1a\n' + b'0' * 100, (16, 16), 4, max_bytes=50)
    with pytest.raises(MMLinsemError, match='cannot read the PNG'):
        read_index_png(b'\x89PNG\r\n\x1a\n' + b'garbage', (16, 16), 4)
