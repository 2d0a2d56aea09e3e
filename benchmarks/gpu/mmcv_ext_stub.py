"""``mmcv/_ext.py`` for an mmcv installed without compiled ops (``MMCV_WITH_OPS=0``).

mmcv.ops modules load their kernels with ``ext_loader.load_ext('_ext', names)``, which only
checks that the names exist. This module has every name: each is a function that raises, so
``import mmcv.ops`` (and mmagic / mmseg on top) works, and mmlinsem.compat sees no CUDA
kernels and routes the StyleGAN ops (upfirdn2d, fused_bias_leakyrelu) to PyTorch code.
"""


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)

    def missing(*args, **kwargs):
        raise RuntimeError(f'mmcv._ext.{name}: this mmcv was installed without compiled ops')

    missing.__name__ = name
    return missing
