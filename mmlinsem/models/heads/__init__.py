from .closed_form_lse import fit_lse_closed_form, fit_lse_on_annotations, sample_features
from .linear_mlp_head import LinearMLPHead
from .lse_head import LSEHead
from .multi_layer_head import MultiLayerHead
from .nse1_head import NSE1Head
from .nse2_head import NSE2Head

__all__ = [
    'MultiLayerHead', 'LSEHead', 'NSE1Head', 'NSE2Head', 'LinearMLPHead', 'fit_lse_closed_form',
    'fit_lse_on_annotations', 'sample_features'
]
