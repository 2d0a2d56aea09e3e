"""Latent directions: SeFa and PCA directions, named by the head's masks, and
region-specific directions from the head's Jacobian."""
from .direction_naming import (image_change, locality_score, measure_direction, name_directions,
                               pca_directions, sample_wplus, strength_for_change)
from .direction_reports import direction_grid, directions_markdown
from .region_directions import (coarse_logits, compare_locality, compare_markdown, generalized_eigh,
                                head_jacobian, region_directions, region_matrices)
from .sefa import edit_wplus, sefa_directions, style_projections

__all__ = [
    'direction_grid', 'directions_markdown', 'image_change', 'locality_score', 'measure_direction',
    'name_directions', 'pca_directions', 'sample_wplus', 'strength_for_change', 'coarse_logits',
    'compare_locality', 'compare_markdown', 'generalized_eigh', 'head_jacobian',
    'region_directions', 'region_matrices', 'edit_wplus', 'sefa_directions', 'style_projections'
]
