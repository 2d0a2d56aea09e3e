import mmseg.evaluation  # noqa: F401  (mmseg metrics resolve from the mmlinsem scope)

from .image_quality import ms_ssim, psnr, ssim
from .paper_iou_metric import PaperIoUMetric, aggregate_iou, per_image_iou
from .segmenter_eval import evaluate_segmenter
from .uncertainty import (ensemble_label, ensemble_uncertainty, image_scores, js_divergence,
                          keep_mask)

__all__ = [
    'PaperIoUMetric', 'per_image_iou', 'aggregate_iou', 'ms_ssim', 'psnr', 'ssim',
    'evaluate_segmenter', 'ensemble_label', 'ensemble_uncertainty', 'image_scores', 'js_divergence',
    'keep_mask'
]
