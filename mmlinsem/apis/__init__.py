"""What a user of mmlinsem calls: the inferencer and one entry point per task.

Each task is a subpackage with its own face, holding the further names of that task:
:mod:`.synthesis` (SCS, dataset export, head ensembles), :mod:`.editing` (SIE, saved
edits), :mod:`.inversion` (photos to latents), :mod:`.directions` (SeFa, PCA, named and
region directions).
"""
from .directions import name_directions, pca_directions, region_directions, sefa_directions
from .editing import (apply_edit, edit_delta, iter_semantic_image_edit, load_edit, save_edit,
                      semantic_image_edit)
from .inferencer import LinSemInferencer
from .inversion import invert_images, invert_paths, load_inverted
from .latent_optim import label_size, predict_logits
from .synthesis import (bootstrap_lse_ensemble, evaluate_scs, export_dataset, load_head,
                        semantic_conditional_sample)

__all__ = [
    'LinSemInferencer', 'label_size', 'predict_logits', 'semantic_conditional_sample',
    'evaluate_scs', 'semantic_image_edit', 'iter_semantic_image_edit', 'apply_edit', 'edit_delta',
    'save_edit', 'load_edit', 'invert_images', 'invert_paths', 'load_inverted', 'export_dataset',
    'bootstrap_lse_ensemble', 'load_head', 'sefa_directions', 'pca_directions', 'name_directions',
    'region_directions'
]
