"""Helpers of the command-line tools and of the package itself."""
from mmlinsem.compat import atomic_write
from .checkpoint_io import (HEAD_CHECKPOINT, TRAIN_CHECKPOINT, expecting, read_checkpoint,
                            save_head_checkpoint)
from .cli import (PACKAGE_DIR, REPO_ROOT, adapt_launcher, add_pipeline_args, amp_from_args,
                  build_runner, check_amp, config_from_args, inferencer_from_args, load_config,
                  parse_common, run_main, run_tool_checked, tool_path)
from .fewshot_recipe import fewshot_iters, fewshot_train_options
from .inversion_args import add_inversion_args, inversion_kwargs
from .misc import unwrap_model

__all__ = [
    'HEAD_CHECKPOINT', 'TRAIN_CHECKPOINT', 'expecting', 'fewshot_iters', 'fewshot_train_options',
    'read_checkpoint', 'add_inversion_args', 'inversion_kwargs', 'PACKAGE_DIR', 'REPO_ROOT',
    'adapt_launcher', 'add_pipeline_args', 'amp_from_args', 'atomic_write', 'build_runner',
    'check_amp', 'config_from_args', 'inferencer_from_args', 'load_config', 'parse_common',
    'run_main', 'run_tool_checked', 'save_head_checkpoint', 'tool_path', 'unwrap_model'
]
