"""User-annotated samples: stored latents + mask PNGs."""
import glob
import os.path as osp
from typing import Optional

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import DATASETS
from mmlinsem.visualization import default_palette
from .latent_seed_dataset import sample_seed


def load_latent(path: str) -> torch.Tensor:
    if path.endswith('.npy'):
        return torch.from_numpy(np.load(path)).float()
    return torch.load(path, map_location='cpu', weights_only=True).float()


@DATASETS.register_module()
class AnnotatedLatentDataset(Dataset):
    """Samples ``{data_root}/latents/NAME.npy|.pt`` with masks ``{data_root}/masks/NAME.png``.

    A mask is a single-channel PNG of class indices (values >= num_classes refused, 255
    = ignore). The latent is a z (D,), w (D,) or w+ (L, D) of the generator, as said by
    ``latent_space`` (passed to the extractor with every batch).

    Args:
        data_root (str): folder with ``latents/`` and ``masks/``.
        metainfo (dict): ``classes`` (and ``palette``).
        num_samples (int, optional): use only the first N samples (sorted by name).
        seed (int): seed of per-sample noise (when the generator resamples noise).
    """

    def __init__(self,
                 data_root: str,
                 metainfo: dict,
                 num_samples: Optional[int] = None,
                 seed: int = 0,
                 ignore_index: int = 255,
                 latent_space: str = 'w+',
                 **kwargs):
        if not metainfo or 'classes' not in metainfo:
            raise MMLinsemError('AnnotatedLatentDataset needs metainfo=dict(classes=[...])')
        self._metainfo = dict(metainfo)
        self._metainfo.setdefault('palette', default_palette(len(metainfo['classes'])))
        latents = sorted(
            glob.glob(osp.join(data_root, 'latents', '*.npy')) +
            glob.glob(osp.join(data_root, 'latents', '*.pt')))
        if not latents:
            raise MMLinsemError(f'no latents found: expected {data_root}/latents/NAME.npy '
                                '(or .pt) next to masks/NAME.png')
        self.items = []
        for path in latents:
            name = osp.splitext(osp.basename(path))[0]
            mask = osp.join(data_root, 'masks', name + '.png')
            if not osp.isfile(mask):
                raise MMLinsemError(f'latent {path} has no mask: expected {mask}')
            self.items.append((name, path, mask))
        if num_samples is not None:
            if num_samples > len(self.items):
                raise MMLinsemError(f'num_samples={num_samples} but only {len(self.items)} '
                                    f'annotated samples in {data_root}')
            self.items = self.items[:num_samples]
        self.seed = seed
        self.ignore_index = ignore_index
        if latent_space not in ('z', 'w', 'w+'):
            raise MMLinsemError(f"latent_space must be 'z', 'w' or 'w+', got {latent_space!r}")
        self.latent_space = latent_space

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        name, latent_path, mask_path = self.items[index]
        mask = np.array(Image.open(mask_path))
        if mask.ndim != 2:
            raise MMLinsemError(f'{mask_path}: expected a single-channel index PNG, got shape '
                                f'{mask.shape}')
        k = len(self._metainfo['classes'])
        bad = (mask >= k) & (mask != self.ignore_index)
        if bad.any():
            raise MMLinsemError(f'{mask_path}: label {int(mask[bad].max())} out of range for '
                                f'{k} classes')
        return dict(
            inputs=load_latent(latent_path),
            gt_label=torch.from_numpy(mask).long(),
            sample_idx=index,
            sample_seed=sample_seed(self.seed, index),
            name=name,
            latent_space=self.latent_space)
