"""``--trust-checkpoint``: the tools' opt-in to load files the safe loader refuses.

Every tool accepts the flag (:func:`take_trust_flag` runs in ``run_main`` before the tool
parses its arguments) and the shared argument helpers list it in ``--help``
(:func:`add_trust_arg`). Child tools started by a tool inherit it through the environment.
A config says the same with ``trust_checkpoint = True`` (see ``load_config``).
"""
import os
from typing import List

from mmlinsem.utils.safe_load import TRUST_ENV, trust_checkpoints

TRUST_FLAG = '--trust-checkpoint'
TRUST_HELP = ('load checkpoints that ask for more than plain weights (code from the file may '
              'run; a warning names each file and its sha256). Only for files you trust')


def add_trust_arg(parser) -> None:
    """List ``--trust-checkpoint`` in a tool's ``--help`` (``run_main`` acts on it)."""
    parser.add_argument(TRUST_FLAG, action='store_true', help=TRUST_HELP)


def take_trust_flag(argv: List[str]) -> bool:
    """Turn the opt-in on when ``argv`` holds the flag, and take the flag out of ``argv``
    (so every tool accepts it); child tools inherit it through the environment."""
    if TRUST_FLAG not in argv[1:]:
        return False
    while TRUST_FLAG in argv[1:]:
        argv.remove(TRUST_FLAG)
    trust_checkpoints(True)
    os.environ[TRUST_ENV] = '1'
    return True
