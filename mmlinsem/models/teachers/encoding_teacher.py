"""Adapter for the original scene teacher from pytorch-encoding (torch-encoding)."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmlinsem.data import ade20k_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from .label_maps import build_label_map

WHY_UNAVAILABLE = (
    'torch-encoding 1.2.1 (the only release) JIT-compiles C++ at import and that build fails '
    'on torch >= 2.x ("cannot convert at::DeprecatedTypeProperties to c10::ScalarType" in '
    'roi_align_cpu.cpp / rectify_cpu.cpp); use SegmentorTeacher with the mmseg ADE20K '
    'ResNeSt DeepLabV3 checkpoint instead (configs/_base_/teachers/)')


@MODELS.register_module()
class EncodingTeacher(nn.Module):
    """``encoding.models.get_model(name, pretrained=True)`` as a frozen labeller.

    Input normalisation follows the original: ImageNet mean/std on [0, 1] images at the
    native resolution; logits are mapped like ``SegmentorTeacher``.
    """

    def __init__(self, model_name: str = 'DeepLab_ResNeSt200_ADE',
                 label_map: Optional[dict] = None,
                 classes: Optional[Sequence[str]] = None):
        super().__init__()
        try:
            import encoding  # noqa: F401
        except Exception as err:  # noqa: BLE001 - any import/compile failure
            raise MMLinsemError(f'EncodingTeacher unavailable: {WHY_UNAVAILABLE} '
                                f'(import error: {type(err).__name__})') from None
        net = encoding.models.get_model(model_name, pretrained=True)
        net.aux = False
        self.net = net.eval().requires_grad_(False)
        source = list(classes or ade20k_classes())
        self.label_map = build_label_map(label_map, source)
        self.classes = list(self.label_map.classes)
        self.register_buffer('mean', torch.tensor([.485, .456, .406]).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor([.229, .224, .225]).view(1, 3, 1, 1),
                             persistent=False)

    @property
    def num_classes(self):
        return len(self.classes)

    def train(self, mode=True):
        self.training = mode  # the network stays in eval mode
        return self

    def raw_logits(self, images):
        x = ((images.float() + 1) / 2 - self.mean) / self.std
        out = self.net(x)
        out = out[0] if isinstance(out, (tuple, list)) else out
        if out.shape[-2:] != images.shape[-2:]:
            out = F.interpolate(out, images.shape[-2:], mode='bilinear', align_corners=True)
        return out

    def logits(self, images):
        return self.label_map.logits(self.raw_logits(images))

    @torch.no_grad()
    def forward(self, images):
        return self.logits(images).argmax(1)
