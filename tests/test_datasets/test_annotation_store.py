"""The annotation folder: safe names, atomic saves under a lock, delete/repair keep data."""
import os
import os.path as osp
import threading

import numpy as np
import pytest

from mmlinsem.datasets import AnnotatedLatentDataset, AnnotationStore, safe_name
from mmlinsem.errors import MMLinsemError

CLASSES = ('background', 'a', 'b', 'c')


def _mask(value=1):
    m = np.full((16, 16), 255, np.uint8)
    m[2:10, 3:9] = value
    return m


@pytest.mark.parametrize('name',
                         ['../evil', 'a/b', '', '.hidden', '-x', 'x' * 65, 'a b', '..', 'C:\\x'])
def test_unsafe_names_refused(name):
    with pytest.raises(MMLinsemError, match='annotation name must be'):
        safe_name(name)


def test_save_list_load_and_dataset_reads_it(tmp_path):
    store = AnnotationStore(str(tmp_path), 4, (16, 16))
    wp = np.random.default_rng(0).normal(size=(6, 16)).astype(np.float32)
    assert store.next_name() == 'sample_00000'
    store.save('sample_00000', wp, _mask(1), image=np.zeros((16, 16, 3), np.uint8))
    store.save('sample_00001', wp * 2, _mask(2))
    assert store.names() == ['sample_00000', 'sample_00001']
    assert store.next_name() == 'sample_00002'
    latent, mask = store.load('sample_00001')
    np.testing.assert_allclose(latent, wp * 2)
    np.testing.assert_array_equal(mask, _mask(2))
    ds = AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=CLASSES))
    assert len(ds) == 2 and int(ds[1]['gt_label'][5, 5]) == 2
    with pytest.raises(MMLinsemError, match='exists'):
        store.save('sample_00000', wp, _mask(1), overwrite=False)
    assert not [f for f in os.listdir(tmp_path / 'latents') if f.startswith('.tmp-')]


def test_bad_masks_refused_and_nothing_written(tmp_path):
    store = AnnotationStore(str(tmp_path), 4, (16, 16))
    wp = np.zeros((6, 16), np.float32)
    with pytest.raises(MMLinsemError, match='must be 16x16'):
        store.save('x', wp, np.zeros((8, 8), np.uint8))
    with pytest.raises(MMLinsemError, match='found 9'):
        store.save('x', wp, _mask(9))
    with pytest.raises(MMLinsemError, match='no annotated pixel'):
        store.save('x', wp, np.full((16, 16), 255, np.uint8))
    assert store.names() == [] and not osp.isdir(tmp_path / 'masks')


def test_delete_moves_to_trash_and_repair_moves_incomplete(tmp_path):
    store = AnnotationStore(str(tmp_path), 4, (16, 16))
    wp = np.zeros((6, 16), np.float32)
    store.save('keep', wp, _mask())
    store.save('gone', wp, _mask())
    store.delete('gone')
    assert store.names() == ['keep']
    assert len(os.listdir(tmp_path / '.trash')) == 2
    with pytest.raises(MMLinsemError, match="no annotation 'gone'"):
        store.load('gone')
    # a save cut after its mask was renamed: the mask has no latent
    store.save('half', wp, _mask())
    os.remove(tmp_path / 'latents' / 'half.npy')
    assert store.repair() == ['half']
    assert store.names() == ['keep'] and not osp.exists(tmp_path / 'masks' / 'half.png')
    AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=CLASSES))  # loads again


def test_concurrent_saves_do_not_interleave(tmp_path):
    store = AnnotationStore(str(tmp_path), 4, (16, 16))
    errors = []

    def worker(i):
        try:
            for j in range(5):
                store.save(f's{i}_{j}', np.full((6, 16), i, np.float32), _mask(1 + i % 3))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i, )) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store.names()) == 30
    latents, masks, names = store.arrays()
    for latent, mask, name in zip(latents, masks, names):
        i = int(name[1:].split('_')[0])
        assert (latent == i).all() and mask[5, 5] == 1 + i % 3
