from .base_teacher import BaseTeacher
from .encoding_teacher import EncodingTeacher
from .label_maps import IdentityLabelMap, MergeLabelMap, SelectLabelMap
from .segmentor_teacher import SegmentorTeacher

__all__ = [
    'BaseTeacher', 'SegmentorTeacher', 'EncodingTeacher', 'IdentityLabelMap', 'SelectLabelMap',
    'MergeLabelMap'
]
