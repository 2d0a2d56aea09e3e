"""The LinearGAN face parser as a teacher, on weights written in the released file's layout
(a bare UNet state dict, random values): every key used, logits computed as a plain
re-statement of the network here, classes in the original's order, strict loading."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FaceParserTeacher
from mmlinsem.registry import MODELS
from conftest import ROOT

# The original's class order ('bg' is called 'background' here, as everywhere in mmlinsem).
ORIGINAL_CLASSES = [
    'background', 'skin', 'nose', 'eye_g', 'eye', 'brow', 'ear', 'mouth', 'u_lip', 'l_lip', 'hair',
    'hat', 'ear_r', 'neck', 'cloth'
]
WIDTHS = [16, 32, 64, 128, 256]


def _two_convs(prefix, cin, cout, gen, with_counters):
    state = {}
    for step, i in (('conv1', cin), ('conv2', cout)):
        p = f'{prefix}.{step}'
        state[f'{p}.0.weight'] = torch.randn(cout, i, 3, 3, generator=gen) / (3 * i**0.5)
        state[f'{p}.0.bias'] = torch.randn(cout, generator=gen) * 0.1
        state[f'{p}.1.weight'] = 1 + 0.2 * torch.randn(cout, generator=gen)
        state[f'{p}.1.bias'] = 0.1 * torch.randn(cout, generator=gen)
        state[f'{p}.1.running_mean'] = 0.1 * torch.randn(cout, generator=gen)
        state[f'{p}.1.running_var'] = 0.5 + torch.rand(cout, generator=gen)
        if with_counters:
            state[f'{p}.1.num_batches_tracked'] = torch.tensor(1000)
    return state


def original_layout_state(seed=0, with_counters=True):
    """The released file's keys and shapes (136 entries with the BN counters)."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    ins = [3] + WIDTHS[:-1]
    for name, cin, cout in zip(['conv1', 'conv2', 'conv3', 'conv4', 'center'], ins, WIDTHS):
        state.update(_two_convs(name, cin, cout, gen, with_counters))
    for n, cin, cout in zip([4, 3, 2, 1], WIDTHS[:0:-1], WIDTHS[-2::-1]):
        state.update(_two_convs(f'up_concat{n}.conv', cin, cout, gen, with_counters))
        state[f'up_concat{n}.up.weight'] = torch.randn(cin, cout, 2, 2, generator=gen) / cin**0.5
        state[f'up_concat{n}.up.bias'] = 0.1 * torch.randn(cout, generator=gen)
    state['final.weight'] = torch.randn(15, 16, 1, 1, generator=gen) / 4
    state['final.bias'] = 0.1 * torch.randn(15, generator=gen)
    return state


def reference_unet(state, x):
    """The face parser's forward written out with functional ops on the state dict."""

    def step(p, x):
        x = F.conv2d(x, state[f'{p}.0.weight'], state[f'{p}.0.bias'], padding=1)
        x = F.batch_norm(x, state[f'{p}.1.running_mean'], state[f'{p}.1.running_var'],
                         state[f'{p}.1.weight'], state[f'{p}.1.bias'], False, 0.0, 1e-5)
        return F.relu(x)

    def two(p, x):
        return step(f'{p}.conv2', step(f'{p}.conv1', x))

    skips = []
    for name in ['conv1', 'conv2', 'conv3', 'conv4']:
        x = two(name, x)
        skips.append(x)
        x = F.max_pool2d(x, 2)
    x = two('center', x)
    for n, skip in zip([4, 3, 2, 1], reversed(skips)):
        up = F.conv_transpose2d(
            x, state[f'up_concat{n}.up.weight'], state[f'up_concat{n}.up.bias'], stride=2)
        x = two(f'up_concat{n}.conv', torch.cat([skip, up], 1))  # the skip comes first
    return F.conv2d(x, state['final.weight'], state['final.bias'])


def reference_logits(state, images, input_size, output_size):
    """The original's pipeline: bilinear (align_corners) resize to the input size, clamp,
    network, bilinear resize of the logits."""
    x = F.interpolate(images, input_size, mode='bilinear', align_corners=True).clamp(-1, 1)
    out = reference_unet(state, x)
    return F.interpolate(out, output_size, mode='bilinear', align_corners=True)


@pytest.fixture(scope='module')
def weights(tmp_path_factory):
    state = original_layout_state()
    path = tmp_path_factory.mktemp('faceparser') / 'faceparse_unet_512.pth'
    torch.save(state, path)
    return state, str(path)


def test_the_layout_has_the_released_key_count():
    assert len(original_layout_state()) == 136
    assert len(original_layout_state(with_counters=False)) == 136 - 18


def test_every_key_of_the_file_is_used(weights):
    state, path = weights
    teacher = FaceParserTeacher(checkpoint=path)
    mine = teacher.net.state_dict()
    assert set(mine) == set(state)
    for key, value in state.items():
        assert torch.equal(mine[key], value), key
    assert not any(p.requires_grad for p in teacher.parameters())
    assert not teacher.net.training


@pytest.mark.parametrize('image, input_size, output_size', [(64, 32, 48), (32, 32, 32),
                                                            (16, 32, None), (48, 32, 16)])
def test_logits_equal_the_original_pipeline(weights, image, input_size, output_size):
    state, path = weights
    teacher = FaceParserTeacher(checkpoint=path, input_size=input_size, output_size=output_size)
    torch.manual_seed(1)
    images = torch.rand(2, 3, image, image) * 2.6 - 1.3  # partly outside [-1, 1]: clamped
    got = teacher.raw_logits(images)
    want = reference_logits(state, images, (input_size, ) * 2, (output_size or image, ) * 2)
    assert got.shape == (2, 15, output_size or image, output_size or image)
    assert torch.allclose(got, want, atol=1e-5, rtol=1e-5), (got - want).abs().max()
    assert torch.equal(teacher(images), want.argmax(1))


def test_default_sizes_label_a_1024px_image_at_512px(weights):
    state, path = weights
    teacher = FaceParserTeacher(checkpoint=path)
    assert teacher.input_size == (512, 512) and teacher.output_size == (512, 512)
    seen = []
    teacher.net.register_forward_pre_hook(lambda m, a: seen.append(tuple(a[0].shape)))
    labels = teacher(torch.zeros(1, 3, 1024, 1024))
    assert seen == [(1, 3, 512, 512)]
    assert labels.shape == (1, 512, 512)


def test_classes_in_the_original_order(weights):
    state, path = weights
    teacher = FaceParserTeacher(checkpoint=path, input_size=16, output_size=16)
    assert teacher.classes == ORIGINAL_CLASSES and teacher.num_classes == 15
    for name in ('hair', 'neck', 'skin'):
        k = ORIGINAL_CLASSES.index(name)
        with torch.no_grad():  # only channel k of `final` can win
            teacher.net.final.weight.zero_()
            teacher.net.final.bias.copy_(-torch.ones(15))
            teacher.net.final.bias[k] = 1
        labels = teacher(torch.rand(1, 3, 16, 16) * 2 - 1)
        assert labels.unique().tolist() == [k]
        assert teacher.classes[k] == name


def test_logits_are_differentiable_in_the_image(weights):
    _, path = weights
    teacher = FaceParserTeacher(checkpoint=path, input_size=16, output_size=16)
    images = (torch.rand(1, 3, 32, 32) * 1.8 - 0.9).requires_grad_()
    teacher.logits(images).sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_file_without_bn_counters_or_in_a_state_dict_wrapper_loads(weights, tmp_path):
    state, _ = weights
    bare = tmp_path / 'no_counters.pth'
    torch.save({k: v for k, v in state.items() if 'num_batches_tracked' not in k}, bare)
    wrapped = tmp_path / 'wrapped.pth'
    torch.save({'state_dict': state}, wrapped)
    for path in (bare, wrapped):
        mine = FaceParserTeacher(checkpoint=str(path)).net.state_dict()
        assert torch.equal(mine['final.weight'], state['final.weight'])


def _one_line_error(path, match):
    with pytest.raises(MMLinsemError, match=match) as err:
        FaceParserTeacher(checkpoint=str(path))
    assert '\n' not in str(err.value)
    return str(err.value)


def test_strict_loading_names_missing_unexpected_and_misshapen_keys(weights, tmp_path):
    state, _ = weights
    missing = dict(state)
    del missing['up_concat2.up.weight'], missing['final.bias']
    torch.save(missing, tmp_path / 'missing.pth')
    msg = _one_line_error(tmp_path / 'missing.pth', '2 missing keys')
    assert 'final.bias' in msg and 'up_concat2.up.weight' in msg
    extra = dict(state, **{'aux.weight': torch.zeros(1)})
    torch.save(extra, tmp_path / 'extra.pth')
    assert 'aux.weight' in _one_line_error(tmp_path / 'extra.pth', '1 unexpected keys')
    prefixed = {f'net.{k}': v for k, v in state.items()}
    torch.save(prefixed, tmp_path / 'prefixed.pth')
    _one_line_error(tmp_path / 'prefixed.pth', 'missing keys: .*unexpected keys: net.')
    wrong = dict(state, **{'final.weight': torch.zeros(19, 16, 1, 1)})
    torch.save(wrong, tmp_path / 'wrong.pth')
    _one_line_error(tmp_path / 'wrong.pth', r'final.weight is \(19, 16, 1, 1\), expected '
                    r'\(15, 16, 1, 1\)')


def test_bad_files_are_one_line(tmp_path):
    text = tmp_path / 'notes.pth'
    text.write_text('not weights\n')
    _one_line_error(text, 'notes.pth')  # the reader's own one-line message
    _one_line_error(tmp_path / 'absent.pth', 'face parser weights not found at')
    with pytest.raises(MMLinsemError, match='could not be downloaded from http://127.0.0.1:9/') \
            as err:
        FaceParserTeacher(
            checkpoint=str(tmp_path / 'sub' / 'faceparse_unet_512.pth'),
            url='http://127.0.0.1:9/faceparse_unet_512.pth')
    assert '\n' not in str(err.value) and 'put it there' in str(err.value)
    assert not osp.exists(tmp_path / 'sub' / 'faceparse_unet_512.pth')


def test_face_zoo_configs_build_the_face_parser(weights):
    _, path = weights
    cfg = Config.fromfile(osp.join(ROOT, 'configs/lse/lse_stylegan2-ffhq1024_face.py'))
    spec = cfg.model.teacher
    assert spec.type == 'FaceParserTeacher'
    assert spec.checkpoint == 'checkpoints/faceparse_unet_512.pth'
    assert spec.url.startswith('https://github.com/AtlantixJJ/LinearGAN/raw/')
    assert spec.url.endswith('/predictors/pretrain/faceparse_unet_512.pth')
    teacher = MODELS.build(dict(spec.to_dict(), checkpoint=path))
    assert isinstance(teacher, FaceParserTeacher) and teacher.classes == ORIGINAL_CLASSES
    alt = Config.fromfile(
        osp.join(ROOT, 'configs/lse/lse_stylegan2-ffhq1024_face-celebamaskhq19.py'))
    assert alt.model.teacher.type == 'SegmentorTeacher'
    assert alt.model.teacher.label_map.preset == 'celebamask_hq_19to15'
    alt_teacher = MODELS.build(dict(alt.model.teacher.to_dict(), checkpoint=None))
    assert alt_teacher.classes == ORIGINAL_CLASSES


@pytest.fixture
def served(weights, tmp_path):
    """The weights file served over HTTP on the loopback interface."""
    import functools
    import shutil
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    root = tmp_path / 'www'
    root.mkdir()
    shutil.copy(weights[1], root / 'faceparse_unet_512.pth')
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}/faceparse_unet_512.pth'
    finally:
        server.shutdown()
        server.server_close()


def test_missing_weights_are_downloaded_from_the_url_to_the_path(weights, served, tmp_path,
                                                                 monkeypatch):
    state, _ = weights
    dst = tmp_path / 'checkpoints' / 'faceparse_unet_512.pth'
    teacher = FaceParserTeacher(checkpoint=str(dst), url=served)
    assert dst.is_file()
    assert torch.equal(teacher.net.state_dict()['final.weight'], state['final.weight'])
    # a URL as the checkpoint goes to torch's hub cache
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    teacher = FaceParserTeacher(checkpoint=served)
    assert (tmp_path / 'torch_home' / 'hub' / 'checkpoints' / 'faceparse_unet_512.pth').is_file()
    assert torch.equal(teacher.net.state_dict()['final.bias'], state['final.bias'])


def test_trains_an_lse_on_a_generator(weights):
    """A SemanticExtractor with the face parser as teacher: 15 classes inferred, labels at
    its output size, one training step and a prediction."""
    from mmengine.optim import OptimWrapper

    from mmlinsem.datasets import LatentSeedDataset
    from conftest import stylegan2_cfg
    _, path = weights
    model = MODELS.build(
        dict(
            type='SemanticExtractor',
            generator=dict(generator=stylegan2_cfg(16)),
            teacher=dict(type='FaceParserTeacher', checkpoint=path, input_size=32, output_size=16),
            head=dict(type='LSEHead')))
    assert model.classes == ORIGINAL_CLASSES and model.head.num_classes == 15
    items = [LatentSeedDataset(8, 16, seed=1)[i] for i in range(2)]
    data = dict(
        inputs=[it['inputs'] for it in items],
        sample_idx=[it['sample_idx'] for it in items],
        sample_seed=[it['sample_seed'] for it in items])
    log = model.train_step(data, OptimWrapper(torch.optim.SGD(model.head.parameters(), lr=0.1)))
    assert np.isfinite(float(log['loss']))
    out = model.val_step(data)
    assert out[0].gt_sem_seg.data.shape == (1, 16, 16)
    assert int(out[0].gt_sem_seg.data.max()) < 15
