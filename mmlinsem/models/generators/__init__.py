from .feature_generator import FeatureGenerator
from .stylegan2_lite import StyleGAN2LiteDiscriminator, StyleGAN2LiteGenerator

__all__ = ['FeatureGenerator', 'StyleGAN2LiteGenerator', 'StyleGAN2LiteDiscriminator']
