"""Inversion: photos to latents (the StyleGAN2 projector recipe), their masks and files, and
blending an edit of the inverted image back into the photo."""
from .invert import blend_edit, injected_noise, invert_images, w_statistics
from .real_images import invert_paths, load_inverted, load_photo

__all__ = [
    'blend_edit', 'injected_noise', 'invert_images', 'w_statistics', 'invert_paths',
    'load_inverted', 'load_photo'
]
