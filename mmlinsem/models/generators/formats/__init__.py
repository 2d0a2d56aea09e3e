"""Generator checkpoints of other code bases, read without running code from them.

Formats (told apart by content): rosinality ``.pt``, NVIDIA stylegan2-ada / stylegan3
``.pkl``, LinearGAN / genforce ``.pth`` (StyleGAN2, PGGAN, StyleGAN v1). Each reader maps
every tensor of the file onto an mmagic generator and infers the generator config from the
tensor shapes; :func:`feature_generator_config` turns that into a ``FeatureGenerator``
config.
"""
from .common import ForeignGenerator
from .detect import (SUPPORTED_FORMATS, container, convert_loaded, format_of,
                     generator_config_from_file, read_generator_file)
from .nvidia import NvidiaUnpickler, PersistentRecord


def feature_generator_config(foreign: ForeignGenerator, checkpoint: str) -> dict:
    """The ``FeatureGenerator`` config for a converted generator saved at ``checkpoint``."""
    return dict(type='FeatureGenerator', generator=dict(foreign.generator), checkpoint=checkpoint)


__all__ = [
    'ForeignGenerator', 'NvidiaUnpickler', 'PersistentRecord', 'SUPPORTED_FORMATS', 'container',
    'convert_loaded', 'feature_generator_config', 'format_of', 'generator_config_from_file',
    'read_generator_file'
]
