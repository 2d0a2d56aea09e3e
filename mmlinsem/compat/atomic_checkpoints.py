"""Atomic checkpoint writes.

mmengine's ``LocalBackend`` writes checkpoints in place: a crash mid-write leaves a
truncated file that ``--resume`` then picks. Its ``put`` / ``put_text`` go through
:func:`mmlinsem.utils.fileio.atomic_write` (a temporary file renamed over the target,
atomic on POSIX), so a checkpoint on disk is always whole.
"""
from mmengine.fileio.backends import LocalBackend

from mmlinsem.utils import fileio


def _atomic_put(self, obj, filepath):
    fileio.atomic_write(filepath, obj)


def _atomic_put_text(self, obj, filepath, encoding='utf-8'):
    fileio.atomic_write(filepath, obj.encode(encoding))


LocalBackend.put = _atomic_put
LocalBackend.put_text = _atomic_put_text
