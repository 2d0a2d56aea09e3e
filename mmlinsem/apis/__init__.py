from .closed_form_lse import fit_lse_closed_form, sample_features
from .sefa import edit_wplus, sefa_directions, style_projections

__all__ = ['sefa_directions', 'edit_wplus', 'style_projections', 'fit_lse_closed_form',
           'sample_features']
