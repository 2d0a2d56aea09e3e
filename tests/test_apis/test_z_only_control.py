"""SIE, SCS, edits and the few-shot fit on a z-only generator (the tiny DCGAN job): they
work in z and refuse the other spaces in one line."""
import os.path as osp

import pytest
import torch

from mmlinsem.errors import MMLinsemError
from conftest import ROOT

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_byo_dcgan.py')


@pytest.fixture(scope='module')
def model():
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.models.heads import fit_lse_closed_form
    m = LinSemInferencer(CFG).model
    fit_lse_closed_form(m, num_images=8, pixels_per_image=64, batch_size=4)
    return m


def test_sie_in_z_and_refusals(model):
    from mmlinsem.apis import edit_delta, semantic_image_edit
    z = torch.randn(8)
    stroke = torch.zeros(16, 16, dtype=torch.bool)
    stroke[4:12, 4:12] = True
    img, feats = model.generator(z[None])
    pred = model.head(feats, size=(16, 16)).argmax(1)[0]
    label = int((pred[stroke].mode().values + 1) % model.head_module.num_classes)
    out = semantic_image_edit(model, z, 'z', stroke=stroke, label=label, space='z', steps=3)
    assert out['latent'].shape == (1, 8) and out['image'].shape == (1, 3, 16, 16)
    delta = edit_delta(model, out, z[None])
    assert torch.allclose(delta, out['latent'][0] - z)
    for space in ('mixz', 'w+'):
        with pytest.raises(MMLinsemError, match=r"takes z only: edit a z latent in space='z'"):
            semantic_image_edit(model, z, 'z', stroke=stroke, label=label, space=space, steps=1)


def test_scs_in_z_and_refusal(model):
    from mmlinsem.apis import semantic_conditional_sample
    target = torch.zeros(16, 16, dtype=torch.long)
    target[8:] = 1
    res = semantic_conditional_sample(model, target, n_init=2, steps=3, space='z')
    assert res['latent'].shape == (1, 8) and res['image'].shape == (1, 3, 16, 16)
    with pytest.raises(MMLinsemError, match=r"takes z only: optimise in space='z'"):
        semantic_conditional_sample(model, target, n_init=2, steps=1, space='w+')


def test_fewshot_fit_reads_z_latents_by_default(model):
    from mmlinsem.models.heads import fit_lse_on_annotations
    z = torch.randn(3, 8)
    masks = torch.zeros(3, 16, 16, dtype=torch.long)
    masks[:, :, 8:] = 1
    fit = fit_lse_on_annotations(model, z, masks, ce_steps=2, pixels_per_image=64)
    assert fit['num_pixels'] > 0
