"""The one reader of checkpoint files (heads, generators, teachers, resumed runs).

Every local checkpoint read of mmlinsem goes through :func:`read_checkpoint`, directly or
through mmengine's ``CheckpointLoader`` (``mmlinsem.compat`` registers it as mmengine's
local loader, so ``load_from``, ``--resume`` and ``load_checkpoint`` use it too). A file
that is not a readable checkpoint -- random bytes, a truncated copy, a text file, a pickle
of something else than a dict -- becomes one :class:`MMLinsemError` line naming the path,
its size and what was expected there. Callers say what they expect with :func:`expecting`.

:func:`describe_keys` names what a state dict holds ("a generator checkpoint: keys
generator_ema.*, ..."), for the messages of loaders that find the wrong weights.
"""
import contextlib
import os.path as osp
from typing import Iterable, List, Optional

from mmlinsem.errors import MMLinsemError
from .fileio import atomic_write
from .safe_load import UnsafeCheckpointError, safe_torch_load

DEFAULT_EXPECTED = 'a PyTorch checkpoint written by torch.save'
HEAD_CHECKPOINT = 'a head checkpoint written by tools/train.py (work_dir/iter_N.pth)'
TRAIN_CHECKPOINT = 'a training checkpoint written by tools/train.py (work_dir/iter_N.pth)'
_expected: List[str] = []
_last_path: List[Optional[str]] = [None]

#: first key components -> what kind of checkpoint holds them
_KINDS = (
    (('generator_ema', 'generator', 'discriminator', 'style_mapping', 'synthesis', 'mapping',
      'convs', 'to_rgbs', 'constant_input'), 'a generator checkpoint'),
    (('backbone', 'decode_head', 'auxiliary_head', 'neck'), 'a segmentor (teacher) checkpoint'),
    (('head', ), 'a head checkpoint'),
)


@contextlib.contextmanager
def expecting(what: str):
    """Name what the checkpoints read inside this block should be (for error lines)."""
    _expected.append(what)
    try:
        yield
    finally:
        _expected.pop()
        _last_path[0] = None  # named only while its loader runs


def last_path() -> Optional[str]:
    """The path of the checkpoint read in the current :func:`expecting` block (to name
    it in the messages of the state-dict checks that follow the read), else None."""
    return _last_path[0]


def _size(nbytes: int) -> str:
    for unit in ('bytes', 'KiB', 'MiB', 'GiB'):
        if nbytes < 1024 or unit == 'GiB':
            return f'{nbytes} {unit}' if unit == 'bytes' else f'{nbytes:.1f} {unit}'
        nbytes /= 1024


def _what_it_is(path: str, err: BaseException) -> str:
    with open(path, 'rb') as f:
        head = f.read(512)
    if not head:
        return 'the file is empty'
    if head.startswith(b'PK'):
        return 'a damaged or truncated torch.save zip archive'
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in '\r\n\t' for c in text):
        return 'a text file'
    reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return f'unreadable ({type(err).__name__}: {reason[:100]})'


def read_checkpoint(path: str, map_location='cpu', expected: Optional[str] = None):
    """``torch.load(path)`` that runs no code from the file; bad files become one error line.

    Raises ``FileNotFoundError`` for a missing file (callers name it),
    :class:`~mmlinsem.utils.safe_load.UnsafeCheckpointError` for a file that asks for more
    than plain weights (see :mod:`mmlinsem.utils.safe_load`) and :class:`MMLinsemError` for
    a file that is no checkpoint (a dict).
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(2, 'No such file or directory', path)
    what = expected or (_expected[-1] if _expected else DEFAULT_EXPECTED)
    size = _size(osp.getsize(path))
    try:
        ckpt = safe_torch_load(path, map_location=map_location)
    except UnsafeCheckpointError:
        raise
    except Exception as err:  # noqa: BLE001 - any unreadable file is one message
        if 'CUDA' in str(err) and 'deserialize' in str(err):
            raise  # a real checkpoint, a device problem: keep torch's message
        raise MMLinsemError(f'cannot read {path} ({size}): {_what_it_is(path, err)}; '
                            f'expected {what}') from None
    if not isinstance(ckpt, dict):
        raise MMLinsemError(f'{path} ({size}) holds a {type(ckpt).__name__}, not a dict of '
                            f'weights; expected {what}')
    _last_path[0] = path
    return ckpt


def hub_cache_path(url: str) -> str:
    """Where a downloaded checkpoint lives: torch's hub cache, ``checkpoints/<file name>``."""
    from urllib.parse import urlparse

    import torch
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(urlparse(url).path))


def download_checkpoint(url: str,
                        path: Optional[str] = None,
                        progress: bool = False,
                        what: str = 'checkpoint') -> str:
    """``url`` downloaded to ``path`` (default :func:`hub_cache_path`) unless a file is
    already there; the local path. A failed download is one error line naming ``what``
    (nothing is left half-written: torch writes to a temporary file first)."""
    import os

    import torch
    path = osp.expanduser(path or hub_cache_path(url))
    if osp.isfile(path):
        return path
    try:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        torch.hub.download_url_to_file(url, path, progress=progress)
    except Exception as err:  # noqa: BLE001 - any network / file error is one line
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:120]
        raise MMLinsemError(f'{what} not found at {path} and could not be downloaded from '
                            f'{url} ({type(err).__name__}: {reason}); download the file by '
                            'hand and put it there') from None
    return path


def key_groups(keys: Iterable[str], limit: int = 4) -> List[str]:
    """The first components of ``keys`` as ``name.*``, in order of appearance."""
    groups: List[str] = []
    for key in keys:
        group = key.split('.', 1)[0] + ('.*' if '.' in key else '')
        if group not in groups:
            groups.append(group)
    return groups[:limit] + (['...'] if len(groups) > limit else [])


def describe_keys(keys: Iterable[str]) -> str:
    """'a generator checkpoint (keys generator_ema.*, generator.*)' or 'keys a.*, b.*'."""
    keys = list(keys)
    if not keys:
        return 'no weights at all'
    firsts = {k.split('.', 1)[0] for k in keys}
    kind = next((name for parts, name in _KINDS if firsts & set(parts)), None)
    groups = ', '.join(key_groups(keys))
    return f'this looks like {kind} (keys {groups})' if kind else f'keys {groups}'


def write_checkpoint(ckpt: dict, path: str) -> str:
    """``torch.save(ckpt)`` to ``path`` atomically (temp file + rename)."""
    import io

    import torch
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    atomic_write(path, buf.getvalue())
    return path


def save_head_checkpoint(model, path: str, meta: Optional[dict] = None) -> str:
    """Write the head of a ``SemanticExtractor`` (its state dict holds only the head and
    its arch metadata) as a checkpoint that ``tools/test.py``, ``LinSemInferencer`` and
    the other tools load like one of ``tools/train.py``; atomic (temp file + rename)."""
    return write_checkpoint(dict(meta=dict(meta or {}), state_dict=model.state_dict()), path)
