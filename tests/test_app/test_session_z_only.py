"""The app's callbacks on a z-only generator (the tiny DCGAN job): samples, annotations,
"Train" and SIE work in z; truncation and reusable w+ edits are refused in one line."""
import os.path as osp

import numpy as np
import pytest

from mmlinsem.app import AppSession
from mmlinsem.errors import MMLinsemError
from conftest import ROOT

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_byo_dcgan.py')


@pytest.fixture(scope='module')
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp('app_z')
    return AppSession(CFG, annotations=str(root / 'ann'), out_dir=str(root / 'out'), eval_samples=4)


def test_samples_annotations_and_train_in_z(session):
    assert session.gen.native_space == 'z'
    st = session.sample(3)
    assert st['wp'].shape == (8, )  # the stored latent is z itself
    np.testing.assert_array_equal(session.sample(3)['image'], st['image'])
    with pytest.raises(MMLinsemError, match='takes z only'):
        session.sample(3, psi=0.5)
    for seed in range(4):
        s = session.sample(seed)
        value = session.editor_value(s, 'teacher')
        mask = session.painted_mask(value)
        mask[:4, :4] = 1  # at least two classes painted
        layer = value['layers'][0]
        layer[:4 * session.scale, :4 * session.scale, :3] = session.palette[1]
        session.save_annotation(s, value)
    reopened, _ = session.open_annotation('sample_00000')
    np.testing.assert_allclose(reopened['wp'], session.sample(0)['wp'])
    latents, _, _ = session.store.arrays()
    assert latents.shape == (4, 8)
    out = session.train(ce_steps=5)
    assert out['num_annotations'] == 4 and osp.isfile(out['path'])


def test_sie_undo_in_z_and_no_reusable_edit(session):
    st = session.sample(6)
    label = 1 if (st['head_mask'][2:10, 2:10] != 1).any() else 2
    value = session.stroke_canvas(st)
    layer = np.zeros_like(value['layers'][0])
    n = session.scale
    layer[2 * n:10 * n, 2 * n:10 * n, :3] = session.palette[label]
    layer[2 * n:10 * n, 2 * n:10 * n, 3] = 255
    value['layers'] = [layer]
    frames = list(session.edit_stream(st, value, steps=4, baseline=True, stream_every=2))
    new = frames[-1]['state']
    assert new['wp'].shape == (8, ) and not np.array_equal(new['wp'], st['wp'])
    np.testing.assert_array_equal(session.undo(new)['image'], st['image'])
    with pytest.raises(MMLinsemError, match='takes z only'):
        session.save_last_edit(new, 'x')
