"""StyleGAN ops on GPU without CUDA kernels.

mmcv 2.1.0 built without CUDA has no GPU kernels for ``upfirdn2d`` /
``fused_bias_leakyrelu``, and mmagic's StyleGAN modules call them for CUDA tensors. Those
calls are routed to mmcv's own PyTorch reference implementations (one warning, then it
runs; slower but correct).
"""
import importlib
import warnings

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
