"""Synthetic labelled datasets out of the GAN, in mmseg's own layout (DatasetGAN protocol).

Layout of an export folder ``OUT``::

    OUT/img_dir/{train,val}/NAME.png     RGB images (at the label size)
    OUT/ann_dir/{train,val}/NAME.png     palette-mode PNGs: the pixel values are the class
                                         indices (PIL / mmseg LoadAnnotations), the palette
                                         colours them in a viewer
    OUT/latents/NAME.npy                 the sample's (truncated) w+ latent
    OUT/meta.jsonl                       one record per sample: seed, index, name, split,
                                         score (ensemble uncertainty), kept
    OUT/export.json                      the settings (a resumed / sharded run must match)
    OUT/seg_config.py                    a ready mmseg config (BaseSegDataset; the segmenter
                                         recipe's model and schedule, by default UNet + FCN)
    OUT/filtered/{img_dir,ann_dir}/...   the images the uncertainty filter dropped

``NAME`` is the zero-padded index; sample ``index`` has the latent
``latent_for(seed, index)`` and its split is a function of (seed, index), so an export is
deterministic per (seed, index) whatever the number of samples, the sharding or the
interruptions. The generator runs on fixed chunks of ``batch_size`` consecutive indices
(its numerics differ in the last bits with the batch composition); a shard ``i/n`` takes
the chunks ``c`` with ``c % n == i`` (with ``batch_size=1``: the indices ``i::n``).

Writing: every file goes to a temporary name in its folder and is renamed over
(``os.replace``), and a sample's meta record is appended only after its three files, so a
killed export leaves no half-written file; a resumed one skips the indices already in the
meta, removes the temporary files and rewrites samples whose files but not record exist.

Filtering (the 10 % rule) needs every score, so it is a second pass,
:func:`finalize_export`, run when all indices ``0..num-1`` are in the meta: the dropped
images (and their labels) are *moved* to ``OUT/filtered/`` (mmseg never sees them; their
latents stay in ``latents/``) and the meta is rewritten with ``kept`` decided. It can be
rerun with another fraction: ``kept`` is recomputed from the scores and files moved back.
"""
import json
import math
import os
import os.path as osp
import sys
import time
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from mmlinsem.apis.latent_optim import label_size
from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import write_label_png, write_npy, write_png
from mmlinsem.utils.seeding import latent_for, noise_for, sample_seed
from mmlinsem.visualization import default_palette, img_to_uint8
from .export_finalize import finalize_export
from .export_layout import (META, all_dirs, check_manifest, read_meta, remove_temp_files,
                            repair_meta, sample_name, split_of)
from .head_ensemble import ensemble_predict
from .segmenter_config import DEFAULT_SEG_RECIPE, save_seg_config, seg_config_for


def _append_meta(out: str, record: dict) -> None:
    line = (json.dumps(record, sort_keys=True) + '\n').encode()
    fd = os.open(osp.join(out, META), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write on an O_APPEND file: records never interleave
    finally:
        os.close(fd)


class _Progress:
    """A tqdm bar when tqdm is installed and ``enabled``, else nothing."""

    def __init__(self, total, enabled):
        self.bar = None
        if enabled and total:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit='img', file=sys.stderr, dynamic_ncols=True)
            except ImportError:  # pragma: no cover
                pass

    def update(self, n):
        if self.bar is not None:
            self.bar.update(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _sync(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def _check_request(model, num, val_frac, batch_size, heads, drop_frac, teacher_labels):
    if num < 1:
        raise MMLinsemError(f'--num must be >= 1, got {num}')
    if not 0 <= val_frac < 1:
        raise MMLinsemError(f'--val-frac must be in [0, 1), got {val_frac}')
    if batch_size < 1:
        raise MMLinsemError(f'--batch-size must be >= 1, got {batch_size}')
    if teacher_labels:
        if heads or drop_frac > 0:
            raise MMLinsemError('teacher labels take no head ensemble and no uncertainty '
                                'filter (drop --ensemble/--ensemble-ckpts/--filter)')
        if model.teacher is None:
            raise MMLinsemError('teacher labels need a config with a teacher; this one has '
                                'none')
    if drop_frac > 0 and len(heads or []) < 2:
        raise MMLinsemError('the uncertainty filter needs an ensemble of >= 2 heads '
                            '(--ensemble K or --ensemble-ckpts)')


def _generate(gen, seed: int, idx, device):
    """(w+, image, features, seconds of the generator alone) of the samples ``idx``."""
    z = torch.stack([latent_for(seed, i, (gen.noise_size, )) for i in idx]).to(device)
    _sync(device)
    t0 = time.perf_counter()
    wp = gen.to_wp(z, 'z')  # truncation as configured
    img, feats = gen(
        wp,
        space='w+',
        truncate=False,
        noise=noise_for(gen, [sample_seed(seed, i) for i in idx], device))
    _sync(device)
    return wp, img, feats, time.perf_counter() - t0


def _label(model, heads, img, feats, size, top_frac: float, teacher_labels: bool):
    """(labels (N, h, w) array, uncertainty scores (N,)) of a generated batch."""
    if teacher_labels:  # on the generator's image, as in training
        return model.teacher(img).cpu().numpy(), torch.zeros(len(img))
    res = ensemble_predict(heads, feats, size, top_frac)
    return res['label'].cpu().numpy(), res['score'].cpu()


def _write_sample(out, seed, index, split, img, label, wp, score, palette):
    """A sample's three files, then its meta record (so a record means whole files)."""
    name = sample_name(index)
    write_png(osp.join(out, 'img_dir', split, name + '.png'), img_to_uint8(img).numpy())
    write_label_png(osp.join(out, 'ann_dir', split, name + '.png'), label, palette)
    write_npy(osp.join(out, 'latents', name + '.npy'), wp.cpu().numpy())
    _append_meta(
        out,
        dict(
            seed=int(seed),
            index=int(index),
            name=name,
            split=split,
            score=round(score, 7),
            kept=None))


@torch.no_grad()
def export_dataset(model,
                   out: str,
                   num: int,
                   heads: Optional[Sequence[torch.nn.Module]] = None,
                   seed: int = 0,
                   val_frac: float = 0.1,
                   batch_size: int = 8,
                   shard: Tuple[int, int] = (0, 1),
                   resume: bool = False,
                   drop_frac: float = 0.0,
                   top_frac: float = 0.1,
                   ensemble_info: Optional[dict] = None,
                   progress: bool = True,
                   write_config: bool = True,
                   teacher_labels: bool = False,
                   seg_recipe: str = DEFAULT_SEG_RECIPE) -> dict:
    """Generate, label and write samples ``0..num-1`` (this shard's) to ``out``.

    Args:
        model: a ``SemanticExtractor`` (e.g. ``LinSemInferencer(cfg, ckpt).model``).
        out (str): export folder (layout: module docstring).
        num (int): samples 0..num-1 exist when all shards are done.
        heads (list[nn.Module], optional): the ensemble (default: the model's head); the
            label is the per-pixel mode, the score the image's top-``top_frac`` mean JS.
        seed (int): latents ``latent_for(seed, index)``.
        val_frac (float): share of the indices that go to the val split.
        batch_size (int): the generator's chunk of consecutive indices (part of the
            settings: changing it changes the files in their last bits).
        shard (tuple): (i, n): this process writes the chunks ``c % n == i``.
        resume (bool): continue an interrupted export of this shard.
        drop_frac (float): the uncertainty filter's fraction, applied by
            :func:`finalize_export` once every index is written.
        top_frac (float): pixel fraction of the image score.
        ensemble_info (dict, optional): description of the ensemble for ``export.json``.
        progress (bool): show a progress bar (stderr).
        write_config (bool): write ``OUT/seg_config.py``.
        seg_recipe (str): the mmseg segmenter config whose model and schedule
            ``OUT/seg_config.py`` trains (:func:`write_seg_config`).
        teacher_labels (bool): label with the model's teacher instead of heads (a
            distillation set, or the ceiling of the synthetic route: what a perfect labeller
            of generated images gives); the score is then 0 and no filter applies.

    Returns:
        dict: ``written``, ``skipped``, ``seconds``, ``images_per_s`` (the whole export),
        ``generator_images_per_s`` (the generator's forward alone), ``finalized``
        (the filter summary when this run completed the export, else None).
    """
    _check_request(model, num, val_frac, batch_size, heads, drop_frac, teacher_labels)
    shard_i, shard_n = shard
    heads = list(heads) if heads else [model.head_module]
    device = next(model.head_module.parameters()).device
    size = tuple(label_size(model))
    classes = list(model.classes)
    palette = default_palette(len(classes))
    settings = dict(
        seed=int(seed),
        val_frac=float(val_frac),
        batch_size=int(batch_size),
        top_frac=float(top_frac),
        classes=classes,
        size=list(size),
        ensemble=ensemble_info or dict(members=len(heads)))
    if teacher_labels:
        settings.update(ensemble=dict(members=0), labeller='teacher')
    # a bad segmenter recipe stops the export before anything is written
    seg_cfg = seg_config_for(out, classes, palette, size, seg_recipe) if write_config else None
    os.makedirs(out, exist_ok=True)
    for folder in all_dirs(out)[:4] + [osp.join(out, 'latents')]:
        os.makedirs(folder, exist_ok=True)
    check_manifest(out, settings)

    chunk_of = lambda i: i // batch_size  # noqa: E731
    mine = lambda i: chunk_of(i) % shard_n == shard_i  # noqa: E731
    done = read_meta(out)
    mine_done = [i for i in done if mine(i) and i < num]
    if mine_done and not resume:
        raise MMLinsemError(f'{out} already holds {len(mine_done)} samples of shard '
                            f'{shard_i}/{shard_n}; pass --resume to continue it')
    if resume:
        repair_meta(out)
        remove_temp_files(out, mine)
    if seg_cfg is not None:
        save_seg_config(seg_cfg, out, seg_recipe)

    chunks = [c for c in range(math.ceil(num / batch_size)) if c % shard_n == shard_i]
    todo_total = sum(1 for c in chunks
                     for i in range(c * batch_size, min(num, (c + 1) * batch_size))
                     if i not in done)
    bar = _Progress(todo_total, progress)
    written = gen_images = 0
    gen_seconds = 0.0
    start = time.perf_counter()
    try:
        for c in chunks:
            idx = list(range(c * batch_size, (c + 1) * batch_size))  # the whole chunk
            todo = [i for i in idx if i < num and i not in done]
            if not todo:
                continue
            wp, img, feats, seconds = _generate(model.generator, seed, idx, device)
            gen_seconds += seconds
            gen_images += len(idx)
            labels, scores = _label(model, heads, img, feats, size, top_frac, teacher_labels)
            if tuple(img.shape[-2:]) != size:
                img = F.interpolate(img, size=size, mode='bilinear', align_corners=False)
            for i in todo:
                j = i - idx[0]
                _write_sample(out, seed, i, split_of(seed, i, val_frac), img[j], labels[j], wp[j],
                              float(scores[j]), palette)
                written += 1
                bar.update(1)
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    stats = dict(
        written=written,
        skipped=len([i for i in done if mine(i) and i < num]),
        seconds=seconds,
        images_per_s=written / seconds if seconds > 0 and written else None,
        generator_images_per_s=gen_images / gen_seconds if gen_seconds > 0 else None,
        finalized=None)
    records = read_meta(out)
    if all(i in records for i in range(num)):
        stats['finalized'] = finalize_export(out, drop_frac)
    return stats
