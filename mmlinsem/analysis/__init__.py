from .category_selection import markdown_table, read_per_class_iou, select_categories
from .class_centres import class_centres, forge_lse_from_centres
from .convergence import last_per_step, plateau
from .cosine_similarity import category_cosine_similarity, fair_feature_sampling
from .evaluate import evaluate_extractor
from .layer_ranking import candidate_layers, candidate_sets, layers_config_line, rank_layer_sets
from .layerwise import layerwise_miou, layerwise_predictions
from .scalars import last_scalar, read_scalars, scalar_series

__all__ = [
    'select_categories', 'read_per_class_iou', 'markdown_table', 'class_centres',
    'forge_lse_from_centres', 'fair_feature_sampling', 'category_cosine_similarity',
    'evaluate_extractor', 'layerwise_miou', 'layerwise_predictions', 'read_scalars',
    'scalar_series', 'last_scalar', 'plateau', 'last_per_step', 'candidate_layers',
    'candidate_sets', 'rank_layer_sets', 'layers_config_line'
]
