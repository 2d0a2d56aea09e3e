"""Several heads trained side by side on the same generated batches."""
from typing import Dict, List, Optional

import torch
from mmengine.structures import PixelData

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS, build_in_scope
from mmlinsem.utils.misc import unwrap_model
from . import arch_state
from .semantic_extractor import SemanticExtractor

#: key prefix of an extra head's weights in the joint model's state dict
EXTRA_PREFIX = 'head_'


@MODELS.register_module()
class JointExtractor(SemanticExtractor):
    """A :class:`SemanticExtractor` with further heads on the same frozen GAN and teacher.

    Every training step generates one batch (images, features, teacher labels) and trains
    all heads on it: the loss is the sum of the heads' losses, and as the heads share no
    parameter each one gets exactly the gradients it would get alone. With a per-parameter
    optimiser (Adam, SGD) and the same schedule, each head follows the run its own config
    would give on the same batches, for one generator and teacher pass instead of one per
    head. That is what makes comparing heads at convergence affordable on a CPU.

    Validation predicts with every head: the main head's mask is ``pred_sem_seg``, the
    others' ``pred_sem_seg_{name}`` (``PaperIoUMetric(pred_key=...)`` reads them).
    :meth:`head_checkpoint` gives one head as the checkpoint a single-head run writes
    (``SplitHeadsHook`` saves them beside the joint checkpoints), so ``tools/test.py``
    evaluates each with its own config.

    Args:
        head_name (str): name of the main head (``head``), e.g. ``'lse'``.
        extra_heads (dict): ``{name: head config}`` of the further heads.
        **kwargs: as :class:`SemanticExtractor`.
    """

    def __init__(self,
                 head_name: str = 'main',
                 extra_heads: Optional[Dict[str, dict]] = None,
                 **kwargs):
        super().__init__(**kwargs)
        extra_heads = dict(extra_heads or {})
        if not extra_heads:
            raise MMLinsemError('JointExtractor needs extra_heads={name: head config}; '
                                'with one head use SemanticExtractor')
        self.head_name = str(head_name)
        self.extra_head_names: List[str] = []
        for name, cfg in extra_heads.items():
            if not str(name).isidentifier() or name == self.head_name:
                raise MMLinsemError(f'extra head names must be identifiers other than '
                                    f'head_name={self.head_name!r}, got {name!r}')
            # a direct child each, so MMSeparateDistributedDataParallel wraps each head
            self.add_module(EXTRA_PREFIX + name, build_in_scope(MODELS, self._head_cfg(cfg)))
            self.extra_head_names.append(name)

    def extra_head(self, name: str):
        """The extra head ``name``, unwrapped from DDP."""
        return unwrap_model(getattr(self, EXTRA_PREFIX + name))

    @property
    def head_names(self) -> List[str]:
        return [self.head_name] + self.extra_head_names

    def trained_heads(self) -> List[tuple]:
        return super().trained_heads() + [(EXTRA_PREFIX + n, self.extra_head(n))
                                          for n in self.extra_head_names]

    def arch(self) -> dict:
        return dict(
            super().arch(),
            head_name=self.head_name,
            extra_heads={n: type(self.extra_head(n)).__name__
                         for n in self.extra_head_names})

    def _losses(self, z, labels, seeds, space=None) -> Dict[str, torch.Tensor]:
        feats, labels, size, points = self._train_targets(z, labels, seeds, space)
        losses = {
            f'{self.head_name}.{k}': v
            for k, v in self._head_losses(self.head, feats, labels, size, points).items()
        }
        for name in self.extra_head_names:
            head = getattr(self, EXTRA_PREFIX + name)
            for k, v in self._head_losses(head, feats, labels, size, points).items():
                losses[f'{name}.{k}'] = v
        return losses

    @torch.no_grad()
    def _add_predictions(self, samples, feats, size) -> None:
        for name in self.extra_head_names:
            pred = getattr(self, EXTRA_PREFIX + name)(feats, size=size).argmax(1)
            for i, ds in enumerate(samples):
                ds.set_field(PixelData(data=pred[i:i + 1]), f'pred_sem_seg_{name}')

    def head_checkpoint(self, name: str, meta: Optional[dict] = None) -> dict:
        """Head ``name`` as ``{'meta', 'state_dict'}`` of a single-head run (keys
        ``head.*`` and the extractor's arch), loadable by its own config."""
        if name == self.head_name:
            head = self.head_module
        elif name in self.extra_head_names:
            head = self.extra_head(name)
        else:
            raise MMLinsemError(f'no head named {name!r}; the heads are '
                                f'{", ".join(self.head_names)}')
        state = {f'head.{k}': v.detach().clone() for k, v in head.state_dict().items()}
        # the arch a single-head extractor with this head records
        arch = dict(SemanticExtractor.arch(self), head=type(head).__name__)
        state['_extra_state'] = arch_state.encode(arch)
        return dict(meta=dict(meta or {}, joint_head=name), state_dict=state)
