"""Narrow fixes that let the pinned OpenMMLab stack run on numpy 2 / torch >= 2.6.

Imported first by ``mmlinsem/__init__.py``. One fix per module, each saying why; each is
guarded so it is a no-op where the upstream packages already behave. Nothing imports
helpers from here: the fixes act by being imported.

* :mod:`.quiet_warnings` -- known-harmless third-party warnings (first: before anything
  imports diffusers / mmcv.ops);
* :mod:`.numpy_bool8` -- ``np.bool8`` for mmagic under numpy 2;
* :mod:`.checkpoint_loader` -- mmengine's local checkpoints through mmlinsem's one reader;
* :mod:`.stylegan_ops` -- StyleGAN ops on GPU when mmcv has no CUDA kernels;
* :mod:`.atomic_checkpoints` -- mmengine writes checkpoints atomically;
* :mod:`.cpu_distributed` -- ``torchrun`` with gloo on a machine without GPU;
* :mod:`.albumentations_stub` -- mmagic imports without albumentations;
* :mod:`.hub_cached_download` -- diffusers 0.24 imports under huggingface_hub >= 0.26;
* :mod:`.quiet_logs` -- log lines that say nothing to a user of mmlinsem.
"""
# in this order: each may need the ones above it
# isort: off
from . import quiet_warnings  # noqa: F401  (before anything imports diffusers / mmcv.ops)
from . import numpy_bool8  # noqa: F401
from . import checkpoint_loader  # noqa: F401
from . import stylegan_ops  # noqa: F401
from . import atomic_checkpoints  # noqa: F401
from . import cpu_distributed  # noqa: F401
from . import albumentations_stub  # noqa: F401
from . import hub_cached_download  # noqa: F401
from . import quiet_logs  # noqa: F401
# isort: on
