"""Known-harmless third-party warnings printed on every run, silenced before anything
imports diffusers / mmcv.ops:

* diffusers 0.24's ``_register_pytree_node`` FutureWarning at import;
* mmcv's per-call conv2d_gradfix notice that it falls back to ``F.conv2d`` (the intended
  CPU/GPU path);
* mmengine's ``pkg_resources`` deprecation notice (setuptools < 81 is pinned for the mmcv
  build);
* mmseg's ``build_loss`` deprecation: its own ``BaseDecodeHead`` still calls it (every
  teacher and extractor head goes through it), and the replacement it names is what
  ``build_loss`` does.
"""
import warnings

warnings.filterwarnings(
    'ignore', message=r'.*_register_pytree_node.*deprecated', category=FutureWarning)
warnings.filterwarnings(
    'ignore', message=r'Since aten:cudnn_convolution_backward_weight', category=UserWarning)
warnings.filterwarnings('ignore', message=r'pkg_resources is deprecated', category=UserWarning)
warnings.filterwarnings(
    'ignore', message=r'``build_loss`` would be deprecated', category=UserWarning)
