"""Plumbing shared by the command-line tools (``tools/*.py``): one-line errors, config
loading, runner building, the flags of the latent-optimisation tools.

Every helper imports its heavy dependencies when called, so ``--help`` stays fast.
"""
import os
import os.path as osp
import subprocess
import sys

#: the folder holding ``mmlinsem/`` (the repository root for an editable install)
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO_ROOT = osp.dirname(PACKAGE_DIR)

_BUILTIN_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler',
                  'checkpoint')


def run_main(main):
    """Run ``main()``; bad input becomes one ``error: ...`` line and exit code 2."""
    from mmlinsem.errors import MMLinsemError
    try:
        main()
    except MMLinsemError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as err:
        print(f'error: file not found: {err.filename or err}', file=sys.stderr)
        sys.exit(2)
    except TypeError as err:  # a wrong config key reaching a builder
        from mmlinsem.utils.config_errors import explain
        line = explain(err)
        if line is None:
            raise
        print(f'error: {line}', file=sys.stderr)
        sys.exit(2)


def load_config(path, cfg_options=None):
    """``Config.fromfile(path)`` with ``cfg_options`` merged; a missing file is one error."""
    from mmengine.config import Config

    from mmlinsem.errors import MMLinsemError
    from mmlinsem.utils.config_errors import remember_config
    from mmlinsem.utils.paths import resolve_path
    path = resolve_path(path)
    if not osp.isfile(path):
        raise MMLinsemError(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    remember_config(cfg)
    return cfg


def check_amp():
    """``--amp`` training needs CUDA (mmengine's AmpOptimWrapper)."""
    import torch

    from mmlinsem.errors import MMLinsemError
    if not torch.cuda.is_available():
        raise MMLinsemError('--amp needs a CUDA GPU (mmengine AmpOptimWrapper); none found')


def add_pipeline_args(parser, out):
    """--device, --out, --cfg-options, --amp, --amp-dtype of the latent-optimisation tools
    (SCS, SIE); :func:`inferencer_from_args` builds their model."""
    from mmengine.config import DictAction
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', default=out)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides, e.g. model.generator.noise=fixed')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='autocast the generator / predictor forwards (the latent and '
        'the losses stay fp32); works on CPU too')
    parser.add_argument('--amp-dtype', default='bfloat16', choices=['bfloat16', 'float16'])


def amp_from_args(args):
    """The ``amp`` keyword of the APIs from ``--amp`` / ``--amp-dtype``."""
    return args.amp_dtype if args.amp else False


def inferencer_from_args(args):
    """A ``LinSemInferencer`` from ``args.config``, ``args.checkpoint``, ``--device`` and
    ``--cfg-options``."""
    from mmlinsem.apis import LinSemInferencer
    return LinSemInferencer(
        args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options)


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


def tool_path(name: str) -> str:
    """The path of ``tools/NAME``: the checkout's, else the installed copy in ``.mim``."""
    name = name[len('tools/'):] if name.startswith('tools/') else name
    for folder in (osp.join(REPO_ROOT, 'tools'), osp.join(PACKAGE_DIR, '.mim', 'tools')):
        path = osp.join(folder, name)
        if osp.isfile(path):
            return path
    from mmlinsem.errors import MMLinsemError
    raise MMLinsemError(f'tool tools/{name} not found (neither in {REPO_ROOT} nor in the '
                        "installed package's .mim folder)")


def run_tool_checked(cmd, log=None, env=None, cwd=None):
    """Run ``python tools/TOOL ARGS`` (in ``cwd``, default the current folder, with ``env``);
    a failure becomes one error line. Without ``log`` the output is captured and the error
    quotes the tool's last stderr line; with ``log`` (a path) the command and its output are
    appended to that file and the error points to it."""
    argv = [sys.executable, tool_path(cmd[0]), *cmd[1:]]
    from mmlinsem.errors import MMLinsemError
    if log is None:
        res = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
        if res.returncode != 0:
            raise MMLinsemError(f'{osp.basename(cmd[0])} failed: ' +
                                (res.stderr.strip().splitlines() or ['?'])[-1])
        return res
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(cmd) + '\n')
        f.flush()
        res = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    if res.returncode != 0:
        raise MMLinsemError(
            f'{osp.basename(cmd[0])} failed (exit {res.returncode}); its output is in {log}')
    return res
