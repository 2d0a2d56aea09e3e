"""Base class of the semantic extractor heads: an mmseg decode head over many layers."""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy

from mmlinsem.errors import MMLinsemError
from .. import arch_state


def upsample(x: torch.Tensor, size) -> torch.Tensor:
    """Bilinear resize with ``align_corners=True`` (the original's ``bu``)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=True)


def sample_points(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, size) -> torch.Tensor:
    """Values of ``upsample(x, size)`` at pixels (rows, cols) (N, P), without upsampling:
    bilinear ``align_corners=True`` reads of the native map. Returns (N, C, P)."""
    h, w = size
    gy = rows.to(x.device).float() * (2.0 / max(h - 1, 1)) - 1
    gx = cols.to(x.device).float() * (2.0 / max(w - 1, 1)) - 1
    grid = torch.stack([gx, gy], -1).unsqueeze(1).to(x.dtype)  # (N, 1, P, 2)
    return F.grid_sample(x, grid, mode='bilinear', align_corners=True)[:, :, 0]


def largest_size(xs: Sequence[torch.Tensor]):
    return max((tuple(x.shape[-2:]) for x in xs), key=lambda s: s[0] * s[1])


class MultiLayerHead(BaseDecodeHead):
    """``BaseDecodeHead`` taking one feature map per layer (``multiple_select``).

    Subclasses implement ``forward_full(inputs, return_layers=False)`` returning logits at
    the largest input resolution (and, with ``return_layers``, the per-layer logits at
    native resolution, or None); ``forward(inputs, points=(rows, cols, size))`` gives the
    logits at those pixels only (``forward_points``), through the module call so DDP
    wrapping still works. ``conv_seg``/dropout of the base class are removed so every
    parameter is used (DDP without ``find_unused_parameters``).

    Args:
        in_channels (list[int]): channels of each selected input.
        num_classes (int): number of classes (background included).
        in_index (list[int], optional): which inputs to use (default: all, in order).
        aux_loss_weight (float): weight of the per-layer auxiliary CE (0 = off).
    """

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

    def forward(self, inputs, return_layers: bool = False, points=None):
        if points is not None:
            return self.forward_points(inputs, *points, return_layers=return_layers)
        return self.forward_full(inputs, return_layers=return_layers)

    def forward_full(self, inputs, return_layers: bool = False):
        raise NotImplementedError

    def forward_points(self,
                       inputs,
                       rows: torch.Tensor,
                       cols: torch.Tensor,
                       size,
                       return_layers: bool = False):
        """Logits (N, K, P) at pixels (rows, cols) (N, P) of a ``size`` output: the full
        logits upsampled to ``size`` and read there. This default computes the full map;
        heads that can read their native-resolution logits do it without."""
        out = self.forward_full(inputs, return_layers=return_layers)
        out, layers = out if return_layers else (out, None)
        points = sample_points(out, rows, cols, size)
        if not return_layers:
            return points
        return points, None if layers is None else \
            [sample_points(x, rows, cols, size) for x in layers]

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
        labels = torch.stack([ds.gt_sem_seg.data for ds in batch_data_samples])
        labels = labels.squeeze(1).long()
        if self.aux_loss_weight > 0:
            seg_logits, layers = self.forward(inputs, return_layers=True)
        else:
            seg_logits, layers = self.forward(inputs), None
        return self.loss_by_labels(seg_logits, labels, layers)
