"""Issue 14: SIE streamed for the app, and its features-only fast path."""
import pytest
import torch

from mmlinsem.apis import iter_semantic_image_edit, semantic_image_edit
from mmlinsem.errors import MMLinsemError
from conftest import tiny_extractor


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    m = tiny_extractor(16)
    with torch.no_grad():
        for conv in m.head.extractor:
            conv.weight.mul_(20)
    return m.eval()


def _edit_args():
    z = torch.randn(16, generator=torch.Generator().manual_seed(3))
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[4:10, 4:10] = True
    return z, stroke


def test_stream_frames_and_result_equal_the_plain_call(model):
    z, stroke = _edit_args()
    frames = list(
        iter_semantic_image_edit(
            model, z, stroke=stroke, label=2, steps=6, lr=0.05, stream_every=2))
    assert [f['step'] for f in frames] == [0, 1, 2, 3, 4, 5, 6, 6]
    assert frames[0]['loss'] is None and frames[0]['image'] is not None
    with_image = [f['step'] for f in frames[1:-1] if f['image'] is not None]
    assert with_image == [2, 4, 6]
    done = frames[-1]
    assert done['done'] and not any(f['done'] for f in frames[:-1])
    plain = semantic_image_edit(model, z, stroke=stroke, label=2, steps=6, lr=0.05)
    torch.testing.assert_close(done['image'], plain['image'])
    torch.testing.assert_close(done['latent'], plain['latent'])
    assert done['loss_history'] == pytest.approx(plain['loss_history'])
    seen = []
    semantic_image_edit(
        model,
        z,
        stroke=stroke,
        label=2,
        steps=3,
        lr=0.05,
        callback=lambda s, img, loss: seen.append((s, img is not None)),
        stream_every=3)
    assert seen == [(0, True), (1, False), (2, False), (3, True)]


def test_fast_path_gives_the_same_edit(model):
    z, stroke = _edit_args()
    fast = semantic_image_edit(model, z, stroke=stroke, label=2, steps=8, lr=0.05, fast=True)
    full = semantic_image_edit(model, z, stroke=stroke, label=2, steps=8, lr=0.05, fast=False)
    torch.testing.assert_close(fast['latent'], full['latent'], atol=1e-4, rtol=1e-3)
    torch.testing.assert_close(fast['image'], full['image'], atol=1e-3, rtol=1e-3)
    assert fast['loss_history'] == pytest.approx(full['loss_history'], rel=1e-3)


def test_bad_stream_every_is_refused(model):
    z, stroke = _edit_args()
    with pytest.raises(MMLinsemError, match='stream_every must be >= 0'):
        iter_semantic_image_edit(model, z, stroke=stroke, label=2, stream_every=-1)
