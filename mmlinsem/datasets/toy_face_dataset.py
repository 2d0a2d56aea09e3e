"""mmseg dataset of the procedural toy-face world (see ``tools/make_toy_dataset.py``)."""
from mmseg.datasets import BaseSegDataset

from mmlinsem.registry import DATASETS
from .toy_faces import TOY_FACE_CLASSES, TOY_FACE_PALETTE


@DATASETS.register_module()
class ToyFaceDataset(BaseSegDataset):
    """Toy faces in mmseg's standard layout.

    ``data_root/img_dir/{train,val}/NAME.png`` (RGB images) with
    ``data_root/ann_dir/{train,val}/NAME.png`` (single-channel class indices, 0 =
    background, so ``reduce_zero_label=False``). Classes: :data:`TOY_FACE_CLASSES`.

    Note: the images are stored as RGB PNGs; mmseg's ``LoadImageFromFile`` returns BGR,
    so configs convert with ``SegDataPreProcessor(bgr_to_rgb=True)``.
    """

    METAINFO = dict(classes=TOY_FACE_CLASSES, palette=TOY_FACE_PALETTE)

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
