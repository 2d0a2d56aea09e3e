"""Issue 13.4: readable overlays — zoomed, plain class colours, error map, legend."""
from types import SimpleNamespace

import cv2
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlinsem.engine import OverlayHook
from mmlinsem.visualization import auto_scale, error_map, legend

PALETTE = [[0, 0, 0], [250, 10, 10], [10, 250, 10]]
CLASSES = ['background', 'skin', 'hair']


def _sample(img, gt, pred):
    ds = SegDataSample()
    ds.set_field(torch.from_numpy(img), 'gen_img')
    ds.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    ds.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
    return ds


def test_error_map_marks_exactly_the_disagreements():
    img = np.full((4, 4, 3), 100, np.uint8)
    gt = np.zeros((4, 4), np.int64)
    pred = gt.copy()
    pred[1, 2] = 1
    out = error_map(img, pred, gt)
    red = (out == (255, 0, 0)).all(-1)
    assert red.sum() == 1 and red[1, 2]
    assert auto_scale(64) == 4 and auto_scale(256) == 1 and auto_scale(16) == 16


def test_legend_has_one_swatch_per_class():
    strip = legend(CLASSES, PALETTE, width=300)
    assert strip.shape[1] == 300
    for color in PALETTE[1:]:
        assert (strip == color).all(-1).sum() > 20  # a filled swatch in that colour


def test_hook_writes_a_zoomed_picture_with_plain_mask_colours(tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)
    gt = np.zeros((16, 16), np.int64)
    gt[:8] = 1
    pred = gt.copy()
    pred[:, :4] = 2
    hook = OverlayHook(num_samples=2, show_dir=str(tmp_path))
    runner = SimpleNamespace(
        visualizer=SimpleNamespace(dataset_meta=dict(classes=CLASSES, palette=PALETTE)),
        work_dir=str(tmp_path),
        iter=7)
    hook.after_test_iter(runner, 0, outputs=[_sample(img, gt, pred), _sample(img, gt, pred)])
    hook.after_test_epoch(runner)
    pic = cv2.cvtColor(cv2.imread(str(tmp_path / 'test_iter7.png')), cv2.COLOR_BGR2RGB)
    scale = auto_scale(16)
    tile = 16 * scale
    assert pic.shape[1] >= 4 * tile  # image | teacher | prediction | errors, zoomed
    assert pic.shape[0] >= 2 * tile
    # the teacher column shows the palette colours themselves (not blended into the image)
    assert (pic == PALETTE[1]).all(-1).sum() >= 8 * 16 * scale * scale
    # the error column marks the 4 x 8 disagreeing pixels in red, zoomed
    assert (pic == (255, 0, 0)).all(-1).sum() >= 4 * 8 * scale * scale
