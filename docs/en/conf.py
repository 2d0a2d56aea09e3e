"""Sphinx configuration of the documentation site: MyST Markdown over docs/en/, the API
reference from the package's docstrings (autodoc + napoleon for the Google-style Args).

    .venv/bin/python -m sphinx -W -b html docs/en work_dirs/docs_html

The test suite builds it with warnings as errors (tests/test_docs/test_site.py). Links from
a page to files of the repository outside docs/en/ (configs, benchmarks, tools) are checked by
.dev_scripts/check_docs.py and point at the source tree, not at site pages.
"""
import os
import os.path as osp
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
