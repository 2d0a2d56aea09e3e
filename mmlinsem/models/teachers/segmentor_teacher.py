"""A frozen mmseg segmentor used as the labeller of generated images."""
from typing import Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint

from mmlinsem.data import named_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from mmlinsem.utils.checkpoint_io import expecting
from mmlinsem.utils.paths import resolve_path
from .base_teacher import BaseTeacher


def _segmentor_cfg(segmentor: Union[dict, str]) -> dict:
    if isinstance(segmentor, str):
        if segmentor.startswith('mmseg::'):
            from mmengine.hub import get_config
            cfg = get_config(segmentor)
        else:
            try:
                cfg = Config.fromfile(resolve_path(segmentor))
            except FileNotFoundError:
                raise MMLinsemError(f'teacher config not found: {segmentor}') from None
        segmentor = cfg.model
    cfg = dict(segmentor)
    cfg.pop('pretrained', None)
    if isinstance(cfg.get('backbone'), dict):  # never fetch ImageNet weights for a teacher
        cfg['backbone'] = dict(cfg['backbone'], init_cfg=None)
    for key in ('decode_head', 'auxiliary_head'):
        if cfg.get(key) is not None:
            cfg[key] = _quiet_losses(cfg[key])
    return cfg


def _quiet_losses(head):
    """The teacher is frozen and never computes a loss, but mmseg builds its heads' losses
    and warns for each default ``CrossEntropyLoss`` (``avg_non_ignore=False``). Ask for
    ``avg_non_ignore=True`` (torch's mean) where the config does not say: no weights change."""
    if isinstance(head, (list, tuple)):
        return [_quiet_losses(h) for h in head]
    head = dict(head)
    loss = head.get('loss_decode',
                    dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
    losses = loss if isinstance(loss, (list, tuple)) else [loss]
    losses = [
        dict(ls, avg_non_ignore=ls.get('avg_non_ignore', True))
        if str(ls.get('type', '')).split('.')[-1] == 'CrossEntropyLoss' else ls for ls in losses
    ]
    head['loss_decode'] = losses if isinstance(loss, (list, tuple)) else losses[0]
    return head


@MODELS.register_module()
class SegmentorTeacher(BaseTeacher):
    """Label generator outputs with any mmseg segmentor.

    Args:
        segmentor (dict | str): mmseg model config, or a config file / ``mmseg::`` name
            whose ``model`` is used. Built in the ``mmseg`` scope.
        checkpoint (str, optional): path or URL of its weights.
        classes (list[str] | str, optional): the teacher's class names, or a named list
            ('ade20k', 'celebamask_hq_19'); default: the checkpoint's ``dataset_meta`` if
            any, else ``class0..``.
        label_map (dict, optional): ``SelectLabelMap`` / ``MergeLabelMap`` config.
        mean, std: the teacher's normalisation, in 0..255 RGB (default: its
            ``data_preprocessor``'s, else ImageNet's).
        input_size (int | tuple, optional): the size of the image the segmentor sees:
            a generator image of another size is resized to it (bilinear,
            ``align_corners=True``) before labelling; default: the image's own size.
        output_size (int | tuple, optional): the size of the returned logits and labels
            (default: the generator image's size). The paper labels and evaluates faces
            at 512 px: ``input_size=512, output_size=512`` on a 1024-px generator.
    """

    def __init__(self,
                 segmentor: Union[dict, str],
                 checkpoint: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 label_map: Optional[dict] = None,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 input_size=None,
                 output_size=None):
        super().__init__()
        cfg = _segmentor_cfg(segmentor)
        pre = cfg.pop('data_preprocessor', None) or {}
        mean = mean if mean is not None else pre.get('mean', (123.675, 116.28, 103.53))
        std = std if std is not None else pre.get('std', (58.395, 57.12, 57.375))
        cfg.setdefault('_scope_', 'mmseg')
        from mmseg.registry import MODELS as MMSEG_MODELS
        with DefaultScope.overwrite_default_scope(cfg.pop('_scope_')):
            self.segmentor = MMSEG_MODELS.build(cfg)
        meta = {}
        if checkpoint:
            checkpoint = resolve_path(checkpoint)
            try:
                with expecting('a teacher checkpoint (mmseg segmentor weights, keys '
                               'backbone.*, decode_head.*)'):
                    ckpt = load_checkpoint(
                        self.segmentor,
                        checkpoint,
                        map_location='cpu',
                        strict=True,
                        logger='silent')
            except FileNotFoundError:
                raise MMLinsemError(f'teacher checkpoint not found: {checkpoint}') from None
            except RuntimeError as err:
                first = str(err).strip().splitlines()
                raise MMLinsemError(f'teacher checkpoint {checkpoint} does not fit the teacher '
                                    f'config: {first[1] if len(first) > 1 else first[0]}') \
                    from None
            meta = (ckpt.get('meta') or {}).get('dataset_meta') or {}
            print_log(f'teacher weights loaded from {checkpoint}', logger='current')
        self.segmentor.requires_grad_(False)
        self.segmentor.eval()
        n = self.segmentor.decode_head.out_channels
        if isinstance(classes, str):
            classes = named_classes(classes)
        source = list(classes or meta.get('classes') or [f'class{i}' for i in range(n)])
        if len(source) != n:
            raise MMLinsemError(f'teacher has {n} output classes but {len(source)} class '
                                'names were given')
        self.setup(source, label_map, mean, std)
        self.set_sizes(input_size, output_size)

    def raw_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Teacher logits over its own classes at the output size (differentiable)."""
        x = self.to_input_size(((images.float() + 1) * 127.5 - self.mean) / self.std)
        shape = tuple(x.shape[-2:])
        metas = [dict(img_shape=shape, ori_shape=shape, pad_shape=shape)] * x.shape[0]
        return self.to_label_size(self.segmentor.encode_decode(x, metas), images)
