"""GAN inversion of real images (the StyleGAN2 projector recipe) and blending an edit of
the inverted image back into the photo.

:func:`invert_images` optimises a latent per photo in w (one w shared by all layers, as
the official projector) or w+ (one w per layer), starting at the mean w of
``num_w_samples`` mapped z, with Adam at ``lr`` under a 5 % linear ramp-up and a 25 %
cosine ramp-down, Gaussian noise of ``0.05 * sigma_w`` added to the latent and fading
(quadratically) to zero over the first 75 % of the steps. With ``noise='optimise'`` the
generator's injected noise maps are optimised too, under a multi-scale autocorrelation
penalty (weight 1e5) and renormalised to zero mean and unit variance after every step;
``noise='fixed'`` keeps the generator's own noise buffers, so the latent alone reproduces
the reconstruction everywhere the generator renders with them (datasets, SIE).
"""
import math
import time
from contextlib import contextmanager, nullcontext
from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from mmlinsem.apis.latent_optim import frozen, label_size, predict_logits
from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation.image_quality import ms_ssim, psnr
from mmlinsem.models.losses.reconstruction_loss import build_loss

INVERSION_SPACES = ('w', 'w+')
NOISE_MODES = ('optimise', 'fixed')


def split_model(model_or_generator):
    """(SemanticExtractor or None, FeatureGenerator) of either of them."""
    if hasattr(model_or_generator, 'head_module'):
        return model_or_generator, model_or_generator.generator
    if not hasattr(model_or_generator, 'to_wp'):
        raise MMLinsemError(f'expected a SemanticExtractor or a FeatureGenerator, got '
                            f'{type(model_or_generator).__name__}')
    return None, model_or_generator


@torch.no_grad()
def w_statistics(generator, num_samples: int = 10000, seed: int = 0, chunk: int = 1024):
    """Mean w (1, C) and sigma_w (the root mean squared distance of w to it) over
    ``num_samples`` z of ``seed`` mapped without truncation."""
    if num_samples < 2:
        raise MMLinsemError(f'num_w_samples must be >= 2, got {num_samples}')
    device = next(generator.parameters()).device
    z = torch.randn(
        num_samples, generator.noise_size, generator=torch.Generator().manual_seed(seed))
    ws = torch.cat([generator.z_to_w(c.to(device)) for c in z.split(chunk)])
    mean = ws.mean(0, keepdim=True)
    return mean, float((ws - mean).pow(2).sum(1).mean().sqrt())


def lr_at(t: float, lr: float, rampup: float = 0.05, rampdown: float = 0.25) -> float:
    """The projector's learning rate at progress ``t`` in [0, 1)."""
    down = min(1.0, (1.0 - t) / rampdown) if rampdown > 0 else 1.0
    up = min(1.0, t / rampup) if rampup > 0 else 1.0
    return lr * (0.5 - 0.5 * math.cos(down * math.pi)) * up


def noise_regulariser(maps: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per-image sum over maps and scales of the squared one-pixel autocorrelations
    (horizontal and vertical), the map halved by average pooling down to 8 px."""
    total = 0
    for m in maps:
        while True:
            for dim in (2, 3):
                total = total + (m * torch.roll(m, 1, dims=dim)).flatten(1).mean(1).pow(2)
            if m.shape[2] <= 8:
                break
            m = F.avg_pool2d(m, 2)
    return total


@torch.no_grad()
def renormalise(maps: Sequence[torch.Tensor]) -> None:
    """Each image's noise map to zero mean and unit variance, in place."""
    for m in maps:
        m -= m.mean((1, 2, 3), keepdim=True)
        m *= m.pow(2).mean((1, 2, 3), keepdim=True).rsqrt()


def _check_images(images: torch.Tensor, generator) -> torch.Tensor:
    size = tuple(generator.image_size)
    if not torch.is_tensor(images) or images.ndim != 4 or images.shape[1] != 3 or \
            tuple(images.shape[-2:]) != size:
        shape = tuple(images.shape) if torch.is_tensor(images) else type(images).__name__
        raise MMLinsemError(f'images must be an (N, 3, {size[0]}, {size[1]}) RGB batch in '
                            f'[-1, 1] (the generator size; load_photo crops and resizes), '
                            f'got {shape}')
    return images.float()


def _semantic_target(model, images, weight, target_masks):
    if weight <= 0:
        return None, None
    if model is None:
        raise MMLinsemError('semantic_weight > 0 needs a SemanticExtractor with a trained head')
    size = label_size(model)
    if target_masks is None:
        if model.teacher is None:
            raise MMLinsemError('semantic_weight > 0 needs target_masks or a configured '
                                'teacher (its mask of each photo is the target)')
        with torch.no_grad():
            target_masks = model.teacher(images)
    target_masks = torch.as_tensor(target_masks).long().to(images.device)
    if tuple(target_masks.shape) != (images.shape[0], *size):
        raise MMLinsemError(f'target_masks must be (N, {size[0]}, {size[1]}), got '
                            f'{tuple(target_masks.shape)}')
    return target_masks, size


def invert_images(model_or_generator,
                  images: torch.Tensor,
                  space: str = 'w+',
                  steps: int = 300,
                  lr: float = 0.1,
                  loss: str = 'pixel+msssim',
                  semantic_weight: float = 0.0,
                  target_masks: Optional[torch.Tensor] = None,
                  noise: str = 'optimise',
                  noise_weight: float = 1e5,
                  num_w_samples: int = 10000,
                  latent_noise: float = 0.05,
                  noise_ramp: float = 0.75,
                  rampup: float = 0.05,
                  rampdown: float = 0.25,
                  seed: int = 0,
                  callback=None) -> dict:
    """Invert a batch of photos into the GAN (each photo optimised independently).

    Args:
        model_or_generator: a ``SemanticExtractor`` (needed for ``semantic_weight``) or
            its ``FeatureGenerator``.
        images: (N, 3, H, W) RGB in [-1, 1] at the generator's size.
        space: ``'w'`` or ``'w+'``.
        loss: reconstruction terms, see :func:`~.reconstruction_loss.parse_loss`.
        semantic_weight: weight of the cross-entropy between the head's logits on G(w) and
            ``target_masks`` (default: the teacher's masks of the photos).
        noise: ``'optimise'`` or ``'fixed'`` (module docstring).
        callback: called as ``callback(step, loss)`` after every step.

    Returns:
        dict: ``latents`` (N, L, C) w+ (w tiled for ``space='w'``), ``noise`` (list of
        (N, 1, h, w) maps, None for ``'fixed'``), ``images`` (reconstructions),
        ``head_masks`` (N, h, w) the head's labels of them (None for a bare generator),
        ``psnr`` and ``ms_ssim`` (N,), ``loss_history`` and ``seconds``.
    """
    model, gen = split_model(model_or_generator)
    if space not in INVERSION_SPACES:
        raise MMLinsemError(f'space must be one of {INVERSION_SPACES}, got {space!r}')
    if noise not in NOISE_MODES:
        raise MMLinsemError(f'noise must be one of {NOISE_MODES}, got {noise!r}')
    if int(steps) < 1:
        raise MMLinsemError(f'steps must be >= 1, got {steps}')
    if not (math.isfinite(lr) and lr > 0):
        raise MMLinsemError(f'lr must be a positive number, got {lr}')
    loss_fn = build_loss(loss, next(gen.parameters()).device)
    device = next(gen.parameters()).device
    photos = _check_images(images, gen).to(device)
    targets, size = _semantic_target(model, photos, semantic_weight, target_masks)
    start = time.perf_counter()
    n, layers = photos.shape[0], gen.num_latents
    w_mean, w_std = w_statistics(gen, num_w_samples, seed)
    rng = torch.Generator().manual_seed(seed)
    shape = (n, layers, w_mean.shape[1]) if space == 'w+' else (n, w_mean.shape[1])
    latent = w_mean.reshape(1, *([1] * (len(shape) - 2)), -1).expand(shape).clone()
    params = [latent.requires_grad_(True)]
    maps = None
    if noise == 'optimise':
        maps = [torch.randn(n, *b.shape[1:], generator=rng).to(device) for b in gen.noise_buffers()]
        params += [m.requires_grad_(True) for m in maps]
    fixed = [b.expand(n, -1, -1, -1) for b in gen.noise_buffers()] if maps is None else None
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))
    history = []
    with frozen(model.head_module) if model is not None else nullcontext():
        for i in range(int(steps)):
            t = i / int(steps)
            for group in opt.param_groups:
                group['lr'] = lr_at(t, lr, rampup, rampdown)
            scale = w_std * latent_noise * max(0.0, 1.0 - t / noise_ramp)**2
            jitter = torch.randn(latent.shape, generator=rng).to(device) * scale
            img, feats = _render(gen, latent + jitter, maps or fixed)
            per_image, _ = loss_fn(img, photos)
            if targets is not None:
                logits = predict_logits(model, img, feats, size, 'head')
                ce = F.cross_entropy(logits, targets, ignore_index=255, reduction='none')
                per_image = per_image + semantic_weight * ce.flatten(1).mean(1)
            if maps is not None:
                per_image = per_image + noise_weight * noise_regulariser(maps)
            total = per_image.sum()  # a sum: each photo's gradient is independent of N
            opt.zero_grad(set_to_none=True)
            total.backward()
            opt.step()
            if maps is not None:
                renormalise(maps)
            history.append(float(total.detach()) / n)
            if callback is not None:
                callback(i, history[-1])
    for p in params:
        p.requires_grad_(False)
    with torch.no_grad():
        wp = gen.to_wp(latent, space, truncate=False)
        img, feats = _render(gen, latent, maps or fixed)
        masks = None if model is None else predict_logits(model, img, feats, label_size(model),
                                                          'head').argmax(1)
    return dict(
        latents=wp.detach(),
        space=space,
        noise=[m.detach() for m in maps] if maps is not None else None,
        images=img,
        head_masks=masks,
        psnr=psnr(img, photos).cpu(),
        ms_ssim=ms_ssim(img, photos).cpu(),
        loss_history=history,
        seconds=time.perf_counter() - start)


def _render(gen, latent, maps):
    space = 'w+' if latent.ndim == 3 else 'w'
    img, feats = gen(latent, space=space, truncate=False, noise=list(maps))
    return img.float(), feats


@contextmanager
def injected_noise(generator, maps: Optional[Sequence[torch.Tensor]]):
    """Render with ``maps`` (one (1, 1, h, w) map per noise input, e.g. an inversion's)
    in place of the generator's noise buffers, restored on exit. Nothing for None."""
    if maps is None:
        yield
        return
    if generator.noise != 'fixed':
        raise MMLinsemError("the inverted noise maps need the generator's fixed noise: pass "
                            '--cfg-options model.generator.noise=fixed')
    own = generator.noise_buffers()
    shapes = [tuple(b.shape[-2:]) for b in own]
    given = [tuple(m.shape[-2:]) for m in maps]
    if given != shapes:
        raise MMLinsemError(f'noise maps must have sizes {shapes} (this generator), got {given}')
    g = generator.generator
    try:
        for i, m in enumerate(maps):
            setattr(g, f'injected_noise_{i}', m.reshape(own[i].shape).to(own[i]))
        yield
    finally:
        for i, b in enumerate(own):
            setattr(g, f'injected_noise_{i}', b)


def region_alpha(region: torch.Tensor, size, dilate: int = 2, feather: int = 2) -> torch.Tensor:
    """(H, W) blending weight in [0, 1]: ``region`` (bool, any size, resized nearest to
    ``size``) grown by ``dilate`` px, then softened by a ``feather`` px triangular filter.
    It is exactly 0 farther than ``dilate + feather`` px (chessboard distance) from the
    region and 1 inside the dilated region shrunk by ``feather`` px."""
    mask = region.float()[None, None]
    if tuple(mask.shape[-2:]) != tuple(size):
        mask = F.interpolate(mask, size=tuple(size), mode='nearest')
    if dilate > 0:
        mask = F.max_pool2d(mask, 2 * dilate + 1, stride=1, padding=dilate)
    if feather > 0:
        k = torch.cat([torch.arange(1., feather + 2), torch.arange(feather, 0., -1)])
        k = (k / k.sum()).to(mask)
        pad = F.pad(mask, (feather, ) * 4, mode='replicate')
        mask = F.conv2d(F.conv2d(pad, k.view(1, 1, 1, -1)), k.view(1, 1, -1, 1))
    return mask[0, 0].clamp(0, 1)


def blend_edit(photo: torch.Tensor,
               original_recon: torch.Tensor,
               edited: torch.Tensor,
               region_mask: torch.Tensor,
               dilate: int = 2,
               feather: int = 2) -> dict:
    """Apply an edit of the inverted image to the photo itself.

    The edited reconstruction is composited into the photo with the weight of
    :func:`region_alpha` (``region_mask``: the pixels whose label the edit changed), so the
    photo's own pixels are kept wherever the weight is 0. ``original_recon`` is only
    checked for its shape and reported: the photo, not the reconstruction, shows outside.
    Images are (3, H, W) or (1, 3, H, W) in [-1, 1].

    Returns:
        dict: ``image`` (3, H, W) the blended photo, ``alpha`` (H, W) the weight,
        ``recon_error`` mean |photo - original_recon| inside the weight (the part of the
        reconstruction error the blend shows).
    """
    photo, original_recon, edited = (
        t[0] if t.ndim == 4 else t for t in (photo, original_recon, edited))
    if not photo.shape == original_recon.shape == edited.shape or photo.ndim != 3:
        raise MMLinsemError(f'blend_edit needs three (3, H, W) images of one size, got '
                            f'{tuple(photo.shape)}, {tuple(original_recon.shape)}, '
                            f'{tuple(edited.shape)}')
    region = torch.as_tensor(region_mask).bool().to(photo.device)
    if region.ndim != 2:
        raise MMLinsemError(f'region_mask must be (H, W), got {tuple(region.shape)}')
    alpha = region_alpha(region, photo.shape[-2:], dilate, feather).to(photo)
    image = photo * (1 - alpha) + edited.to(photo) * alpha
    image = torch.where(alpha > 0, image, photo)  # exactly the photo outside
    weight = float(alpha.sum())
    error = (photo - original_recon.to(photo)).abs().mean(0)
    return dict(
        image=image,
        alpha=alpha,
        recon_error=float((error * alpha).sum() / weight) if weight > 0 else 0.0)
