"""Issue 14 (SIE speed): the features-only forward gives the full forward's features."""
import pytest
import torch

from mmlinsem.models import FeatureGenerator
from conftest import stylegan2_cfg


@pytest.mark.parametrize('split', [False, True])
@pytest.mark.parametrize('size', [16, 32])
def test_features_only_equals_the_full_forward(size, split):
    torch.manual_seed(0)
    g = FeatureGenerator(stylegan2_cfg(size), noise='fixed')
    z = torch.randn(2, 16)
    with torch.no_grad():
        wp = g.to_wp(z, 'z', truncate=False)
    img, full = g(wp, space='w+', truncate=False)
    none, fast = g(wp, space='w+', truncate=False, features_only=True, split_modconv=split)
    assert none is None and img is not None and len(fast) == len(full)
    for a, b in zip(fast, full):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)

    # the gradient of a loss on the features agrees too
    weights = [torch.randn_like(f) for f in full]

    def grad(**kw):
        p = wp.clone().requires_grad_(True)
        feats = g(p, space='w+', truncate=False, **kw)[1]
        sum((f * w).sum() for f, w in zip(feats, weights)).backward()
        return p.grad

    ref = grad()
    assert ref.abs().max() > 0
    torch.testing.assert_close(
        grad(features_only=True, split_modconv=split), ref, atol=1e-4, rtol=1e-3)


def test_features_only_stops_a_hooked_prefix_of_another_layout():
    """Hooked at a non-conv layer (a ToRGB), the normal forward runs and is stopped by the
    capture hook: same features, and layers after the deepest hooked one never run."""
    torch.manual_seed(0)
    g = FeatureGenerator(stylegan2_cfg(16), noise='fixed', layers=['conv1', 'to_rgbs.0'])
    ran = []
    g.generator.convs[-1].register_forward_hook(lambda *a: ran.append(1))
    z = torch.randn(1, 16)
    _, full = g(z, truncate=False)
    assert ran
    ran.clear()
    _, fast = g(z, truncate=False, features_only=True)
    assert not ran and len(fast) == 2
    for a, b in zip(fast, full):
        torch.testing.assert_close(a, b)
