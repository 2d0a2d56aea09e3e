"""Issue 12.7: every name a package exports exists, and the tools import only exports."""
import ast
import glob
import importlib
import os.path as osp

import pytest

from conftest import ROOT

PACKAGES = [
    'mmlinsem', 'mmlinsem.apis', 'mmlinsem.analysis', 'mmlinsem.cli', 'mmlinsem.datasets',
    'mmlinsem.engine', 'mmlinsem.evaluation', 'mmlinsem.models', 'mmlinsem.utils'
]


@pytest.mark.parametrize('name', PACKAGES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, '__all__', []) if not hasattr(module, n)]
    assert not missing, f'{name}.__all__ lists missing names: {missing}'


def test_tools_import_only_package_exports():
    """`from mmlinsem.X import a, b` in tools/ names only what mmlinsem.X exports (its
    ``__all__`` where it has one); X is a package or a top-level module (mmlinsem.errors),
    never a module inside a package (mmlinsem.apis.sie)."""
    bad = []
    for path in sorted(glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True)):
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('mmlinsem'):
                module = importlib.import_module(node.module)
                if node.module.count('.') > 1 and not hasattr(module, '__path__'):
                    bad.append(f'{osp.relpath(path, ROOT)}: {node.module} is a module, not a '
                               'package')
                    continue
                for alias in node.names:
                    if alias.name not in getattr(module, '__all__', dir(module)):
                        bad.append(f'{osp.relpath(path, ROOT)}: {node.module}.{alias.name}')
    assert not bad, bad
