"""Write image | teacher | prediction | error pictures of the first evaluated samples."""
import os.path as osp
from typing import Optional

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmlinsem.registry import HOOKS
from mmlinsem.utils import write_png
from mmlinsem.visualization import auto_scale, colorize, default_palette, error_map, labelled_grid


@HOOKS.register_module()
class OverlayHook(Hook):
    """Save a grid per evaluation: rows are samples; columns the image, the teacher's mask,
    the prediction (plain class colours, not blended into the image) and an error map (red
    where prediction and teacher disagree), with column headers and a class legend.

    Files go to ``{work_dir}/{out_dir}/{val|test}_iter{N}.png`` (or ``show_dir``).

    Args:
        num_samples (int): rows of the grid.
        scale (int, optional): nearest-neighbour zoom; default: enough to show each image
            at about 256 px (4x for 64-px images).
        out_dir (str): sub-folder of the work dir for the grids.
        show_dir (str, optional): explicit output folder (``tools/test.py --show-dir``).

    Colors come from ``runner.visualizer.dataset_meta['palette']`` (set by
    ``SyncMetaHook`` / the evaluation loop), else :func:`~mmlinsem.visualization.default_palette`.
    """
    priority = 'LOW'

    def __init__(self,
                 num_samples: int = 8,
                 scale: Optional[int] = None,
                 out_dir: str = 'vis',
                 show_dir: Optional[str] = None):
        self.num_samples = num_samples
        self.scale = scale
        self.out_dir = out_dir
        self.show_dir = show_dir
        self._rows = []

    def _collect(self, runner, outputs):
        for ds in outputs:
            if len(self._rows) >= self.num_samples or 'gen_img' not in ds:
                return
            img = ds.gen_img.numpy() if hasattr(ds.gen_img, 'numpy') else np.asarray(ds.gen_img)
            pred = ds.pred_sem_seg.data.squeeze(0).cpu().numpy()
            gt = ds.gt_sem_seg.data.squeeze(0).cpu().numpy() if 'gt_sem_seg' in ds else None
            self._rows.append((img, gt, pred))

    def _flush(self, runner, tag):
        if not self._rows or not is_main_process():  # rank 0 draws its own shard
            self._rows = []
            return
        meta = runner.visualizer.dataset_meta or {}  # set by SyncMetaHook / the eval loop
        palette = meta.get('palette')
        if palette is None:
            palette = default_palette(256)
        classes = meta.get('classes') or [str(i) for i in range(len(palette))]
        rows = []
        for img, gt, pred in self._rows:
            row = [img]
            if gt is not None:
                row.append(colorize(gt, palette))
            row.append(colorize(pred, palette))
            if gt is not None:
                row.append(error_map(img, pred, gt))
            rows.append(row)
        headers = ['image', 'teacher', 'prediction', 'errors'] if self._rows[0][1] is not None \
            else ['image', 'prediction']
        scale = self.scale or auto_scale(self._rows[0][0].shape[0])
        folder = self.show_dir or osp.join(runner.work_dir, self.out_dir)
        picture = labelled_grid(rows, headers, classes, palette, scale=scale)
        write_png(osp.join(folder, f'{tag}_iter{runner.iter}.png'), picture)
        self._rows = []

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._collect(runner, outputs or [])

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._collect(runner, outputs or [])

    def after_val_epoch(self, runner, metrics=None):
        self._flush(runner, 'val')

    def after_test_epoch(self, runner, metrics=None):
        self._flush(runner, 'test')
