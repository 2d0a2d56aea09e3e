"""Evaluate an extractor on synthetic samples with the paper metric, in process."""
import numpy as np
import torch

from mmlinsem.datasets import LatentSeedDataset
from mmlinsem.evaluation import PaperIoUMetric, aggregate_iou
from mmlinsem.visualization import default_palette


@torch.no_grad()
def evaluate_extractor(model,
                       num_samples: int = 1000,
                       seed: int = 20210601,
                       batch_size: int = 16) -> dict:
    """Paper mIoU / accumulated IoU of ``model.head`` against its teacher, plus
    ``per_class``: {class: paper IoU (%) or None where the class never counts}."""
    ds = LatentSeedDataset(num_samples, model.generator.noise_size, seed=seed)
    metric = PaperIoUMetric()
    metric.dataset_meta = dict(classes=model.classes, palette=default_palette(len(model.classes)))
    keep = model.keep_images
    model.keep_images = False
    try:
        for start in range(0, num_samples, batch_size):
            items = [ds[i] for i in range(start, min(start + batch_size, num_samples))]
            data = dict(
                inputs=[it['inputs'] for it in items],
                sample_idx=[it['sample_idx'] for it in items],
                sample_seed=[it['sample_seed'] for it in items])
            outs = model.val_step(data)
            metric.process(data, [o.to_dict() for o in outs])
    finally:
        model.keep_images = keep
    res = dict(metric.compute_metrics(metric.results))
    names = [c for i, c in enumerate(model.classes) if i != metric.background_index]
    per_class = aggregate_iou(np.stack([r[0] for r in metric.results]))
    res['per_class'] = {
        n: (float(v * 100) if np.isfinite(v) else None)
        for n, v in zip(names, per_class)
    }
    return res
