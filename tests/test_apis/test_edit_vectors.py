"""Reusable edits (issue 14): an SIE result saved as a w+ delta, re-applied at a strength."""
import numpy as np
import pytest
import torch

from mmlinsem.apis import apply_edit, edit_delta, load_edit, save_edit, semantic_image_edit
from mmlinsem.errors import MMLinsemError
from conftest import tiny_extractor


@pytest.fixture(scope='module')
def edited():
    torch.manual_seed(0)
    model = tiny_extractor(16)
    with torch.no_grad():  # a head with spatial structure, so the stroke changes labels
        for conv in model.head.extractor:
            conv.weight.mul_(20)
    model.eval()
    gen = model.generator
    z = torch.randn(1, 16, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        wp0 = gen.to_wp(z, 'z', truncate=False)
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[4:10, 4:10] = True
    out = semantic_image_edit(model, z, stroke=stroke, label=2, space='mixz', steps=10, lr=0.05)
    return model, wp0, out


def _render(model, wp):
    with torch.no_grad():
        return model.generator(wp, space='w+', truncate=False)[0]


@pytest.mark.parametrize('space', ['mixz', 'w+'])
def test_strength_one_reproduces_the_edit_and_zero_the_original(edited, space, tmp_path):
    model, wp0, out = edited
    if space == 'w+':
        current = out['original_mask']
        target = current.clone()
        target[:, :8] = (current[:, :8] + 1) % 4  # repaint the left half
        out = semantic_image_edit(model, wp0, 'w+', target=target, space='w+', steps=8, lr=0.05)
    delta = edit_delta(model, out, wp0)
    assert delta.shape == wp0.shape[1:] and delta.abs().max() > 1e-3  # the edit moved w+
    path = save_edit(
        str(tmp_path / 'e.npz'),
        delta,
        out['target'] != out['original_mask'],
        label=2,
        class_name='c2',
        seed=3)
    edit = load_edit(path, model.generator.num_latents, model.generator.style_channels)
    assert edit['meta']['class_name'] == 'c2' and edit['meta']['strength'] == 1.0
    np.testing.assert_array_equal(edit['region'], (out['target'] != out['original_mask']).numpy())

    again = _render(model, apply_edit(wp0, edit, 1.0))
    torch.testing.assert_close(again, out['image'], atol=1e-5, rtol=0)
    torch.testing.assert_close(
        _render(model, apply_edit(wp0, edit, 0.0)), out['original_image'], atol=1e-5, rtol=0)
    half = _render(model, apply_edit(wp0, edit, 0.5))  # in between, neither end
    assert (half - out['image']).abs().mean() > 1e-4
    assert (half - out['original_image']).abs().mean() > 1e-4


def test_bad_edit_files_are_one_line(edited, tmp_path):
    model, wp0, out = edited
    gen = model.generator
    with pytest.raises(MMLinsemError, match='edit file not found'):
        load_edit(str(tmp_path / 'missing.npz'))
    junk = tmp_path / 'junk.npz'
    junk.write_bytes(b'not a zip at all')
    with pytest.raises(MMLinsemError, match='is not an mmlinsem edit file'):
        load_edit(str(junk))
    other = tmp_path / 'other.npz'
    np.savez(other, delta=np.zeros((2, 2)), region=np.zeros((0, 0)), meta=np.array('{}'))
    with pytest.raises(MMLinsemError, match='is not an mmlinsem edit file'):
        load_edit(str(other))
    path = save_edit(str(tmp_path / 'wide.npz'), torch.zeros(gen.num_latents, 7))
    with pytest.raises(MMLinsemError, match=r'w\+ of \d+x7'):
        load_edit(path, gen.num_latents, gen.style_channels)
    with pytest.raises(MMLinsemError, match='moves w\\+ latents'):
        apply_edit(wp0, torch.zeros(3, 3))
