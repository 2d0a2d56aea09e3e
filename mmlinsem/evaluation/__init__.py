import mmseg.evaluation  # noqa: F401  (mmseg metrics resolve from the mmlinsem scope)

from .paper_iou_metric import PaperIoUMetric, aggregate_iou, per_image_iou

__all__ = ['PaperIoUMetric', 'per_image_iou', 'aggregate_iou']
