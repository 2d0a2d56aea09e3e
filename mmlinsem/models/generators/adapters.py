"""How ``FeatureGenerator`` drives each kind of generator: its latent spaces, the call that
renders an image, the truncation centre it carries and the part of a feature map that
covers the image.

* :class:`MMagicStyleAdapter`: mmagic's StyleGAN v1 / v2 (and subclasses, mmlinsem's
  genforce-layout StyleGAN): ``style_mapping(z) -> w``; ``generator([w+],
  input_is_latent=True)`` renders.
* :class:`StyleGAN3Adapter`: mmagic's ``StyleGAN3Generator``: its ``style_mapping`` returns
  w already repeated over the ``num_ws`` layers; ``synthesis(w+)`` renders. Each synthesis
  layer computes a map larger than the image (a margin on each side, at that layer's
  sampling rate); the captured feature keeps the central ``out_sampling_rate`` pixels, the
  part that covers the image, so upsampling it to the label size aligns with the labels.
* :class:`StyleContractAdapter`: any module with ``noise_size``, ``style_channels``,
  ``num_latents``, ``mapping(z) -> w (N, C)`` and ``synthesis(wp) -> image`` with ``wp``
  (N, num_latents, C); a ``w_avg`` buffer, when present and non-zero, is its truncation
  centre.
* :class:`ZOnlyAdapter`: any other module with ``noise_size`` and ``forward(z) -> image``
  (mmagic's PGGAN, a DCGAN, ...). Its latent may have another shape than (N, noise_size),
  e.g. (N, noise_size, 1, 1): given by ``latent_shape`` (the module's attribute or the
  wrapper's argument) or found by one trial forward at build time.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn

from mmlinsem.errors import MMLinsemError


def _names(module: nn.Module) -> List[str]:
    return [cls.__name__ for cls in type(module).__mro__]


def _nonzero(t) -> bool:
    return torch.is_tensor(t) and t.numel() > 0 and bool(t.abs().sum() > 0)


class ZOnlyAdapter:
    """A generator that takes z only (no mapping network, no w / w+)."""
    style_based = False

    def __init__(self, generator: nn.Module, latent_shape: Optional[Sequence[int]] = None):
        self.g = generator
        size = getattr(generator, 'noise_size', None)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise MMLinsemError(
                f'{type(generator).__name__} needs an integer attribute noise_size (the '
                f'latent size) to run under FeatureGenerator, got {size!r}')
        self.noise_size = size
        shape = latent_shape
        if shape is None:
            shape = getattr(generator, 'latent_shape', None)
        self.latent_shape: Optional[Tuple[int, ...]] = tuple(shape) if shape else None
        if self.latent_shape is not None and self.latent_shape[0] != size:
            raise MMLinsemError(f'latent_shape {self.latent_shape} must start with noise_size '
                                f'{size}')

    style_channels = None
    num_latents = None

    @torch.no_grad()
    def probe(self) -> None:
        """Find the latent shape the module takes: (D, ) or (D, 1, 1), unless given."""
        if self.latent_shape is not None:
            return
        errors = []
        device = next(self.g.parameters()).device
        for shape in ((self.noise_size, ), (self.noise_size, 1, 1)):
            try:
                out = self.g(torch.zeros(1, *shape, device=device))
            except (RuntimeError, ValueError, AssertionError, IndexError) as err:
                errors.append(str(err).splitlines()[0] if str(err) else type(err).__name__)
                continue
            if isinstance(out, dict):
                out = out.get('fake_img')
            if torch.is_tensor(out) and out.ndim == 4:
                self.latent_shape = shape
                return
            errors.append(f'returned {type(out).__name__}, not an (N, C, H, W) image')
        raise MMLinsemError(
            f'{type(self.g).__name__}(z) fails with z of shape (1, {self.noise_size}) and '
            f'(1, {self.noise_size}, 1, 1) ({"; ".join(errors)}); set latent_shape=(...) '
            'in the FeatureGenerator config')

    def shape_latent(self, z: torch.Tensor) -> torch.Tensor:
        want = self.latent_shape or (self.noise_size, )
        if tuple(z.shape[1:]) == tuple(want):
            return z
        if z.ndim == 2 and z.shape[1] == self.noise_size:
            return z.reshape(len(z), *want)
        raise MMLinsemError(f'a z latent must be (N, {self.noise_size}) or (N, '
                            f'{", ".join(str(s) for s in want)}), got {tuple(z.shape)}')

    def render_z(self, z: torch.Tensor):
        return self.g(self.shape_latent(z))

    def map(self, z):  # pragma: no cover - guarded by FeatureGenerator._require_style
        raise MMLinsemError(f'{type(self.g).__name__} takes z only')

    def official_mean(self) -> Optional[torch.Tensor]:
        return None

    def noise_shapes(self) -> List[tuple]:
        return []

    def crop(self, module: nn.Module):
        return None

    def default_layers(self) -> Optional[List[str]]:
        return None


class MMagicStyleAdapter(ZOnlyAdapter):
    """mmagic StyleGAN v1 / v2 layouts (``style_mapping``, ``num_latents``)."""
    style_based = True

    def __init__(self, generator: nn.Module):
        self.g = generator
        self.noise_size = int(
            getattr(generator, 'noise_size', None) or getattr(generator, 'style_channels'))
        self.latent_shape = (self.noise_size, )

    @property
    def style_channels(self) -> int:
        return int(self.g.style_channels)

    @property
    def num_latents(self) -> int:
        return int(self.g.num_latents)

    def probe(self) -> None:
        pass

    def map(self, z: torch.Tensor) -> torch.Tensor:
        return self.g.style_mapping(z)

    def render(self, wp: torch.Tensor, noise):
        kwargs = dict(input_is_latent=True, randomize_noise=False)
        if noise is not None:
            kwargs['injected_noise'] = noise
        return self.g([wp], **kwargs)

    def official_mean(self) -> Optional[torch.Tensor]:
        has_avg = getattr(self.g, 'has_w_avg', None)
        if callable(has_avg):  # genforce layout: follows the loaded weights
            return self.g.w_avg.reshape(1, -1) if has_avg() else None
        avg = getattr(self.g, 'w_avg', None)  # mmagic with update_mean_latent_with_ema
        return avg.reshape(1, -1) if _nonzero(avg) else None

    def noise_shapes(self) -> List[tuple]:
        n = getattr(self.g, 'num_injected_noises', 0)
        return [tuple(getattr(self.g, f'injected_noise_{i}').shape[2:]) for i in range(n)]

    def default_layers(self) -> Optional[List[str]]:
        return None  # layer_specs.default_layer_names knows these families


class StyleGAN3Adapter(MMagicStyleAdapter):
    """mmagic ``StyleGAN3Generator``: ``synthesis(w+)`` renders; no noise inputs."""

    @property
    def num_latents(self) -> int:
        return int(self.g.num_ws)

    def map(self, z: torch.Tensor) -> torch.Tensor:
        w = self.g.style_mapping(z)
        return w[:, 0] if w.ndim == 3 else w

    def render(self, wp: torch.Tensor, noise):
        img = self.g.synthesis(wp)
        if getattr(self.g, 'rgb2bgr', False):  # as StyleGAN3Generator.forward does
            img = img[:, [2, 1, 0]]
        return img

    def official_mean(self) -> Optional[torch.Tensor]:
        avg = getattr(self.g.style_mapping, 'w_avg', None)
        return avg.reshape(1, -1) if _nonzero(avg) else None  # zeros: never trained

    def noise_shapes(self) -> List[tuple]:
        return []

    def crop(self, module: nn.Module):
        size, rate = getattr(module, 'out_size', None), getattr(module, 'out_sampling_rate', None)
        if size is None or rate is None:
            return None
        pad = [(int(s) - int(rate)) // 2 for s in size]  # (h, w)
        if not any(pad):
            return None
        ph, pw = pad
        return lambda x: x[:, :, ph:x.shape[2] - ph, pw:x.shape[3] - pw]

    def default_layers(self) -> Optional[List[str]]:
        names = list(self.g.synthesis.layer_names)
        return [f'synthesis.{n}' for n in names[:-1]]  # every layer but ToRGB


class StyleContractAdapter(MMagicStyleAdapter):
    """A user's style-based module: ``mapping(z)``, ``synthesis(wp)``, ``num_latents``."""

    def map(self, z: torch.Tensor) -> torch.Tensor:
        w = self.g.mapping(z)
        return w[:, 0] if w.ndim == 3 else w

    def render(self, wp: torch.Tensor, noise):
        return self.g.synthesis(wp)

    def official_mean(self) -> Optional[torch.Tensor]:
        avg = getattr(self.g, 'w_avg', None)
        return avg.reshape(1, -1) if _nonzero(avg) else None

    def noise_shapes(self) -> List[tuple]:
        return []


def adapter_for(generator: nn.Module, latent_shape: Optional[Sequence[int]] = None):
    """The adapter of ``generator`` (see the module docstring for the order)."""
    names = _names(generator)
    if 'StyleGAN3Generator' in names:
        return StyleGAN3Adapter(generator)
    if hasattr(generator, 'style_mapping') and hasattr(generator, 'num_latents'):
        return MMagicStyleAdapter(generator)
    if all(callable(getattr(generator, a, None)) for a in ('mapping', 'synthesis')) and \
            hasattr(generator, 'num_latents') and hasattr(generator, 'style_channels'):
        return StyleContractAdapter(generator)
    return ZOnlyAdapter(generator, latent_shape)
