"""The package's imports run downward only and close no loop.

Every ``import`` / ``from ... import`` of ``mmlinsem/**/*.py`` is read with ``ast``, those
inside functions included, and resolved to the module it names (``from pkg import name``
names the submodule ``pkg.name`` when there is one, else ``pkg`` itself). The layers, from
the bottom: the ground (``errors``, ``registry``, ``version``, ``utils``), the fixes and
pictures (``compat``, ``visualization``), the library (``models``, ``datasets``,
``evaluation``), its users (``engine``, ``analysis``, ``apis``), the front ends (``cli``,
``app``), and the package face ``mmlinsem/__init__.py``.
"""
import ast
import glob
import os.path as osp

import pytest

from conftest import ROOT

PACKAGE = osp.join(ROOT, 'mmlinsem')

#: layer of each top-level part of the package; an import may not reach a higher layer
LAYERS = {
    'errors': 0,
    'registry': 0,
    'version': 0,
    'utils': 0,
    'compat': 1,
    'visualization': 1,
    'data': 1,
    'models': 2,
    'datasets': 2,
    'evaluation': 2,
    'engine': 3,
    'analysis': 3,
    'apis': 4,
    'cli': 5,
    'app': 5,
    '': 6,  # mmlinsem/__init__.py
}


def _module_name(path):
    rel = osp.relpath(path, ROOT)[:-3].replace(osp.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def _modules():
    paths = glob.glob(osp.join(PACKAGE, '**', '*.py'), recursive=True)
    return {_module_name(p): p for p in sorted(paths)}


def _imports(name, path, modules):
    """(imported module, line, inside a function) of every internal import of ``name``."""
    is_package = path.endswith('__init__.py')
    tree = ast.parse(open(path).read())
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            targets = []
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    parts = name.split('.')
                    base = parts[:len(parts) - child.level + (1 if is_package else 0)]
                    module = '.'.join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ''
                subs = [f'{module}.{a.name}' for a in child.names]
                targets = [s for s in subs if s in modules] or [module]
            for target in targets:
                while target and target not in modules and '.' in target:
                    target = target.rsplit('.', 1)[0]
                if target in modules and target != name:
                    found.append((target, child.lineno, inner))
            visit(child, inner)

    visit(tree, False)
    return found


def _layer(module):
    parts = module.split('.')
    return LAYERS[parts[1] if len(parts) > 1 else '']


@pytest.fixture(scope='module')
def graph():
    modules = _modules()
    return modules, {m: _imports(m, p, modules) for m, p in modules.items()}


def test_every_part_has_a_layer(graph):
    modules, _ = graph
    unknown = sorted({m.split('.')[1] for m in modules if '.' in m} - set(LAYERS))
    assert not unknown, f'parts of mmlinsem without a layer in LAYERS: {unknown}'


def test_no_import_reaches_a_higher_layer(graph):
    _, edges = graph
    upward = [
        f'{m} (line {line}) imports {t}' for m, found in edges.items() for t, line, _ in found
        if _layer(t) > _layer(m)
    ]
    assert not upward, '\n'.join(upward)


def test_no_import_cycle(graph):
    _, edges = graph
    state, stack, cycles = {}, [], []

    def walk(m):
        state[m] = 'open'
        stack.append(m)
        for t, _, _ in edges[m]:
            if state.get(t) == 'open':
                cycles.append(' -> '.join(stack[stack.index(t):] + [t]))
            elif t not in state:
                walk(t)
        stack.pop()
        state[m] = 'done'

    for m in sorted(edges):
        if m not in state:
            walk(m)
    assert not cycles, '\n'.join(cycles)


def test_function_level_internal_imports_say_why(graph):
    """An internal import inside a function is there for a heavy optional dependency of
    the module it imports, and its line says so in a comment."""
    modules, edges = graph
    silent = []
    for m, found in edges.items():
        lines = open(modules[m]).read().splitlines()
        for t, line, inner in found:
            if inner and '#' not in lines[line - 1]:
                silent.append(f'{m} (line {line}) imports {t} inside a function')
    assert not silent, '\n'.join(silent)


def test_the_walk_sees_a_cycle_and_an_upward_import(tmp_path, monkeypatch):
    """The checks above can fail: a planted loop and a planted upward import are found."""
    pkg = tmp_path / 'mmlinsem'
    (pkg / 'utils').mkdir(parents=True)
    (pkg / 'apis').mkdir()
    (pkg / '__init__.py').write_text('')
    (pkg / 'utils' / '__init__.py').write_text('')
    (pkg / 'apis' / '__init__.py').write_text('')
    (pkg / 'utils' / 'a.py').write_text('def f():\n    from mmlinsem.apis import b\n')
    (pkg / 'apis' / 'b.py').write_text('from mmlinsem.utils.a import f\n')
    monkeypatch.setitem(globals(), 'ROOT', str(tmp_path))
    monkeypatch.setitem(globals(), 'PACKAGE', str(pkg))
    modules = _modules()
    edges = {m: _imports(m, p, modules) for m, p in modules.items()}
    assert edges['mmlinsem.utils.a'] == [('mmlinsem.apis.b', 2, True)]
    assert edges['mmlinsem.apis.b'] == [('mmlinsem.utils.a', 1, False)]
    with pytest.raises(AssertionError, match='mmlinsem.utils.a .line 2. imports mmlinsem.apis.b'):
        test_no_import_reaches_a_higher_layer((modules, edges))
    with pytest.raises(AssertionError, match='mmlinsem.apis.b -> mmlinsem.utils.a -> '):
        test_no_import_cycle((modules, edges))
