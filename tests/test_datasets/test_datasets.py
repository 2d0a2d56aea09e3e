"""Issue 3: synthetic and annotated datasets, the staged batch sampler."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from mmlinsem.datasets import AnnotatedLatentDataset, LatentSeedDataset, StagedBatchSampler
from mmlinsem.errors import MMLinsemError

CODE = ('import sys; sys.path.insert(0, {root!r});'
        'from mmlinsem.datasets.latent_seed_dataset import LatentSeedDataset;'
        'd = LatentSeedDataset(100, 8, seed=3);'
        'print(d[17]["inputs"].tolist(), d[17]["sample_seed"])')


def test_same_sample_in_two_processes():
    from conftest import ROOT
    outs = [
        subprocess.run([sys.executable, '-c', CODE.format(root=ROOT)],
                       capture_output=True,
                       text=True,
                       check=True).stdout for _ in range(2)
    ]
    assert outs[0] == outs[1]
    d = LatentSeedDataset(100, 8, seed=3)
    assert repr(d[17]['inputs'].tolist()) in outs[0]


def test_pure_function_of_seed_and_index():
    a, b = LatentSeedDataset(10, 4, seed=1), LatentSeedDataset(1000, 4, seed=1)
    assert torch.equal(a[5]['inputs'], b[5]['inputs'])
    assert not torch.equal(a[5]['inputs'], a[6]['inputs'])
    assert not torch.equal(a[5]['inputs'], LatentSeedDataset(10, 4, seed=2)[5]['inputs'])
    with pytest.raises(IndexError):
        a[10]
    with pytest.raises(MMLinsemError):
        LatentSeedDataset(0, 4)


def test_staged_batch_sampler():
    s = StagedBatchSampler(range(20), schedule=[(0, 1), (2, 3), (4, 5)])
    batches = list(s)
    assert [len(b) for b in batches] == [1, 1, 3, 3, 5, 5]
    assert sum(batches, []) == list(range(18))
    assert len(s) == 6
    with pytest.raises(MMLinsemError, match='start at iteration 0'):
        StagedBatchSampler(range(4), schedule=[(1, 2)])


def _write_sample(root, name, mask, latent):
    (root / 'latents').mkdir(exist_ok=True)
    (root / 'masks').mkdir(exist_ok=True)
    np.save(root / 'latents' / f'{name}.npy', latent)
    Image.fromarray(mask.astype(np.uint8)).save(root / 'masks' / f'{name}.png')


def test_annotated_dataset(tmp_path):
    for i in range(3):
        _write_sample(tmp_path, f's{i}', np.full((8, 8), i), np.full((4, 16), i, np.float32))
    ds = AnnotatedLatentDataset(
        str(tmp_path), metainfo=dict(classes=['a', 'b', 'c']), num_samples=2)
    assert len(ds) == 2 and ds[1]['inputs'].shape == (4, 16)
    assert ds[1]['gt_label'].unique().tolist() == [1]
    _write_sample(tmp_path, 's3', np.full((8, 8), 7), np.zeros((4, 16), np.float32))
    with pytest.raises(MMLinsemError, match='s3.png: label 7 out of range'):  # when built
        AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=['a', 'b', 'c']))
    _write_sample(tmp_path, 's3', np.zeros((8, 8)), np.zeros(16, np.float32))
    with pytest.raises(MMLinsemError, match=r's3.npy has shape \(16,\) but .*s0.npy has'):
        AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=['a', 'b', 'c']))
    _write_sample(tmp_path, 's3', np.zeros((6, 8)), np.zeros((4, 16), np.float32))
    with pytest.raises(MMLinsemError, match='s3.png is 8x6 but .*s0.png is 8x8'):
        AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=['a', 'b', 'c']))
    (tmp_path / 'latents' / 's3.npy').unlink()
    with pytest.raises(MMLinsemError, match='s3.png has no latent'):
        AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=['a', 'b', 'c']))
    (tmp_path / 'masks' / 's0.png').unlink()
    with pytest.raises(MMLinsemError, match='has no mask'):
        AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=['a', 'b', 'c']))
