from .generators import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .joint_extractor import JointExtractor
from .semantic_extractor import SemanticExtractor
from .teachers import *  # noqa: F401,F403
from .utils import sample_points, upsample

__all__ = ['SemanticExtractor', 'JointExtractor', 'upsample', 'sample_points']
