from .base_teacher import BaseTeacher
from .encoding_teacher import EncodingTeacher
from .face_parser_teacher import FaceParserTeacher
from .face_parser_unet import FaceParserUNet
from .label_maps import IdentityLabelMap, MergeLabelMap, SelectLabelMap
from .segmentor_teacher import SegmentorTeacher

__all__ = [
    'BaseTeacher', 'SegmentorTeacher', 'EncodingTeacher', 'FaceParserTeacher', 'FaceParserUNet',
    'IdentityLabelMap', 'SelectLabelMap', 'MergeLabelMap'
]
