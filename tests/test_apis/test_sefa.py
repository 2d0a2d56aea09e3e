"""Issue 5 (SeFa part): closed-form directions, edits and the tool."""
import os

import pytest
import torch

from mmlinsem.apis import sefa_directions
from mmlinsem.apis.directions import edit_wplus, style_projections
from mmlinsem.apis.directions.sefa import linear_map
from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from conftest import run_tool, stylegan2_cfg


def test_linear_map_matches_module():
    g = FeatureGenerator(stylegan2_cfg(16)).generator
    mod = style_projections(g)[2]
    a = linear_map(mod, 16)
    w = torch.randn(3, 16)
    with torch.no_grad():
        assert torch.allclose(mod(w) - mod(torch.zeros(1, 16)), w @ a.t(), atol=1e-5)


def test_directions_are_top_eigenvectors():
    g = FeatureGenerator(stylegan2_cfg(16)).generator
    dirs, vals, used = sefa_directions(g, [1, 2], 4)
    assert used == [1, 2] and dirs.shape == (4, 16)
    assert torch.allclose(dirs @ dirs.t(), torch.eye(4), atol=1e-5)
    assert (vals[:-1] >= vals[1:]).all()
    w = torch.cat([linear_map(style_projections(g)[i], 16) for i in used])
    w = w / w.norm(dim=1, keepdim=True)
    best = (w @ dirs[0]).square().sum()
    rand = torch.nn.functional.normalize(torch.randn(100, 16), dim=1)
    assert best >= (rand @ w.t()).square().sum(1).max() - 1e-4
    assert torch.allclose(best, vals[0], rtol=1e-4)
    with pytest.raises(MMLinsemError, match='out of range'):
        sefa_directions(g, [99])


def test_edit_only_touches_chosen_layers():
    wp = torch.zeros(1, 6, 16)
    out = edit_wplus(wp, torch.ones(16), 2.0, [1, 3])
    assert out[0, 1].eq(2).all() and out[0, 3].eq(2).all() and out[0, 0].eq(0).all()


def test_sefa_tool_writes_grids(tmp_path):
    res = run_tool('tools/sefa.py', 'tests/configs/tiny_lse.py', '--num-directions', '2',
                   '--strengths=-2,0,2', '--num-samples', '2', '--out', str(tmp_path))
    assert res.returncode == 0, res.stderr[-2000:]
    assert {'sefa_sample0.png', 'sefa_sample1.png', 'directions.pt',
            'eigenvalues.json'} <= set(os.listdir(tmp_path))


def test_all_covers_every_wplus_index_including_the_final_torgb():
    """Issue 11.4c: as genforce/sefa, 'all' is every w+ index; the last one (read only by
    StyleGAN2's final ToRGB) maps through that layer's style projection."""
    fg = FeatureGenerator(stylegan2_cfg(16))
    g = fg.generator
    projections = style_projections(g)
    assert len(projections) == fg.num_latents == g.num_latents
    assert projections[-1] is g.to_rgbs[-1].conv.style_modulation
    _, _, used = sefa_directions(g, 'all', 2)
    assert used == list(range(g.num_latents))
    last = g.num_latents - 1
    dirs, _, used = sefa_directions(g, [last], 2)  # refused before (index out of range)
    assert used == [last] and dirs.shape == (2, 16)
    with pytest.raises(MMLinsemError, match='out of range'):
        sefa_directions(g, [g.num_latents])


def test_each_projection_reads_its_wplus_index():
    """Perturbing w+ index i changes exactly the style that projection i computes."""
    fg = FeatureGenerator(stylegan2_cfg(16))
    g = fg.generator
    projections = style_projections(g)
    seen = {}
    hooks = [
        m.register_forward_hook(lambda m, i, o, k=k: seen.__setitem__(k, i[0].detach().clone()))
        for k, m in enumerate(projections)
    ]
    try:
        wp = torch.randn(1, g.num_latents, 16)
        with torch.no_grad():
            fg(wp, space='w+', truncate=False)
    finally:
        for h in hooks:
            h.remove()
    assert sorted(seen) == list(range(g.num_latents))
    for k, style_input in seen.items():
        assert torch.equal(style_input, wp[:, k]), k


def test_genforce_stylegan1_projections_cover_every_wplus_index():
    """SeFa on the faithful StyleGAN v1: one AdaIN affine per w+ index, all usable."""
    from mmlinsem.models import GenforceStyleGANGenerator
    g = GenforceStyleGANGenerator(16, style_channels=8, num_mlps=1, fmaps_base=128, fmaps_max=16)
    projections = style_projections(g)
    assert len(projections) == g.num_latents
    dirs, vals, used = sefa_directions(g, 'all', 3)
    assert used == list(range(g.num_latents)) and dirs.shape == (3, 8)
    w = torch.cat([linear_map(p, 8) for p in projections])
    w = w / w.norm(dim=1, keepdim=True)
    assert torch.allclose((w @ dirs[0]).square().sum(), vals[0], rtol=1e-4)
