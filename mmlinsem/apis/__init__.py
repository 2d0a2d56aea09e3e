from .closed_form_lse import fit_lse_closed_form, fit_lse_on_annotations, sample_features
from .dataset_export import export_dataset, finalize_export, parse_shard, read_meta
from .direction_naming import (direction_grid, directions_markdown, image_change, locality_score,
                               measure_direction, name_directions, parse_layers, pca_directions,
                               sample_wplus, strength_for_change)
from .edit_vectors import apply_edit, edit_delta, load_edit, load_wplus, save_edit
from .head_ensemble import bootstrap_lse_ensemble, ensemble_predict, load_head
from .image_quality import ms_ssim, psnr, ssim
from .inferencer import LinSemInferencer
from .invert import blend_edit, injected_noise, invert_images, w_statistics
from .latent_optim import (check_target, init_param, label_size, predict_logits, regularised_loss,
                           render)
from .real_images import invert_paths, load_inverted, load_photo
from .region_directions import (coarse_logits, compare_locality, compare_markdown, generalized_eigh,
                                head_jacobian, region_directions, region_matrices)
from .scs import evaluate_scs, semantic_conditional_sample
from .sefa import edit_wplus, sefa_directions, style_projections
from .segmenter_config import seg_config_for, write_seg_config
from .segmenter_eval import evaluate_segmenter
from .sie import (box_stroke, check_stroke, color_edit, edit_metrics, fuse_stroke,
                  iter_semantic_image_edit, semantic_image_edit)
from .uncertainty import (ensemble_label, ensemble_uncertainty, image_scores, js_divergence,
                          keep_mask)

__all__ = [
    'LinSemInferencer', 'apply_edit', 'check_target', 'blend_edit', 'bootstrap_lse_ensemble',
    'box_stroke', 'check_stroke', 'coarse_logits', 'color_edit', 'compare_locality',
    'compare_markdown', 'direction_grid', 'directions_markdown', 'edit_delta', 'edit_metrics',
    'edit_wplus', 'ensemble_label', 'evaluate_segmenter', 'ensemble_predict',
    'ensemble_uncertainty', 'evaluate_scs', 'export_dataset', 'finalize_export',
    'fit_lse_closed_form', 'fit_lse_on_annotations', 'fuse_stroke', 'generalized_eigh',
    'head_jacobian', 'image_change', 'image_scores', 'init_param', 'injected_noise',
    'invert_images', 'invert_paths', 'iter_semantic_image_edit', 'js_divergence', 'keep_mask',
    'label_size', 'load_edit', 'load_head', 'load_inverted', 'load_photo', 'load_wplus',
    'locality_score', 'measure_direction', 'ms_ssim', 'name_directions', 'parse_layers',
    'parse_shard', 'pca_directions', 'predict_logits', 'psnr', 'read_meta', 'region_directions',
    'region_matrices', 'regularised_loss', 'render', 'sample_features', 'sample_wplus', 'save_edit',
    'sefa_directions', 'semantic_conditional_sample', 'semantic_image_edit', 'ssim',
    'strength_for_change', 'style_projections', 'w_statistics', 'seg_config_for', 'write_seg_config'
]
