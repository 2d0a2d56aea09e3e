"""The app served on localhost and driven through gradio_client: every tab's action, the
files it writes, and bad input answered with one line (nothing saved)."""
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_lse.py')


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    from gradio_client import Client

    from mmlinsem.app import AppSession, build_app, launch
    root = tmp_path_factory.mktemp('served')
    session = AppSession(
        CFG, annotations=str(root / 'ann'), out_dir=str(root / 'out'), eval_samples=8)
    demo = build_app(session)
    launch(demo, port=None, block=False, out_dir=str(root / 'out'))
    assert demo.local_url.startswith('http://127.0.0.1:')
    try:
        yield Client(demo.local_url, verbose=False), session, root
    finally:
        demo.close()


def _editor(value, root, name, layer=None):
    """An ImageEditor payload (files) from a returned value, optionally another layer."""
    from gradio_client import handle_file
    bg = value['background']
    bg = bg['path'] if isinstance(bg, dict) else bg
    if layer is None:
        lay = value['layers'][0]
        lay = lay['path'] if isinstance(lay, dict) else lay
    else:
        lay = str(root / f'{name}.png')
        Image.fromarray(layer).save(lay)
    return dict(background=handle_file(bg), layers=[handle_file(lay)], composite=None, id=None)


def test_tabs_end_to_end(served):
    client, session, root = served
    from gradio_client.exceptions import AppError

    # Sample
    view, teacher = client.predict(3, 1.0, api_name='/sample')
    img = np.array(Image.open(view))
    assert img.shape[1] == 2 * 16 * session.scale
    files = client.predict(api_name='/download')
    assert {osp.splitext(f)[1] for f in files} == {'.png', '.npy'}

    # Annotate 2 samples (teacher masks), then train and save
    for seed in (3, 4):
        client.predict(seed, 1.0, api_name='/sample')
        value = client.predict('teacher', api_name='/load_canvas')
        status, _, _ = client.predict(_editor(value, root, 'x'), '', api_name='/save_annotation')
        assert 'saved' in status
    assert session.store.names() == ['sample_00000', 'sample_00001']
    stored = np.array(Image.open(root / 'ann' / 'masks' / 'sample_00001.png'))
    np.testing.assert_array_equal(stored, session.sample(4)['teacher_mask'])

    # bad input: a path-traversal name is one line in the UI, nothing saved
    with pytest.raises(AppError, match='annotation name must be'):
        client.predict(_editor(value, root, 'x'), '../../evil', api_name='/save_annotation')
    assert session.store.names() == ['sample_00000', 'sample_00001']
    assert not (root / 'evil.png').exists()

    text, preview = client.predict(20, api_name='/train')
    assert 'trained on' in text and osp.isfile(root / 'out' / 'heads' / 'fewshot_n2.pth')
    assert len(preview) == 4

    # Edit: paint class 2 on the left half of the head mask
    client.predict(3, 1.0, api_name='/sample')
    value = client.predict(api_name='/load_stroke_canvas')
    size = 16 * session.scale
    layer = np.zeros((size, size, 4), np.uint8)
    layer[:, :size // 2, :3] = session.palette[2]
    layer[:, :size // 2, 3] = 255
    picture, metrics, = client.predict(
        _editor(value, root, 'stroke', layer), 10, False, api_name='/edit')[:2]
    assert osp.isfile(picture) and 'inside' in metrics
    # the edit is kept: save it as a w+ delta, re-apply it to other seeds; undo it
    status, _ = client.predict('left_half', api_name='/save_edit')
    assert osp.isfile(root / 'out' / 'edits' / 'left_half.npz')
    rows = client.predict('left_half', '3,5', 1.0, api_name='/apply_edit')
    assert len(rows) == 2
    client.predict(api_name='/undo')
    with pytest.raises(AppError, match='nothing to undo'):
        client.predict(api_name='/undo')

    # Condition: an uploaded index PNG of the wrong size is refused in one line
    from gradio_client import handle_file
    bad = root / 'bad.png'
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(bad)
    blank = client.predict(api_name='/blank_layout')
    with pytest.raises(AppError, match='must be 16x16'):
        client.predict(
            _editor(blank, root, 'b'), handle_file(str(bad)), 1, 10, api_name='/condition')
    target = np.zeros((size, size, 4), np.uint8)
    target[..., :3] = session.palette[1]
    target[..., 3] = 255
    gallery, status = client.predict(
        _editor(blank, root, 'layout', target), None, 1, 10, api_name='/condition')
    assert len(gallery) == 1 and 'accuracy' in status

    # Directions
    out = client.predict('all', api_name='/sefa')
    assert osp.isfile(out[0])
