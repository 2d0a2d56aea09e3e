from .paper_iou_metric import PaperIoUMetric, aggregate_iou, per_image_iou

__all__ = ['PaperIoUMetric', 'per_image_iou', 'aggregate_iou']
