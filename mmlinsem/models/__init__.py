from .generators import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .semantic_extractor import SemanticExtractor
from .teachers import *  # noqa: F401,F403

__all__ = ['SemanticExtractor']
