"""Reading pickled files without running code from them.

A pickle names the functions and classes it needs to be rebuilt, and a plain
``pickle.load`` / ``torch.load(weights_only=False)`` imports and calls whatever it names
(``os.system``, ``builtins.exec``, a class whose source is embedded in the file ...). Every
file mmlinsem reads -- heads, generators, teachers, resumed runs, converter inputs,
annotation latents -- goes through this module instead:

* torch archives (``torch.save`` files) are read by :func:`safe_torch_load`:
  ``torch.load(weights_only=True)`` with :data:`TORCH_SAFE_NAMES` added to torch's own
  allowlist (the plain data classes of mmengine's checkpoints, numpy arrays and scalars,
  ``argparse.Namespace`` of rosinality's files);
* plain pickles (NVIDIA ``.pkl`` snapshots) are read by :class:`RestrictedUnpickler`, which
  rebuilds only the globals of :data:`PICKLE_SAFE_GLOBALS` (subclasses add inert stand-ins).

A file that asks for anything else is refused with :class:`UnsafeCheckpointError`, one line
naming the global and the opt-in. The opt-in -- ``--trust-checkpoint`` on the tools,
``trust_checkpoint = True`` in a config, :func:`trust_checkpoints` from Python, or
``MMLINSEM_TRUST_CHECKPOINT=1`` in the environment -- lets
refused torch files load the unrestricted way, after a warning that names the file and its
sha256, so what was trusted can be checked later.
"""
import argparse
import collections
import contextlib
import hashlib
import io
import os
import pickle
import re
import warnings
from typing import Dict, List, Optional, Tuple

from mmlinsem.errors import MMLinsemError

TRUST_HINT = ('only if you trust its source, pass --trust-checkpoint (config: '
              'trust_checkpoint = True) to load it anyway')


class UnsafeCheckpointError(MMLinsemError):
    """A file asked for a global outside the allowlist; nothing of it was run."""


# -- the trust switch ---------------------------------------------------------------------
#: set to 1 by a tool given --trust-checkpoint, for the tools it starts
TRUST_ENV = 'MMLINSEM_TRUST_CHECKPOINT'
_trusted: List[bool] = [os.environ.get(TRUST_ENV) == '1']


def trust_checkpoints(enable: bool = True) -> None:
    """Let files refused by the safe loader load unrestricted (a warning names each)."""
    _trusted[0] = bool(enable)


def checkpoints_trusted() -> bool:
    """Whether :func:`trust_checkpoints` is on."""
    return _trusted[0]


@contextlib.contextmanager
def trusting(enable: bool = True):
    """:func:`trust_checkpoints` for the duration of a block."""
    before = _trusted[0]
    _trusted[0] = bool(enable)
    try:
        yield
    finally:
        _trusted[0] = before


def sha256_of(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def warn_trusted(path: str, asked_for: str) -> None:
    """The warning printed whenever a file is loaded unrestricted."""
    warnings.warn(
        f'loading {path} (sha256 {sha256_of(path)}) with code execution allowed: it asks '
        f'for {asked_for}; a trusted checkpoint (--trust-checkpoint) may run any code',
        stacklevel=3)


# -- torch archives -------------------------------------------------------------------------
def _import(dotted: str):
    module, _, name = dotted.rpartition('.')
    try:
        obj = __import__(module, fromlist=[name])
        return getattr(obj, name)
    except (ImportError, AttributeError):
        return None


#: plain data classes (no code of their own runs when they are rebuilt) allowed in torch
#: files on top of torch's own allowlist (tensors, containers, primitive types)
TORCH_SAFE_NAMES = (
    # mmengine checkpoints: message hub log buffers, config dicts in meta
    'mmengine.logging.history_buffer.HistoryBuffer',
    'mmengine.config.config.ConfigDict',
    # numpy arrays, scalars and dtypes (numpy 1 and 2 module names)
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray.scalar',
    'numpy.ndarray',
    'numpy.dtype',
    # rosinality's train.py saves its argparse namespace as ``args``
    'argparse.Namespace',
    'builtins.set',
    'builtins.frozenset',
    'builtins.slice',
    'builtins.bytes',
    'collections.defaultdict',
)

#: classes whose methods a file may name through ``getattr(cls, 'name')``: mmengine's log
#: buffers pickle their registered statistics (``min``, ``mean`` ...) that way
_METHOD_OWNERS = ('mmengine.logging.history_buffer.HistoryBuffer', )


def _method_of_allowed_class(owner, name: str):
    """``getattr`` as a file may use it: a public method of a class of
    :data:`_METHOD_OWNERS`, nothing else."""
    owners = [cls for cls in map(_import, _METHOD_OWNERS) if cls is not None]
    if owner in owners and isinstance(name, str) and not name.startswith('_') \
            and callable(owner.__dict__.get(name)):
        return getattr(owner, name)
    raise UnsafeCheckpointError(
        f'refused to load a file that asks for getattr({getattr(owner, "__name__", owner)!r}, '
        f'{name!r}): only the statistics methods of mmengine log buffers are allowed')


def _numpy_dtype_classes() -> list:
    try:
        import numpy as np
        return [getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith('DType')]
    except (ImportError, AttributeError):
        return []


def _torch_safe_globals() -> list:
    found = [obj for obj in map(_import, TORCH_SAFE_NAMES) if obj is not None]
    return found + _numpy_dtype_classes() + [(_method_of_allowed_class, 'builtins.getattr')]


def _unsafe_globals(path: str) -> List[str]:
    """The globals of a torch archive outside the allowlist (empty if it cannot tell)."""
    import torch
    try:
        with torch.serialization.safe_globals(_torch_safe_globals()):
            names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # noqa: BLE001 - legacy (non-zip) files cannot be listed
        return []
    allowed = set(TORCH_SAFE_NAMES) | {'builtins.getattr'}
    return [n for n in names if n not in allowed]


def _refused_global(err: BaseException) -> Optional[str]:
    """The global that torch's weights-only unpickler refused, parsed from its message
    (None when it refused something else, e.g. a byte that is no pickle opcode)."""
    text = str(err)
    if 'Weights only load failed' not in text:
        return None
    found = re.search(r'(?:GLOBAL|Unsupported class) ([\w.]+)', text)
    return found.group(1).rstrip('.') if found else None


def safe_torch_load(path: str, map_location='cpu'):
    """``torch.load(path)`` that never runs code from the file.

    Raises :class:`UnsafeCheckpointError` (one line: the global asked for, the opt-in) for
    a file that needs more than :data:`TORCH_SAFE_NAMES`, unless :func:`trust_checkpoints`
    is on; then it loads the file unrestricted after :func:`warn_trusted`. Any other read
    error propagates as torch raised it.
    """
    import torch
    try:
        with torch.serialization.safe_globals(_torch_safe_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001 - sorted below
        refused = _refused_global(err)
        names = _unsafe_globals(path) if refused or 'Weights only' in str(err) else []
        if not (names or refused):
            raise  # not a refusal: a damaged file or no checkpoint at all
        names = names or [refused]
    asked = ', '.join(names[:3]) + (' ...' if len(names) > 3 else '')
    if not _trusted[0]:
        raise UnsafeCheckpointError(
            f'refused to load {path}: it asks for {asked}, which loading would import and '
            f'may run; {TRUST_HINT}')
    warn_trusted(path, asked)
    return torch.load(path, map_location=map_location, weights_only=False)


# -- plain pickles ------------------------------------------------------------------------
def _rebuild_storage_from_bytes(data: bytes):
    """``torch.storage._load_from_bytes`` without its unrestricted ``torch.load``."""
    import torch
    return torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)


def _pickle_safe_globals() -> Dict[Tuple[str, str], object]:
    import torch
    safe = {}
    names = ('torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter',
             'torch._utils._rebuild_parameter_with_state', 'torch.Size', 'torch.device',
             'collections.OrderedDict', 'builtins.set', 'builtins.frozenset', 'builtins.slice',
             'builtins.complex', 'argparse.Namespace') + TORCH_SAFE_NAMES
    for dotted in names:
        obj = _import(dotted)
        if obj is not None:
            module, _, name = dotted.rpartition('.')
            safe[(module, name)] = obj
    for cls in _numpy_dtype_classes():
        safe[(cls.__module__, cls.__name__)] = cls
    for name in dir(torch):  # storages and dtypes are pickled by their global name
        obj = getattr(torch, name)
        if isinstance(obj, torch.dtype) or (isinstance(obj, type) and name.endswith('Storage')):
            safe[('torch', name)] = obj
    safe[('torch.storage', '_load_from_bytes')] = _rebuild_storage_from_bytes
    safe[('builtins', 'getattr')] = _method_of_allowed_class
    safe[('collections', 'OrderedDict')] = collections.OrderedDict
    safe[('argparse', 'Namespace')] = argparse.Namespace
    return safe


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that rebuilds only allowlisted globals.

    ``extra`` maps ``(module, name)`` to the object to use in its place -- subclasses and
    format readers pass inert stand-ins for the classes of a foreign code base (they only
    capture the state the pickle hands them). Anything else raises
    :class:`UnsafeCheckpointError` before it is imported.
    """

    def __init__(self,
                 file,
                 *,
                 extra: Optional[Dict[Tuple[str, str], object]] = None,
                 source: str = 'the file'):
        super().__init__(file)
        self.allowed = _pickle_safe_globals()
        self.allowed.update(extra or {})
        self.source = source

    def find_class(self, module: str, name: str):
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f'refused to load {self.source}: it asks for {module}.{name}, which loading '
                'would import and may run; only plain weights are read') from None


def restricted_load(path: str, extra: Optional[Dict[Tuple[str, str], object]] = None):
    """Unpickle the plain pickle at ``path`` with :class:`RestrictedUnpickler`."""
    with open(path, 'rb') as f:
        return RestrictedUnpickler(f, extra=extra, source=path).load()
