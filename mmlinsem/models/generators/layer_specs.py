"""Default hook points (module names) per mmagic generator family.

They follow the original LinearGAN features (see docs/reference): StyleGAN2 uses every
modulated conv output (``conv1`` + all ``convs[i]``; ToRGB excluded), StyleGAN and PGGAN one
feature per resolution block, taken after its second conv.
"""
from torch import nn


def _class_names(module: nn.Module):
    return [cls.__name__ for cls in type(module).__mro__]


def default_layer_names(generator: nn.Module):
    """Return the ordered default feature layers of ``generator`` or None if unknown."""
    names = _class_names(generator)
    if 'StyleGAN2Generator' in names:
        return ['conv1'] + [f'convs.{i}' for i in range(len(generator.convs))]
    if 'StyleGAN1Generator' in names or 'StyleGANv1Generator' in names:
        return [f'convs.{i}.adain2' for i in range(len(generator.convs))]
    if 'PGGANGenerator' in names:
        # conv_blocks[0] is the second conv at 4x4, then (up-conv, conv) per scale.
        return [f'conv_blocks.{i}' for i in range(0, len(generator.conv_blocks), 2)]
    return None


def is_style_based(generator: nn.Module) -> bool:
    return hasattr(generator, 'style_mapping') and hasattr(generator, 'num_latents')
