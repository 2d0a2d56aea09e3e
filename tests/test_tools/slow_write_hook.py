"""Test-only module (imported by tests/configs/tiny_lse_slow_write.py): makes one checkpoint
write observable so a test can SIGKILL training at a chosen moment.

``MMLINSEM_TEST_PAUSE=during:iter_6.pth`` writes half of that file's bytes into the temporary
file, drops ``MMLINSEM_TEST_MARKER`` and sleeps (the kill lands mid-write);
``after:iter_3.pth`` sleeps right after that file was renamed into place.
"""
import os
import time

from mmlinsem.utils import fileio

_write = fileio.atomic_write


def _marked_pause():
    with open(os.environ['MMLINSEM_TEST_MARKER'], 'w') as f:
        f.write('paused')
    time.sleep(120)


def _observable_write(filepath, data):
    when, _, name = os.environ.get('MMLINSEM_TEST_PAUSE', '').partition(':')
    if os.path.basename(str(filepath)) != name:
        return _write(filepath, data)
    if when == 'during':
        tmp = os.path.join(os.path.dirname(str(filepath)), '.tmp-partial-' + name)
        with open(tmp, 'wb') as f:  # what a writer killed mid-way leaves behind
            f.write(data[:len(data) // 2])
        _marked_pause()
    _write(filepath, data)
    if when == 'after':
        _marked_pause()


fileio.atomic_write = _observable_write
