"""Latent spaces of a :class:`~.feature_generator.FeatureGenerator`: z, w and w+ with
truncation, the space a sample is stored in, and the generator's noise inputs."""
from typing import List, Optional

import torch

from mmlinsem.errors import MMLinsemError

LATENT_SPACES = ('z', 'w', 'w+')


class LatentSpaces:
    """Latent conversions mixed into ``FeatureGenerator``; they read its ``generator``,
    ``adapter``, ``style_based``, truncation settings and ``mean_latent`` cache."""

    @property
    def noise_size(self) -> int:
        return int(self.adapter.noise_size)

    @property
    def style_channels(self) -> Optional[int]:
        return self.adapter.style_channels if self.style_based else None

    @property
    def num_latents(self) -> Optional[int]:
        return self.adapter.num_latents if self.style_based else None

    @property
    def native_space(self) -> str:
        """The space a sample's latent is stored and edited in: ``'w+'`` for a style-based
        generator, ``'z'`` for a z-only one."""
        return 'w+' if self.style_based else 'z'

    def native_latent(self, z: torch.Tensor, truncate: bool = True) -> torch.Tensor:
        """A z batch as latents of :attr:`native_space`: w+ (with the configured truncation
        when ``truncate``) or z itself."""
        return self.to_wp(z, 'z', truncate) if self.style_based else z

    def space_of(self, latents: torch.Tensor) -> str:
        """The space of a batch of stored latents (an annotation folder's): (N, L, C) is
        w+; (N, D) is z for a z-only generator and w for a style-based one (the convention
        of annotated latent files)."""
        if latents.ndim == 3 and self.style_based:
            return 'w+'
        if latents.ndim == 2:
            return 'w' if self.style_based else 'z'
        what = '(N, L, C) w+ or (N, C) w' if self.style_based else f'(N, {self.noise_size}) z'
        raise MMLinsemError(f'expected a batch of {what} latents, got shape '
                            f'{tuple(latents.shape)}')

    def _require_style(self, what: str):
        if not self.style_based:
            raise MMLinsemError(f'{what} needs a style-based generator; '
                                f'{type(self.generator).__name__} takes z only')

    def z_to_w(self, z: torch.Tensor) -> torch.Tensor:
        self._require_style('z -> w mapping')
        return self.adapter.map(z)

    @torch.no_grad()
    def get_mean_latent(self) -> torch.Tensor:
        """Truncation centre: the generator's official ``w_avg`` when it has one (a
        non-zero buffer: converted genforce / NVIDIA / rosinality weights, StyleGAN3's
        ``style_mapping.w_avg``), else the mean w over a fixed-seed batch of z (computed
        once)."""
        official = self.adapter.official_mean() if self.style_based else None
        if official is not None:  # follows the loaded weights, not cached
            return official
        if self.mean_latent is None:
            self._require_style('truncation')
            device = next(self.generator.parameters()).device
            gen = torch.Generator().manual_seed(self.mean_latent_seed)
            z = torch.randn(self.mean_latent_samples, self.noise_size, generator=gen)
            ws = [self.z_to_w(c.to(device)) for c in z.split(1024)]
            self.mean_latent = torch.cat(ws).mean(0, keepdim=True)
        return self.mean_latent

    def w_to_wp(self, w: torch.Tensor, truncate: bool = True) -> torch.Tensor:
        """Repeat w over layers and apply truncation to the first k layers."""
        wp = w.unsqueeze(1).repeat(1, self.num_latents, 1) if w.ndim == 2 else w
        if truncate and self.truncation < 1:
            k = self.truncation_layers or self.num_latents
            mean = self.get_mean_latent().to(wp)
            head = mean + self.truncation * (wp[:, :k] - mean)
            wp = torch.cat([head, wp[:, k:]], 1)
        return wp

    def to_wp(self, latent: torch.Tensor, space: str = 'z', truncate: bool = True):
        """Convert a z / w / w+ batch to w+ (N, num_latents, C)."""
        if space not in LATENT_SPACES:
            raise MMLinsemError(f'latent space must be one of {LATENT_SPACES}, got {space!r}')
        self._require_style(f'latent space {space!r}')
        if space == 'z':
            latent = self.z_to_w(latent)
        expected = 3 if space == 'w+' else 2
        if latent.ndim != expected:
            raise MMLinsemError(f'a {space} latent must have {expected} dims, '
                                f'got shape {tuple(latent.shape)}')
        return self.w_to_wp(latent, truncate)

    def noise_buffers(self) -> List[torch.Tensor]:
        """The generator's own injected noise maps (its fixed noise), each (1, 1, h, w)."""
        g = self.generator
        if not hasattr(g, 'num_injected_noises'):
            raise MMLinsemError(f'{type(g).__name__} has no injected noise maps (a '
                                'StyleGAN2-style generator has them)')
        return [getattr(g, f'injected_noise_{i}') for i in range(g.num_injected_noises)]

    def make_noise(self, batch: int, generator: Optional[torch.Generator] = None):
        """Per-sample noise maps for every noise input (reproducible with ``generator``)."""
        shapes = self.adapter.noise_shapes()
        if not shapes:  # z-only generators, StyleGAN3: no noise inputs
            return None
        device = next(self.generator.parameters()).device
        return [torch.randn(batch, 1, *s, generator=generator).to(device) for s in shapes]
