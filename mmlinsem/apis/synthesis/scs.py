"""Semantic-Conditional Sampling: images whose semantics follow a target mask."""
from typing import Sequence

import numpy as np
import torch
from mmengine.logging import print_log

from mmlinsem.apis.latent_optim import (amp_option, check_target, frozen, init_param, label_size,
                                        predict_logits, regularised_loss, render, render_for_loss,
                                        run_adam)
from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation import aggregate_iou, per_image_iou
from mmlinsem.utils.seeding import latent_for, sample_seed


@amp_option
def semantic_conditional_sample(model,
                                target,
                                seed: int = 0,
                                predictor: str = 'head',
                                space: str = 'z',
                                n_init: int = 10,
                                steps: int = 50,
                                lr: float = 0.01,
                                reg_init: float = 1e-3,
                                reg_prior: float = 1e-3,
                                ignore_index: int = 255,
                                fast: bool = True) -> dict:
    """One SCS sample for ``target`` (a (H, W) class mask at the label size).

    Draws ``n_init`` latents from ``seed`` (mapped without truncation), starts from the one
    whose prediction agrees with the target on most pixels, then runs Adam on the latent
    (``space``: z, w, w+ or per-layer z 'mixz') with cross-entropy to the target plus
    ``reg_init ||p - p0||^2 + reg_prior ||p||^2``. ``predictor``: 'head' (the LSE) or
    'teacher' (the paper's baseline). ``amp``: see :func:`~.latent_optim.amp_option`.
    ``fast``: with the head as predictor, the initial choice and each step run the
    features-only forward (no image; in the steps also the split modulated convs, equal
    to the full forward up to float rounding); ``fast=False``: the full forward.
    """
    gen = model.generator
    device = next(model.head_module.parameters()).device
    size = label_size(model)
    target = check_target(target, model.head_module.num_classes, size, ignore_index).to(device)
    features_only = fast and predictor == 'head'  # the losses read only the head's logits
    z = torch.stack([latent_for(seed, i, (gen.noise_size, )) for i in range(n_init)])
    with torch.no_grad():
        params = init_param(gen, z.to(device), space)
        img, feats = render_for_loss(gen, params, space, features_only, split=False)
        pred = predict_logits(model, img, feats, size, predictor).argmax(1)
        best = int((pred == target).flatten(1).sum(1).argmax())
    p0 = params[best:best + 1].clone()
    param = p0.clone()

    def step(p):
        img, feats = render_for_loss(gen, p, space, features_only)
        logits = predict_logits(model, img, feats, size, predictor)
        return regularised_loss(logits, target[None], p, p0, reg_init, reg_prior, ignore_index)

    with frozen(model.head_module), frozen(gen):
        history = run_adam(step, param, steps, lr)
    with torch.no_grad():
        img, feats = render(gen, param, space)
        pred = predict_logits(model, img, feats, size, 'head').argmax(1)[0]
        teacher = model.teacher(img)[0] if model.teacher is not None else None
    return dict(
        latent=param.detach(),
        space=space,
        image=img.detach(),
        prediction=pred,
        teacher_label=teacher,
        init_index=best,
        loss_history=history)


@amp_option
def evaluate_scs(model,
                 targets: Sequence[torch.Tensor],
                 samples_per_target: int = 10,
                 seed: int = 0,
                 return_samples: bool = False,
                 **kwargs) -> dict:
    """Semantic accuracy: the teacher's mIoU (paper metric) of every sample vs its target,
    over targets x samples, beside the score of random samples (no optimisation).
    ``amp`` (autocast) covers both; other keywords go to semantic_conditional_sample."""
    k = model.head_module.num_classes
    if len(targets) == 0 or samples_per_target < 1:
        raise MMLinsemError(f'SCS needs at least one target and samples_per_target >= 1, got '
                            f'{len(targets)} targets and samples_per_target={samples_per_target}')
    size = label_size(model)
    for t, target in enumerate(targets):  # every target checked before any optimisation
        try:
            check_target(target, k, size, kwargs.get('ignore_index', 255))
        except MMLinsemError as err:
            raise MMLinsemError(f'target {t}: {err}') from None
    scs_ious, rand_ious, samples = [], [], []
    for t, target in enumerate(targets):
        target = torch.as_tensor(target).long()
        for s in range(samples_per_target):
            run_seed = sample_seed(seed, t * 100003 + s)
            out = semantic_conditional_sample(model, target, seed=run_seed, **kwargs)
            if return_samples:
                samples.append(
                    dict(
                        target_index=t,
                        image=out['image'].cpu(),
                        teacher_label=out['teacher_label'].cpu()))
            scs_ious.append(per_image_iou(out['teacher_label'].cpu(), target, k)[0].numpy())
            with torch.no_grad():
                z = latent_for(run_seed, 0, (1, model.generator.noise_size))
                img, _ = model.generator(z.to(out['image'].device), space='z', truncate=False)
                rand = model.teacher(img)[0].cpu()
            rand_ious.append(per_image_iou(rand, target, k)[0].numpy())
        print_log(
            f'SCS: target {t + 1}/{len(targets)} done ({len(scs_ious)} samples)', logger='current')
    per_scs, per_rand = aggregate_iou(np.stack(scs_ious)), aggregate_iou(np.stack(rand_ious))
    res = dict(
        miou=float(np.nanmean(per_scs) * 100),
        miou_random=float(np.nanmean(per_rand) * 100),
        num_samples=len(scs_ious))
    if return_samples:
        res['samples'] = samples
    return res
