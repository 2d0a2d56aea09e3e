"""Small helpers used across the package."""
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a (MM)DistributedDataParallel-style wrapper, else ``model``."""
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model
