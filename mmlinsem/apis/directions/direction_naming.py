"""Named latent directions: what a w direction does, read off the semantic head.

For any set of w directions (SeFa, a PCA of sampled w as GANSpace, or your own),
:func:`name_directions` moves M samples by +-strength on the chosen w+ layers and measures
with the head's masks how much each class's area and mean logit change per unit strength; a
direction is named by the classes whose area it moves most, with a *locality* score: the mean
per-pixel image change inside those classes divided by the mean change elsewhere (1 = no more
local than uniform). Region-specific directions are in :mod:`.region_directions`.

Directions are (k, d) unit rows in w, applied as :func:`mmlinsem.apis.edit_wplus` does (the
layout of ``tools/sefa.py``'s ``directions.pt``).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F

from mmlinsem.data import class_index
from mmlinsem.errors import MMLinsemError
from mmlinsem.models.generators import LayerSpec, fixed_noise, move_wplus, parse_layers
from mmlinsem.utils.seeding import latent_for


# --------------------------------------------------------------------------- latents
def sample_wplus(generator, num_samples: int, seed: int = 0) -> torch.Tensor:
    """(M, L, d) w+ latents of samples 0..M-1 of ``seed`` (``latent_for``), truncated as
    the generator is configured (as ``tools/sefa.py`` renders).

    Args:
        generator (FeatureGenerator): a style-based generator wrapper.
        num_samples (int): M.
        seed (int): the latent seed.
    """
    if not generator.style_based:
        raise MMLinsemError('semantic directions need a style-based generator (w / w+)')
    device = next(generator.generator.parameters()).device
    z = torch.stack([latent_for(seed, i, (generator.noise_size, ))
                     for i in range(num_samples)]).to(device)
    with torch.no_grad():
        return generator.to_wp(z, 'z')


def pca_directions(generator, num_directions: int = 5, num_samples: int = 20000, seed: int = 0):
    """GANSpace-style directions: principal components of sampled w.

    Args:
        generator (FeatureGenerator): a style-based generator wrapper.
        num_directions (int): how many components.
        num_samples (int): how many w to sample (GANSpace uses ~1e6; the mapping is cheap).
        seed (int): seed of the z batch.

    Returns:
        tuple: (directions (k, d) unit rows, variances (k,) along them), largest first.
    """
    if not generator.style_based:
        raise MMLinsemError('PCA directions need a style-based generator (w space)')
    device = next(generator.generator.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(num_samples, generator.noise_size, generator=gen)
    with torch.no_grad():
        w = torch.cat([generator.z_to_w(c.to(device)) for c in z.split(4096)]).double()
    w = w - w.mean(0, keepdim=True)
    vals, vecs = torch.linalg.eigh(w.t() @ w / max(len(w) - 1, 1))
    order = torch.argsort(vals, descending=True)[:num_directions]
    return vecs[:, order].t().float().contiguous(), vals[order].float()


@torch.no_grad()
def render_masks(model, wp: torch.Tensor):
    """Render w+ ``wp`` with the noise fixed: (image (N, 3, H, W), head masks (N, H, W),
    mean logit per class (N, K))."""
    img, feats = model.generator(wp, space='w+', truncate=False, noise=fixed_noise(model.generator))
    logits = model.predict_logits(feats, tuple(img.shape[-2:])).float()
    return img.float(), logits.argmax(1), logits.mean((2, 3))


def class_indices(model, classes) -> List[int]:
    """Sorted indices of ``classes`` (names or indices, a list or a comma-separated string)
    among the head's classes; an unknown name or an index out of range is one error."""
    if isinstance(classes, str):
        classes = [c for c in classes.split(',') if c.strip()]
    ids = [class_index(model.classes, c) for c in classes]
    if not ids:
        raise MMLinsemError('no classes given')
    return sorted(set(ids))


# ------------------------------------------------------------------------ measuring
def measure_direction(model,
                      direction: torch.Tensor,
                      layers: LayerSpec = 'all',
                      strength: float = 3.0,
                      wp: Optional[torch.Tensor] = None,
                      num_samples: int = 16,
                      seed: int = 0,
                      batch_size: int = 16) -> dict:
    """Edit M samples by -strength and +strength and read the head's masks.

    Args:
        model (SemanticExtractor): generator + trained head.
        direction (Tensor): (d,) direction in w.
        layers (str | list[int]): w+ indices the edit moves (see :func:`parse_layers`).
        strength (float): the edit's size along ``direction`` (its norm is kept).
        wp (Tensor, optional): (M, L, d) base latents; default :func:`sample_wplus`.
        num_samples (int): M when ``wp`` is None.
        seed (int): latent seed when ``wp`` is None.
        batch_size (int): samples per forward.

    Returns:
        dict: ``masks`` (3, M, H, W) labels at (-s, 0, +s); ``change`` (2, M, H, W) the
        per-pixel image change (mean |delta RGB| over channels, RGB in [-1, 1]) at -s and
        +s; ``area`` (3, K) and ``logit`` (3, K) mean class area fraction and mean class
        logit at (-s, 0, +s); ``strength``.
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    if wp is None:
        wp = sample_wplus(g, num_samples, seed)
    k = len(model.classes)
    masks, change, area, logit = [], [], [], []
    for part in wp.split(batch_size):
        renders = [
            render_masks(model, move_wplus(part, a * direction, idx))
            for a in (-strength, 0, strength)
        ]
        base = renders[1][0]
        masks.append(torch.stack([r[1] for r in renders]))
        change.append(torch.stack([(renders[i][0] - base).abs().mean(1) for i in (0, 2)]))
        area.append(torch.stack([F.one_hot(r[1], k).float().mean((1, 2)).sum(0) for r in renders]))
        logit.append(torch.stack([r[2].sum(0) for r in renders]))
    n = len(wp)
    return dict(
        masks=torch.cat(masks, 1).cpu(),
        change=torch.cat(change, 1).cpu(),
        area=(sum(area) / n).cpu(),
        logit=(sum(logit) / n).cpu(),
        strength=float(strength))


def locality_score(measure: dict, class_ids: Sequence[int]) -> float:
    """Mean per-pixel image change inside the classes' region ÷ mean change elsewhere.

    The region of an edit at -s (or +s) is every pixel labelled one of ``class_ids`` before
    or after it. 1 means the edit is no more local than a uniform change.

    Args:
        measure (dict): the output of :func:`measure_direction`.
        class_ids (list[int]): the classes (indices) of the region.
    """
    masks, change = measure['masks'], measure['change']
    ids = torch.as_tensor(list(class_ids))
    inside = outside = n_in = n_out = 0.0
    for j, after in enumerate((0, 2)):
        region = torch.isin(masks[1], ids) | torch.isin(masks[after], ids)
        inside += float(change[j][region].sum())
        outside += float(change[j][~region].sum())
        n_in += int(region.sum())
        n_out += int((~region).sum())
    if n_in == 0:
        return float('nan')
    mean_out = outside / max(n_out, 1)
    return (inside / n_in) / max(mean_out, 1e-12)


def image_change(measure: dict) -> float:
    """Mean per-pixel image change of the edit (both signs, all samples)."""
    return float(measure['change'].mean())


def name_directions(model,
                    directions: torch.Tensor,
                    layers: LayerSpec = 'all',
                    strength: float = 3.0,
                    num_samples: int = 16,
                    seed: int = 0,
                    max_names: int = 2,
                    name_ratio: float = 0.5,
                    wp: Optional[torch.Tensor] = None,
                    classes=None) -> List[dict]:
    """Name each direction by the classes whose area it changes most.

    Args:
        model (SemanticExtractor): generator + trained head.
        directions (Tensor): (k, d) directions in w.
        layers (str | list[int]): w+ indices the edits move.
        strength (float): edits at -strength and +strength.
        num_samples (int): M samples (``latent_for(seed, i)``).
        seed (int): latent seed.
        max_names (int): at most this many classes in a name.
        name_ratio (float): a class joins the name when its area change is at least this
            fraction of the largest one's.
        wp (Tensor, optional): (M, L, d) base latents instead of sampling.
        classes (str | list[str], optional): also score every direction's locality for
            these classes (``class_locality``), whatever its name.

    Returns:
        list[dict]: per direction: ``index``, ``name`` (e.g. ``'hair+ skin-'``: + means
        the class grows along +direction; classes that move the same area, as one that
        replaces another, are ranked by their mean-logit change; ``''`` when no class
        moves), ``classes`` (the named ones), ``locality``
        (:func:`locality_score` of the named classes), ``image_change`` (mean per-pixel
        image change per unit strength), ``area_change`` / ``logit_change`` ({class:
        signed change per unit strength, (+s minus -s) / 2s}), ``area_moved`` ({class:
        mean |area change| per unit strength, over both signs}).
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    if wp is None:
        wp = sample_wplus(g, num_samples, seed)
    names = list(model.classes)
    wanted = class_indices(model, classes) if classes is not None else None
    table = []
    for i, d in enumerate(directions):
        m = measure_direction(model, d, idx, strength, wp=wp)
        area, logit, s = m['area'], m['logit'], float(strength)
        signed_area = (area[2] - area[0]) / (2 * s)
        signed_logit = (logit[2] - logit[0]) / (2 * s)
        moved = ((area[2] - area[1]).abs() + (area[0] - area[1]).abs()) / (2 * s)
        score = moved if float(moved.max()) > 0 else signed_logit.abs()
        # rank by area moved; equal moves (one class replacing another) by logit change
        order = sorted(
            range(len(names)),
            key=lambda c: (round(float(score[c]), 6), abs(float(signed_logit[c]))),
            reverse=True)
        top = [c for c in order[:max_names] if score[c] >= name_ratio * score[order[0]]]
        if float(score.max()) <= 0:  # moves no class at all: no name
            top = []
        sign = signed_area if float(moved.max()) > 0 else signed_logit
        table.append(
            dict(
                index=i,
                name=' '.join(f'{names[c]}{"+" if sign[c] >= 0 else "-"}' for c in top),
                classes=[names[c] for c in top],
                locality=locality_score(m, top),
                image_change=image_change(m) / s,
                area_change={
                    n: float(v)
                    for n, v in zip(names, signed_area)
                },
                area_moved={
                    n: float(v)
                    for n, v in zip(names, moved)
                },
                logit_change={
                    n: float(v)
                    for n, v in zip(names, signed_logit)
                }))
        if wanted is not None:
            table[-1]['class_locality'] = locality_score(m, wanted)
    return table


def strength_for_change(model,
                        direction: torch.Tensor,
                        target: float,
                        layers: LayerSpec = 'all',
                        wp: Optional[torch.Tensor] = None,
                        num_samples: int = 16,
                        seed: int = 0,
                        steps: int = 3) -> float:
    """The strength at which the edit's mean per-pixel image change equals ``target``.

    Args:
        model (SemanticExtractor): generator + head.
        direction (Tensor): (d,) direction.
        target (float): the mean per-pixel image change to reach (RGB in [-1, 1]).
        layers (str | list[int]): w+ indices the edit moves.
        wp (Tensor, optional): base latents; default :func:`sample_wplus`.
        num_samples (int): M when ``wp`` is None.
        seed (int): latent seed when ``wp`` is None.
        steps (int): proportional refinements after the first linear guess.
    """
    if wp is None:
        wp = sample_wplus(model.generator, num_samples, seed)
    s = 1.0
    for _ in range(steps + 1):
        c = image_change(measure_direction(model, direction, layers, s, wp=wp))
        if c <= 0:
            raise MMLinsemError('the direction does not change the image at all')
        s = s * target / c
    return float(s)
