"""A folder of user annotations in the ``AnnotatedLatentDataset`` layout, written safely.

``latents/NAME.npy`` + ``masks/NAME.png`` (+ a preview ``images/NAME.png``): what the app's
"Save" writes and what ``tools/fewshot.py`` / ``tools/fit_annotations.py`` / a plain
few-shot config read. Every write is atomic (temporary file + rename); a save holds a lock
(a thread lock and an ``flock`` on ``.lock``), so two browser tabs or two processes never
interleave files. The mask is renamed into place first and the latent last: a save cut in
between leaves a mask without a latent, which :meth:`AnnotationStore.repair` moves to
``.incomplete/`` (nothing is deleted). Deleting moves a sample to ``.trash/``.
"""
import contextlib
import fcntl
import os
import os.path as osp
import re
import threading
import time
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import atomic_write, npy_bytes, write_png
from .annotated_latent_dataset import load_latent, load_mask

_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')
_LOCK = threading.Lock()


def safe_name(name: str, what: str = 'annotation name') -> str:
    """``name`` if it is a plain file stem (letters, digits, '_' and '-', 1-64 characters,
    not starting with '_' or '-'), else a one-line error: no path can leave the folder."""
    name = str(name).strip()
    if not _NAME.match(name):
        raise MMLinsemError(f'{what} must be 1-64 letters, digits, "_" or "-" '
                            f'(starting with a letter or digit), got {name[:80]!r}')
    return name


class AnnotationStore:
    """Read, write, list and delete annotated samples under ``root``.

    Args:
        root (str): the annotation folder (created on first save).
        num_classes (int): masks hold labels < num_classes, or 255 (not annotated).
        mask_size (tuple, optional): (H, W) every mask must have.
    """

    def __init__(self, root: str, num_classes: int, mask_size: Optional[Sequence[int]] = None):
        self.root = osp.abspath(root)
        self.num_classes = int(num_classes)
        self.mask_size = tuple(mask_size) if mask_size is not None else None

    def _path(self, sub: str, name: str, ext: str) -> str:
        return osp.join(self.root, sub, safe_name(name) + ext)

    @contextlib.contextmanager
    def locked(self):
        """Exclusive access to the folder (threads of this process and other processes)."""
        os.makedirs(self.root, exist_ok=True)
        with _LOCK, open(osp.join(self.root, '.lock'), 'a') as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def check_mask(self, mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(mask)
        if mask.ndim != 2:
            raise MMLinsemError(f'mask must be a 2-D (H, W) array of class indices, got shape '
                                f'{mask.shape}')
        if self.mask_size is not None and mask.shape != self.mask_size:
            raise MMLinsemError(f'mask must be {self.mask_size[1]}x{self.mask_size[0]} (W x H), '
                                f'got {mask.shape[1]}x{mask.shape[0]}')
        bad = (mask >= self.num_classes) & (mask != 255) | (mask < 0)
        if bad.any():
            raise MMLinsemError(f'mask labels must be in [0, {self.num_classes}) or 255 '
                                f'(not annotated), found {int(mask[bad][0])}')
        if not (mask != 255).any():
            raise MMLinsemError('mask has no annotated pixel: paint at least one class')
        return mask.astype(np.uint8)

    def save(self,
             name: str,
             latent,
             mask: np.ndarray,
             image: Optional[np.ndarray] = None,
             overwrite: bool = True) -> str:
        """Write sample ``name``; returns its name. ``image``: an (H, W, 3) uint8 preview."""
        name = safe_name(name)
        mask = self.check_mask(mask)
        latent = np.asarray(
            latent.detach().cpu() if hasattr(latent, 'detach') else latent, dtype=np.float32)
        with self.locked():
            if not overwrite and name in self.names():
                raise MMLinsemError(f'annotation {name!r} exists in {self.root}; choose '
                                    'another name or overwrite it')
            if image is not None:
                write_png(self._path('images', name, '.png'), image)
            write_png(self._path('masks', name, '.png'), mask)
            atomic_write(self._path('latents', name, '.npy'), npy_bytes(latent))
        return name

    def names(self) -> List[str]:
        """Names of the complete samples (a latent and a mask), sorted."""

        def stems(sub, ext):
            folder = osp.join(self.root, sub)
            if not osp.isdir(folder):
                return set()
            return {
                f[:-len(ext)]
                for f in os.listdir(folder) if f.endswith(ext) and _NAME.match(f[:-len(ext)])
            }

        return sorted(stems('latents', '.npy') & stems('masks', '.png'))

    def load(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        """(latent, mask) of sample ``name``."""
        name = safe_name(name)
        if name not in self.names():
            raise MMLinsemError(f'no annotation {name!r} in {self.root} (saved: '
                                f'{", ".join(self.names()) or "none"})')
        return self.read(name)

    def read(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        """(latent, mask) of a sample named by :meth:`names` (no re-listing)."""
        latent = load_latent(self._path('latents', name, '.npy')).numpy()
        return latent, load_mask(self._path('masks', name, '.png'))

    def preview(self, name: str) -> Optional[np.ndarray]:
        path = self._path('images', name, '.png')
        return np.array(Image.open(path).convert('RGB')) if osp.isfile(path) else None

    def _move(self, name: str, into: str) -> None:
        stamp = time.strftime('%Y%m%d-%H%M%S')
        for sub, ext in (('latents', '.npy'), ('masks', '.png'), ('images', '.png')):
            src = osp.join(self.root, sub, name + ext)
            if osp.isfile(src):
                dst = osp.join(self.root, into, f'{stamp}-{sub}-{name}{ext}')
                os.makedirs(osp.dirname(dst), exist_ok=True)
                os.replace(src, dst)

    def delete(self, name: str) -> None:
        """Move sample ``name`` to ``.trash/`` (recoverable by hand)."""
        name = safe_name(name)
        with self.locked():
            if name not in self.names():
                raise MMLinsemError(f'no annotation {name!r} in {self.root}')
            self._move(name, '.trash')

    def repair(self) -> List[str]:
        """Move files of incomplete saves (a mask or preview without its latent) to
        ``.incomplete/``; returns their names."""
        moved = []
        with self.locked():
            complete = set(self.names())
            for sub, ext in (('masks', '.png'), ('images', '.png')):
                folder = osp.join(self.root, sub)
                for f in sorted(os.listdir(folder)) if osp.isdir(folder) else []:
                    stem = f[:-len(ext)]
                    if f.endswith(ext) and _NAME.match(stem) and stem not in complete:
                        self._move(stem, '.incomplete')
                        moved.append(stem)
        return sorted(set(moved))

    def next_name(self, prefix: str = 'sample') -> str:
        """The first free ``{prefix}_NNNNN``."""
        taken = set(self.names())
        i = 0
        while f'{prefix}_{i:05d}' in taken:
            i += 1
        return f'{prefix}_{i:05d}'

    def arrays(self) -> Tuple[np.ndarray, np.ndarray, List[str]]:
        """(latents (N, ...), masks (N, H, W), names) of every complete sample."""
        names = self.names()
        if not names:
            raise MMLinsemError(f'no annotations in {self.root}: save at least one sample')
        pairs = [self.read(n) for n in names]  # listed once, not per sample
        shapes = {p[0].shape for p in pairs}
        if len(shapes) > 1 or len({p[1].shape for p in pairs}) > 1:
            raise MMLinsemError(f'annotations in {self.root} differ in latent or mask shape: '
                                f'{sorted(shapes)}')
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]), names
