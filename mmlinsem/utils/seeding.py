"""Per-sample randomness as a pure function of (seed, index): the sample's seed, its
latent and its noise maps are the same in every process, on every rank, with any sampler,
so a sample can be rendered again anywhere from its index alone."""
import numpy as np
import torch

from mmlinsem.errors import MMLinsemError


def sample_seed(seed: int, index: int) -> int:
    """A 63-bit seed that depends only on (seed, index); ``index`` >= 0."""
    if int(index) < 0:
        raise MMLinsemError(f'sample index must be >= 0, got {index}')
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(index)]).generate_state(2)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def latent_for(seed: int, index: int, shape) -> torch.Tensor:
    """The Gaussian latent of sample ``index`` of ``seed``."""
    gen = torch.Generator().manual_seed(sample_seed(seed, index))
    return torch.randn(*shape, generator=gen)


def noise_for(generator, seeds, device):
    """Per-sample noise maps of a ``noise='random'`` generator (a FeatureGenerator), a
    function of the samples' seeds; None for a generator with fixed noise."""
    if generator.noise != 'random' or seeds is None:
        return None
    maps = [generator.make_noise(1, torch.Generator().manual_seed(int(s))) for s in seeds]
    return [torch.cat([m[i] for m in maps]).to(device) for i in range(len(maps[0]))]
