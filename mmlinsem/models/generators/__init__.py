from .checkpoint import PREFIXES, load_generator_weights, select_generator_state
from .feature_generator import FeatureGenerator
from .genforce_convert import convert_genforce_state, unwrap_genforce_checkpoint
from .stylegan1 import GenforceStyleGANGenerator
from .stylegan2_lite import StyleGAN2LiteDiscriminator, StyleGAN2LiteGenerator

__all__ = [
    'FeatureGenerator', 'GenforceStyleGANGenerator', 'StyleGAN2LiteGenerator',
    'StyleGAN2LiteDiscriminator', 'PREFIXES', 'load_generator_weights', 'select_generator_state',
    'convert_genforce_state', 'unwrap_genforce_checkpoint'
]
