"""The plumbing of the command-line tools (``tools/*.py``): running a tool with bad input as
one error line, configs and runners of train/test, the shared flags of the tools."""
from .config import (adapt_launcher, build_runner, check_amp, config_from_args, load_config,
                     parse_common)
from .fewshot_recipe import fewshot_iters, fewshot_train_options
from .inversion_args import add_inversion_args, inversion_kwargs
from .pipeline_args import add_pipeline_args, amp_from_args, inferencer_from_args
from .run import run_main, run_tool_checked, tool_path
from .trust import add_trust_arg

__all__ = [
    'adapt_launcher', 'build_runner', 'check_amp', 'config_from_args', 'load_config',
    'parse_common', 'fewshot_iters', 'fewshot_train_options', 'add_inversion_args',
    'inversion_kwargs', 'add_pipeline_args', 'amp_from_args', 'inferencer_from_args', 'run_main',
    'run_tool_checked', 'tool_path', 'add_trust_arg'
]
