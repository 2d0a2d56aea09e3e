"""Synthetic dataset: index -> seed -> latent, a pure function of (seed, index)
(:mod:`mmlinsem.utils.seeding`)."""
from typing import Optional

from torch.utils.data import Dataset

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import DATASETS
from mmlinsem.utils.seeding import latent_for, sample_seed
from mmlinsem.visualization import default_palette


@DATASETS.register_module()
class LatentSeedDataset(Dataset):
    """``num_samples`` Gaussian latents; sample i is drawn from seed ``f(seed, i)``.

    Labels are produced on the model side by the teacher, so items hold only the latent
    (and the per-sample seed, used for per-sample noise). Identical in every process and
    on every DDP rank, with any sampler.

    Args:
        num_samples (int): dataset length (an "epoch" of samples).
        latent_dim (int): size of z (the generator's ``noise_size``).
        seed (int): dataset seed; use different seeds for train / val / test.
        metainfo (dict, optional): ``classes`` (and ``palette``) of the extractor.
    """

    def __init__(self,
                 num_samples: int,
                 latent_dim: int,
                 seed: int = 0,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        if num_samples <= 0 or latent_dim <= 0:
            raise MMLinsemError(f'LatentSeedDataset needs num_samples > 0 and latent_dim > 0, '
                                f'got {num_samples} and {latent_dim}')
        self.num_samples = int(num_samples)
        self.latent_dim = int(latent_dim)
        self.seed = int(seed)
        self._metainfo = dict(metainfo or {})
        if 'classes' in self._metainfo and 'palette' not in self._metainfo:
            self._metainfo['palette'] = default_palette(len(self._metainfo['classes']))

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.num_samples:
            raise IndexError(f'index {index} out of range [0, {self.num_samples})')
        return dict(
            inputs=latent_for(self.seed, index, (self.latent_dim, )),
            sample_idx=int(index),
            sample_seed=sample_seed(self.seed, index))
