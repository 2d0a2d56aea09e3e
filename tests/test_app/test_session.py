"""The app's callbacks as plain functions, on the tiny test config."""
import os.path as osp

import numpy as np
import pytest

from mmlinsem.apis import LinSemInferencer
from mmlinsem.app import AppSession, mask_layer
from mmlinsem.errors import MMLinsemError
from conftest import ROOT

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_lse.py')


@pytest.fixture(scope='module')
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp('app')
    return AppSession(CFG, annotations=str(root / 'ann'), out_dir=str(root / 'out'), eval_samples=8)


def test_sample_is_a_function_of_seed(session):
    a, b, c = session.sample(3), session.sample(3), session.sample(4)
    np.testing.assert_array_equal(a['image'], b['image'])
    assert not np.array_equal(a['image'], c['image'])
    assert a['image'].shape == (16, 16, 3) and a['head_mask'].shape == (16, 16)
    shown = session.overlay(a)
    assert shown.shape[1] == 2 * 16 * session.scale  # image | mask, upscaled, + legend
    assert session.sample(3, psi=0.5)['wp'].shape == a['wp'].shape
    with pytest.raises(MMLinsemError, match='psi must be in'):
        session.sample(0, psi=1.5)


def test_canvas_round_trip_and_save(session):
    st = session.sample(1)
    value = session.editor_value(st, 'teacher')
    np.testing.assert_array_equal(session.painted_mask(value), st['teacher_mask'])
    empty = session.editor_value(st, 'empty')
    with pytest.raises(MMLinsemError, match='no annotated pixel'):
        session.save_annotation(st, empty)
    with pytest.raises(MMLinsemError, match='annotation name must be'):
        session.save_annotation(st, value, '../../etc/x')
    assert session.store.names() == []
    name = session.save_annotation(st, value)
    assert name == 'sample_00000'
    reopened, value2 = session.open_annotation(name)
    np.testing.assert_allclose(reopened['wp'], st['wp'])
    np.testing.assert_array_equal(session.painted_mask(value2), st['teacher_mask'])


def test_train_saves_a_loadable_head_that_beats_chance(session, tmp_path):
    for seed in range(2, 9):
        st = session.sample(seed)
        session.save_annotation(st, session.editor_value(st, 'teacher'))
    # a hand-edited annotation: class 3 painted in the top-left corner, rest from teacher
    st = session.sample(20)
    value = session.editor_value(st, 'teacher')
    layer = value['layers'][0].copy()
    layer[:16, :16, :3] = session.palette[3]
    layer[:16, :16, 3] = 255
    value['layers'] = [layer]
    session.save_annotation(st, value, 'painted')
    _, saved = session.store.load('painted')
    assert (saved[:4, :4] == 3).all()

    progress = []
    out = session.train(ce_steps=20, progress=lambda d, t, s: progress.append((d, t, s)))
    assert out['num_annotations'] == 9 and osp.isfile(out['path'])
    assert progress[-1][2] == 'refine' and progress[0][2] == 'features'
    # the saved head is what the session now predicts with, and loads in the inferencer
    inf = LinSemInferencer(CFG, out['path'])
    z = inf.latents(5, 4)
    ours = session.inf.segment(z)['masks']
    np.testing.assert_array_equal(inf.segment(z)['masks'].numpy(), ours.numpy())
    # fitted to the teacher's masks of 8 samples: far above an untrained head
    untrained = LinSemInferencer(CFG).miou_vs_teacher(2024, 8)
    assert out['miou_vs_teacher'] > untrained + 10


def test_condition_and_sefa(session):
    target = np.zeros(session.size, np.uint8)
    target[:, 8:] = 1
    results = session.condition(target, num=2, steps=5)
    assert len(results) == 2 and all(0 <= acc <= 100 for _, _, acc in results)
    with pytest.raises(MMLinsemError, match='1..16'):
        session.condition(target, num=0)
    st = session.sample(0)
    dirs, vals, idx = session.sefa('all', 3)
    assert dirs.shape[0] == 3 and (vals[:-1] >= vals[1:]).all()
    moved = session.sefa_image(st, dirs, [3.0, 0, 0])
    still = session.sefa_image(st, dirs, [0, 0, 0])
    np.testing.assert_array_equal(still, st['image'])
    assert np.abs(moved.astype(int) - still).mean() > 0.5


def test_layout_upload_and_painting(session):
    import io

    from PIL import Image
    target = np.zeros(session.size, np.uint8)
    buf = io.BytesIO()
    Image.fromarray(target).save(buf, format='PNG')
    np.testing.assert_array_equal(session.layout_mask(None, buf.getvalue()), target)
    value = session.blank_canvas()
    with pytest.raises(MMLinsemError, match='layout is empty'):
        session.layout_mask(value)
    painted = np.full(session.size, 255, np.uint8)
    painted[4:12, 4:12] = 2
    value['layers'] = [mask_layer(painted, session.palette, session.scale, alpha=255)]
    np.testing.assert_array_equal(session.layout_mask(value), painted)


def _stroke_value(session, st, label, box):
    value = session.stroke_canvas(st)
    layer = np.zeros_like(value['layers'][0])
    y0, y1, x0, x1 = (v * session.scale for v in box)
    layer[y0:y1, x0:x1, :3] = session.palette[label]
    layer[y0:y1, x0:x1, 3] = 255
    value['layers'] = [layer]
    return value


def test_edit_streams_undo_and_reusable_edit(session):
    st = session.sample(6)
    label = 2 if (st['head_mask'][2:14, 2:8] != 2).any() else 1
    frames = list(
        session.edit_stream(
            st,
            _stroke_value(session, st, label, (2, 14, 2, 8)),
            steps=6,
            baseline=True,
            stream_every=2))
    # steps 2, 4, 6 streamed, then the result (with the colour baseline row)
    assert [f['metrics'] for f in frames[:-1]] == ['step 2/6', 'step 4/6', 'step 6/6']
    last = frames[-1]
    assert 'target agreement inside' in last['metrics'] and 'colour baseline' in last['metrics']
    assert last['picture'].shape[0] == 2 * frames[0]['picture'].shape[0]
    new = last['state']
    assert not np.array_equal(new['wp'], st['wp']) and len(new['history']) == 1
    # undo gives the sample back; a second undo has nothing left
    back = session.undo(new)
    np.testing.assert_array_equal(back['image'], st['image'])
    with pytest.raises(MMLinsemError, match='nothing to undo'):
        session.undo(back)
    with pytest.raises(MMLinsemError, match='no edit to save'):
        session.save_last_edit(st)
    with pytest.raises(MMLinsemError, match='no stroke painted'):
        next(session.edit_stream(st, session.stroke_canvas(st)))

    path = session.save_last_edit(new, 'my_edit')
    assert osp.isfile(path) and session.edit_names() == ['my_edit']
    # re-applied to the same seed at strength 1: the edited image again; 0: the original
    same = session.apply_saved_edit('my_edit', '6', 1.0)[0]
    n = 16 * session.scale
    np.testing.assert_allclose(same[:, n:2 * n].astype(int), session.show(new['image']), atol=1)
    orig = session.apply_saved_edit('my_edit', [6], 0.0)[0]
    np.testing.assert_array_equal(orig[:, n:2 * n], session.show(st['image']))
    assert len(session.apply_saved_edit('my_edit', '1, 2,3', 1.0)) == 3
    with pytest.raises(MMLinsemError, match='comma-separated integers'):
        session.apply_saved_edit('my_edit', '1;2')
    with pytest.raises(MMLinsemError, match='edit name must be'):
        session.apply_saved_edit('../x', '1')


def test_canvases_follow_the_head_trained_after_the_sample(tmp_path):
    s = AppSession(
        CFG, annotations=str(tmp_path / 'ann'), out_dir=str(tmp_path / 'out'), eval_samples=4)
    st = s.sample(5)  # drawn with the untrained head
    for seed in range(4):
        one = s.sample(seed)
        s.save_annotation(one, s.editor_value(one, 'teacher'))
    s.train(ce_steps=5)
    fresh = s.sample(5)['head_mask']
    assert not np.array_equal(fresh, st['head_mask'])
    np.testing.assert_array_equal(s.painted_mask(s.editor_value(st, 'head')), fresh)
    shown = s.stroke_canvas(st)['background'][..., :3]
    np.testing.assert_array_equal(shown, s.show(s.colorize(fresh)))
