"""Ensembles of semantic heads for uncertainty: head checkpoints loaded as members,
bootstrap closed-form LSEs fitted on an annotated set, and the ensemble's per-pixel label and
uncertainty (:mod:`.uncertainty`) on one feature batch. Used by :mod:`.dataset_export`.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F

from mmlinsem.datasets import AnnotatedLatentDataset
from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation.uncertainty import ensemble_uncertainty
from mmlinsem.models.heads import LSEHead
from mmlinsem.models.heads.closed_form_lse import (balanced_pixels, refine_cross_entropy,
                                                   sample_features)
from mmlinsem.utils.checkpoint_io import read_checkpoint
from mmlinsem.utils.seeding import latent_for, noise_for, sample_seed


def _head_state(checkpoint: str) -> dict:
    if not osp.isfile(checkpoint):
        raise MMLinsemError(f'checkpoint not found: {checkpoint}')
    ckpt = read_checkpoint(checkpoint, expected='a head checkpoint written by tools/train.py')
    return ckpt.get('state_dict', ckpt)


def load_head(model, checkpoint: str) -> torch.nn.Module:
    """A copy of ``model``'s head holding the head weights of another checkpoint.

    Args:
        model: a ``SemanticExtractor`` (e.g. ``LinSemInferencer(...).model``).
        checkpoint (str): a head checkpoint of the same architecture (``tools/train.py``).

    Returns:
        nn.Module: the head, on the model's device, in eval mode.
    """
    state = _head_state(checkpoint)
    if '_extra_state' in state:  # the extractor's layers / classes / head type
        model.set_extra_state(state['_extra_state'])
    head_state = {k[len('head.'):]: v for k, v in state.items() if k.startswith('head.')}
    if not head_state:
        raise MMLinsemError(f'{checkpoint} holds no head weights (no "head." keys)')
    head = copy.deepcopy(model.head_module)
    try:
        head.load_state_dict(head_state, strict=True)
    except RuntimeError as err:
        raise MMLinsemError(f'{checkpoint} does not fit the config head: '
                            f'{str(err).splitlines()[0]}') from None
    return head.eval()


def _lse_template(model):
    head = model.head_module
    if isinstance(head, LSEHead):
        return head
    return LSEHead(in_channels=list(model.generator.channels), num_classes=head.num_classes)


@torch.no_grad()
def _annotated_samples(model, annotations, num_annotated, annotation_seed, latent_space):
    """(latents, masks, space, seeds) of the annotated set: a folder in the layout of
    ``AnnotatedLatentDataset`` or, without one, teacher-labelled generated samples."""
    if annotations is not None:
        ds = AnnotatedLatentDataset(
            annotations, metainfo=dict(classes=list(model.classes)), latent_space=latent_space)
        items = [ds[i] for i in range(len(ds))]
        return ([it['inputs'] for it in items], [it['gt_label'] for it in items], latent_space,
                [it['sample_seed'] for it in items])
    if model.teacher is None:
        raise MMLinsemError('a bootstrap ensemble needs an annotated set (latents/ + masks/) '
                            'or a config with a teacher')
    if num_annotated < 1:
        raise MMLinsemError(f'num_annotated must be >= 1, got {num_annotated}')
    device = next(model.head_module.parameters()).device
    z = [
        latent_for(annotation_seed, i, (model.generator.noise_size, )) for i in range(num_annotated)
    ]
    seeds = [sample_seed(annotation_seed, i) for i in range(num_annotated)]
    masks = []
    for s in range(0, num_annotated, 8):
        zb = torch.stack(z[s:s + 8]).to(device)
        img, _ = model.generator(
            zb, space='z', noise=noise_for(model.generator, seeds[s:s + 8], device))
        masks.extend(model.teacher(img).cpu())
    return z, masks, 'z', seeds


@torch.no_grad()
def bootstrap_lse_ensemble(model,
                           num_members: int,
                           annotations: Optional[str] = None,
                           num_annotated: int = 16,
                           annotation_seed: int = 1116,
                           latent_space: str = 'w+',
                           pixels_per_image: int = 1024,
                           ridge: float = 1e-3,
                           ce_steps: int = 0,
                           seed: int = 0) -> List[torch.nn.Module]:
    """``num_members`` closed-form LSEs, each fitted on a bootstrap resample of an
    annotated set.

    Each annotated sample gives ``pixels_per_image`` class-balanced pixels (as
    :func:`fit_lse_closed_form`); member ``m`` resamples the samples, and each drawn
    sample's pixels, with replacement (a function of (seed, m)), solves the ridge
    regression of one-hot labels on those pixels' features and, with ``ce_steps``, refines
    it by L-BFGS on their importance-weighted cross-entropy.

    Args:
        model: a ``SemanticExtractor``; its head is not changed.
        num_members (int): ensemble size K.
        annotations (str, optional): a folder ``latents/NAME.npy`` + ``masks/NAME.png``
            (``AnnotatedLatentDataset``, e.g. written by ``tools/make_fewshot_set.py``);
            None: ``num_annotated`` generated samples labelled by the config's teacher.
        num_annotated (int): size of the teacher-labelled set (without ``annotations``).
        annotation_seed (int): its latents are ``latent_for(annotation_seed, i)``.
        latent_space (str): space of the folder's latents ('z', 'w' or 'w+').
        pixels_per_image (int): balanced pixels drawn per annotated sample.
        ridge (float): ridge lambda relative to the mean diagonal of ``X^T X``.
        ce_steps (int): L-BFGS cross-entropy iterations after the ridge solution.
        seed (int): seed of the pixel picks and of the resampling.

    Returns:
        list[nn.Module]: K ``LSEHead`` modules in eval mode.
    """
    if num_members < 1:
        raise MMLinsemError(f'the ensemble needs >= 1 member, got {num_members}')
    template = _lse_template(model)
    device = next(model.head_module.parameters()).device
    k, d = template.num_classes, sum(template.in_channels)
    latents, masks, space, seeds = _annotated_samples(model, annotations, num_annotated,
                                                      annotation_seed, latent_space)
    gen = torch.Generator().manual_seed(sample_seed(seed, 7919))
    xs, ys, ws = [], [], []
    for lat, mask, s in zip(latents, masks, seeds):
        img, feats = model.generator(
            lat[None].to(device), space=space, noise=noise_for(model.generator, [s], device))
        mask = mask[None].long()
        h, w = mask.shape[-2:]
        rows, cols = balanced_pixels(mask, pixels_per_image, k, gen)
        xs.append(sample_features(feats, rows, cols, (h, w)).reshape(-1, d).float().cpu())
        picked = mask[0, rows[0], cols[0]]
        area = torch.bincount(mask.flatten().clamp(max=k - 1), minlength=k).float()
        picks = torch.bincount(picked.clamp(max=k - 1), minlength=k).float().clamp(min=1)
        ys.append(picked)
        ws.append((area / picks)[picked.clamp(max=k - 1)] * (pixels_per_image / (h * w)))
    n = len(xs)
    members = []
    for m in range(num_members):
        g = torch.Generator().manual_seed(sample_seed(seed, 100003 + m))
        draw = torch.randint(0, n, (n, ), generator=g)
        pix = torch.randint(0, pixels_per_image, (n, pixels_per_image), generator=g)
        x = torch.cat([xs[int(i)][p] for i, p in zip(draw, pix)]).to(device)
        y = torch.cat([ys[int(i)][p] for i, p in zip(draw, pix)]).to(device)
        wt = torch.cat([ws[int(i)][p] for i, p in zip(draw, pix)]).to(device)
        valid = y < k  # 255 = ignore
        x, y, wt = x[valid], y[valid], wt[valid]
        xd = x.double()
        xtx = xd.t() @ xd
        xty = xd.t() @ F.one_hot(y, k).double()
        lam = ridge * xtx.diagonal().mean().clamp(min=1e-12)
        weight = torch.linalg.solve(xtx + lam * torch.eye(d, dtype=xtx.dtype, device=device), xty)
        if ce_steps > 0:
            weight = refine_cross_entropy(weight.float(), [(x, y, wt)], ce_steps)
        head = copy.deepcopy(template).to(device)
        head.set_linear_weight(weight.t())
        members.append(head.eval())
    return members


@torch.no_grad()
def ensemble_predict(heads: Sequence[torch.nn.Module], feats, size, top_frac: float = 0.1):
    """Label and uncertainty of an ensemble of heads on one feature batch.

    Args:
        heads (list[nn.Module]): K heads (``head(feats, size=size)`` -> logits).
        feats (list[Tensor]): the generator's feature maps.
        size (tuple): (H, W) of the labels.
        top_frac (float): pixel fraction of the image score.

    Returns:
        dict: ``label`` (N, H, W), ``js`` (N, H, W), ``score`` (N, ) -- JS 0 for one head.
    """
    logits = [head(feats, size=tuple(size)) for head in heads]
    return ensemble_uncertainty(logits, top_frac)
