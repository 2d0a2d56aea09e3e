"""Initialise an LSE head in closed form before (optional) cross-entropy training."""
import inspect

from mmengine.hooks import Hook

from mmlinsem.errors import MMLinsemError
from mmlinsem.models.heads.closed_form_lse import fit_lse_closed_form
from mmlinsem.registry import HOOKS
from mmlinsem.utils.misc import unwrap_model

#: keywords of ``fit_lse_closed_form`` the hook gives itself
_SET_BY_HOOK = ('model', 'label_fn', 'log_interval')


@HOOKS.register_module()
class ClosedFormLSEHook(Hook):
    """Before training starts (not when resuming), fit the LSE head by ridge regression
    and, with ``ce_steps``, L-BFGS on the pixel cross-entropy of the same sampled pixels
    (see ``mmlinsem.models.heads.fit_lse_closed_form``); the train loop then refines it with
    cross-entropy for its ``max_iters`` (0 = closed form only, use ``max_iters=1`` with a
    zero learning rate to just save it).

    Args:
        **kwargs: the keywords of ``fit_lse_closed_form`` (``num_images``,
            ``pixels_per_image``, ``batch_size``, ``ridge``, ``seed``, ``balanced``,
            ``ce_steps``), its defaults for those not given.
    """
    priority = 'HIGH'

    def __init__(self, **kwargs):
        params = inspect.signature(fit_lse_closed_form).parameters
        allowed = [k for k in params if k not in _SET_BY_HOOK]
        unknown = sorted(set(kwargs) - set(allowed))
        if unknown:
            raise MMLinsemError(f'ClosedFormLSEHook got unknown keys {unknown}; expected some '
                                f'of {allowed}')
        self.kwargs = {k: kwargs.get(k, params[k].default) for k in allowed}

    def before_train(self, runner):
        if runner.iter > 0:  # resumed: the head already holds trained weights
            return
        model = unwrap_model(runner.model)
        runner.logger.info(f'fitting the LSE in closed form ({self.kwargs})')
        fit_lse_closed_form(model, log_interval=10, **self.kwargs)
