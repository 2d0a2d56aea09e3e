"""Files written and read by mmlinsem: one atomic writer, the byte encodings it writes,
and one way of turning an unreadable file into one error line.

Every file mmlinsem writes -- checkpoints (through mmengine's ``LocalBackend``, see
``mmlinsem.compat.atomic_checkpoints``), pictures, label maps, latents, manifests -- goes
through :func:`atomic_write`: a reader never sees a half-written file.
"""
import contextlib
import io
import json
import os
import os.path as osp
import tempfile

import numpy as np

from mmlinsem.errors import MMLinsemError

# Temporary files of atomic_write are named TMP_PREFIX + random + '-' + the target's name, so a
# resumed job can find (and remove) what a killed writer left: see temp_target().
TMP_PREFIX = '.tmp-'


def temp_target(name: str):
    """The target file name of an atomic_write temporary file ``name``, else None."""
    if not name.startswith(TMP_PREFIX) or '-' not in name[len(TMP_PREFIX):]:
        return None
    return name[len(TMP_PREFIX):].split('-', 1)[1]


def atomic_write(filepath, data: bytes) -> None:
    """Write ``data`` to ``filepath`` through a temporary file renamed over it (atomic on
    POSIX): a reader never sees a half-written file. The one writer of mmlinsem's files."""
    filepath = str(filepath)
    folder = osp.dirname(filepath) or '.'
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=TMP_PREFIX, suffix='-' + osp.basename(filepath))
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600 files
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


# ------------------------------------------------------------------------ encodings
def png_bytes(image) -> bytes:
    """PNG bytes of a PIL image or an (H, W) / (H, W, 3) uint8 array (grey / RGB)."""
    from PIL import Image
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image, dtype=np.uint8))
    buf = io.BytesIO()
    image.save(buf, format='PNG', compress_level=6)
    return buf.getvalue()


def label_png(mask: np.ndarray, palette):
    """A palette-mode ('P') PNG image whose pixel values are the class indices.

    Args:
        mask (np.ndarray): (H, W) class indices (255 = ignore).
        palette (list): RGB colours of the classes.
    """
    from PIL import Image
    img = Image.fromarray(np.asarray(mask, dtype=np.uint8), mode='P')
    flat = [int(c) for rgb in palette for c in rgb][:768]
    img.putpalette(flat + [255] * (768 - len(flat)))  # 255 (ignore) and beyond: white
    return img


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


# -------------------------------------------------------------------------- writers
def write_png(path: str, image) -> None:
    """An (H, W) / (H, W, 3) uint8 array or a PIL image as PNG, atomically."""
    atomic_write(path, png_bytes(image))


def write_label_png(path: str, mask: np.ndarray, palette) -> None:
    """:func:`label_png` of ``mask``, atomically (pixel values = class indices)."""
    atomic_write(path, png_bytes(label_png(mask, palette)))


def write_npy(path: str, array: np.ndarray) -> None:
    atomic_write(path, npy_bytes(np.asarray(array, dtype=np.float32)))


def write_json(path: str, value) -> None:
    atomic_write(path, (json.dumps(value, indent=2) + '\n').encode())


# -------------------------------------------------------------------------- reading
def unreadable(what: str, err: BaseException, hint: str = '') -> str:
    """``cannot read WHAT: ErrorType: its first line[; HINT]``."""
    reason = (str(err).strip().splitlines() or [''])[0][:100]
    line = f'cannot read {what}: {type(err).__name__}' + (f': {reason}' if reason else '')
    return line + (f'; {hint}' if hint else '')


@contextlib.contextmanager
def reading(what: str, hint: str = ''):
    """Inside the block, a file that cannot be read -- damaged, truncated, of another
    kind -- becomes one :class:`MMLinsemError` line (:func:`unreadable`)."""
    try:
        yield
    except MMLinsemError:
        raise
    except Exception as err:  # noqa: BLE001 - any unreadable file is one message
        raise MMLinsemError(unreadable(what, err, hint)) from None
