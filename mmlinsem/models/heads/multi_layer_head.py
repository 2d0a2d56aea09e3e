"""Base class of the semantic extractor heads: an mmseg decode head over many layers."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy

from mmlinsem.errors import MMLinsemError
from .. import arch_state
from ..utils import largest_size, sample_points, upsample


class MultiLayerHead(BaseDecodeHead):
    """``BaseDecodeHead`` taking one feature map per layer (``multiple_select``).

    The interface every head shares:

    * ``forward(inputs, size=None, points=None)`` returns the class logits, a tensor:
      (N, K, H, W) at ``size`` (default: the largest input's size), or, with
      ``points=(rows, cols)`` ((N, P) pixel indices of a ``size`` map), the (N, K, P)
      logits at those pixels only.
    * ``layer_logits(inputs, size=None, points=None)`` returns the per-layer logits, a list
      of tensors (native resolution when ``size`` is None), for the auxiliary losses and
      the layer-wise analysis; heads without per-layer outputs (``has_layer_logits =
      False``) raise :class:`MMLinsemError`.

    Logits are built at the output size directly (each resolution group upsampled straight
    to it, as the original LinearGAN does), never at the largest feature size first and
    then resized. Subclasses implement ``_logits(xs, size)`` and may override
    ``_point_logits`` / ``_layer_maps``; ``xs`` are the selected, checked inputs.
    Training goes through the module call (``forward``), so DDP wrapping works.
    ``conv_seg``/dropout of the base class are removed so every parameter is used (DDP
    without ``find_unused_parameters``).

    Args:
        in_channels (list[int]): channels of each selected input, one entry per layer.
        num_classes (int): number of classes (background included).
        in_index (list[int], optional): which inputs to use (default: all, in order).
        aux_loss_weight (float): weight of the per-layer auxiliary cross-entropy (0 = off).
        align_corners (bool): corner alignment of the final resize in
            :meth:`loss_by_labels` when it is given logits that are not at the label size
            (the heads themselves always resample with ``align_corners=True``).
        **kwargs: further :class:`BaseDecodeHead` arguments (``loss_decode``,
            ``ignore_index``, ...); ``channels``, ``input_transform``, ``dropout_ratio``
            and ``init_cfg`` are fixed here and ignored.
    """

    has_layer_logits = False

    def __init__(self,
                 in_channels: Sequence[int],
                 num_classes: int,
                 in_index: Optional[List[int]] = None,
                 aux_loss_weight: float = 0.0,
                 align_corners: bool = True,
                 **kwargs):
        if isinstance(in_channels, int) or not len(in_channels):
            raise MMLinsemError(f'{type(self).__name__}: in_channels must be a non-empty '
                                f'list (one per layer), got {in_channels!r}')
        in_channels = [int(c) for c in in_channels]
        in_index = list(range(len(in_channels))) if in_index is None else list(in_index)
        if len(in_index) != len(in_channels):
            raise MMLinsemError(f'{type(self).__name__}: {len(in_channels)} in_channels but '
                                f'{len(in_index)} in_index entries')
        for key in ('channels', 'input_transform', 'dropout_ratio', 'init_cfg'):
            kwargs.pop(key, None)
        # Mean over non-ignored pixels, as torch's cross_entropy (mmseg warns otherwise).
        kwargs.setdefault(
            'loss_decode',
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True))
        super().__init__(
            in_channels=in_channels,
            channels=1,
            num_classes=num_classes,
            in_index=in_index,
            input_transform='multiple_select',
            dropout_ratio=0.0,
            align_corners=align_corners,
            init_cfg=None,
            **kwargs)
        del self.conv_seg
        self.aux_loss_weight = float(aux_loss_weight)

    # -------------------------------------------------------------- checkpoint
    def _arch(self) -> dict:
        return dict(
            type=type(self).__name__,
            in_channels=list(self.in_channels),
            num_classes=int(self.num_classes))

    def get_extra_state(self):
        return arch_state.encode(self._arch())

    def set_extra_state(self, state):
        mine, state = self._arch(), arch_state.decode(state)
        for key in ('type', 'num_classes', 'in_channels'):
            if key in state and state[key] != mine[key]:
                raise MMLinsemError(f'checkpoint holds a {state.get("type")} head with {key}='
                                    f'{state[key]} but the config builds {mine["type"]} with {key}='
                                    f'{mine[key]}; use the config the checkpoint was trained with')

    # ------------------------------------------------------------------ losses
    def _transform_inputs(self, inputs):
        need = max(self.in_index) + 1
        if len(inputs) < need:
            raise MMLinsemError(f'{type(self).__name__} expects {need} feature maps '
                                f'(in_index={self.in_index}), got {len(inputs)}')
        return super()._transform_inputs(inputs)

    def _check_inputs(self, xs):
        if len(xs) != len(self.in_channels):
            raise MMLinsemError(f'{type(self).__name__} expects {len(self.in_channels)} '
                                f'feature maps, got {len(xs)}')
        for i, (x, c) in enumerate(zip(xs, self.in_channels)):
            if x.shape[1] != c:
                raise MMLinsemError(f'{type(self).__name__}: input {i} has {x.shape[1]} '
                                    f'channels, expected {c}')

    def _inputs(self, inputs) -> List[torch.Tensor]:
        xs = self._transform_inputs(inputs)
        self._check_inputs(xs)
        return xs

    # ---------------------------------------------------------------- logits
    def forward(self,
                inputs: Sequence[torch.Tensor],
                size: Optional[Sequence[int]] = None,
                points: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        """Class logits.

        Args:
            inputs (list[Tensor]): the generator's feature maps (N, C_l, h_l, w_l).
            size (tuple[int], optional): output (H, W): the label size at train/test, the
                image size without labels. Default: the largest input's size.
            points (tuple[Tensor, Tensor], optional): (rows, cols), each (N, P), pixels of
                the ``size`` output to compute instead of the whole map.

        Returns:
            Tensor: (N, K, H, W) logits, or (N, K, P) with ``points``.
        """
        xs = self._inputs(inputs)
        size = self._output_size(xs, size, points)
        if points is None:
            return self._logits(xs, size)
        return self._point_logits(xs, points[0], points[1], size)

    def layer_logits(
            self,
            inputs: Sequence[torch.Tensor],
            size: Optional[Sequence[int]] = None,
            points: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> List[torch.Tensor]:
        """Each layer's own logits (before layer weighting).

        Args:
            inputs (list[Tensor]): the generator's feature maps.
            size (tuple[int], optional): resize every layer's logits to this (H, W);
                default: each at its layer's native resolution.
            points (tuple[Tensor, Tensor], optional): (rows, cols), each (N, P): read
                every layer's logits at these pixels of a ``size`` map (``size`` needed).

        Returns:
            list[Tensor]: per layer (N, K, h, w), or (N, K, P) with ``points``.
        """
        if not self.has_layer_logits:
            raise MMLinsemError(f'{type(self).__name__} has no per-layer outputs; use an LSE '
                                'or NSE-1 head (trained with aux_loss_weight=0.1 for '
                                'layer-wise semantics)')
        if points is not None and size is None:
            raise MMLinsemError('layer_logits: points need the size of the map they index')
        xs = self._inputs(inputs)
        if points is not None:
            return [sample_points(x, points[0], points[1], size) for x in self._layer_maps(xs)]
        layers = self._layer_maps(xs, size)
        return layers if size is None else [upsample(x, size) for x in layers]

    @staticmethod
    def _output_size(xs, size, points) -> Tuple[int, int]:
        if size is None:
            if points is not None:
                raise MMLinsemError('forward: points need the size of the map they index')
            return largest_size(xs)
        return tuple(int(s) for s in size)

    def _logits(self, xs: List[torch.Tensor], size: Tuple[int, int]) -> torch.Tensor:
        """(N, K, H, W) logits at ``size`` from the checked inputs."""
        raise NotImplementedError

    def _point_logits(self, xs: List[torch.Tensor], rows: torch.Tensor, cols: torch.Tensor,
                      size: Tuple[int, int]) -> torch.Tensor:
        """(N, K, P) logits at pixels (rows, cols) of the ``size`` output. This default
        builds the whole map and reads it; heads that can read their native-resolution
        logits override it."""
        out = self._logits(xs, size)
        batch = torch.arange(out.shape[0], device=out.device)[:, None]
        return out[batch, :, rows.to(out.device), cols.to(out.device)].transpose(1, 2)

    def _layer_maps(self,
                    xs: List[torch.Tensor],
                    size: Optional[Tuple[int, int]] = None) -> List[torch.Tensor]:
        """Per-layer logits (heads with ``has_layer_logits``), each at its layer's native
        resolution or, for a layer larger than ``size`` where the head can do so exactly,
        built at ``size`` directly."""
        raise NotImplementedError

    def loss_by_labels(self,
                       seg_logits: torch.Tensor,
                       labels: torch.Tensor,
                       layer_logits: Optional[List[torch.Tensor]] = None) -> dict:
        """Losses against an (N, H, W) label map, mirroring mmseg's ``loss_by_feat``;
        (N, K, P) point logits against (N, P) point labels work the same way."""
        if labels.dim() == 3:
            seg_logits = upsample(seg_logits, labels.shape[-2:]) if self.align_corners \
                else F.interpolate(seg_logits, labels.shape[-2:], mode='bilinear')
        losses = {}
        loss_fns = self.loss_decode if isinstance(self.loss_decode, torch.nn.ModuleList) \
            else [self.loss_decode]
        for fn in loss_fns:
            value = fn(seg_logits, labels, weight=None, ignore_index=self.ignore_index)
            losses[fn.loss_name] = losses.get(fn.loss_name, 0) + value
        losses['acc_seg'] = accuracy(seg_logits, labels, ignore_index=self.ignore_index)
        if layer_logits is not None and self.aux_loss_weight > 0:
            for i, logit in enumerate(layer_logits):
                if labels.dim() == 3:
                    logit = upsample(logit, labels.shape[-2:])
                losses[f'loss_layer{i}'] = self.aux_loss_weight * F.cross_entropy(
                    logit, labels, ignore_index=self.ignore_index)
        return losses

    def loss(self, inputs, batch_data_samples, train_cfg=None) -> dict:
        """mmseg's decode-head API: losses against the samples' ``gt_sem_seg``, the
        logits (and per-layer logits) built at the label size."""
        labels = torch.stack([ds.gt_sem_seg.data for ds in batch_data_samples])
        labels = labels.squeeze(1).long()
        size = tuple(labels.shape[-2:])
        layers = self.layer_logits(inputs, size) if self.aux_loss_weight > 0 else None
        return self.loss_by_labels(self.forward(inputs, size), labels, layers)

    def predict(self, inputs, batch_img_metas: List[dict], test_cfg=None) -> torch.Tensor:
        """mmseg's decode-head API: logits at the image size of ``batch_img_metas``."""
        meta = batch_img_metas[0]  # the size rule of mmseg's predict_by_feat
        if isinstance(meta['img_shape'], torch.Size) or 'pad_shape' not in meta:
            size = meta['img_shape'][:2]
        else:
            size = meta['pad_shape'][:2]
        return self.forward(inputs, size)
