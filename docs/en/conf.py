"""Sphinx configuration of the documentation site: MyST Markdown over docs/en/, the API
reference from the package's docstrings (autodoc + napoleon for the Google-style Args).

    .venv/bin/python -m sphinx -W -b html docs/en work_dirs/docs_html

The test suite builds it with warnings as errors (tests/test_docs/test_site.py). Links from
a page to files of the repository outside docs/en/ (configs, benchmarks, tools) are checked by
.dev_scripts/check_docs.py and point at the source tree, not at site pages.
"""
import os
import os.path as osp
import re
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
os.environ.setdefault('OMP_NUM_THREADS', '1')

project = 'mmlinsem'
author = 'mmlinsem contributors'
copyright = 'mmlinsem contributors, Apache License 2.0'

extensions = ['myst_parser', 'sphinx.ext.autodoc', 'sphinx.ext.napoleon']
source_suffix = {'.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build', '_static/**']
html_static_path = ['_static']
html_theme = 'alabaster'
html_title = 'mmlinsem'

# GitHub-style anchors for the pages' `page.md#heading` links (headings up to ####).
myst_heading_anchors = 4
myst_enable_extensions = ['colon_fence']

autodoc_member_order = 'bysource'
autodoc_typehints = 'none'
autodoc_default_options = {'members': True, 'show-inheritance': False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

SRC = osp.dirname(osp.abspath(__file__))
_LINK = re.compile(r'(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)')
_FENCE = re.compile(r'^\s*(`{3,}|~{3,})')


def _outside_site(docname, target):
    """The repository path of a relative link that is no page of the site (a Markdown file
    outside docs/en/ or under _static/, or a folder), else None."""
    if re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:|^#|^/', target):
        return None
    path = target.partition('#')[0]
    full = osp.normpath(osp.join(SRC, osp.dirname(docname), path))
    inside = not osp.relpath(full, SRC).startswith('..')
    is_page = path.endswith('.md') and inside and '_static' not in osp.relpath(full, SRC)
    if is_page or not (path.endswith(('.md', '/')) or osp.isdir(full)):
        return None
    return osp.relpath(full, ROOT).replace(os.sep, '/') + ('/' if osp.isdir(full) else '')


def _repository_links(app, docname, source):
    """Links to repository files that are not site pages (the model zoo's READMEs,
    benchmarks/README.md, result folders) become their repository path in the site; on
    GitHub they stay links. .dev_scripts/check_docs.py checks that they exist."""
    lines, fence = source[0].split('\n'), None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1)[0] == fence):
            fence = None if fence else m.group(1)[0]
            continue
        if fence is None:

            def repl(match):
                where = _outside_site(docname, match.group(2))
                if where is None:
                    return match.group(0)
                return f'{match.group(1)} (`{where}` in the repository)'

            lines[i] = _LINK.sub(repl, line)
    source[0] = '\n'.join(lines)


def _plain_bars(app, what, name, obj, options, lines):
    """Docstrings write |x| for absolute values and norms, never reST substitutions."""
    for i, line in enumerate(lines):
        lines[i] = re.sub(r'(?<!\\)\|(?=\S)([^|`]*?\S)\|', r'\\|\1\\|', line)


def setup(app):
    app.connect('source-read', _repository_links)
    app.connect('autodoc-process-docstring', _plain_bars)
