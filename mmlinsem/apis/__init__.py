from .sefa import edit_wplus, sefa_directions, style_projections

__all__ = ['sefa_directions', 'edit_wplus', 'style_projections']
