"""Ensemble uncertainty of per-pixel classifiers (the DatasetGAN protocol).

K heads give K per-pixel class distributions ``p_k``. The ensemble's label is the per-pixel
mode of the members' argmax votes; its uncertainty is the Jensen-Shannon divergence of the
members, ``JS = H(mean_k p_k) - mean_k H(p_k)`` (natural log: 0 when all members agree,
at most ``ln K``), computed from *probabilities* (softmax of the logits), never from the
logits themselves. An image's score is the mean of its most uncertain ``top_frac`` (10 %)
pixel JS values; the most uncertain ``drop_frac`` of the images are dropped.
"""
import math
from typing import Sequence, Union

import torch

from mmlinsem.errors import MMLinsemError


def _stack(probs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """(K, N, C, H, W) float tensor from a tensor or a list of K (N, C, H, W) tensors."""
    if not torch.is_tensor(probs):
        probs = torch.stack(list(probs))
    if probs.ndim != 5:
        raise MMLinsemError(f'expected K member probabilities of shape (K, N, C, H, W), got '
                            f'{tuple(probs.shape)}')
    return probs.float()


def entropy(probs: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Shannon entropy (nats) along ``dim``, with ``0 log 0 = 0``.

    Args:
        probs (Tensor): probabilities (non-negative, summing to 1 along ``dim``).
        dim (int): the class dimension.

    Returns:
        Tensor: ``probs`` without ``dim``.
    """
    return -torch.special.xlogy(probs, probs).sum(dim)


def js_divergence(probs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """Per-pixel Jensen-Shannon divergence of an ensemble: ``H(mean p) - mean H(p)``.

    Args:
        probs (Tensor | list[Tensor]): the members' probabilities, (K, N, C, H, W) or a
            list of K (N, C, H, W) tensors (softmax outputs, not logits).

    Returns:
        Tensor: (N, H, W) JS values in nats, in ``[0, ln K]``.
    """
    probs = _stack(probs)
    js = entropy(probs.mean(0), dim=1) - entropy(probs, dim=2).mean(0)
    return js.clamp(min=0)  # rounding can leave -1e-7 where members agree


def ensemble_label(probs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """Per-pixel mode of the members' argmax labels.

    A tie between classes with the same number of votes goes to the one with the highest
    mean probability (then the lowest index).

    Args:
        probs (Tensor | list[Tensor]): (K, N, C, H, W) member probabilities.

    Returns:
        Tensor: (N, H, W) int64 labels.
    """
    probs = _stack(probs)
    num_classes = probs.shape[2]
    votes = torch.nn.functional.one_hot(probs.argmax(2), num_classes).sum(0)  # N, H, W, C
    # votes differ by >= 1; 0.5 x the mean probability (<= 0.5) only breaks ties
    return (votes.permute(0, 3, 1, 2).float() + 0.5 * probs.mean(0)).argmax(1)


def image_scores(js: torch.Tensor, top_frac: float = 0.1) -> torch.Tensor:
    """Image uncertainty: the mean of each image's ``top_frac`` largest pixel JS values.

    Args:
        js (Tensor): (N, H, W) per-pixel JS divergence.
        top_frac (float): fraction of the pixels averaged, in (0, 1]; at least one pixel.

    Returns:
        Tensor: (N, ) scores.
    """
    if not 0 < top_frac <= 1:
        raise MMLinsemError(f'top_frac must be in (0, 1], got {top_frac}')
    flat = js.reshape(js.shape[0], -1)
    k = max(1, int(math.ceil(top_frac * flat.shape[1] - 1e-9)))
    return flat.topk(k, dim=1).values.mean(1)


def keep_mask(scores, drop_frac: float = 0.1) -> torch.Tensor:
    """Which images to keep when the ``drop_frac`` most uncertain ones are dropped.

    ``round(drop_frac * n)`` images with the highest scores are dropped; among equal
    scores the later index goes first, so the choice is a function of the scores alone.

    Args:
        scores (Tensor | Sequence[float]): (n, ) image scores.
        drop_frac (float): fraction dropped, in [0, 1).

    Returns:
        Tensor: (n, ) bool, True = kept.
    """
    if not 0 <= drop_frac < 1:
        raise MMLinsemError(f'the dropped fraction must be in [0, 1), got {drop_frac}')
    scores = torch.as_tensor(scores, dtype=torch.float64).reshape(-1)
    n = scores.numel()
    drop = int(round(drop_frac * n))
    keep = torch.ones(n, dtype=torch.bool)
    if drop:
        # sort by (score, index) descending: stable sort of -score keeps index order, so
        # sort the reversed sequence to let the later index of a tie go first
        order = torch.argsort(-scores.flip(0), stable=True)
        worst = n - 1 - order[:drop]
        keep[worst] = False
    return keep


def ensemble_uncertainty(logits: Union[torch.Tensor, Sequence[torch.Tensor]],
                         top_frac: float = 0.1) -> dict:
    """Label, per-pixel JS and image score of an ensemble from the members' *logits*.

    Args:
        logits (Tensor | list[Tensor]): K member logits (N, C, H, W) (softmaxed here).
        top_frac (float): the image score's pixel fraction (see :func:`image_scores`).

    Returns:
        dict: ``label`` (N, H, W) int64, ``js`` (N, H, W), ``score`` (N, ),
        ``probs`` (N, C, H, W) mean probability.
    """
    probs = _stack(logits).softmax(2)
    js = js_divergence(probs)
    return dict(
        label=ensemble_label(probs), js=js, score=image_scores(js, top_frac), probs=probs.mean(0))
