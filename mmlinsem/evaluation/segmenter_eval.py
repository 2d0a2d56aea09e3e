"""Judge a trained mmseg segmenter on a labelled image folder with mmseg's own ``IoUMetric``,
keeping the per-class IoU that the metric only logs (the downstream experiment's table)."""
import copy
import os.path as osp
from typing import Optional

import numpy as np
import torch

from mmlinsem.errors import MMLinsemError


def _per_class(results, classes) -> dict:
    """Per-class IoU (%) from ``IoUMetric.results``: the sums of its areas, as mmseg
    computes them (``nan`` where a class is neither predicted nor labelled)."""
    inter = sum(r[0] for r in results).double()
    union = sum(r[1] for r in results).double()
    iou = (inter / union).numpy() * 100
    return {name: (None if np.isnan(v) else round(float(v), 2)) for name, v in zip(classes, iou)}


def evaluate_segmenter(config,
                       checkpoint: str,
                       data_root: str,
                       split: str = 'val',
                       batch_size: int = 16,
                       device: str = 'cpu',
                       max_images: Optional[int] = None,
                       keep_predictions: int = 0) -> dict:
    """Evaluate an mmseg segmenter on ``data_root/{img_dir,ann_dir}/SPLIT`` (mmseg layout,
    background a class) with ``mmseg.evaluation.IoUMetric``.

    Args:
        config (str | Config): the segmenter's mmseg config (its test dataset type,
            pipeline and classes are kept; only the folder changes).
        checkpoint (str): its weights.
        data_root (str): the labelled images.
        split (str): the sub-folder of ``img_dir`` / ``ann_dir``.
        batch_size (int): images per forward.
        device (str): 'cpu' or 'cuda[:i]'.
        max_images (int, optional): only the first images (a quick look).
        keep_predictions (int): return the predicted masks of the first images too.

    Returns:
        dict: ``mIoU``, ``aAcc``, ``mAcc`` (IoUMetric's figures, %), ``per_class``
        ({class: IoU %}), ``num_images``, ``predictions`` ((H, W) uint8 arrays of the
        first ``keep_predictions`` images, in the folder's sorted order) and their
        ``names``.
    """
    from mmengine.config import Config
    from mmengine.evaluator import Evaluator
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmseg.apis import init_model
    from mmseg.evaluation import IoUMetric

    for sub in ('img_dir', 'ann_dir'):
        if not osp.isdir(osp.join(data_root, sub, split)):
            raise MMLinsemError(f'expected labelled images in {data_root}/{sub}/{split}, '
                                'found no such folder')
    if not osp.isfile(checkpoint):
        raise MMLinsemError(f'checkpoint not found: {checkpoint}')
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    loader_cfg.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    loader_cfg.dataset = dict(
        loader_cfg.dataset,
        data_root=data_root,
        data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'))
    if max_images:
        loader_cfg.dataset['indices'] = int(max_images)
    loader = Runner.build_dataloader(loader_cfg)
    if len(loader.dataset) == 0:
        raise MMLinsemError(f'no images in {data_root}/img_dir/{split}')
    model = init_model(cfg, checkpoint, device=device)  # in eval mode
    classes = list(loader.dataset.metainfo['classes'])
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = loader.dataset.metainfo
    evaluator = Evaluator(metric)
    kept, names = [], []
    with torch.no_grad():
        for batch in loader:
            outputs = model.test_step(batch)
            for out in outputs[:max(0, keep_predictions - len(kept))]:
                kept.append(out.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8))
                names.append(osp.splitext(osp.basename(out.img_path))[0])
            evaluator.process(outputs, batch)
    per_class = _per_class(metric.results, classes)
    summary = evaluator.evaluate(len(loader.dataset))
    return dict(
        mIoU=float(summary['mIoU']),
        aAcc=float(summary['aAcc']),
        mAcc=float(summary['mAcc']),
        per_class=per_class,
        num_images=len(loader.dataset),
        predictions=kept,
        names=names)
