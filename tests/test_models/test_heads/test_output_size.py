"""Issue 11 item 3 / issue 12 item 6: logits built at the output (label) size; the head
interface (forward -> logits, layer_logits -> per-layer logits)."""
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import LinearMLPHead, LSEHead, NSE1Head, NSE2Head, upsample

CH = [8, 8, 6, 6, 4]
SIZES = [4, 8, 8, 16, 16]
HEADS = [LSEHead, NSE1Head, NSE2Head, LinearMLPHead]


def feats(n=2):
    torch.manual_seed(3)
    return [torch.randn(n, c, s, s) for c, s in zip(CH, SIZES)]


def make(cls):
    torch.manual_seed(0)
    head = cls(CH, 5)
    if hasattr(head, 'layer_weights'):
        with torch.no_grad():
            head.layer_weights.layer_weight.copy_(torch.rand(len(CH)) * 3)
    for m in head.modules():  # eval with non-trivial BatchNorm statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    return head.eval()


def old_path(head, xs, size):
    """Reference of the previous path: logits at the largest feature size, then one
    bilinear (align_corners) resize to ``size``."""
    big = max((tuple(x.shape[-2:]) for x in xs), key=lambda s: s[0] * s[1])
    if isinstance(head, (LSEHead, NSE1Head)):
        w = head.layer_weights()
        groups = {}
        for wi, layer, x in zip(w, head.extractor, xs):
            key = tuple(x.shape[-2:])
            groups[key] = groups.get(key, 0) + wi * layer(x)
        out = sum(upsample(g, big) for g in groups.values())
    elif isinstance(head, NSE2Head):
        hidden = head.extractor[0](xs[0])
        for i in range(1, len(xs)):
            hidden = F.interpolate(hidden, size=xs[i].shape[-2:], mode='nearest')
            hidden = head.reviser[i - 1](hidden) + head.extractor[i](xs[i])
        out = upsample(head.visualizer(hidden), big)
    else:
        groups = {}
        for proj, x in zip(head.projections, xs):
            key = tuple(x.shape[-2:])
            groups[key] = groups.get(key, 0) + proj(x)
        first = sum(upsample(g, big) for g in groups.values()) + head.bias.view(1, -1, 1, 1)
        out = head.mlp(first)
    return upsample(out, size)


def direct_path(head, xs, size):
    """The original LinearGAN's formula: every layer resized straight to ``size``."""
    if isinstance(head, (LSEHead, NSE1Head)):
        w = head.layer_weights()
        return sum(wi * upsample(layer(x), size) for wi, layer, x in zip(w, head.extractor, xs))
    if isinstance(head, NSE2Head):
        return upsample(head._native_logits(xs), size)
    first = sum(upsample(proj(x), size) for proj, x in zip(head.projections, xs))
    return head.mlp(first + head.bias.view(1, -1, 1, 1))


class Shapes(TorchFunctionMode):
    """Records (function, interpolation mode, spatial size) of every 4-D tensor made."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if torch.is_tensor(out) and out.dim() == 4:
            name = getattr(func, '__name__', str(func))
            self.calls.append((name, kwargs.get('mode'), tuple(out.shape[-2:])))
        return out


def larger_than_output(calls, size):
    """Tensors beyond the output size made by a bilinear resize, or after the first one
    (native-resolution work before any resize is the architecture's own)."""
    bad, resized = [], False
    for name, mode, shape in calls:
        is_resize = name == 'interpolate' and mode == 'bilinear'
        if is_resize and shape != tuple(size):
            bad.append((name, shape))
        elif resized and shape[0] * shape[1] > size[0] * size[1]:
            bad.append((name, shape))
        resized = resized or is_resize
    return bad


@pytest.mark.parametrize('cls', HEADS)
def test_output_at_label_size_equals_old_path_when_sizes_match(cls):
    head, xs = make(cls), feats()
    with torch.no_grad():
        new = head(xs, size=(16, 16))
        assert new.shape == (2, 5, 16, 16)
        assert torch.allclose(new, old_path(head, xs, (16, 16)), atol=1e-6)
        assert torch.allclose(head(xs), new, atol=0)  # default size: the largest input
        labels = torch.randint(0, 5, (2, 16, 16))
        a = head.loss_by_labels(new, labels)['loss_ce']
        b = head.loss_by_labels(old_path(head, xs, (16, 16)), labels)['loss_ce']
        assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize('cls', HEADS)
@pytest.mark.parametrize('size', [(8, 8), (12, 10), (32, 32)])
def test_each_group_resized_straight_to_the_output_size(cls, size):
    head, xs = make(cls), feats()
    with torch.no_grad():
        out = head(xs, size=size)
        assert out.shape == (2, 5) + size
        assert torch.allclose(out, direct_path(head, xs, size), atol=1e-5)


@pytest.mark.parametrize('cls', HEADS)
def test_smaller_label_size_builds_no_larger_intermediate(cls):
    head, xs = make(cls), feats()
    with torch.no_grad(), Shapes() as rec:
        out = head(xs, size=(8, 8))
    assert out.shape == (2, 5, 8, 8)
    resizes = [c for c in rec.calls if c[0] == 'interpolate' and c[1] == 'bilinear']
    assert resizes and all(shape == (8, 8) for _, _, shape in resizes)
    assert larger_than_output(rec.calls, (8, 8)) == []
    # the check itself catches the old path (16 x 16 logits, then resized)
    with torch.no_grad(), Shapes() as rec:
        old_path(head, xs, (8, 8))
    assert (('interpolate', (16, 16)) in larger_than_output(rec.calls, (8, 8))) == \
        (cls is not NSE2Head)  # NSE-2's logits are at the last layer's size either way


def test_lse_classifies_larger_layers_after_resizing_their_features():
    """A 1x1 conv commutes with resizing: LSE makes no logit map beyond the output."""
    head, xs = make(LSEHead), feats()
    with torch.no_grad(), Shapes() as rec:
        out = head(xs, size=(8, 8))
    convs = [shape for name, _, shape in rec.calls if name == 'conv2d']
    assert len(convs) == len(CH) and max(h * w for h, w in convs) == 64
    with torch.no_grad():
        assert torch.allclose(out, direct_path(head, xs, (8, 8)), atol=1e-5)


def test_layer_logits_and_aux_loss_at_label_size():
    torch.manual_seed(0)
    head = LSEHead(CH, 5, aux_loss_weight=0.1)
    xs = feats()
    native = head.layer_logits(xs)
    assert [tuple(x.shape[-2:]) for x in native] == [(s, s) for s in SIZES]
    with Shapes() as rec:
        at_8 = head.layer_logits(xs, (8, 8))
    assert larger_than_output(rec.calls, (8, 8)) == []
    for n, x in zip(native, at_8):
        assert torch.allclose(x, upsample(n, (8, 8)), atol=1e-6)
    labels = torch.randint(0, 5, (2, 8, 8))
    losses = head.loss_by_labels(head(xs, size=(8, 8)), labels, at_8)
    ref = 0.1 * F.cross_entropy(at_8[2], labels)
    assert torch.allclose(losses['loss_layer2'], ref)


def test_interface_errors_and_kernel_size():
    xs = feats()
    for cls in (NSE2Head, LinearMLPHead):
        with pytest.raises(MMLinsemError, match='has no per-layer outputs'):
            cls(CH, 5).layer_logits(xs)
    rows = cols = torch.zeros(2, 3, dtype=torch.long)
    with pytest.raises(MMLinsemError, match='points need the size'):
        LSEHead(CH, 5)(xs, points=(rows, cols))
    head = NSE1Head(CH, 5, kernel_size=3)
    convs = [m for m in head.extractor[0] if isinstance(m, torch.nn.Conv2d)]
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs)
    assert head(xs, size=(16, 16)).shape == (2, 5, 16, 16)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        old = NSE1Head(CH, 5, ksize=3)  # the old name still reads
    assert old.kernel_size == 3 and any('kernel_size' in str(w.message) for w in caught)
