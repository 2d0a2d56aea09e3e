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
from mmlinsem.utils.fileio import reading
from mmlinsem.utils.safe_load import safe_torch_load
from mmlinsem.utils.seeding import sample_seed
from mmlinsem.visualization import default_palette


def load_latent(path: str) -> torch.Tensor:
    """The latent stored at ``path`` (``.npy``, or a tensor saved with ``torch.save``),
    read without running code from the file; every value must be finite."""
    with reading(f'latent {path}'):
        if path.endswith('.npy'):
            value = torch.from_numpy(np.load(path))
        else:
            value = safe_torch_load(path)
    if not torch.is_tensor(value):
        raise MMLinsemError(f'latent {path} holds a {type(value).__name__}, expected a tensor')
    value = value.float()
    if not torch.isfinite(value).all():
        bad = int((~torch.isfinite(value)).sum())
        raise MMLinsemError(f'latent {path} holds {bad} NaN/inf value(s) of {value.numel()}; '
                            'expected a finite latent (re-save it from the app or '
                            'tools/make_fewshot_set.py)')
    return value


def load_mask(path: str) -> np.ndarray:
    with reading(f'mask {path}'):
        return np.array(Image.open(path))


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
        names = {name for name, _, _ in self.items}
        for mask in sorted(glob.glob(osp.join(data_root, 'masks', '*.png'))):
            if osp.splitext(osp.basename(mask))[0] not in names:
                raise MMLinsemError(f'mask {mask} has no latent: expected '
                                    f'{data_root}/latents/'
                                    f'{osp.splitext(osp.basename(mask))[0]}.npy (or .pt)')
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
        self._validate()

    def _check_mask(self, mask: np.ndarray, mask_path: str) -> None:
        if mask.ndim != 2:
            raise MMLinsemError(f'{mask_path}: expected a single-channel index PNG, got shape '
                                f'{mask.shape}')
        k = len(self._metainfo['classes'])
        bad = (mask >= k) & (mask != self.ignore_index)
        if bad.any():
            raise MMLinsemError(f'{mask_path}: label {int(mask[bad].max())} out of range for '
                                f'{k} classes (0..{k - 1}, {self.ignore_index} = ignore)')

    def _validate(self) -> None:
        """Every latent of one shape, every mask of one size with valid labels: checked
        when the dataset is built, naming the first file that differs."""
        first_latent = first_mask = None
        for name, latent_path, mask_path in self.items:
            shape = tuple(load_latent(latent_path).shape)
            if first_latent is None:
                first_latent = (shape, latent_path)
                if self.latent_space == 'w+' and len(shape) not in (1, 2) or \
                        self.latent_space != 'w+' and len(shape) != 1:
                    raise MMLinsemError(
                        f'latent {latent_path} has shape {shape}; a '
                        f'{self.latent_space} latent is '
                        f'{"(L, D) or (D,)" if self.latent_space == "w+" else "(D,)"}')
            elif shape != first_latent[0]:
                raise MMLinsemError(f'latent {latent_path} has shape {shape} but '
                                    f'{first_latent[1]} has {first_latent[0]}; all latents must '
                                    'have one shape')
            mask = load_mask(mask_path)
            self._check_mask(mask, mask_path)
            if first_mask is None:
                first_mask = (mask.shape, mask_path)
            elif mask.shape != first_mask[0]:
                raise MMLinsemError(f'mask {mask_path} is {mask.shape[1]}x{mask.shape[0]} but '
                                    f'{first_mask[1]} is {first_mask[0][1]}x{first_mask[0][0]}; '
                                    'all masks must have one size')

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        name, latent_path, mask_path = self.items[index]
        mask = load_mask(mask_path)
        self._check_mask(mask, mask_path)
        return dict(
            inputs=load_latent(latent_path),
            gt_label=torch.from_numpy(mask).long(),
            sample_idx=index,
            sample_seed=sample_seed(self.seed, index),
            name=name,
            latent_space=self.latent_space)
