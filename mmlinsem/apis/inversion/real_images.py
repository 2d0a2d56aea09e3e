"""Photos in, inversion results out: reading images and writing the dataset layout.

Inputs of another size or aspect are centre-cropped to a square (the shorter side) and
resized to the generator's size (Lanczos); an alpha channel is dropped, grey is expanded to
RGB. Outputs of an inversion folder, per photo ``STEM``::

    latents/STEM.npy    the w+ latent (L, C), float32    } the AnnotatedLatentDataset
    masks/STEM.png      palette PNG of class indices     } layout
    images/STEM.png     the reconstruction G(w)
    photos/STEM.png     the photo as inverted (cropped, resized)
    noise/STEM.npz      the optimised noise maps (noise_0, ...), when optimised
    overlays/STEM.png   photo | reconstruction | mask | mask over the photo, class legend
    metrics.json        settings, PSNR / MS-SSIM / seconds per photo and their means
"""
import io
import os.path as osp
import re
from typing import List, Optional, Sequence

import numpy as np
import torch
from PIL import Image

from mmlinsem.apis.editing.edit_vectors import load_wplus
from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import (atomic_write, reading, write_json, write_label_png, write_npy,
                                   write_png)
from mmlinsem.visualization import colorize, default_palette, img_to_uint8, labelled_grid, overlay
from .invert import invert_images

LAYOUT = ('latents', 'masks', 'images', 'photos', 'noise', 'overlays')


def min_photo_side(size) -> int:
    """The shortest photo side that is inverted at GAN size ``size`` (H, W): a quarter of
    the GAN's side, and at least 8 px -- below that the resize to the GAN's size invents
    the picture instead of reproducing it."""
    return max(8, min(int(v) for v in size) // 4)


def load_photo(path: str, size) -> torch.Tensor:
    """A photo as a (3, H, W) RGB tensor in [-1, 1] at ``size`` (H, W): centre-cropped to a
    square, then resized. A missing or unreadable file, or a photo shorter than
    :func:`min_photo_side`, is one error naming it."""
    if not osp.isfile(path):
        raise MMLinsemError(f'image not found: {path}')
    with reading(f'image {path}', 'expected a PNG/JPEG/... image PIL can open'):
        with Image.open(path) as im:
            im.load()
            im = im.convert('RGB')
    w, h = im.size
    side = min(w, h)
    if side < min_photo_side(size):
        raise MMLinsemError(
            f'image {path} is {w}x{h} px; a {int(size[0])} px GAN inverts photos whose '
            f'shorter side is at least {min_photo_side(size)} px (a quarter of its size)')
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side))
    out_h, out_w = (int(v) for v in size)
    if im.size != (out_w, out_h):
        im = im.resize((out_w, out_h), Image.LANCZOS)
    arr = torch.from_numpy(np.asarray(im, dtype=np.float32).copy())
    return arr.permute(2, 0, 1) / 127.5 - 1


def photo_stems(paths: Sequence[str]) -> List[str]:
    """File stems as sample names (characters other than letters, digits, '_', '-'
    replaced by '_'); two photos of one name are refused."""
    stems, seen = [], {}
    for path in paths:
        stem = re.sub(r'[^A-Za-z0-9_-]', '_', osp.splitext(osp.basename(path))[0]) or 'image'
        if stem in seen:
            raise MMLinsemError(f'two images would share the sample name {stem!r}: '
                                f'{seen[stem]} and {path}; rename one')
        seen[stem] = path
        stems.append(stem)
    return stems


def write_noise(path: str, maps: Sequence[torch.Tensor]) -> None:
    buf = io.BytesIO()
    np.savez(
        buf, **{
            f'noise_{i}': m.detach().cpu().numpy().astype(np.float32)
            for i, m in enumerate(maps)
        })
    atomic_write(path, buf.getvalue())


def noise_path(latent_path: str) -> str:
    """``noise/STEM.npz`` beside ``latents/STEM.npy`` (the inversion layout)."""
    folder, name = osp.split(osp.abspath(latent_path))
    return osp.join(osp.dirname(folder), 'noise', osp.splitext(name)[0] + '.npz')


def load_inverted(latent_path: str, num_latents: int):
    """An inverted latent as a (L, C) w+ tensor and its noise maps (a list of
    (1, 1, h, w) tensors, or None when the inversion kept the generator's noise)."""
    latent = load_wplus(latent_path, num_latents)
    path = noise_path(latent_path)
    if not osp.isfile(path):
        return latent, None
    with reading(f'noise maps {path}', 'expected the noise_0.. arrays written by tools/invert.py'):
        with np.load(path) as data:
            maps = [torch.from_numpy(data[f'noise_{i}']).float() for i in range(len(data.files))]
    return latent, [m.reshape(1, 1, *m.shape[-2:]) for m in maps]


def save_inversion(out: str,
                   stem: str,
                   photo: torch.Tensor,
                   result: dict,
                   index: int,
                   mask: Optional[np.ndarray],
                   classes,
                   palette,
                   scale: int = 4) -> None:
    """Write one photo's files (module docstring); ``mask`` may be None (no masks/ then)."""
    recon = img_to_uint8(result['images'][index]).numpy()
    shown = img_to_uint8(photo).numpy()
    write_npy(osp.join(out, 'latents', stem + '.npy'), result['latents'][index].cpu().numpy())
    write_png(osp.join(out, 'images', stem + '.png'), recon)
    write_png(osp.join(out, 'photos', stem + '.png'), shown)
    if result.get('noise') is not None:
        write_noise(
            osp.join(out, 'noise', stem + '.npz'), [m[index:index + 1] for m in result['noise']])
    tiles, headers = [shown, recon], ['photo', 'reconstruction']
    if mask is not None:
        write_label_png(osp.join(out, 'masks', stem + '.png'), mask, palette)
        shown_mask = _at(mask, recon.shape[:2])
        tiles += [colorize(shown_mask, palette), overlay(shown, shown_mask, palette)]
        headers += ['mask', 'on photo']
    write_png(
        osp.join(out, 'overlays', stem + '.png'),
        labelled_grid([tiles], headers, classes, palette, scale=scale))


def _at(mask: np.ndarray, size) -> np.ndarray:
    """A label mask resized (nearest) to an image size."""
    if mask.shape == tuple(size):
        return mask
    import cv2
    return cv2.resize(mask.astype(np.uint8), size[::-1], interpolation=cv2.INTER_NEAREST)


def invert_paths(model,
                 paths: Sequence[str],
                 out: str,
                 mask_source: str = 'head',
                 batch_size: int = 8,
                 log=print,
                 **invert_kwargs) -> dict:
    """Invert the photo files ``paths`` with :func:`~.invert.invert_images` and write the
    layout of the module docstring under ``out``; every file is read (and a bad one
    refused) before anything is computed or written.

    Args:
        model: a ``SemanticExtractor``.
        mask_source: what ``masks/`` holds: ``'head'`` (the head's mask of G(w)),
            ``'teacher'`` (the teacher's mask of the photo) or ``'none'``.

    Returns:
        dict: the content of ``metrics.json``.
    """
    if mask_source not in ('head', 'teacher', 'none'):
        raise MMLinsemError(f"mask_source must be 'head', 'teacher' or 'none', got "
                            f'{mask_source!r}')
    if mask_source == 'teacher' and model.teacher is None:
        raise MMLinsemError('masks from the teacher need a configured teacher')
    if int(batch_size) < 1:
        raise MMLinsemError(f'batch size must be >= 1, got {batch_size}')
    if not paths:
        raise MMLinsemError('give at least one image')
    gen = model.generator
    stems = photo_stems(paths)
    photos = torch.stack([load_photo(p, gen.image_size) for p in paths])
    device = next(gen.parameters()).device
    classes = list(model.classes)
    palette = default_palette(len(classes))
    records, seconds = [], 0.0
    for b in range(0, len(paths), int(batch_size)):
        batch = photos[b:b + int(batch_size)].to(device)
        result = invert_images(model, batch, **invert_kwargs)
        seconds += result['seconds']
        if mask_source == 'teacher':
            with torch.no_grad():
                masks = model.teacher(batch)
        else:
            masks = result['head_masks'] if mask_source == 'head' else None
        for j in range(batch.shape[0]):
            i = b + j
            mask = masks[j].cpu().numpy() if masks is not None else None
            save_inversion(out, stems[i], batch[j], result, j, mask, classes, palette)
            records.append(
                dict(
                    name=stems[i],
                    file=paths[i],
                    psnr=float(result['psnr'][j]),
                    ms_ssim=float(result['ms_ssim'][j]),
                    final_loss=result['loss_history'][-1]))
            log(f'{i + 1}/{len(paths)} {stems[i]}: PSNR {records[-1]["psnr"]:.2f} dB, '
                f'MS-SSIM {records[-1]["ms_ssim"]:.4f}')
    settings = {k: v for k, v in invert_kwargs.items() if k not in ('callback', 'target_masks')}
    summary = dict(
        settings=dict(settings, mask_source=mask_source, batch_size=int(batch_size)),
        num_images=len(records),
        mean_psnr=float(np.mean([r['psnr'] for r in records])),
        mean_ms_ssim=float(np.mean([r['ms_ssim'] for r in records])),
        seconds=seconds,
        seconds_per_image=seconds / len(records),
        images=records)
    write_json(osp.join(out, 'metrics.json'), summary)
    return summary
