"""Semantic Image Editing: repaint the mask, get the image that follows it."""
from typing import Callable, Iterator, Optional

import torch
import torch.nn.functional as F

from mmlinsem.apis.latent_optim import (adam_steps, amp_option, autocast, check_target, frozen,
                                        init_param, label_size, predict_logits, regularised_loss,
                                        render, render_for_loss, run_adam)
from mmlinsem.errors import MMLinsemError


def box_stroke(box, size) -> torch.Tensor:
    """The (H, W) bool stroke of a box ``(X0, Y0, X1, Y1)`` in pixels of ``size`` (X1, Y1
    exclusive). A box outside the mask, inverted or empty is refused: negative coordinates
    do not wrap around and nothing is clipped silently."""
    h, w = (int(v) for v in size)
    valid = f'0 <= X0 < X1 <= {w} and 0 <= Y0 < Y1 <= {h} (the {h}x{w} label mask)'
    try:
        x0, y0, x1, y1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise MMLinsemError(f'box must be 4 integers X0,Y0,X1,Y1 with {valid}, '
                            f'got {box!r}') from None
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise MMLinsemError(f'box must satisfy {valid}, got {x0},{y0},{x1},{y1}')
    stroke = torch.zeros(h, w, dtype=torch.bool)
    stroke[y0:y1, x0:x1] = True
    return stroke


def check_stroke(stroke, sizes) -> torch.Tensor:
    """A bool stroke of one of ``sizes`` ((H, W) tuples) with at least one true pixel."""
    stroke = torch.as_tensor(stroke)
    names = ' or '.join(f'{h}x{w}' for h, w in sizes)
    if tuple(stroke.shape) not in [tuple(s) for s in sizes]:
        raise MMLinsemError(f'stroke mask must be {names} (H x W), got '
                            f'{"x".join(str(v) for v in stroke.shape) or "a scalar"}')
    stroke = stroke.bool()
    if not stroke.any():
        raise MMLinsemError(f'stroke mask is empty: it must mark at least one pixel of the '
                            f'{names} mask')
    return stroke


def fuse_stroke(mask: torch.Tensor, stroke: torch.Tensor, label: int) -> torch.Tensor:
    """The current mask with ``label`` painted where ``stroke`` is true."""
    stroke = check_stroke(stroke, [tuple(mask.shape)]).to(mask.device)
    out = mask.clone()
    out[stroke.bool()] = int(label)
    return out


def _start(model, latent: torch.Tensor, latent_space: str, space: str):
    gen = model.generator
    device = next(model.head_module.parameters()).device
    latent = latent.to(device)
    latent = latent[None] if latent.ndim == (2 if latent_space == 'w+' else 1) else latent
    if not gen.style_based and (space != 'z' or latent_space != 'z'):
        raise MMLinsemError(f"{type(gen.generator).__name__} takes z only: edit a z latent in "
                            f"space='z', got latent_space={latent_space!r}, space={space!r}")
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


def iter_semantic_image_edit(model,
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
                             predictor: str = 'head',
                             stream_every: int = 10,
                             fast: bool = True,
                             amp=False) -> Iterator[dict]:
    """:func:`semantic_image_edit` as a stream of frames, for an app to show progress.

    Bad input is refused here, before the first frame. The returned iterator yields a frame
    ``dict(step, steps, loss, image, mask, done=False)`` before the first Adam step (step 0,
    the original image and its LSE mask, loss None) and after each step ``step`` = 1..steps
    (its loss). ``image`` / ``mask`` are rendered (under no_grad, not touching the
    optimisation) only every ``stream_every`` steps, else None (``stream_every=0``: never).
    The last item is the result dict of :func:`semantic_image_edit` with ``done=True`` and
    ``step=steps``; the edit does not depend on ``stream_every``.
    """
    if int(stream_every) < 0:
        raise MMLinsemError(f'stream_every must be >= 0 (0 = no intermediate images), '
                            f'got {stream_every}')
    device = next(model.head_module.parameters()).device
    with autocast(device, amp):
        start = _setup(model, latent, latent_space, target, stroke, label, space)
    return _stream(model, start, space, steps, lr, reg_init, reg_prior, predictor,
                   int(stream_every), fast, device, amp)


def _setup(model, latent, latent_space, target, stroke, label, space) -> dict:
    """Check the edit, render the original: its parameter, image, mask, target, region."""
    gen = model.generator
    size = label_size(model)
    if target is None:  # refuse a bad stroke before any forward pass
        if stroke is None or label is None:
            raise MMLinsemError('give target=MASK, or stroke=BOOL_MASK and label=CLASS')
        stroke = check_stroke(stroke, [size])
        k = model.head_module.num_classes
        if not 0 <= int(label) < k:
            raise MMLinsemError(f'label must be a class index in [0, {k}), got {label}')
    else:
        check_target(target, model.head_module.num_classes, size)
    param0 = _start(model, latent, latent_space, space)
    with torch.no_grad():
        img0, feats0 = render(gen, param0, space)
        current = predict_logits(model, img0, feats0, size, 'head').argmax(1)[0]
    if target is None:
        target = fuse_stroke(current.cpu(), stroke, label)
    target = check_target(target, model.head_module.num_classes, size).to(current.device)
    region = target != current
    if not region.any():
        what = (f'every stroke pixel is already class {int(label)}'
                if stroke is not None and label is not None else 'the target equals it')
        raise MMLinsemError(f'the edit would paint no pixel: the current mask already '
                            f'follows the target ({what}); stroke pixels of another class '
                            f'or a different target are needed')
    return dict(param0=param0, img0=img0, current=current, target=target, region=region)


def _render_with_mask(model, param, space):
    with torch.no_grad():
        img, feats = render(model.generator, param, space)
        mask = predict_logits(model, img, feats, label_size(model), 'head').argmax(1)[0]
    return img, mask


def _stream(model, start, space, steps, lr, reg_init, reg_prior, predictor, stream_every, fast,
            device, amp):
    gen, size, target = model.generator, label_size(model), start['target']
    param0, img0 = start['param0'], start['img0']
    yield dict(step=0, steps=steps, loss=None, image=img0, mask=start['current'], done=False)
    param = param0.clone()
    features_only = fast and predictor == 'head'  # the loss reads only the head's logits

    def step(p):
        img, feats = render_for_loss(gen, p, space, features_only)
        logits = predict_logits(model, img, feats, size, predictor)
        return regularised_loss(logits, target[None], p, param0, reg_init, reg_prior)

    history, final = [], None
    with frozen(model.head_module), frozen(gen):
        optimiser = adam_steps(step, param, steps, lr)
        try:
            for i in range(steps):
                frame = dict(step=i + 1, steps=steps, image=None, mask=None, done=False)
                with autocast(device, amp):
                    _, frame['loss'] = next(optimiser)
                    if stream_every and ((i + 1) % stream_every == 0 or i + 1 == steps):
                        frame['image'], frame['mask'] = _render_with_mask(model, param, space)
                history.append(frame['loss'])
                final = (frame['image'], frame['mask']) if i + 1 == steps else None
                yield frame
        finally:
            optimiser.close()
    if final is None or final[0] is None:
        with autocast(device, amp):
            final = _render_with_mask(model, param, space)
    img, pred = final
    yield dict(
        step=steps,
        steps=steps,
        done=True,
        loss=history[-1] if history else None,
        latent=param.detach(),
        space=space,
        image=img,
        mask=pred,
        target=target,
        original_image=img0,
        original_mask=start['current'],
        loss_history=history,
        **edit_metrics(img0, img, pred, target, start['region']))


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
                        predictor: str = 'head',
                        callback: Optional[Callable] = None,
                        stream_every: int = 10,
                        fast: bool = True,
                        amp=False) -> dict:
    """Edit the image of ``latent`` so that its semantics follow ``target``.

    Give the full edited mask as ``target``, or a ``stroke`` (bool mask) and ``label`` to
    paint on the current LSE mask. The default ``space='mixz'`` optimises one z per layer
    (the original's mixwp) with the SCS regularisers. Returns the edited image, its new
    mask and metrics: agreement with the target inside the edited region, mean pixel
    change outside it. ``amp``: see :func:`~.latent_optim.amp_option`.

    ``callback(step, image_or_None, loss)`` is called before the first step (step 0, the
    original image, loss None) and after every step; ``image`` (1, 3, H, W) is rendered
    every ``stream_every`` steps, else None (see :func:`iter_semantic_image_edit`). The
    result does not depend on the callback. ``fast``: with the head as predictor, each step
    runs the features-only forward (no image, split modulated convs; equal to the full
    forward up to float rounding); ``fast=False`` runs the full forward as before.

    ``lr=0.01`` is the learning rate of the original's interactive web application; the
    original's editing script used 0.002 -- pass ``lr=0.002`` to reproduce that script.
    """
    frames = iter_semantic_image_edit(
        model,
        latent,
        latent_space,
        target,
        stroke,
        label,
        space,
        steps,
        lr,
        reg_init,
        reg_prior,
        predictor,
        stream_every=stream_every if callback is not None else 0,
        fast=fast,
        amp=amp)
    for frame in frames:
        if frame['done']:
            return {k: v for k, v in frame.items() if k not in ('done', 'step', 'steps', 'loss')}
        if callback is not None:
            callback(frame['step'], frame['image'], frame['loss'])


def _at_size(mask: torch.Tensor, size) -> torch.Tensor:
    """A bool mask resized (nearest) to ``size`` when it is not already that size."""
    if tuple(mask.shape) == tuple(size):
        return mask
    return F.interpolate(mask[None, None].float(), size=tuple(size), mode='nearest')[0, 0].bool()


@amp_option
def color_edit(model,
               latent: torch.Tensor,
               stroke: torch.Tensor,
               color,
               latent_space='z',
               space: str = 'mixz',
               steps: int = 50,
               lr: float = 0.01,
               preserve: float = 1.0,
               label: Optional[int] = None) -> dict:
    """The color-space baseline of SIE: pull stroke pixels to ``color`` (RGB in [-1, 1])
    and keep the other pixels as they were; no semantics involved. ``amp`` as in SIE.

    ``stroke`` is a bool mask at the image size or at the label size (then resized,
    nearest, for the pixel loss). With ``label``, the result is scored as SIE's: the
    target is the original LSE mask with ``label`` painted on the stroke, the edited image
    is read by the LSE (``mask``) and ``target_agreement_inside`` /
    ``pixel_change_outside`` are returned (see :func:`edit_metrics`).
    """
    gen = model.generator
    size, image_size = label_size(model), tuple(gen.image_size)
    stroke = check_stroke(stroke, [image_size, tuple(size)])
    param0 = _start(model, latent, latent_space, space)
    with torch.no_grad():
        img0, feats0 = render(gen, param0, space)
    stroke = stroke.to(img0.device)
    pixels = _at_size(stroke, image_size)
    color = torch.as_tensor(color, dtype=img0.dtype, device=img0.device).view(1, 3, 1, 1)
    param = param0.clone()

    def step(p):
        img, _ = render(gen, p, space)
        inside = (img - color).pow(2).mean(1)[0][pixels].mean()
        outside = (img - img0).pow(2).mean(1)[0][~pixels].mean()
        return inside + preserve * outside

    history = run_adam(step, param, steps, lr)
    with torch.no_grad():
        img, feats = render(gen, param, space)
    out = dict(latent=param.detach(), image=img, original_image=img0, loss_history=history)
    if label is None:
        return out
    with torch.no_grad():
        current = predict_logits(model, img0, feats0, size, 'head').argmax(1)[0]
        mask = predict_logits(model, img, feats, size, 'head').argmax(1)[0]
    target = fuse_stroke(current, _at_size(stroke, size), label)
    region = target != current
    out.update(
        mask=mask,
        target=target,
        original_mask=current,
        **edit_metrics(img0, img, mask, target, region))
    return out
