"""Running tools: a tool's ``main`` with bad input as one error line, and one tool run by
another as a child process.
"""
import os.path as osp
import subprocess
import sys

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.config_errors import explain
from mmlinsem.utils.paths import PACKAGE_DIR, REPO_ROOT
from .trust import take_trust_flag


def run_main(main):
    """Run ``main()``; bad input becomes one ``error: ...`` line and exit code 2. Every tool
    takes ``--trust-checkpoint`` (see :mod:`mmlinsem.cli.trust`)."""
    take_trust_flag(sys.argv)
    try:
        main()
    except MMLinsemError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as err:
        print(f'error: file not found: {err.filename or err}', file=sys.stderr)
        sys.exit(2)
    except TypeError as err:  # a wrong config key reaching a builder
        line = explain(err)
        if line is None:
            raise
        print(f'error: {line}', file=sys.stderr)
        sys.exit(2)


def tool_path(name: str) -> str:
    """The path of ``tools/NAME``: the checkout's, else the installed copy in ``.mim``."""
    name = name[len('tools/'):] if name.startswith('tools/') else name
    for folder in (osp.join(REPO_ROOT, 'tools'), osp.join(PACKAGE_DIR, '.mim', 'tools')):
        path = osp.join(folder, name)
        if osp.isfile(path):
            return path
    raise MMLinsemError(f'tool tools/{name} not found (neither in {REPO_ROOT} nor in the '
                        "installed package's .mim folder)")


def run_tool_checked(cmd, log=None, env=None, cwd=None):
    """Run ``python tools/TOOL ARGS`` (in ``cwd``, default the current folder, with ``env``);
    a failure becomes one error line. Without ``log`` the output is captured and the error
    quotes the tool's last stderr line; with ``log`` (a path) the command and its output are
    appended to that file and the error points to it."""
    argv = [sys.executable, tool_path(cmd[0]), *cmd[1:]]
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
