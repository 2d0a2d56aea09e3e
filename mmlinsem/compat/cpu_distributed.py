"""Distributed runs on CPU: mmengine's pytorch launcher calls ``torch.cuda.set_device``
unconditionally, so ``torchrun`` + gloo fails on a machine without GPU. Without CUDA the
process group is initialised directly (nccl, which needs GPUs, becomes gloo)."""
import torch
from mmengine.dist import utils as _dist_utils

_init_dist_pytorch_orig = _dist_utils._init_dist_pytorch


def _init_dist_pytorch(backend='nccl', init_backend='torch', **kwargs):
    if torch.cuda.is_available() or init_backend != 'torch':
        return _init_dist_pytorch_orig(backend, init_backend=init_backend, **kwargs)
    import torch.distributed as torch_dist
    torch_dist.init_process_group(backend='gloo' if backend == 'nccl' else backend, **kwargs)


_dist_utils._init_dist_pytorch = _init_dist_pytorch
