"""Issue 12.7: every name a package exports exists, and the tools import only exports."""
import ast
import glob
import importlib
import os.path as osp

import pytest

from conftest import ROOT

PACKAGES = [
    'mmlinsem', 'mmlinsem.apis', 'mmlinsem.analysis', 'mmlinsem.datasets', 'mmlinsem.engine',
    'mmlinsem.evaluation', 'mmlinsem.models', 'mmlinsem.utils'
]


@pytest.mark.parametrize('name', PACKAGES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, '__all__', []) if not hasattr(module, n)]
    assert not missing, f'{name}.__all__ lists missing names: {missing}'


def test_tools_import_only_package_exports():
    """`from mmlinsem.X import a, b` in tools/ names only what mmlinsem.X exports."""
    bad = []
    for path in sorted(glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True)):
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('mmlinsem'):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        bad.append(f'{osp.relpath(path, ROOT)}: {node.module}.{alias.name}')
    assert not bad, bad
