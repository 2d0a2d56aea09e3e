"""Map a teacher's classes to the extractor's classes."""
from typing import List, Optional, Sequence, Union

import torch
from torch import nn

from mmlinsem.data import celebamask_hq, named_classes, selected_ade20k_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import TASK_UTILS, build_in_scope


def _indices_of(names: Sequence[str], source: Sequence[str], what: str) -> List[int]:
    """Index of each name among the teacher classes, compared after stripping whitespace.

    Teachers' own class lists are not always clean: mmseg's ADE20K name at index 7 is
    ``'bed '`` (trailing space), so a checkpoint's ``dataset_meta`` would not match the
    presets' ``'bed'`` otherwise.
    """
    stripped = [str(s).strip() for s in source]
    missing = [n for n in names if str(n).strip() not in stripped]
    if missing:
        raise MMLinsemError(f'{what}: classes {missing} are not among the teacher classes '
                            f'({len(source)} classes, e.g. {list(source[:5])})')
    return [stripped.index(str(n).strip()) for n in names]


@TASK_UTILS.register_module()
class IdentityLabelMap(nn.Module):
    """Keep the teacher's classes: labels = argmax of its logits."""

    def __init__(self, source_classes: Sequence[str]):
        super().__init__()
        self.classes = list(source_classes)

    def logits(self, teacher_logits: torch.Tensor) -> torch.Tensor:
        return teacher_logits

    def forward(self, teacher_logits: torch.Tensor) -> torch.Tensor:
        return self.logits(teacher_logits).argmax(1)


@TASK_UTILS.register_module()
class SelectLabelMap(IdentityLabelMap):
    """Keep a subset of classes plus a background decided by the zero-logit rule.

    The selected channels are kept and a constant zero logit is prepended as class 0,
    so a pixel is background when all selected logits are negative (the original's
    scene rule), not when an unselected class wins.

    Args:
        source_classes: teacher class names (e.g. the 150 ADE20K names).
        classes: names to keep, or ``preset`` (a key of ``data/selected_labels.json``).
        background (str): name of class 0.
    """

    def __init__(self,
                 source_classes: Sequence[str],
                 classes: Optional[Sequence[str]] = None,
                 preset: Optional[str] = None,
                 background: str = 'background'):
        if (classes is None) == (preset is None):
            raise MMLinsemError('SelectLabelMap needs exactly one of classes=[...] or '
                                'preset=NAME')
        names = list(classes) if classes is not None else selected_ade20k_classes(preset)
        super().__init__([background] + names)
        idx = _indices_of(names, source_classes, 'SelectLabelMap')
        self.register_buffer('index', torch.tensor(idx, dtype=torch.long), persistent=False)

    def logits(self, teacher_logits):
        kept = teacher_logits.index_select(1, self.index.to(teacher_logits.device))
        zero = torch.zeros_like(kept[:, :1])
        return torch.cat([zero, kept], 1)


@TASK_UTILS.register_module()
class MergeLabelMap(IdentityLabelMap):
    """Merge teacher classes with a table ``{teacher class: extractor class}``.

    ``preset='celebamask_hq_19to15'`` gives the face setting (left/right parts merged).
    Logits of merged classes are combined with logsumexp, so argmax equals the merged
    argmax of probabilities and the result stays differentiable.
    """

    def __init__(self,
                 source_classes: Sequence[str],
                 table: Optional[dict] = None,
                 classes: Optional[Sequence[str]] = None,
                 preset: Optional[str] = None):
        if preset is not None:
            if preset != 'celebamask_hq_19to15':
                raise MMLinsemError(f"unknown merge preset {preset!r}; expected "
                                    "'celebamask_hq_19to15'")
            data = celebamask_hq()
            table, classes = data['merge19to15'], data['classes15']
        if table is None:
            raise MMLinsemError('MergeLabelMap needs table={teacher: target} or preset=NAME')
        classes = list(classes) if classes is not None else list(dict.fromkeys(table.values()))
        super().__init__(classes)
        unknown_targets = sorted(set(table.values()) - set(classes))
        if unknown_targets:
            raise MMLinsemError(f'MergeLabelMap: targets {unknown_targets} are not in '
                                f'classes {classes}')
        src_idx = _indices_of(list(table), source_classes, 'MergeLabelMap')
        groups = [[] for _ in classes]
        for s, name in zip(src_idx, table):
            groups[classes.index(table[name])].append(s)
        empty = [c for c, g in zip(classes, groups) if not g]
        if empty:
            raise MMLinsemError(f'MergeLabelMap: no teacher class maps to {empty}')
        self.groups = groups

    def logits(self, teacher_logits):
        return torch.stack([teacher_logits[:, g].logsumexp(1) for g in self.groups], 1)


def build_label_map(cfg: Union[dict, None], source_classes: Sequence[str]) -> nn.Module:
    if cfg is None:
        return IdentityLabelMap(source_classes)
    cfg = dict(cfg)
    if isinstance(cfg.get('source_classes'), str):
        cfg['source_classes'] = named_classes(cfg['source_classes'])
    cfg.setdefault('source_classes', list(source_classes))
    return build_in_scope(TASK_UTILS, cfg)
