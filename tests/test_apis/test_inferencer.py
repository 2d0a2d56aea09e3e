"""Issue 5: the inferencer-style Python API used by the tools."""
import os

import pytest
import torch

from mmlinsem.apis import LinSemInferencer
from mmlinsem.errors import MMLinsemError
from conftest import ROOT

CFG = os.path.join(ROOT, 'tests/configs/tiny_lse.py')


def test_build_is_a_function_of_the_config_and_leaves_torch_rng_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    a = LinSemInferencer(CFG)
    assert torch.equal(torch.rand(1), expected_next)  # global RNG untouched
    b = LinSemInferencer(CFG)
    for (name, x), (_, y) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert torch.equal(x, y), name


def test_segment_sample_edit_and_sefa():
    inf = LinSemInferencer(CFG)
    seg = inf.segment(inf.latents(0, 2))
    assert seg['images'].shape[0] == 2 and seg['masks'].shape == seg['teacher_masks'].shape
    assert torch.equal(inf.latents(0, 2), inf.latents(0, 2))
    out = inf.sample(seg['teacher_masks'][0], steps=2, n_init=2)
    assert out['image'].shape[-2:] == seg['images'].shape[-2:]
    stroke = torch.zeros(seg['masks'].shape[-2:], dtype=torch.bool)
    stroke[:4, :4] = True
    edit = inf.edit(inf.latents(0, 1)[0:1], stroke=stroke, label=1, steps=2)
    assert edit['mask'].shape == seg['masks'].shape[-2:]
    directions, eigenvalues, layers = inf.sefa(num_directions=3)
    assert directions.shape[0] == 3 and (eigenvalues[:-1] >= eigenvalues[1:]).all()


def test_not_an_extractor_config_is_one_line(tmp_path):
    cfg = tmp_path / 'seg.py'
    cfg.write_text("model = dict(type='EncoderDecoder')\n")
    with pytest.raises(MMLinsemError, match='expected a SemanticExtractor config'):
        LinSemInferencer(str(cfg))
