"""Closed-form LSE: ridge regression of one-hot labels on sampled pixels' features.

Because the LSE is linear in the (upsampled) features, it can be fitted without SGD:
stream generated images, sample pixels, read each layer's feature at those pixels exactly
as bilinear ``align_corners=True`` upsampling would (``grid_sample``), and accumulate
``X^T X`` and ``X^T Y`` (Y one-hot). ``W = (X^T X + lambda I)^-1 X^T Y`` is then split into
the per-layer 1x1 convs of an ``LSEHead``. Memory is O(D^2) for D feature channels, never a
full-resolution feature tensor.
"""
from typing import Callable, Iterator, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_rank, get_world_size
from mmengine.logging import print_log

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.seeding import latent_for
from ..utils import sample_points
from .lse_head import LSEHead


def sample_features(feats: List[torch.Tensor], rows: torch.Tensor, cols: torch.Tensor,
                    size) -> torch.Tensor:
    """Features of pixels (rows, cols) of an image of ``size``, as the LSE sees them.

    Args:
        feats: per-layer (N, C_l, h_l, w_l) maps.
        rows, cols: (N, P) integer pixel coordinates at ``size``.
    Returns:
        (N, P, sum C_l): bilinear, align_corners=True values, identical to upsampling the
        map to ``size`` and reading those pixels.
    """
    return torch.cat([sample_points(f, rows, cols, size) for f in feats], 1).transpose(1, 2)


@torch.no_grad()
def balanced_pixels(labels: torch.Tensor, per_image: int, num_classes: int, gen: torch.Generator):
    """(rows, cols) of ``per_image`` pixels per image, split evenly over the classes
    present (with replacement), so rare classes weigh as much as large ones."""
    rows, cols = [], []
    w = labels.shape[-1]
    for lab in labels.cpu():
        flat = lab.flatten()
        present = flat.unique()
        present = present[present < num_classes]
        if len(present) == 0:  # nothing annotated: uniform picks, dropped by the caller
            present = flat.unique()
        share = max(1, per_image // len(present))
        picks = []
        for c in present:
            where = (flat == c).nonzero()[:, 0]
            picks.append(where[torch.randint(0, len(where), (share, ), generator=gen)])
        pick = torch.cat(picks)[:per_image]
        if len(pick) < per_image:  # pad by repeating (keeps a rectangular batch)
            pick = pick[torch.arange(per_image) % len(pick)]
        rows.append(pick // w)
        cols.append(pick % w)
    return torch.stack(rows), torch.stack(cols)


@torch.no_grad()
def pick_pixel_features(feats: List[torch.Tensor],
                        labels: torch.Tensor,
                        pixels_per_image: int,
                        num_classes: int,
                        gen: torch.Generator,
                        balanced: bool = False,
                        with_weights: bool = False):
    """``(x, y[, weights])`` of ``pixels_per_image`` pixels picked from each labelled
    image of a batch (see :func:`iter_pixel_features`). Pixels whose label is not a class
    (255 = ignore, unannotated) are dropped from the result; balanced picks skip them."""
    k = num_classes
    d = sum(f.shape[1] for f in feats)
    n, (h, w) = len(labels), labels.shape[-2:]
    if balanced:
        rows, cols = balanced_pixels(labels, pixels_per_image, k, gen)
    else:
        rows = torch.randint(0, h, (n, pixels_per_image), generator=gen)
        cols = torch.randint(0, w, (n, pixels_per_image), generator=gen)
    x = sample_features(feats, rows, cols, (h, w)).reshape(-1, d)
    dev = labels.device
    picked = labels[torch.arange(n, device=dev)[:, None], rows.to(dev), cols.to(dev)]
    keep = (picked < k).reshape(-1)
    if bool(keep.all()):
        keep = slice(None)  # no copy when every pick is a class
    if not with_weights:
        return x[keep], picked.reshape(-1)[keep]
    weights = torch.ones_like(picked, dtype=torch.float32)
    if balanced:
        for i in range(n):
            valid = picked[i] < k
            area = torch.bincount(labels[i][labels[i] < k], minlength=k).float()
            picks = torch.bincount(picked[i][valid], minlength=k).float().clamp(min=1)
            weights[i][valid] = (area / picks)[picked[i][valid]] * (pixels_per_image / (h * w))
    return x[keep], picked.reshape(-1)[keep], weights.reshape(-1)[keep]


@torch.no_grad()
def iter_pixel_features(model,
                        num_images: int,
                        pixels_per_image: int = 1024,
                        batch_size: int = 8,
                        seed: int = 12345,
                        balanced: bool = False,
                        label_fn: Optional[Callable] = None,
                        space: Optional[str] = None,
                        rank: int = 0,
                        world_size: int = 1,
                        gen: Optional[torch.Generator] = None,
                        with_weights: bool = False) -> Iterator[Tuple[torch.Tensor, ...]]:
    """Features and labels of sampled pixels of generated images, a batch at a time.

    Images ``i in range(rank, num_images, world_size)`` (latents ``latent_for(seed, i)``),
    ``batch_size`` at a time, are generated with their features and teacher labels;
    ``pixels_per_image`` pixels of each are picked -- ``balanced``: split evenly over the
    classes present (``balanced_pixels``), else uniformly -- and read with
    ``sample_features``.

    Args:
        space: latent space passed to ``model.generate`` (None: the model's own).
        label_fn: ``(images, feats) -> labels``; default: the model's teacher labels.
        gen: CPU generator of the pixel picks; default ``Generator().manual_seed(seed)``.
        with_weights: also yield importance weights (P, ): a picked pixel of class c
            stands for ``area_c / picks_c`` pixels of its image, so weighted sums over the
            picks estimate sums over all pixels (1 for uniform picks).
    Yields:
        ``(x, y[, weights])``: (P, D) features on the model's device and their (P, )
        labels, P = images in the batch x ``pixels_per_image``.
    """
    head = model.head_module
    k, device = head.num_classes, next(head.parameters()).device
    if gen is None:
        gen = torch.Generator().manual_seed(seed)
    indices = list(range(rank, num_images, world_size))
    for start in range(0, len(indices), batch_size):
        idx = indices[start:start + batch_size]
        z = torch.stack([latent_for(seed, i, (model.generator.noise_size, )) for i in idx])
        img, feats, labels = model.generate(z.to(device), space=space)
        if label_fn is not None:
            labels = label_fn(img, feats)
        yield pick_pixel_features(feats, labels, pixels_per_image, k, gen, balanced, with_weights)


def fit_lse_closed_form(model,
                        num_images: int = 256,
                        pixels_per_image: int = 1024,
                        batch_size: int = 8,
                        ridge: float = 1e-3,
                        seed: int = 12345,
                        balanced: bool = True,
                        label_fn: Optional[Callable] = None,
                        log_interval: int = 0,
                        ce_steps: int = 0):
    """Fit ``model.head`` (an ``LSEHead``) in closed form; returns the accumulated stats.

    Args:
        model: a ``SemanticExtractor`` whose head is an ``LSEHead``.
        num_images: generated images used (split over DDP ranks; stats all-reduced).
        pixels_per_image: pixels sampled per image.
        balanced: split them evenly over the classes present (least squares on one-hot
            targets otherwise never lets small classes win the argmax); False: uniform.
        ridge: lambda relative to the mean diagonal of ``X^T X``.
        seed: latents are ``latent_for(seed, i)`` -- a pure function of (seed, i).
        label_fn: ``(images, feats) -> labels``; default: the model's teacher.
        ce_steps: then minimise the pixel cross-entropy -- the SGD objective -- from the
            ridge solution with that many L-BFGS iterations on the same sampled pixels
            (importance-weighted, so balanced picks count as the whole image). Keeps the
            picks in memory: 4 x pixels x D bytes.
    """
    head = _lse_head(model)
    if label_fn is None and model.teacher is None:
        raise MMLinsemError('closed-form fitting needs labels: configure a teacher')
    rank, world = get_rank(), get_world_size()
    num_local = len(range(rank, num_images, world))
    batches = iter_pixel_features(
        model,
        num_images,
        pixels_per_image,
        batch_size,
        seed,
        balanced,
        label_fn,
        space='z',
        rank=rank,
        world_size=world,
        gen=torch.Generator().manual_seed(seed * 7919 + rank),
        with_weights=True)

    def progress(b):
        if log_interval and b % log_interval == 0:
            done = min((b + 1) * batch_size, num_local)
            print_log(f'closed-form LSE: {done}/{num_local} images', logger='current')

    xtx, xty = solve_lse(head, batches, ridge, ce_steps, world, progress)
    return dict(xtx=xtx, xty=xty, num_pixels=num_local * pixels_per_image)


def _lse_head(model):
    head = model.head_module
    if not isinstance(head, LSEHead):
        raise MMLinsemError(f'closed-form fitting needs an LSEHead, got {type(head).__name__}')
    return head


def fit_lse_on_annotations(model,
                           latents: torch.Tensor,
                           masks: torch.Tensor,
                           latent_space: Optional[str] = None,
                           pixels_per_image: int = 4096,
                           balanced: bool = True,
                           ridge: float = 1e-3,
                           ce_steps: int = 100,
                           seed: int = 0,
                           batch_size: int = 8,
                           progress: Optional[Callable] = None) -> dict:
    """Fit ``model.head`` (an ``LSEHead``) on a user's annotated samples in closed form
    (ridge on balanced pixel picks) + ``ce_steps`` L-BFGS steps of the pixel
    cross-entropy -- the few-shot LSE in seconds instead of an SGD schedule.

    Args:
        latents: (N, ...) latents of the annotated samples, in ``latent_space`` (default:
            the generator's reading of their shape, ``FeatureGenerator.space_of``: w+ for
            (N, L, C), w for (N, C), z for a z-only generator).
        masks: (N, H, W) class indices at the label size; 255 = not annotated (ignored).
        progress: ``progress(done, total, stage)`` with stage 'features' or 'refine'.
    Returns:
        dict(num_pixels=..., seconds=...).
    """
    import time
    head = _lse_head(model)
    if len(latents) != len(masks) or len(latents) == 0:
        raise MMLinsemError(f'expected as many latents as masks (at least one), got '
                            f'{len(latents)} latents and {len(masks)} masks')
    start = time.perf_counter()
    if latent_space is None:
        latent_space = model.generator.space_of(latents)
    device = next(head.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    total, picked = len(latents), [0]

    def batches():
        for b in range(0, total, batch_size):
            z = latents[b:b + batch_size].to(device)
            _, feats, _ = model.generate(z, space=latent_space)
            labels = masks[b:b + batch_size].to(device).long()
            x, y, wts = pick_pixel_features(feats, labels, pixels_per_image, head.num_classes, gen,
                                            balanced, True)
            picked[0] += len(y)
            yield x, y, wts
            if progress is not None:
                progress(min(b + batch_size, total), total, 'features')
        if progress is not None and ce_steps > 0:
            progress(total, total, 'refine')

    solve_lse(head, batches(), ridge, ce_steps)
    return dict(num_pixels=picked[0], seconds=time.perf_counter() - start)


def solve_lse(head,
              batches,
              ridge: float,
              ce_steps: int = 0,
              world_size: int = 1,
              progress: Optional[Callable] = None):
    """Accumulate ``X^T X``, ``X^T Y`` over ``(x, y, weights)`` batches, solve the ridge
    regression, optionally refine with ``ce_steps`` L-BFGS iterations of the weighted
    cross-entropy, and set the weights of the ``LSEHead`` ``head``; returns (xtx, xty).
    ``progress(b)`` is called after batch ``b``."""
    k, d = head.num_classes, sum(head.in_channels)
    device = next(head.parameters()).device
    xtx = torch.zeros(d, d, dtype=torch.float64, device=device)
    xty = torch.zeros(d, k, dtype=torch.float64, device=device)
    kept = []  # (x, y, weights) for the cross-entropy stage
    for b, (x, y, wts) in enumerate(batches):
        if ce_steps > 0:
            kept.append((x.float(), y.to(device), wts.to(device)))
        x = x.double()
        y = F.one_hot(y.to(device), k).double()
        xtx += x.t() @ x
        xty += x.t() @ y
        if progress is not None:
            progress(b)
    if world_size > 1:
        all_reduce(xtx)
        all_reduce(xty)
    if not bool(xtx.diagonal().gt(0).any()):
        raise MMLinsemError('closed-form fitting found no labelled pixel (every label is '
                            'ignore/255 or the set is empty)')
    lam = ridge * xtx.diagonal().mean().clamp(min=1e-12)
    weight = torch.linalg.solve(xtx + lam * torch.eye(d, dtype=xtx.dtype, device=device),
                                xty)  # (D, K)
    if ce_steps > 0:
        weight = refine_cross_entropy(weight.float(), kept, ce_steps, world_size)
    head.set_linear_weight(weight.t())
    return xtx, xty


def refine_cross_entropy(weight: torch.Tensor, batches, steps: int, world_size: int = 1):
    """L-BFGS on the importance-weighted pixel cross-entropy of ``x @ weight`` over the
    kept ``(x, y, weights)`` batches (summed over DDP ranks); returns the new (D, K)."""
    weight = weight.contiguous().clone().requires_grad_(True)
    total = sum(float(w.sum()) for _, _, w in batches)
    total = torch.tensor(total, device=weight.device)
    if world_size > 1:
        all_reduce(total)
    opt = torch.optim.LBFGS([weight],
                            lr=1,
                            max_iter=steps,
                            history_size=20,
                            line_search_fn='strong_wolfe')

    def closure():
        opt.zero_grad()
        loss = sum((F.cross_entropy(x @ weight, y, reduction='none') * w).sum()
                   for x, y, w in batches) / total
        loss.backward()
        if world_size > 1:  # same objective, same steps on every rank
            all_reduce(loss.data)
            all_reduce(weight.grad)
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return weight.detach().double()
