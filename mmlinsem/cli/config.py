"""Configs and runners of ``tools/train.py`` / ``tools/test.py``: the shared flags, config
loading with overrides, the launcher, building the runner.

Every helper imports its heavy dependencies when called, so ``--help`` stays fast.
"""
import os
import os.path as osp

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.config_io import load_config
from .trust import add_trust_arg

_BUILTIN_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler',
                  'checkpoint')


def check_amp():
    """``--amp`` training needs CUDA (mmengine's AmpOptimWrapper)."""
    import torch
    if not torch.cuda.is_available():
        raise MMLinsemError('--amp needs a CUDA GPU (mmengine AmpOptimWrapper); none found')


def adapt_launcher(cfg, launcher):
    """Set the launcher; without a GPU, distributed jobs use gloo instead of nccl."""
    import torch
    cfg.launcher = launcher
    if launcher != 'none' and not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
        # CPU modules: DDP must not get device_ids (mmengine passes [LOCAL_RANK]).
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper


def build_runner(cfg):
    """``Runner.from_cfg`` (or the config's ``runner_type``), tolerating disabled hooks."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    # ``default_hooks=dict(name=None)`` disables a hook; mmengine accepts that only for its
    # built-in names, so drop the entry for any other (e.g. mmlinsem's sync_meta/overlay).
    if isinstance(cfg.get('default_hooks'), dict):
        cfg.default_hooks = {
            k: v
            for k, v in cfg.default_hooks.items() if v is not None or k in _BUILTIN_HOOKS
        }
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def parse_common(parser):
    """Add the flags shared by train/test, parse, and export LOCAL_RANK."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='the dir to save logs, models and results')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_trust_arg(parser)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def config_from_args(args):
    """Load the config with --cfg-options, the launcher and the work dir applied."""
    cfg = load_config(args.config, args.cfg_options)
    adapt_launcher(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg
