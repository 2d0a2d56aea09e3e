from .closed_form_lse import fit_lse_closed_form, sample_features
from .inferencer import LinSemInferencer
from .scs import evaluate_scs, semantic_conditional_sample
from .sefa import edit_wplus, sefa_directions, style_projections
from .sie import color_edit, fuse_stroke, semantic_image_edit

__all__ = [
    'LinSemInferencer', 'sefa_directions', 'edit_wplus', 'style_projections', 'fit_lse_closed_form',
    'sample_features', 'semantic_conditional_sample', 'evaluate_scs', 'semantic_image_edit',
    'color_edit', 'fuse_stroke'
]
