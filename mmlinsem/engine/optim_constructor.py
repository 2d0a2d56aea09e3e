"""An optimiser that only ever sees the trainable parameters."""
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmlinsem.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
@OPTIM_WRAPPER_CONSTRUCTORS.register_module(name='DefaultOptimWrapperConstructor')
class TrainableOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor that skips wholly frozen sub-modules.

    A semantic extractor holds a frozen generator and a frozen teacher beside its head. With
    a ``paramwise_cfg`` (e.g. the layer weights' ``lr_mult``) mmengine's constructor visits
    every parameter and logs one ``... is skipped since its requires_grad=False`` warning
    for each frozen one (109 lines for the main job). Frozen sub-modules are skipped here
    without a word; the optimiser's parameter groups are the same. It is registered as
    the ``mmlinsem`` scope's ``DefaultOptimWrapperConstructor`` (what ``optim_wrapper``
    uses when it names no ``constructor``) and as ``TrainableOptimWrapperConstructor``.

    Args:
        optim_wrapper_cfg (dict): the ``optim_wrapper`` config (as mmengine's).
        paramwise_cfg (dict, optional): per-parameter options (as mmengine's).
    """

    def add_params(self, params, module: nn.Module, prefix: str = '', **kwargs) -> None:
        if not any(p.requires_grad for p in module.parameters()):
            return
        super().add_params(params, module, prefix=prefix, **kwargs)
