"""Issue 11.4a: the SCS / SIE objective, term by term, on hand examples."""
import pytest
import torch
import torch.nn.functional as F

from mmlinsem.apis.latent_optim import regularised_loss


def _parts(n_vectors):
    logits = torch.zeros(1, 3, 2, 2)
    target = torch.zeros(1, 2, 2, dtype=torch.long)
    p0 = torch.zeros(1, n_vectors, 2)
    p = torch.ones(1, n_vectors, 2)  # every element moved by 1 from p0
    return logits, target, p, p0


@pytest.mark.parametrize('n_vectors', [1, 14])
def test_initial_latent_term_is_the_plain_sum(n_vectors):
    """1e-3 ||p - p0||^2 as the original: a sum over all latent vectors' elements, not
    divided by their number (mixz optimises 14-18 vectors)."""
    logits, target, p, p0 = _parts(n_vectors)
    ce = F.cross_entropy(logits, target)
    loss = regularised_loss(logits, target, p, p0, reg_init=1e-3, reg_prior=0.0)
    assert float(loss - ce) == pytest.approx(1e-3 * 2 * n_vectors, rel=1e-4)  # 2 per vector


def test_prior_term_is_averaged_over_latent_vectors():
    logits, target, p, _ = _parts(14)
    p = p * 3  # ||p||^2 = 14 vectors x 2 elements x 9
    ce = F.cross_entropy(logits, target)
    loss = regularised_loss(logits, target, p, p.clone(), reg_init=1.0, reg_prior=1e-3)
    assert float(loss - ce) == pytest.approx(1e-3 * 14 * 2 * 9 / 14, rel=1e-4)


def test_hand_example_both_terms():
    logits = torch.tensor([[[[2.0]], [[0.0]]]])  # (1, 2, 1, 1)
    target = torch.tensor([[[1]]])
    p0 = torch.tensor([[[1.0, 2.0], [0.0, 0.0]]])  # two latent vectors
    p = torch.tensor([[[1.0, 0.0], [3.0, 0.0]]])
    ce = -torch.log_softmax(logits[0, :, 0, 0], 0)[1]
    # ||p - p0||^2 = 0 + 4 + 9 + 0 = 13; ||p||^2 = 1 + 9 = 10 over n = 2 vectors
    expected = ce + 1e-3 * 13 + 1e-3 * 10 / 2
    loss = regularised_loss(logits, target, p, p0, 1e-3, 1e-3)
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)
