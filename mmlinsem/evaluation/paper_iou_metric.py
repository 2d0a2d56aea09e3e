"""The paper's mIoU (per-image IoU, background excluded) plus dataset-accumulated IoU."""
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import METRICS


def per_image_iou(pred: torch.Tensor,
                  gt: torch.Tensor,
                  num_classes: int,
                  background: Optional[int] = 0):
    """IoU per class of one image; -1 where the class is absent from both masks.

    Background pixels still count as false positives/negatives of the other classes;
    the background entry itself is dropped from the returned vector.
    Returns (iou[K'], intersection[K], union[K]).
    """
    pred, gt = pred.reshape(-1).long(), gt.reshape(-1).long()
    inter = torch.bincount(gt[pred == gt], minlength=num_classes)[:num_classes].double()
    area_p = torch.bincount(pred, minlength=num_classes)[:num_classes].double()
    area_g = torch.bincount(gt, minlength=num_classes)[:num_classes].double()
    union = area_p + area_g - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1), torch.full_like(union, -1.0))
    keep = [c for c in range(num_classes) if c != background]
    return iou[keep], inter, union


def aggregate_iou(ious: np.ndarray) -> np.ndarray:
    """Per-class mean over the images where the class counts (value > -0.1); NaN if none."""
    ious = np.asarray(ious, dtype=np.float64)
    valid = ious > -0.1
    total = np.where(valid, ious, 0).sum(0)
    count = valid.sum(0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@METRICS.register_module()
class PaperIoUMetric(BaseMetric):
    """mIoU as in Linear Semantics in GANs, plus mmseg-style accumulated IoU.

    ``mIoU``: for every image, IoU per class with the background class excluded and a
    class skipped where it is absent from both prediction and label; a class's IoU is
    the mean over the images where it counts; mIoU is the mean over classes that count
    anywhere. ``aIoU``: IoU from intersections/unions summed over the dataset (the
    background excluded too). Both in percent, with a per-class table in the log.

    Args:
        background_index (int | None): class left out of the mean (None: keep all).
        ignore_index (int): label value ignored in both masks.
        output_dir (str, optional): also write per-class results there as CSV
            (``per_class_iou.csv``; ``per_class_iou_{prefix}.csv`` with a prefix).
        pred_key (str): the prediction field of the samples: ``pred_sem_seg``, or
            ``pred_sem_seg_{name}`` for a further head of a ``JointExtractor``.
    """
    default_prefix = None

    def __init__(self,
                 background_index: Optional[int] = 0,
                 ignore_index: int = 255,
                 output_dir: Optional[str] = None,
                 pred_key: str = 'pred_sem_seg',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 **kwargs):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.background_index = background_index
        self.ignore_index = ignore_index
        self.output_dir = output_dir
        self.pred_key = pred_key

    def _num_classes(self) -> int:
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise MMLinsemError('PaperIoUMetric needs dataset_meta["classes"]: give the '
                                'dataset metainfo=dict(classes=[...])')
        return len(classes)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        k = self._num_classes()
        for sample in data_samples:
            if self.pred_key not in sample:
                raise MMLinsemError(f'the samples have no {self.pred_key!r} prediction '
                                    f'(fields: {", ".join(sorted(sample))})')
            pred = sample[self.pred_key]['data'].squeeze().cpu()
            gt = sample['gt_sem_seg']['data'].squeeze().cpu().to(pred)
            if pred.shape != gt.shape:
                raise MMLinsemError(f'prediction {tuple(pred.shape)} and label '
                                    f'{tuple(gt.shape)} differ in size')
            valid = gt != self.ignore_index
            pred, gt = pred[valid], gt[valid]
            if (gt >= k).any() or (pred >= k).any():
                raise MMLinsemError(f'labels must be < num_classes={k}, found '
                                    f'{int(max(gt.max(), pred.max()))}')
            iou, inter, union = per_image_iou(pred, gt, k, self.background_index)
            self.results.append((iou.numpy(), inter.numpy(), union.numpy()))

    def compute_metrics(self, results: List) -> dict:
        classes = list(self.dataset_meta['classes'])
        keep = [i for i in range(len(classes)) if i != self.background_index]
        ious = np.stack([r[0] for r in results])
        per_class = aggregate_iou(ious)
        inter = np.sum([r[1] for r in results], 0)[keep]
        union = np.sum([r[2] for r in results], 0)[keep]
        acc_iou = np.where(union > 0, inter / np.maximum(union, 1), np.nan)
        metrics = OrderedDict(
            mIoU=float(np.nanmean(per_class) * 100) if np.isfinite(per_class).any() else 0.0,
            aIoU=float(np.nanmean(acc_iou) * 100) if np.isfinite(acc_iou).any() else 0.0,
            num_images=len(results))
        table = PrettyTable(['class', 'IoU (paper)', 'IoU (accum.)', 'images'])
        counts = (ious > -0.1).sum(0)
        for j, c in enumerate(keep):
            table.add_row([classes[c], _fmt(per_class[j]), _fmt(acc_iou[j]), int(counts[j])])
        logger: MMLogger = MMLogger.get_current_instance()
        title = f'per-class results ({self.prefix})' if self.prefix else 'per-class results'
        print_log(title + ':\n' + table.get_string(), logger=logger)
        if self.output_dir:
            import csv
            import os
            os.makedirs(self.output_dir, exist_ok=True)
            name = f'per_class_iou_{self.prefix}.csv' if self.prefix else 'per_class_iou.csv'
            with open(osp.join(self.output_dir, name), 'w', newline='') as f:
                w = csv.writer(f)
                w.writerow(['class', 'iou_paper', 'iou_accumulated', 'images'])
                for j, c in enumerate(keep):
                    w.writerow([classes[c], per_class[j], acc_iou[j], int(counts[j])])
        return metrics


def _fmt(v: float) -> str:
    return '-' if not np.isfinite(v) else f'{100 * v:.2f}'
