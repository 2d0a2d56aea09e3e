"""Semantic Image Editing: repaint the mask, get the image that follows it."""
from typing import Optional

import torch
import torch.nn.functional as F

from mmlinsem.errors import MMLinsemError
from .latent_optim import (amp_option, check_target, frozen, predict_logits, regularised_loss,
                           run_adam)
from .scs import init_param, label_size, render


def fuse_stroke(mask: torch.Tensor, stroke: torch.Tensor, label: int) -> torch.Tensor:
    """The current mask with ``label`` painted where ``stroke`` is true."""
    if stroke.shape != mask.shape:
        raise MMLinsemError(f'stroke mask must be {tuple(mask.shape)}, got '
                            f'{tuple(stroke.shape)}')
    out = mask.clone()
    out[stroke.bool()] = int(label)
    return out


def _start(model, latent: torch.Tensor, latent_space: str, space: str):
    gen = model.generator
    device = next(model.head_module.parameters()).device
    latent = latent.to(device)
    latent = latent[None] if latent.ndim == (2 if latent_space == 'w+' else 1) else latent
    if space == 'mixz' and latent_space != 'z':
        raise MMLinsemError("space='mixz' starts from a z latent; give latent_space='z' or "
                            "optimise in space='w+'")
    if latent_space == 'z':
        return init_param(gen, latent, space)
    if latent_space == 'w+' and space == 'w+':
        return latent.clone()
    raise MMLinsemError(f'cannot start a {space!r} edit from a {latent_space!r} latent')


def edit_metrics(img0, img1, pred, target, region):
    """Agreement with ``target`` inside the edited ``region``; mean |change| outside it."""
    inside = float((pred[region] == target[region]).float().mean()) if region.any() else None
    if tuple(region.shape) != tuple(img0.shape[-2:]):  # labels at another size than images
        region = F.interpolate(
            region[None, None].float(), size=img0.shape[-2:], mode='nearest')[0, 0].bool()
    outside = ~region
    change = (img1 - img0).abs().mean(1)[0] / 2  # [0, 1] units, per pixel
    return dict(
        target_agreement_inside=inside,
        pixel_change_outside=float(change[outside].mean()) if outside.any() else 0.0)


@amp_option
def semantic_image_edit(model,
                        latent: torch.Tensor,
                        latent_space: str = 'z',
                        target: Optional[torch.Tensor] = None,
                        stroke: Optional[torch.Tensor] = None,
                        label: Optional[int] = None,
                        space: str = 'mixz',
                        steps: int = 50,
                        lr: float = 0.01,
                        reg_init: float = 1e-3,
                        reg_prior: float = 1e-3,
                        predictor: str = 'head') -> dict:
    """Edit the image of ``latent`` so that its semantics follow ``target``.

    Give the full edited mask as ``target``, or a ``stroke`` (bool mask) and ``label`` to
    paint on the current LSE mask. The default ``space='mixz'`` optimises one z per layer
    (the original's mixwp) with the SCS regularisers. Returns the edited image, its new
    mask and metrics: agreement with the target inside the edited region, mean pixel
    change outside it. ``amp``: see :func:`~.latent_optim.amp_option`.
    """
    gen = model.generator
    size = label_size(model)
    param0 = _start(model, latent, latent_space, space)
    with torch.no_grad():
        img0, feats0 = render(gen, param0, space)
        current = predict_logits(model, img0, feats0, size, 'head').argmax(1)[0]
    if target is None:
        if stroke is None or label is None:
            raise MMLinsemError('give target=MASK, or stroke=BOOL_MASK and label=CLASS')
        target = fuse_stroke(current.cpu(), torch.as_tensor(stroke), label)
    target = check_target(target, model.head_module.num_classes, size).to(current.device)
    region = target != current
    param = param0.clone()

    def step(p):
        img, feats = render(gen, p, space)
        logits = predict_logits(model, img, feats, size, predictor)
        return regularised_loss(logits, target[None], p, param0, reg_init, reg_prior)

    with frozen(model.head_module):
        history = run_adam(step, param, steps, lr)
    with torch.no_grad():
        img, feats = render(gen, param, space)
        pred = predict_logits(model, img, feats, size, 'head').argmax(1)[0]
    return dict(
        latent=param.detach(),
        space=space,
        image=img,
        mask=pred,
        target=target,
        original_image=img0,
        original_mask=current,
        loss_history=history,
        **edit_metrics(img0, img, pred, target, region))


@amp_option
def color_edit(model,
               latent: torch.Tensor,
               stroke: torch.Tensor,
               color,
               latent_space='z',
               space: str = 'mixz',
               steps: int = 50,
               lr: float = 0.01,
               preserve: float = 1.0) -> dict:
    """The colour-space baseline: pull stroke pixels to ``color`` (RGB in [-1, 1]) and keep
    the other pixels as they were; no semantics involved. ``amp`` as in SIE."""
    gen = model.generator
    param0 = _start(model, latent, latent_space, space)
    with torch.no_grad():
        img0, _ = render(gen, param0, space)
    stroke = torch.as_tensor(stroke).bool().to(img0.device)
    if tuple(stroke.shape) != tuple(img0.shape[-2:]):
        raise MMLinsemError(f'stroke mask must be {tuple(img0.shape[-2:])}, got '
                            f'{tuple(stroke.shape)}')
    color = torch.as_tensor(color, dtype=img0.dtype, device=img0.device).view(1, 3, 1, 1)
    param = param0.clone()

    def step(p):
        img, _ = render(gen, p, space)
        inside = (img - color).pow(2).mean(1)[0][stroke].mean()
        outside = (img - img0).pow(2).mean(1)[0][~stroke].mean()
        return inside + preserve * outside

    history = run_adam(step, param, steps, lr)
    with torch.no_grad():
        img, _ = render(gen, param, space)
    return dict(latent=param.detach(), image=img, original_image=img0, loss_history=history)
