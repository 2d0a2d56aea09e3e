from .adapters import adapter_for
from .checkpoint import PREFIXES, load_generator_weights, select_generator_state
from .example_dcgan import ExampleDCGANGenerator
from .feature_generator import FeatureGenerator, fixed_noise
from .genforce_convert import convert_genforce_state, unwrap_genforce_checkpoint
from .modulated_conv import unfused_modulated_conv, unfused_modulation
from .stylegan1 import GenforceStyleGANGenerator
from .stylegan2_lite import StyleGAN2LiteDiscriminator, StyleGAN2LiteGenerator
from .wplus import LayerSpec, move_wplus, parse_layers

__all__ = [
    'FeatureGenerator', 'GenforceStyleGANGenerator', 'StyleGAN2LiteGenerator',
    'StyleGAN2LiteDiscriminator', 'PREFIXES', 'load_generator_weights', 'select_generator_state',
    'convert_genforce_state', 'unwrap_genforce_checkpoint', 'unfused_modulated_conv',
    'unfused_modulation', 'LayerSpec', 'fixed_noise', 'move_wplus', 'parse_layers', 'adapter_for',
    'ExampleDCGANGenerator'
]
