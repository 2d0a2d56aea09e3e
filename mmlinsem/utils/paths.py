"""Paths in configs that mean the project's own files (``checkpoints/...``,
``configs/...``) resolve the same from any working directory.

A relative path that does not exist relative to the current folder is looked up relative
to the repository root (the checkout holding ``configs/`` and ``checkpoints/``), then to the
installed package's ``.mim`` folder. Used by every loader of generator / teacher /
segmentor files and by the tools' config loading.
"""
import os.path as osp

#: the ``mmlinsem`` package folder; its parent is the repository root of a checkout
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO_ROOT = osp.dirname(PACKAGE_DIR)

#: folders searched, in order, for relative paths missing from the working directory
PROJECT_ROOTS = (REPO_ROOT, osp.join(PACKAGE_DIR, '.mim'))


def resolve_path(path):
    """``path`` itself if it exists (or is absolute, a URL, a ``pkg::`` name), else the
    first project root holding it, else ``path`` unchanged (the caller names it)."""
    if not isinstance(path, str) or not path or osp.isabs(path) or '://' in path \
            or '::' in path or osp.exists(path):
        return path
    for root in PROJECT_ROOTS:
        candidate = osp.join(root, path)
        if osp.exists(candidate):
            return candidate
    return path
