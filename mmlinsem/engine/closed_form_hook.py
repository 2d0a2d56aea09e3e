"""Initialise an LSE head in closed form before (optional) cross-entropy training."""
from mmengine.hooks import Hook

from mmlinsem.registry import HOOKS
from mmlinsem.utils.misc import unwrap_model


@HOOKS.register_module()
class ClosedFormLSEHook(Hook):
    """Before training starts (not when resuming), fit the LSE head by ridge regression
    and, with ``ce_steps``, L-BFGS on the pixel cross-entropy of the same sampled pixels
    (see ``mmlinsem.apis.fit_lse_closed_form``); the train loop then refines it with
    cross-entropy for its ``max_iters`` (0 = closed form only, use ``max_iters=1`` with a
    zero learning rate to just save it).

    Args:
        num_images (int): generated images whose pixels are sampled (split over ranks).
        pixels_per_image (int): pixels sampled per image.
        batch_size (int): images generated at a time.
        ridge (float): ridge lambda, relative to the mean diagonal of ``X^T X``.
        seed (int): latents are ``latent_for(seed, i)``.
        balanced (bool): split the picks evenly over the classes present in each image.
        ce_steps (int): L-BFGS iterations on the pixel cross-entropy after the ridge fit.
    """
    priority = 'HIGH'

    def __init__(self,
                 num_images: int = 256,
                 pixels_per_image: int = 1024,
                 batch_size: int = 8,
                 ridge: float = 1e-3,
                 seed: int = 12345,
                 balanced: bool = True,
                 ce_steps: int = 0):
        self.kwargs = dict(
            num_images=num_images,
            pixels_per_image=pixels_per_image,
            batch_size=batch_size,
            ridge=ridge,
            seed=seed,
            balanced=balanced,
            ce_steps=ce_steps)

    def before_train(self, runner):
        if runner.iter > 0:  # resumed: the head already holds trained weights
            return
        from mmlinsem.apis import fit_lse_closed_form
        model = unwrap_model(runner.model)
        runner.logger.info(f'fitting the LSE in closed form ({self.kwargs})')
        fit_lse_closed_form(model, log_interval=10, **self.kwargs)
