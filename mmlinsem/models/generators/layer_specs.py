"""Default hook points (module names) per generator family.

They follow the original LinearGAN features (the generator part of "The components" in
docs/en/user_guides/train_test.md lists them for users):

* StyleGAN2 (mmagic): every modulated conv output (``conv1`` + all ``convs[i]``, after noise,
  bias and activation); ToRGB excluded.
* StyleGAN v1, faithful genforce layout (``GenforceStyleGANGenerator``): one feature per
  resolution block, the output of its second layer (after instance norm + style, AdaIN):
  ``layers.{2b+1}.style``. 9 layers / 2544 channels at 1024, 7 / 2496 at 256.
* StyleGAN v1 (mmagic, for the mmagic-zoo weights): the block's second AdaIN,
  ``convs[i].adain2``.
* PGGAN (mmagic): one feature per block, after its second conv, taken *before* PixelNorm as in
  the original (genforce's PGGAN pixel-normalises at the input of the next conv). mmagic's
  ``EqualizedLRConvModule`` runs conv -> act -> norm, so the hook is the activation inside the
  block, ``conv_blocks.{i}.activate`` (``conv_blocks[i]`` itself returns the pixel-normalised
  map, unit RMS at every pixel). Layout: 4 px ``conv_blocks.0``, then ``conv_blocks.{2s}`` for
  each further scale: 6 layers at 128 px (512x4, 256, 128 = 2432 channels), 7 at 256
  (+ 64 = 2496), 9 at 1024 (+ 32, 16 = 2544).
"""
from torch import nn


def _class_names(module: nn.Module):
    return [cls.__name__ for cls in type(module).__mro__]


def default_layer_names(generator: nn.Module):
    """Return the ordered default feature layers of ``generator`` or None if unknown."""
    if callable(getattr(generator, 'default_feature_layers', None)):  # mmlinsem generators
        return generator.default_feature_layers()
    names = _class_names(generator)
    if 'StyleGAN2Generator' in names:
        return ['conv1'] + [f'convs.{i}' for i in range(len(generator.convs))]
    if 'StyleGAN1Generator' in names or 'StyleGANv1Generator' in names:
        return [f'convs.{i}.adain2' for i in range(len(generator.convs))]
    if 'PGGANGenerator' in names:
        # conv_blocks[0] is the second conv at 4x4, then (up-conv, conv) per scale; the
        # activation output is the feature before the block's PixelNorm.
        return [f'conv_blocks.{i}.activate' for i in range(0, len(generator.conv_blocks), 2)]
    return None


def is_style_based(generator: nn.Module) -> bool:
    return hasattr(generator, 'style_mapping') and hasattr(generator, 'num_latents')
