"""Issue 3: LSE / NSE-1 / NSE-2 decode heads."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import LinearMLPHead, LSEHead, NSE1Head, NSE2Head, upsample

CH = [8, 8, 6, 6, 4]
SIZES = [4, 8, 8, 16, 16]


def feats(n=2):
    return [torch.randn(n, c, s, s) for c, s in zip(CH, SIZES)]


def test_lse_conv_before_upsample_equals_upsample_then_conv():
    head = LSEHead(CH, 5)
    with torch.no_grad():
        head.layer_weights.layer_weight.copy_(torch.rand(len(CH)) * 3)
    xs = feats()
    out = head(xs)
    w = F.softplus(head.layer_weights.layer_weight)
    w = w / w.sum()
    naive = sum(wi * conv(upsample(x, (16, 16))) for wi, conv, x in zip(w, head.extractor, xs))
    assert out.shape == (2, 5, 16, 16)
    assert torch.allclose(out, naive, atol=1e-5)
    assert all(conv.bias is None for conv in head.extractor)


def test_plain_sum_has_no_layer_weight():
    head = LSEHead(CH, 3, layer_weighting='none')
    assert not any('layer_weight' in n for n, _ in head.named_parameters())
    xs = feats(1)
    ref = sum(upsample(c(x), (16, 16)) for c, x in zip(head.extractor, xs))
    assert torch.allclose(head(xs), ref, atol=1e-5)


@pytest.mark.parametrize('cls', [LSEHead, NSE1Head, NSE2Head, LinearMLPHead])
def test_every_parameter_gets_a_gradient(cls):
    head = cls(CH, 5)
    labels = torch.randint(0, 5, (2, 32, 32))
    losses = head.loss_by_labels(head(feats()), labels)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    missing = [n for n, p in head.named_parameters() if p.grad is None]
    assert not missing
    assert 'acc_seg' in losses


def test_nse1_structure():
    head = NSE1Head([8], 4)
    convs = [m for m in head.extractor[0] if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [6, 6, 4]  # m = (8 + 4) // 2
    assert all(c.bias is not None for c in convs)


def test_nse2_rejects_decreasing_resolution_and_aux():
    head = NSE2Head([4, 4], 3)
    with pytest.raises(MMLinsemError, match='non-decreasing'):
        head([torch.randn(1, 4, 8, 8), torch.randn(1, 4, 4, 4)])
    with pytest.raises(MMLinsemError, match='aux_loss_weight'):
        NSE2Head([4], 3, aux_loss_weight=0.1)


def test_aux_loss_per_layer_and_mmseg_loss_api():
    head = LSEHead(CH, 5, aux_loss_weight=0.1)
    samples = []
    for _ in range(2):
        ds = SegDataSample()
        ds.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, 16, 16)))
        samples.append(ds)
    losses = head.loss(feats(), samples, None)
    assert {f'loss_layer{i}' for i in range(len(CH))} <= set(losses)
    pred = head.predict(feats(), [dict(img_shape=(32, 32))] * 2, None)
    assert pred.shape == (2, 5, 32, 32)


def test_input_validation_and_wrong_checkpoint_message():
    head = LSEHead(CH, 5)
    with pytest.raises(MMLinsemError, match='expects 5 feature maps'):
        head(feats()[:3])
    with pytest.raises(MMLinsemError, match='in_channels must be a non-empty list'):
        LSEHead(8, 5)
    nse = NSE1Head(CH, 5)
    with pytest.raises(MMLinsemError) as err:
        head.load_state_dict(nse.state_dict(), strict=False)
    assert 'NSE1Head' in str(err.value) and '\n' not in str(err.value)
    other = LSEHead(CH, 7)
    with pytest.raises(MMLinsemError, match='num_classes'):
        head.load_state_dict({'_extra_state': other.get_extra_state()}, strict=False)


def _naive_datasetgan(head, xs):
    """Upsample + concatenate every layer, then the same MLP per pixel (the naive model)."""
    size = (16, 16)
    full = torch.cat([upsample(x, size) for x in xs], 1)
    weight = torch.cat([p.weight for p in head.projections], 1)
    first = F.conv2d(full, weight, head.bias)
    return head.mlp(first)


@pytest.mark.parametrize('train', [False, True])
def test_linear_mlp_head_equals_naive_datasetgan_mlp(train):

    head = LinearMLPHead(CH, 5, hidden=(12, 6))
    head.train(train)
    if not train:
        for m in head.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    xs = feats()
    with torch.no_grad():
        assert torch.allclose(head(xs), _naive_datasetgan(head, xs), atol=1e-5)


@pytest.mark.parametrize('cls', [LSEHead, NSE1Head, NSE2Head, LinearMLPHead])
def test_point_logits_equal_the_full_map_at_those_pixels(cls):
    """forward(size, points) (the sampled-pixel loss) reads exactly the full logits."""
    head = cls(CH, 5, aux_loss_weight=0.1) if cls in (LSEHead, NSE1Head) else cls(CH, 5)
    head.eval()
    xs = feats()
    rows, cols = torch.randint(0, 16, (2, 30)), torch.randint(0, 16, (2, 30))
    full = head(xs)
    ref = full[torch.arange(2)[:, None], :, rows, cols].transpose(1, 2)
    assert torch.allclose(head(xs, size=(16, 16), points=(rows, cols)), ref, atol=1e-5)
    if cls in (LSEHead, NSE1Head):  # per-layer point logits for the auxiliary losses
        layers = head.layer_logits(xs, (16, 16), points=(rows, cols))
        full_layers = head.layer_logits(xs)
        up = upsample(full_layers[0], (16, 16))[torch.arange(2)[:, None], :, rows, cols]
        assert torch.allclose(layers[0], up.transpose(1, 2), atol=1e-5)
