"""Reusable edits: an SIE result kept as a w+ offset and applied to other latents.

An edit file is a ``.npz`` (read with ``allow_pickle=False``, so opening a file never runs
code) holding ``delta`` -- the edited w+ minus the original w+, (L, D) float32 -- the edit's
``region`` (the (H, W) label pixels the edit changed), and ``meta``, a JSON string: the
class and its name, the strength the delta was measured at (1.0), the source sample, the
SIE settings. Applying at strength ``s`` moves a w+ latent by ``s * delta``: at strength 1
on the latent the edit came from, it gives the edited latent back.
"""
import io
import json
import os.path as osp
from typing import Optional

import numpy as np
import torch

from mmlinsem.apis.latent_optim import to_wp
from mmlinsem.datasets.annotated_latent_dataset import load_latent
from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import atomic_write, reading

EDIT_FORMAT = 'mmlinsem-edit-v1'


def edit_delta(model, result: dict, original_wp: torch.Tensor) -> torch.Tensor:
    """The (L, D) w+ offset of an SIE / colour-edit ``result`` (its ``latent`` in its
    ``space``, w+ after the generator's mapping) from ``original_wp`` ((L, D) or (1, L, D))."""
    space = result.get('space', 'w+')
    with torch.no_grad():
        if model.generator.style_based:
            edited = to_wp(model.generator, result['latent'].detach(), space)[0]
        else:  # a z-only generator is edited in z: the offset is in z
            edited = result['latent'].detach()[0]
    original = original_wp[0] if original_wp.ndim == edited.ndim + 1 else original_wp
    if tuple(original.shape) != tuple(edited.shape):
        what = '(layers x channels) w+' if edited.ndim == 2 else 'z'
        raise MMLinsemError(f'original {what} latent must be {tuple(edited.shape)}, got '
                            f'{tuple(original.shape)}')
    return (edited.float() - original.to(edited).float()).cpu()


def save_edit(path: str, delta: torch.Tensor, region=None, **meta) -> str:
    """Write an edit file atomically; ``meta`` (label, class_name, seed, ...) must be JSON."""
    delta = torch.as_tensor(delta).detach().cpu().float()
    if delta.ndim != 2:
        raise MMLinsemError(f'an edit delta must be (layers, channels), got {tuple(delta.shape)}')
    region = np.zeros((0, 0), np.uint8) if region is None else np.asarray(
        torch.as_tensor(region).cpu().numpy(), dtype=np.uint8)
    info = dict(format=EDIT_FORMAT, strength=1.0, **meta)
    buf = io.BytesIO()
    np.savez(buf, delta=delta.numpy(), region=region, meta=np.array(json.dumps(info)))
    atomic_write(path, buf.getvalue())
    return path


def load_edit(path: str, num_latents: Optional[int] = None, channels: Optional[int] = None):
    """``dict(delta=(L, D) tensor, region=bool array or None, meta=dict)`` of an edit file;
    a missing file, a file that is not an edit, or one made for a generator of another
    w+ shape is one :class:`MMLinsemError` line."""
    if not osp.isfile(path):
        raise MMLinsemError(f'edit file not found: {path} (save one with the app\'s "Save edit" '
                            f'or mmlinsem.apis.save_edit)')
    with reading(path, 'it is not an mmlinsem edit file (an .npz with delta, region, meta)'):
        with np.load(path, allow_pickle=False) as data:
            delta, region = data['delta'], data['region']
            meta = json.loads(str(data['meta']))
    if not isinstance(meta, dict) or meta.get('format') != EDIT_FORMAT or delta.ndim != 2:
        raise MMLinsemError(f'{path} is not an mmlinsem edit file ({EDIT_FORMAT})')
    want = (num_latents, channels)
    if any(w is not None and int(w) != int(g) for w, g in zip(want, delta.shape)):
        raise MMLinsemError(f'{path} is an edit of a generator with w+ of {delta.shape[0]}x'
                            f'{delta.shape[1]} (layers x channels); this generator has '
                            f'{num_latents}x{channels}')
    return dict(
        delta=torch.from_numpy(delta.astype(np.float32)),
        region=region.astype(bool) if region.size else None,
        meta=meta)


def load_wplus(path: str, num_latents: int, channels: Optional[int] = None) -> torch.Tensor:
    """A saved latent (.npy / .pt: w+ (L, D) or (1, L, D), or a w (D,) repeated per layer)
    as an (L, D) w+ tensor (``channels``: the D it must have, None for any); anything else
    is one :class:`MMLinsemError` line."""
    if not osp.isfile(path):
        raise MMLinsemError(f'latent not found: {path}')
    latent = load_latent(path)
    if latent.ndim == 1:
        latent = latent[None].repeat(num_latents, 1)
    elif latent.ndim == 3 and latent.shape[0] == 1:
        latent = latent[0]
    width = latent.shape[-1] if channels is None else int(channels)
    if latent.ndim != 2 or tuple(latent.shape) != (int(num_latents), width):
        shown = 'C' if channels is None else channels
        raise MMLinsemError(f'latent {path} must be a w+ latent ({num_latents}, {shown}) or '
                            f'a w ({shown},), got shape {tuple(latent.shape)}')
    return latent


def apply_edit(wp: torch.Tensor, edit, strength: float = 1.0) -> torch.Tensor:
    """``wp`` ((L, D) or (N, L, D)) moved by ``strength`` times the edit's delta (an edit
    dict from :func:`load_edit` or a delta tensor)."""
    delta = edit['delta'] if isinstance(edit, dict) else torch.as_tensor(edit)
    if tuple(wp.shape[-2:]) != tuple(delta.shape):
        raise MMLinsemError(f'the edit moves w+ latents of {tuple(delta.shape)}, got a latent '
                            f'of {tuple(wp.shape)}')
    return wp + float(strength) * delta.to(wp)
