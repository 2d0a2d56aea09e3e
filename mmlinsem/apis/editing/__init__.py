"""Editing: semantic image editing (SIE) of a latent toward a painted target, and edits
saved as w+ offsets and applied to other samples."""
from .edit_vectors import apply_edit, edit_delta, load_edit, load_wplus, save_edit
from .sie import (box_stroke, check_stroke, color_edit, edit_metrics, fuse_stroke,
                  iter_semantic_image_edit, semantic_image_edit)

__all__ = [
    'apply_edit', 'edit_delta', 'load_edit', 'load_wplus', 'save_edit', 'box_stroke',
    'check_stroke', 'color_edit', 'edit_metrics', 'fuse_stroke', 'iter_semantic_image_edit',
    'semantic_image_edit'
]
