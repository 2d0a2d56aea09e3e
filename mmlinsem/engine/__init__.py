from .closed_form_hook import ClosedFormLSEHook
from .optim_constructor import TrainableOptimWrapperConstructor
from .overlay_hook import OverlayHook
from .sync_meta_hook import SyncMetaHook

__all__ = ['OverlayHook', 'SyncMetaHook', 'ClosedFormLSEHook', 'TrainableOptimWrapperConstructor']
