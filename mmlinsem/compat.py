"""Narrow fixes that let the pinned OpenMMLab stack run on numpy 2 / torch >= 2.6.

Imported first by ``mmlinsem/__init__.py``. Each fix is guarded so it is a no-op where the
upstream packages already behave.

1. ``np.bool8``: removed in numpy 2, still used at import time by
   ``mmagic/utils/trans_utils.py``; alias it to ``np.bool_``.
2. Local checkpoints under torch >= 2.6: ``torch.load`` defaults to ``weights_only=True``
   and mmengine 0.10.7 does not pass ``weights_only``, so ``--resume`` and
   ``mmseg.apis.init_model`` fail on mmengine's own checkpoints (they pickle
   ``HistoryBuffer``, numpy dtypes ...). We re-register mmengine's local-file loader with
   ``weights_only=False`` -- the same trust model as mmengine >= 0.11 (fix #1670): only
   load checkpoints you trust. URL loads already use ``weights_only=False`` upstream.
   The loader is ``mmlinsem.utils.checkpoint_io.read_checkpoint``, the one reader of
   checkpoints: a file that is no checkpoint is one error line (path, size, expected).
3. StyleGAN ops on GPU without CUDA kernels: mmcv 2.1.0 built without CUDA has no GPU
   kernels for ``upfirdn2d`` / ``fused_bias_leakyrelu`` and mmagic's StyleGAN modules call
   them for CUDA tensors. We route those calls to mmcv's own PyTorch reference
   implementations (one warning, then it runs; slower but correct).
4. Atomic checkpoint writes (see below).
5. Four harmless third-party warnings printed on every run are silenced: diffusers 0.24's
   ``_register_pytree_node`` FutureWarning at import, mmengine's ``pkg_resources``
   deprecation notice, mmcv's per-call conv2d_gradfix notice that it falls back to
   ``F.conv2d`` (which is the intended CPU/GPU path), and mmseg's ``build_loss``
   deprecation that its own decode heads trigger.
6. Distributed runs on CPU: mmengine's pytorch launcher calls ``torch.cuda.set_device``
   unconditionally, so ``torchrun`` + gloo fails on a machine without GPU. Without CUDA we
   initialise the process group directly (nccl, which needs GPUs, becomes gloo).
7. ``albumentations``: ``mmagic.datasets.transforms`` imports it at module level (for two
   rarely used Albu* transforms) although every mmagic data pipeline -- LoadImageFromFile,
   PackInputs ... -- goes through that package. It pulls opencv-python (GUI) and
   scikit-image, so it is not installed; a placeholder module lets mmagic import and fails
   with a clear message only if an Albu transform is really used.
8. Log lines that say nothing to a user of mmlinsem (see ``KNOWN_NOISE``), dropped from
   every mmengine logger: mmengine's ``CheckpointHook`` builds a deprecated ``FileClient``
   (and so a ``HardDiskBackend``) on every run for backward compatibility, although it
   writes through ``backend_args`` -- two deprecation warnings about mmengine's own code;
   the "prefix is not set" warning of metrics whose keys are meant unprefixed.
   Without CUDA, mmengine's "GPU number" in the runtime environment is the number of
   processes: it is shown as "World size" there, so no GPU count stands beside
   ``CUDA available: False``.
9. ``huggingface_hub.cached_download``: removed in hub 0.26, still imported at module level
   by diffusers 0.24 (which mmagic imports). Hub is pinned at 0.36 for gradio (the app), so
   the name is put back as a function that says it is gone; mmlinsem never downloads
   from a hub, and diffusers calls it only to download remote code.
"""
import importlib
import os.path as osp
import warnings

import numpy as np

# -- 5. known-harmless warnings (before anything imports diffusers / mmcv.ops) ----------
warnings.filterwarnings(
    'ignore', message=r'.*_register_pytree_node.*deprecated', category=FutureWarning)
warnings.filterwarnings(
    'ignore', message=r'Since aten:cudnn_convolution_backward_weight', category=UserWarning)
# mmengine imports pkg_resources (setuptools < 81 is pinned for the mmcv build).
warnings.filterwarnings('ignore', message=r'pkg_resources is deprecated', category=UserWarning)
# mmseg's own BaseDecodeHead still calls its deprecated ``build_loss`` (every teacher and
# extractor head goes through it); the replacement it names is what build_loss does.
warnings.filterwarnings(
    'ignore', message=r'``build_loss`` would be deprecated', category=UserWarning)

# -- 1. numpy alias ---------------------------------------------------------------------
if not hasattr(np, 'bool8'):
    np.bool8 = np.bool_

# -- 2. local checkpoint loading --------------------------------------------------------
import torch  # noqa: E402
from mmengine.runner.checkpoint import CheckpointLoader  # noqa: E402


# (named as mmengine's own loader: mmengine logs "Loads checkpoint by {name[10:]} backend")
def load_from_local(filename, map_location=None):
    # the one checkpoint reader: unreadable / truncated / non-checkpoint files are one
    # error line (path, size, what was expected) -- ``load_from``, ``--resume`` included
    from mmlinsem.utils.checkpoint_io import read_checkpoint
    return read_checkpoint(filename, map_location=map_location)


CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)

# -- 3. StyleGAN op fallback ------------------------------------------------------------
_warned = False


def _warn_once():
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            'mmcv was built without CUDA kernels: StyleGAN ops (upfirdn2d, '
            'fused_bias_leakyrelu) on GPU run their PyTorch reference code '
            '(slower). Rebuild mmcv with FORCE_CUDA=1 for full speed.',
            stacklevel=3)


def mmcv_has_cuda_ops() -> bool:
    """True when the installed mmcv extension was compiled with CUDA."""
    try:
        from mmcv.ops import get_compiling_cuda_version
        version = get_compiling_cuda_version()
    except Exception:  # noqa: BLE001 - no extension at all
        return False
    return version not in (None, '', 'not available')


class _RefUpFirDn2d:
    """Stand-in for ``mmcv.ops.upfirdn2d._upfirdn2d_cuda(...)`` (an autograd class)."""

    def __init__(self, up=1, down=1, padding=0, flip_filter=False, gain=1):
        self.kwargs = dict(up=up, down=down, padding=padding, flip_filter=flip_filter, gain=gain)

    def apply(self, input, filter):  # noqa: A002 - mmcv's argument names
        _warn_once()
        mod = importlib.import_module('mmcv.ops.upfirdn2d')
        return mod._upfirdn2d_ref(input, filter, **self.kwargs)


class _RefFusedBiasLeakyReLU:
    """Stand-in for ``mmcv.ops.fused_bias_leakyrelu.FusedBiasLeakyReLUFunction``."""

    @staticmethod
    def apply(input, bias, negative_slope, scale):  # noqa: A002
        _warn_once()
        mod = importlib.import_module('mmcv.ops.fused_bias_leakyrelu')
        return mod.bias_leakyrelu_ref(input, bias, negative_slope, scale)


def install_stylegan_op_fallback(force: bool = False) -> bool:
    """Route mmcv's CUDA-only StyleGAN ops to reference code when kernels are missing.

    Both mmcv functions look up their CUDA implementation by module-global name at call
    time, so replacing those names covers every importer (mmagic binds the outer
    functions, not the CUDA classes). Returns True when the fallback is active.
    """
    if mmcv_has_cuda_ops() and not force:
        return False
    try:
        # import the modules (``mmcv.ops.upfirdn2d`` as an attribute is the function)
        fbl = importlib.import_module('mmcv.ops.fused_bias_leakyrelu')
        ufd = importlib.import_module('mmcv.ops.upfirdn2d')
    except Exception:  # noqa: BLE001 - mmcv without ops: mmagic StyleGANs cannot import
        return False
    ufd._upfirdn2d_cuda = _RefUpFirDn2d
    fbl.FusedBiasLeakyReLUFunction = _RefFusedBiasLeakyReLU
    return True


STYLEGAN_OP_FALLBACK = install_stylegan_op_fallback()

# -- 4. atomic checkpoint writes --------------------------------------------------------
# mmengine's LocalBackend writes checkpoints in place: a crash mid-write leaves a truncated
# file that ``--resume`` then picks. Write to a temporary file and rename it over the
# target (atomic on POSIX), so a checkpoint on disk is always whole.
import os  # noqa: E402
import tempfile  # noqa: E402

from mmengine.fileio.backends import LocalBackend  # noqa: E402

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
    POSIX): a reader never sees a half-written file. The one atomic writer of mmlinsem
    (checkpoints via mmengine's LocalBackend, pictures, exported generators)."""
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


def _atomic_put(self, obj, filepath):
    atomic_write(filepath, obj)


def _atomic_put_text(self, obj, filepath, encoding='utf-8'):
    atomic_write(filepath, obj.encode(encoding))


LocalBackend.put = _atomic_put
LocalBackend.put_text = _atomic_put_text

# -- 6. distributed init without CUDA ---------------------------------------------------
from mmengine.dist import utils as _dist_utils  # noqa: E402

_init_dist_pytorch_orig = _dist_utils._init_dist_pytorch


def _init_dist_pytorch(backend='nccl', init_backend='torch', **kwargs):
    if torch.cuda.is_available() or init_backend != 'torch':
        return _init_dist_pytorch_orig(backend, init_backend=init_backend, **kwargs)
    import torch.distributed as torch_dist
    torch_dist.init_process_group(backend='gloo' if backend == 'nccl' else backend, **kwargs)


_dist_utils._init_dist_pytorch = _init_dist_pytorch

# -- 7. placeholder for the optional albumentations import of mmagic ----------------------
import importlib.util  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402


class _MissingAlbumentations(types.ModuleType):

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        raise ImportError(f'albumentations.{name} is unavailable: albumentations is not '
                          'installed (pip install albumentations to use mmagic Albu* '
                          'transforms)')


if 'albumentations' not in sys.modules and importlib.util.find_spec('albumentations') is None:
    sys.modules['albumentations'] = _MissingAlbumentations('albumentations')


# -- 9. huggingface_hub.cached_download for diffusers 0.24 -------------------------------
def _install_cached_download():
    try:
        import huggingface_hub
    except ImportError:
        return
    if hasattr(huggingface_hub, 'cached_download'):
        return

    def cached_download(*args, **kwargs):
        raise RuntimeError('huggingface_hub.cached_download was removed in huggingface_hub '
                           '0.26; use hf_hub_download (mmlinsem never downloads from a hub)')

    huggingface_hub.cached_download = cached_download


_install_cached_download()

# -- 8. known-harmless log lines ----------------------------------------------------------
import logging  # noqa: E402

from mmengine.logging import MMLogger  # noqa: E402

#: (start of the message, why it is harmless) of the records dropped from mmengine loggers
KNOWN_NOISE = (
    ('"FileClient" will be deprecated',
     "mmengine's CheckpointHook builds one on every run for backward compatibility"),
    ('"HardDiskBackend" is the alias of "LocalBackend"',
     'the disk backend of that same FileClient'),
    ('The prefix is not set in metric class',
     "metric keys stay unprefixed ('mIoU'), as mmseg's IoUMetric writes them"),
)


class _KnownNoiseFilter(logging.Filter):
    """Drops the records of ``KNOWN_NOISE``; names the world size honestly on CPU."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if not isinstance(msg, str):
            return True
        if msg.startswith(tuple(prefix for prefix, _ in KNOWN_NOISE)):
            return False
        if '\n    GPU number: ' in msg and not torch.cuda.is_available():
            record.msg = msg.replace('\n    GPU number: ', '\n    World size: ')
        return True


_NOISE_FILTER = _KnownNoiseFilter()
_mmlogger_init = MMLogger.__init__


def _mmlogger_init_quiet(self, *args, **kwargs):
    _mmlogger_init(self, *args, **kwargs)
    self.addFilter(_NOISE_FILTER)


MMLogger.__init__ = _mmlogger_init_quiet
for _logger in MMLogger._instance_dict.values():  # loggers made before mmlinsem was imported
    _logger.addFilter(_NOISE_FILTER)
