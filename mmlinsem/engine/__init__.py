from .closed_form_hook import ClosedFormLSEHook
from .nan_guard_hook import NanGuardHook, check_cfg_lr, check_lr
from .optim_constructor import TrainableOptimWrapperConstructor
from .overlay_hook import OverlayHook
from .split_heads_hook import SplitHeadsHook
from .sync_meta_hook import SyncMetaHook

__all__ = [
    'OverlayHook', 'SyncMetaHook', 'ClosedFormLSEHook', 'TrainableOptimWrapperConstructor',
    'NanGuardHook', 'SplitHeadsHook', 'check_lr', 'check_cfg_lr'
]
