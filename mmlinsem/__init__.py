"""mmlinsem: Linear Semantics in GANs (Xu & Zheng, CVPR 2021) as an OpenMMLab plugin.

Importing the package applies the compatibility fixes (``mmlinsem.compat``) and registers
every module in the ``mmlinsem`` scope.
"""
from . import compat  # noqa: F401  (must come first)
from . import datasets, engine, evaluation, models  # noqa: F401,E402
from .errors import MMLinsemError  # noqa: E402
from .version import __version__, version_info  # noqa: E402

__all__ = ['MMLinsemError', '__version__', 'version_info']
