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
import contextlib
import json
import math
import os
import os.path as osp
import sys
import time
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from mmlinsem.apis.latent_optim import label_size
from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation.uncertainty import keep_mask
from mmlinsem.utils.fileio import atomic_write, temp_target, write_label_png, write_npy, write_png
from mmlinsem.utils.seeding import latent_for, noise_for, sample_seed
from mmlinsem.visualization import default_palette, img_to_uint8
from .head_ensemble import ensemble_predict
from .segmenter_config import DEFAULT_SEG_RECIPE, save_seg_config, seg_config_for

SPLITS = ('train', 'val')
META = 'meta.jsonl'
MANIFEST = 'export.json'
NAME_DIGITS = 8
_SPLIT_SALT = 0x5EED5


def sample_name(index: int) -> str:
    """File stem of sample ``index``.

    Args:
        index (int): the sample index.
    """
    return f'{int(index):0{NAME_DIGITS}d}'


def split_of(seed: int, index: int, val_frac: float) -> str:
    """'val' for a ``val_frac`` share of the indices, a function of (seed, index) only.

    Args:
        seed (int): the export seed.
        index (int): the sample index.
        val_frac (float): the val share in [0, 1).
    """
    u = (sample_seed(int(seed) ^ _SPLIT_SALT, index) >> 10) / float(1 << 53)
    return 'val' if u < val_frac else 'train'


def parse_shard(text: str) -> Tuple[int, int]:
    """``'i/n'`` -> (i, n) with 0 <= i < n.

    Args:
        text (str): the ``--shard`` value.
    """
    try:
        i, n = (int(v) for v in str(text).split('/'))
    except ValueError:
        raise MMLinsemError(f"--shard must be 'i/n' (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise MMLinsemError(f'--shard i/n needs 0 <= i < n, got {text!r}')
    return i, n


# ------------------------------------------------------------------------ writing
def read_meta(out: str) -> dict:
    """index -> record of ``OUT/meta.jsonl`` (a torn last line is ignored; the last
    record of an index wins).

    Args:
        out (str): the export folder.
    """
    records = {}
    path = osp.join(out, META)
    if not osp.isfile(path):
        return records
    with open(path) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and 'index' in rec:
                records[int(rec['index'])] = rec
    return records


def _append_meta(out: str, record: dict) -> None:
    line = (json.dumps(record, sort_keys=True) + '\n').encode()
    fd = os.open(osp.join(out, META), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write on an O_APPEND file: records never interleave
    finally:
        os.close(fd)


def _repair_meta(out: str) -> None:
    """Cut a torn last line (a run killed mid-append) so the next record starts clean."""
    path = osp.join(out, META)
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return
    with open(path, 'rb+') as f:
        data = f.read()
        if data.endswith(b'\n'):
            return
        f.truncate(data.rfind(b'\n') + 1)


def _data_dirs(out: str, root: str = '') -> List[str]:
    return [osp.join(out, root, kind, split) for kind in ('img_dir', 'ann_dir') for split in SPLITS]


def _all_dirs(out: str) -> List[str]:
    return _data_dirs(out) + _data_dirs(out, 'filtered') + [osp.join(out, 'latents')]


def _remove_temp_files(out: str, mine=None) -> int:
    """Remove temporary files left by a killed run (of the indices ``mine`` accepts)."""
    removed = 0
    for folder in _all_dirs(out) + [out]:
        if not osp.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = temp_target(name)
            if target is None:
                continue
            stem = target.split('.')[0]
            if mine is not None and stem.isdigit() and not mine(int(stem)):
                continue
            os.remove(osp.join(folder, name))
            removed += 1
    return removed


def _check_manifest(out: str, settings: dict) -> None:
    path = osp.join(out, MANIFEST)
    if osp.isfile(path):
        with open(path) as f:
            old = json.load(f)
        diff = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        if diff:
            raise MMLinsemError(f'{out} holds an export made with other settings '
                                f'({", ".join(diff)} differ); use a new --out')
        return
    atomic_write(path, (json.dumps(settings, indent=2, sort_keys=True) + '\n').encode())


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
    if num < 1:
        raise MMLinsemError(f'--num must be >= 1, got {num}')
    if not 0 <= val_frac < 1:
        raise MMLinsemError(f'--val-frac must be in [0, 1), got {val_frac}')
    if batch_size < 1:
        raise MMLinsemError(f'--batch-size must be >= 1, got {batch_size}')
    shard_i, shard_n = shard
    if teacher_labels:
        if heads or drop_frac > 0:
            raise MMLinsemError('teacher labels take no head ensemble and no uncertainty '
                                'filter (drop --ensemble/--ensemble-ckpts/--filter)')
        if model.teacher is None:
            raise MMLinsemError('teacher labels need a config with a teacher; this one has '
                                'none')
    heads = list(heads) if heads else [model.head_module]
    if drop_frac > 0 and len(heads) < 2:
        raise MMLinsemError('the uncertainty filter needs an ensemble of >= 2 heads '
                            '(--ensemble K or --ensemble-ckpts)')
    gen = model.generator
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
    for folder in _all_dirs(out)[:4] + [osp.join(out, 'latents')]:
        os.makedirs(folder, exist_ok=True)
    _check_manifest(out, settings)

    chunk_of = lambda i: i // batch_size  # noqa: E731
    mine = lambda i: chunk_of(i) % shard_n == shard_i  # noqa: E731
    done = read_meta(out)
    mine_done = [i for i in done if mine(i) and i < num]
    if mine_done and not resume:
        raise MMLinsemError(f'{out} already holds {len(mine_done)} samples of shard '
                            f'{shard_i}/{shard_n}; pass --resume to continue it')
    if resume:
        _repair_meta(out)
        _remove_temp_files(out, mine)
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
            gen_seconds += time.perf_counter() - t0
            gen_images += len(idx)
            if teacher_labels:  # on the generator's image, as in training
                with torch.no_grad():
                    labels = model.teacher(img).cpu().numpy()
                scores = torch.zeros(len(idx))
            else:
                res = ensemble_predict(heads, feats, size, top_frac)
                labels = res['label'].cpu().numpy()
                scores = res['score'].cpu()
            if tuple(img.shape[-2:]) != size:
                img = F.interpolate(img, size=size, mode='bilinear', align_corners=False)
            for i in todo:
                j = i - idx[0]
                name, split = sample_name(i), split_of(seed, i, val_frac)
                write_png(
                    osp.join(out, 'img_dir', split, name + '.png'),
                    img_to_uint8(img[j]).numpy())
                write_label_png(osp.join(out, 'ann_dir', split, name + '.png'), labels[j], palette)
                write_npy(osp.join(out, 'latents', name + '.npy'), wp[j].cpu().numpy())
                _append_meta(
                    out,
                    dict(
                        seed=int(seed),
                        index=int(i),
                        name=name,
                        split=split,
                        score=round(float(scores[j]), 7),
                        kept=None))
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


@contextlib.contextmanager
def _lock(out: str):
    import fcntl
    fd = os.open(osp.join(out, '.finalize.lock'), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def finalize_export(out: str, drop_frac: float = 0.0) -> dict:
    """The second pass: decide ``kept`` from all the scores and place the files.

    The ``round(drop_frac * n)`` most uncertain samples (of all ``n`` in the meta) are
    moved to ``OUT/filtered/{img_dir,ann_dir}/SPLIT/``, the others (back) to
    ``OUT/{img_dir,ann_dir}/SPLIT/``; files with no meta record (a killed run's last
    sample) are removed; the meta is rewritten, sorted by index, with ``kept`` set.

    Args:
        out (str): the export folder.
        drop_frac (float): fraction of the samples dropped, in [0, 1).

    Returns:
        dict: ``total``, ``kept``, ``dropped``, ``threshold`` (lowest dropped score).
    """
    with _lock(out):
        records = read_meta(out)
        order = sorted(records)
        keep = keep_mask([records[i]['score'] for i in order], drop_frac).tolist()
        known = {records[i]['name'] for i in order}
        for kind in ('img_dir', 'ann_dir'):
            for split in SPLITS:
                os.makedirs(osp.join(out, 'filtered', kind, split), exist_ok=True)
        for folder in _all_dirs(out):  # orphans: written, but their record never was
            for name in os.listdir(folder):
                if temp_target(name) is None and osp.splitext(name)[0] not in known:
                    os.remove(osp.join(folder, name))
        dropped_scores = []
        for i, kept in zip(order, keep):
            rec = records[i]
            for kind in ('img_dir', 'ann_dir'):
                here = osp.join(out, kind, rec['split'], rec['name'] + '.png')
                away = osp.join(out, 'filtered', kind, rec['split'], rec['name'] + '.png')
                src, dst = (away, here) if kept else (here, away)
                if osp.isfile(src):
                    os.replace(src, dst)
            rec['kept'] = bool(kept)
            if not kept:
                dropped_scores.append(rec['score'])
        text = ''.join(json.dumps(records[i], sort_keys=True) + '\n' for i in order)
        atomic_write(osp.join(out, META), text.encode())
    return dict(
        total=len(order),
        kept=int(sum(keep)),
        dropped=len(order) - int(sum(keep)),
        threshold=min(dropped_scores) if dropped_scores else None)
