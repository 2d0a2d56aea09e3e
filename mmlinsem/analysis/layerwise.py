"""Layer-wise semantics: each layer's own LSE segmentation and its mIoU (paper Fig. 10)."""
import numpy as np
import torch

from mmlinsem.evaluation import aggregate_iou, per_image_iou
from mmlinsem.utils.seeding import latent_for


@torch.no_grad()
def layerwise_predictions(model, z: torch.Tensor):
    """Images, teacher labels, per-layer argmax masks (L, N, H, W) and the final mask."""
    head = model.head_module
    img, feats, labels = model.generate(z)
    size = tuple(labels.shape[-2:])
    layers = head.layer_logits(feats, size)  # raises for heads without per-layer logits
    per_layer = torch.stack([logit.argmax(1) for logit in layers])
    return img, labels, per_layer, head(feats, size=size).argmax(1)


@torch.no_grad()
def layerwise_miou(model,
                   num_samples: int = 500,
                   seed: int = 20210601,
                   batch_size: int = 16) -> dict:
    """Paper mIoU of every layer's own segmentation and of the fused one."""
    k = model.head_module.num_classes
    layer_ious, final_ious = None, []
    for start in range(0, num_samples, batch_size):
        idx = range(start, min(start + batch_size, num_samples))
        z = torch.stack([latent_for(seed, i, (model.generator.noise_size, )) for i in idx])
        _, labels, per_layer, final = layerwise_predictions(model, z)
        if layer_ious is None:
            layer_ious = [[] for _ in range(len(per_layer))]
        for j in range(len(idx)):
            gt = labels[j].cpu()
            final_ious.append(per_image_iou(final[j].cpu(), gt, k)[0].numpy())
            for li, masks in enumerate(per_layer):
                layer_ious[li].append(per_image_iou(masks[j].cpu(), gt, k)[0].numpy())

    def miou(ious):
        per_class = aggregate_iou(np.stack(ious))
        return float(np.nanmean(per_class) * 100) if np.isfinite(per_class).any() else 0.0

    return dict(
        layers=[miou(v) for v in layer_ious], final=miou(final_ious), num_samples=num_samples)
