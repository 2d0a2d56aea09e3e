"""A placeholder for the optional albumentations import of mmagic.

``mmagic.datasets.transforms`` imports albumentations at module level (for two rarely used
Albu* transforms) although every mmagic data pipeline -- LoadImageFromFile, PackInputs ...
-- goes through that package. It pulls opencv-python (GUI) and scikit-image, so it is not
installed; the placeholder lets mmagic import and fails with a clear message only if an
Albu transform is really used.
"""
import importlib.util
import sys
import types


class _MissingAlbumentations(types.ModuleType):

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        raise ImportError(f'albumentations.{name} is unavailable: albumentations is not '
                          'installed (pip install albumentations to use mmagic Albu* '
                          'transforms)')


if 'albumentations' not in sys.modules and importlib.util.find_spec('albumentations') is None:
    sys.modules['albumentations'] = _MissingAlbumentations('albumentations')
