"""mmlinsem: Linear Semantics in GANs (Xu & Zheng, CVPR 2021) as an OpenMMLab plugin.

Importing the package applies the compatibility fixes (``mmlinsem.compat``) and registers
every module in the ``mmlinsem`` scope.
"""
from . import compat  # noqa: F401  (must come first)
from . import datasets, engine, evaluation, models  # noqa: F401,E402
from .errors import MMLinsemError  # noqa: E402

__version__ = '0.1.0'
__all__ = ['MMLinsemError', '__version__']
