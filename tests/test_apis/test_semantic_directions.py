"""Issue 17: named directions and region directions from the semantic head."""
import math

import pytest
import torch
from torch import nn

from mmlinsem.apis import LinSemInferencer, name_directions, pca_directions, region_directions
from mmlinsem.apis.directions import (coarse_logits, generalized_eigh, head_jacobian,
                                      region_matrices, sample_wplus)
from mmlinsem.errors import MMLinsemError
from mmlinsem.models.generators import parse_layers


@pytest.fixture(scope='module')
def tiny():
    """The tiny random job (16 px StyleGAN2, random LSE head, classes background/a/b/c)."""
    return LinSemInferencer('tests/configs/tiny_lse.py').model


# ------------------------------------------------------------------ planted naming
class _PlantedGenerator(nn.Module):
    """w+ (N, 2, 2) -> an 8x8 image and one 'feature' map. w[0] grows class ``a`` from the
    left edge (and brightens only a's pixels); w[1] changes the whole image."""

    style_based = True
    noise_size = 2
    num_latents = 2
    noise = 'fixed'
    style_channels = 2

    def __init__(self):
        super().__init__()
        self.generator = nn.Linear(1, 1)  # something holding the device

    def to_wp(self, z, space='z', truncate=True):
        return z[:, None].repeat(1, 2, 1)

    def forward(self, wp, space='w+', truncate=False, noise=None):
        w = wp[:, 0]
        col = torch.arange(8.0)[None, None, :].expand(1, 8, 8)
        a_logit = 4 * w[:, 0, None, None] - col + 2  # positive on the left, grows with w0
        a_logit = torch.where(col < 4, a_logit, torch.full_like(a_logit, -10.0))
        img = a_logit.clamp(min=0).tanh() + w[:, 1, None, None]
        return img[:, None].repeat(1, 3, 1, 1), [a_logit[:, None]]


class _PlantedModel:
    classes = ['background', 'a', 'b']

    def __init__(self):
        self.generator = _PlantedGenerator()

    def predict_logits(self, feats, size):
        a = feats[0]
        col = torch.arange(8.0)[None, None, None, :].expand_as(a)
        b = torch.where(col >= 4, torch.ones_like(a), torch.full_like(a, -10.0))
        return torch.cat([torch.zeros_like(a), a, b], 1)


def test_planted_direction_is_named_for_its_class_and_local():
    model = _PlantedModel()
    dirs = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    table = name_directions(model, dirs, 'all', strength=0.3, num_samples=6, classes=['b'])
    # a grows into the background: both move, a first (its logit is the one changing)
    assert [r['name'] for r in table[:3]] == ['a+ background-', 'a- background+'] * 1 + \
        ['a+ background-']
    assert table[0]['classes'] == ['a', 'background'] and table[0]['area_change']['a'] > 0
    assert 'b' not in table[0]['classes']
    one = name_directions(model, dirs[:2], strength=0.3, num_samples=6, max_names=1)
    assert [r['name'] for r in one] == ['a+', 'a-']
    assert table[0]['area_change']['b'] == 0 and table[0]['logit_change']['b'] == 0
    # only a's pixels change: outside change is 0, so the score is huge
    assert table[0]['locality'] > 100 and table[1]['locality'] > 100
    # mixing in a global change makes it much less local, a pure global change is ~1
    assert table[2]['locality'] < table[0]['locality'] / 10
    assert table[3]['name'] == '' and math.isnan(table[3]['locality'])
    assert abs(table[3]['class_locality'] - 1.0) < 1e-6


def test_parse_layers():
    assert parse_layers('all', 6) == list(range(6))
    assert parse_layers('1-3', 6) == [1, 2, 3]
    assert parse_layers('0,4', 6) == [0, 4]
    with pytest.raises(MMLinsemError, match='out of range'):
        parse_layers('2-9', 6)
    with pytest.raises(MMLinsemError, match='empty'):
        parse_layers('4-2', 6)
    with pytest.raises(MMLinsemError, match="'all', a range"):
        parse_layers('a-b', 6)


def test_unknown_class_is_one_error(tiny):
    with pytest.raises(MMLinsemError, match="unknown class 'hair'"):
        region_directions(tiny, ['hair'], num_samples=1)


# ----------------------------------------------------------------------- Jacobians
@pytest.mark.parametrize('layers', ['all', '1-2'])
def test_forward_jacobian_equals_autograd(tiny, layers):
    wp = sample_wplus(tiny.generator, 1, 3)
    fwd = head_jacobian(tiny, wp, layers, jacobian_layer=2, chunk=5)
    fused = head_jacobian(tiny, wp, layers, jacobian_layer=2, unfused=False)
    ref = head_jacobian(tiny, wp, layers, jacobian_layer=2, mode='autograd')
    assert fwd.shape == ref.shape == (1, 4, 8, 8, 16)
    scale = ref.abs().max()
    assert scale > 0
    assert (fwd - ref).abs().max() <= 1e-4 * scale
    assert (fused - ref).abs().max() <= 1e-4 * scale


def test_jacobian_is_that_of_the_coarse_logits(tiny):
    """A finite difference along a random direction agrees with J v."""
    wp = sample_wplus(tiny.generator, 1, 5)
    jac = head_jacobian(tiny, wp, [0, 1, 2], jacobian_layer=2)[0]
    v = torch.randn(16)
    sel = torch.zeros(1, wp.shape[1], 1)
    sel[0, :3] = 1
    eps = 1e-3
    with torch.no_grad():
        hi = coarse_logits(tiny, wp + eps * sel * v, 2)[0]
        lo = coarse_logits(tiny, wp - eps * sel * v, 2)[0]
    fd = (hi - lo) / (2 * eps)  # O(eps) off at the activation kinks
    assert (fd - jac @ v).norm() <= 2e-2 * fd.norm()
    assert (fd - jac @ v.roll(1)).norm() > 0.5 * fd.norm()  # the check can fail


def test_region_directions_match_the_autograd_solution(tiny):
    kw = dict(num_samples=2, jacobian_layer=2, num_directions=3, layers='0-2', tau=0.1)
    fwd = region_directions(tiny, ['a'], **kw)
    ref = region_directions(tiny, ['a'], mode='autograd', **kw)
    assert fwd['directions'].shape == (3, 16) and fwd['layers'] == [0, 1, 2]
    cos = torch.nn.functional.cosine_similarity(fwd['directions'][0], ref['directions'][0], 0)
    assert cos >= 0.99
    # the solution satisfies M_f v = lambda (M_b + tau tr(M_b)/d I) v
    m_b = fwd['m_b'] + 0.1 * fwd['m_b'].trace() / 16 * torch.eye(16, dtype=torch.float64)
    for v, lam in zip(fwd['directions'].double(), fwd['eigenvalues'].double()):
        lhs, rhs = fwd['m_f'] @ v, lam * (m_b @ v)
        assert torch.allclose(lhs, rhs, atol=1e-4 * float(lhs.abs().max()))
    assert (fwd['eigenvalues'][:-1] >= fwd['eigenvalues'][1:]).all()


def test_generalized_eigh_and_region_matrices():
    torch.manual_seed(1)
    x, y = torch.randn(6, 6).double(), torch.randn(6, 6).double()
    a, b = x @ x.t(), y @ y.t() + torch.eye(6).double()
    vals, vecs = generalized_eigh(a, b)
    assert torch.allclose(a @ vecs, b @ vecs * vals, atol=1e-8)
    assert torch.allclose(vecs.t() @ b @ vecs, torch.eye(6).double(), atol=1e-8)
    # region weights: a full region puts every row in M_f, none in M_b
    jac = torch.randn(2, 3, 4, 4, 5)
    m_f, m_b = region_matrices(jac, torch.ones(2, 4, 4))
    rows = jac.permute(0, 2, 3, 1, 4).reshape(-1, 5).double()
    assert torch.allclose(m_f, rows.t() @ rows / 32, atol=1e-8)
    assert m_b.abs().max() == 0


def test_pca_directions_are_orthonormal(tiny):
    dirs, var = pca_directions(tiny.generator, 3, num_samples=500)
    assert dirs.shape == (3, 16)
    assert torch.allclose(dirs @ dirs.t(), torch.eye(3), atol=1e-5)
    assert (var[:-1] >= var[1:]).all() and not math.isnan(float(var[0]))


def test_compare_locality_scores_both_at_the_same_image_change(tiny):
    from mmlinsem.apis import sefa_directions
    from mmlinsem.apis.directions import compare_locality, image_change, measure_direction
    dirs, _, _ = sefa_directions(tiny.generator.generator, [0, 1, 2], 3)
    res = compare_locality(
        tiny, ['a'], dirs, '0-2', 0.05, num_samples=2, eval_samples=2, jacobian_layer=2)
    row = res['rows'][0]
    assert row['class'] == 'a' and 0 <= row['best'] < 3 and len(res['table']) == 3
    assert row['ratio'] == pytest.approx(row['region_locality'] / row['best_locality'])
    held = sample_wplus(tiny.generator, 2, 1)
    for d, s in ((res['region_directions'][0], row['region_strength']), (dirs[row['best']],
                                                                         row['best_strength'])):
        change = image_change(measure_direction(tiny, d, '0-2', s, wp=held))
        assert change == pytest.approx(0.05, rel=0.1)
