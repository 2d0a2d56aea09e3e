from .closed_form_lse import fit_lse_closed_form, sample_features
from .dataset_export import (export_dataset, finalize_export, parse_shard, read_meta,
                             write_seg_config)
from .direction_naming import (direction_grid, directions_markdown, image_change, locality_score,
                               measure_direction, name_directions, parse_layers, pca_directions,
                               sample_wplus, strength_for_change)
from .head_ensemble import bootstrap_lse_ensemble, ensemble_predict, load_head
from .inferencer import LinSemInferencer
from .latent_optim import init_param, label_size, predict_logits, regularised_loss, render
from .region_directions import (coarse_logits, compare_locality, compare_markdown, generalized_eigh,
                                head_jacobian, region_directions, region_matrices)
from .scs import evaluate_scs, semantic_conditional_sample
from .sefa import edit_wplus, sefa_directions, style_projections
from .sie import (box_stroke, check_stroke, color_edit, edit_metrics, fuse_stroke,
                  semantic_image_edit)
from .uncertainty import (ensemble_label, ensemble_uncertainty, image_scores, js_divergence,
                          keep_mask)

__all__ = [
    'LinSemInferencer', 'sefa_directions', 'edit_wplus', 'style_projections', 'fit_lse_closed_form',
    'sample_features', 'semantic_conditional_sample', 'evaluate_scs', 'semantic_image_edit',
    'color_edit', 'fuse_stroke', 'edit_metrics', 'init_param', 'label_size', 'predict_logits',
    'regularised_loss', 'render'
]
__all__ += [
    'export_dataset', 'finalize_export', 'bootstrap_lse_ensemble', 'ensemble_predict', 'load_head',
    'read_meta', 'write_seg_config', 'js_divergence', 'ensemble_label', 'image_scores', 'keep_mask',
    'ensemble_uncertainty'
]
__all__ += [
    'name_directions', 'region_directions', 'compare_locality', 'pca_directions', 'head_jacobian',
    'measure_direction', 'locality_score', 'strength_for_change', 'direction_grid',
    'directions_markdown', 'parse_layers'
]
__all__ += ['box_stroke', 'check_stroke']
__all__ += [
    'image_change', 'sample_wplus', 'coarse_logits', 'compare_markdown', 'generalized_eigh',
    'region_matrices'
]
__all__ += ['parse_shard']
