"""The procedural toy-face world, its mmseg dataset and ``tools/make_toy_dataset.py``."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

import mmlinsem  # noqa: F401  (compat fixes + registries first)
from mmlinsem.datasets.toy_faces import (TOY_FACE_CLASSES, TOY_FACE_PALETTE, class_histogram,
                                         render_toy_face)
from conftest import ROOT

TOOL = osp.join(ROOT, 'tools', 'make_toy_dataset.py')
NUM_CLASSES = len(TOY_FACE_CLASSES)
SKIN, HAIR, EYE, MOUTH = (TOY_FACE_CLASSES.index(c) for c in ('skin', 'hair', 'eye', 'mouth'))


@pytest.fixture(scope='module')
def samples():
    return [render_toy_face(0, i, 64) for i in range(50)]


def test_classes_and_palette():
    assert TOY_FACE_CLASSES == ('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose',
                                'cloth')
    assert len(TOY_FACE_PALETTE) == NUM_CLASSES
    assert TOY_FACE_PALETTE[0] == [0, 0, 0]
    assert len({tuple(c) for c in TOY_FACE_PALETTE}) == NUM_CLASSES
    assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in TOY_FACE_PALETTE)


def test_deterministic():
    img_a, mask_a = render_toy_face(3, 17)
    img_b, mask_b = render_toy_face(3, 17)
    np.testing.assert_array_equal(img_a, img_b)
    np.testing.assert_array_equal(mask_a, mask_b)
    for other in (render_toy_face(3, 18), render_toy_face(4, 17)):
        assert not np.array_equal(img_a, other[0])
        assert not np.array_equal(mask_a, other[1])


@pytest.mark.parametrize('size', [32, 64, 128])
def test_shapes_and_dtypes(size):
    image, mask = render_toy_face(0, 1, size)
    assert image.shape == (size, size, 3) and image.dtype == np.uint8
    assert mask.shape == (size, size) and mask.dtype == np.uint8
    assert mask.max() < NUM_CLASSES


def test_labels_and_class_presence(samples):
    masks = np.stack([m for _, m in samples])
    assert masks.max() < NUM_CLASSES
    assert set(np.unique(masks)) == set(range(NUM_CLASSES))
    present = np.array([[(m == c).any() for c in range(NUM_CLASSES)] for m in masks])
    rate = present.mean(0)
    hair = rate[HAIR]
    assert 0.7 <= hair < 1.0, f'hair present in {hair:.0%} of images'
    others = np.delete(rate, HAIR)
    assert others.min() >= 0.9, dict(zip(TOY_FACE_CLASSES, rate))


def test_mask_matches_image(samples):
    """Labelled parts look like what they are: lips redder than skin, eyes bright+dark."""
    redder, contrast, eye_span = [], [], []
    for image, mask in samples:
        img = image.astype(np.float32)
        skin = img[mask == SKIN].mean(0)
        mouth = img[mask == MOUTH].mean(0)
        contrast.append(np.abs(mouth - skin).sum())
        redder.append((mouth[0] - mouth[1]) > (skin[0] - skin[1]))
        eye = img[mask == EYE].mean(-1)
        eye_span.append(eye.max() - eye.min())
    assert np.mean(contrast) > 40
    assert np.mean(redder) > 0.8
    assert np.median(eye_span) > 100  # sclera and iris/pupil inside the eye label


def test_class_histogram():
    masks = np.array([[[0, 1], [1, 255]], [[7, 7], [1, 0]]], dtype=np.uint8)
    hist = class_histogram(masks, NUM_CLASSES)
    assert hist.shape == (NUM_CLASSES, )
    np.testing.assert_allclose(hist.sum(), 1.0)
    np.testing.assert_allclose(hist[[0, 1, 7]], [2 / 7, 3 / 7, 2 / 7])
    # a list of masks gives the same result as the stacked array
    np.testing.assert_allclose(class_histogram(list(masks), NUM_CLASSES), hist)
    np.testing.assert_array_equal(class_histogram(np.full((2, 2), 255, np.uint8), 8), np.zeros(8))


def test_make_toy_dataset(tmp_path):
    import cv2
    out = str(tmp_path / 'toy')
    proc = subprocess.run([
        sys.executable, TOOL, '--out', out, '--num-train', '8', '--num-val', '4', '--size', '32',
        '--seed', '5'
    ],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for kind in ('img_dir', 'ann_dir'):
        for split, n in (('train', 8), ('val', 4)):
            names = sorted(os.listdir(osp.join(out, kind, split)))
            assert len(names) == n and all(p.endswith('.png') for p in names)
    # Images are the rendered RGB arrays (lossless PNG), masks single-channel 8-bit.
    img = cv2.imread(osp.join(out, 'img_dir', 'train', '000003.png'), cv2.IMREAD_UNCHANGED)
    ann = cv2.imread(osp.join(out, 'ann_dir', 'train', '000003.png'), cv2.IMREAD_UNCHANGED)
    ref_img, ref_mask = render_toy_face(5, 3, 32)
    np.testing.assert_array_equal(img[..., ::-1], ref_img)
    assert ann.ndim == 2 and ann.dtype == np.uint8
    np.testing.assert_array_equal(ann, ref_mask)
    # val is a different stream than train
    val0 = cv2.imread(osp.join(out, 'img_dir', 'val', '000000.png'))
    assert not np.array_equal(val0[..., ::-1], render_toy_face(5, 0, 32)[0])

    with open(osp.join(out, 'stats.json')) as f:
        stats = json.load(f)
    assert stats['size'] == 32 and stats['seed'] == 5
    assert stats['splits']['train']['num_images'] == 8
    assert stats['splits']['val']['num_images'] == 4
    for split in ('train', 'val'):
        hist = stats['splits'][split]['class_histogram']
        assert list(hist) == list(TOY_FACE_CLASSES)
        assert abs(sum(hist.values()) - 1) < 1e-6
    preview = cv2.imread(osp.join(out, 'preview.png'))
    assert preview is not None and preview.shape[0] > 2 * 32

    from mmlinsem.datasets.toy_face_dataset import ToyFaceDataset
    ds = ToyFaceDataset(
        data_root=out,
        pipeline=[],
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'))
    assert len(ds) == 4
    assert ds.metainfo['classes'] == TOY_FACE_CLASSES
    info = ds.get_data_info(0)
    assert info['img_path'].endswith('000000.png') and info['seg_map_path'].endswith('.png')
    assert info['reduce_zero_label'] is False

    # An existing dataset is not silently mixed with a new one.
    again = subprocess.run(
        [sys.executable, TOOL, '--out', out, '--num-train', '2', '--num-val', '1', '--size', '32'],
        capture_output=True,
        text=True,
        timeout=60)
    assert again.returncode == 2 and again.stderr.startswith('error:')


@pytest.mark.parametrize('args',
                         [['--size', '48'], ['--size', '16'], ['--num-train', '0'], ['--bogus']])
def test_make_toy_dataset_bad_args(tmp_path, args):
    proc = subprocess.run(
        [sys.executable, TOOL, '--out', str(tmp_path / 'x')] + args,
        capture_output=True,
        text=True,
        timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error:'), proc.stderr
