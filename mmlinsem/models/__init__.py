from .generators import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .semantic_extractor import SemanticExtractor
from .teachers import *  # noqa: F401,F403
from .utils import sample_points, upsample

__all__ = ['SemanticExtractor', 'upsample', 'sample_points']
