"""Shared pieces of mask-driven latent optimisation (SCS and SIE)."""
import functools
from contextlib import contextmanager, nullcontext
from typing import Optional

import torch
import torch.nn.functional as F

from mmlinsem.errors import MMLinsemError
from mmlinsem.models.utils import upsample

SPACES = ('z', 'w', 'w+', 'mixz')
AMP_DTYPES = dict(bfloat16=torch.bfloat16, float16=torch.float16)


def autocast(device, amp=False):
    """Autocast context for ``amp``: False (fp32), True / 'bfloat16' or 'float16'."""
    if not amp:
        return nullcontext()
    name = 'bfloat16' if amp is True else amp
    if name not in AMP_DTYPES:
        raise MMLinsemError(f"amp must be False, True, 'bfloat16' or 'float16', got {amp!r}")
    return torch.autocast(torch.device(device).type, dtype=AMP_DTYPES[name])


def amp_option(fn):
    """Give ``fn(model, ...)`` an ``amp=False`` keyword: its generator / predictor forwards
    then run under autocast (see :func:`autocast`) on the model's device. The optimised
    latent, the returned images and logits and the losses stay fp32; with float16,
    :func:`run_adam` scales the gradients."""

    @functools.wraps(fn)
    def wrapper(model, *args, amp=False, **kwargs):
        with autocast(next(model.head_module.parameters()).device, amp):
            return fn(model, *args, **kwargs)

    return wrapper


def check_target(target: torch.Tensor, num_classes: int, size, ignore_index: int = 255):
    """A (H, W) integer mask of the predictor's size with labels < num_classes (or 255)."""
    if not torch.is_tensor(target):
        target = torch.as_tensor(target)
    if target.ndim != 2 or target.dtype.is_floating_point:
        raise MMLinsemError(f'target mask must be a 2-D integer (H, W) array, got '
                            f'{tuple(target.shape)} {target.dtype}')
    if tuple(target.shape) != tuple(size):
        raise MMLinsemError(f'target mask must be {size[0]}x{size[1]} (the label size), '
                            f'got {target.shape[0]}x{target.shape[1]}')
    bad = (target >= num_classes) & (target != ignore_index) | (target < 0)
    if bad.any():
        raise MMLinsemError(f'target labels must be in [0, {num_classes}) or '
                            f'{ignore_index} (ignore), found {int(target[bad][0])}')
    return target.long()


def to_wp(generator, latent: torch.Tensor, space: str) -> torch.Tensor:
    """Latent parameter -> w+ (no truncation, as the original's manipulation code)."""
    if space == 'mixz':  # one z per layer: (N, L, D)
        n, layers, d = latent.shape
        return generator.z_to_w(latent.reshape(n * layers, d)).reshape(n, layers, -1)
    return generator.to_wp(latent, space, truncate=False)


def label_size(model):
    """(H, W) of labels and targets: the teacher's ``output_size``, else the image size."""
    if model.teacher is not None and getattr(model.teacher, 'output_size', None):
        return tuple(model.teacher.output_size)
    return tuple(model.generator.image_size)


def init_param(generator, z: torch.Tensor, space: str) -> torch.Tensor:
    """z batch -> the optimised parameter in ``space`` (no truncation); a z-only generator
    is optimised in z only."""
    if space == 'z':
        return z
    if not generator.style_based:
        raise MMLinsemError(f"{type(generator.generator).__name__} takes z only: optimise in "
                            f"space='z', got space={space!r}")
    if space == 'mixz':
        return z[:, None].repeat(1, generator.num_latents, 1)
    return generator.to_wp(z, 'z', truncate=False) if space == 'w+' else generator.z_to_w(z)


def render(generator, param: torch.Tensor, space: str):
    """(fp32 image, features) of the latent parameter."""
    if space == 'z' and not generator.style_based:
        img, feats = generator(param, space='z')
    else:
        img, feats = generator(to_wp(generator, param, space), space='w+', truncate=False)
    return img.float(), feats


def render_features(generator, param: torch.Tensor, space: str, split: bool = True):
    """Features of the latent parameter without the image: a truncated forward that stops
    after the deepest hooked layer (StyleGAN2: no ToRGB; ``split``: the non-fused modulated
    conv, equal up to float rounding) -- for losses that read only the head's logits."""
    kwargs = dict(features_only=True, split_modconv=split)
    if space == 'z' and not generator.style_based:
        return generator(param, space='z', **kwargs)[1]
    return generator(to_wp(generator, param, space), space='w+', truncate=False, **kwargs)[1]


def render_for_loss(generator,
                    param: torch.Tensor,
                    space: str,
                    features_only: bool,
                    split: bool = True):
    """(image or None, features) for a loss step: :func:`render_features` when the loss
    reads only the head's logits (``features_only``), else :func:`render`."""
    if features_only:
        return None, render_features(generator, param, space, split)
    return render(generator, param, space)


def predict_logits(model, img, feats, size, predictor: str) -> torch.Tensor:
    """Class logits at ``size`` from the LSE head or (differentiably) from the teacher."""
    if predictor == 'teacher':
        if model.teacher is None:
            raise MMLinsemError("predictor='teacher' needs a configured teacher")
        logits = model.teacher.logits(img)
    elif predictor == 'head':
        logits = model.head(feats, size=size)
    else:
        raise MMLinsemError(f"predictor must be 'head' or 'teacher', got {predictor!r}")
    return upsample(logits, size).float()


def regularised_loss(logits,
                     target,
                     param,
                     param0,
                     reg_init: float,
                     reg_prior: float,
                     ignore_index: int = 255) -> torch.Tensor:
    """CE to the target + ``reg_init ||p - p0||^2`` + ``reg_prior ||p||^2 / n``.

    As the original (LinearGAN ``manipulation``): the initial-latent term is a plain sum
    over every element of the parameter (all its latent vectors), while the prior term is
    averaged over the ``n`` latent vectors (rows of the last dimension).
    """
    ce = F.cross_entropy(logits, target, ignore_index=ignore_index)
    n = param.reshape(-1, param.shape[-1]).shape[0]
    return ce + reg_init * (param - param0).pow(2).sum() + reg_prior * param.pow(2).sum() / n


def adam_steps(step_fn, param: torch.Tensor, steps: int, lr: float):
    """Adam on ``param`` in place, one step per ``next()``: yields (step index, loss).

    Adam is element-wise: one optimiser over stacked per-layer latents equals one optimiser
    per layer, as in the original's mixwp. Under float16 autocast (active at each
    ``next()``) the gradients are scaled (and steps with inf/nan gradients skipped).
    """
    device = param.device.type
    fp16 = (torch.is_autocast_enabled(device) and torch.get_autocast_dtype(device) == torch.float16)
    scaler = torch.amp.GradScaler(device, enabled=fp16)
    param.requires_grad_(True)
    opt = torch.optim.Adam([param], lr=lr)
    try:
        for i in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = step_fn(param)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            yield i, float(loss.detach())
    finally:
        param.grad = None
        param.requires_grad_(False)


def run_adam(step_fn,
             param: torch.Tensor,
             steps: int,
             lr: float,
             callback: Optional[callable] = None):
    """Run :func:`adam_steps` to the end; ``callback(i, loss)`` after each step. Returns
    the loss history."""
    history = []
    for i, loss in adam_steps(step_fn, param, steps, lr):
        history.append(loss)
        if callback is not None:
            callback(i, loss)
    return history


@contextmanager
def frozen(module):
    """Temporarily stop gradients into ``module``'s parameters (only the latent moves)."""
    flags = [(p, p.requires_grad) for p in module.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
