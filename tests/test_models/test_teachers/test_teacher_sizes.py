"""Where a teacher works: the network sees ``input_size`` whenever the image's own size
differs from it, whatever ``output_size`` is; labels come back at ``output_size``."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmlinsem.models import EncodingTeacher
from mmlinsem.registry import MODELS
from conftest import ROOT, tiny_teacher_cfg

# (image size, input_size, output_size) -> (size the network sees, label size)
CASES = [
    ((64, 64), 32, 32, (32, 32), (32, 32)),  # input == output, smaller than the image
    ((64, 64), 32, 64, (32, 32), (64, 64)),
    ((16, 16), 32, None, (32, 32), (16, 16)),
    ((32, 32), 32, 32, (32, 32), (32, 32)),  # nothing to resize
    ((32, 32), None, 16, (32, 32), (16, 16)),
    ((64, 32), (32, 16), None, (32, 16), (64, 32)),
]


def _spy_input(module):
    """Record the shape of every input ``module`` is called with."""
    seen = []
    module.register_forward_pre_hook(lambda mod, args: seen.append(tuple(args[0].shape[-2:])))
    return seen


@pytest.mark.parametrize('image, input_size, output_size, sees, labels', CASES)
def test_segmentor_teacher_sees_input_size(image, input_size, output_size, sees, labels):
    teacher = MODELS.build(tiny_teacher_cfg(input_size=input_size, output_size=output_size))
    seen = _spy_input(teacher.segmentor.backbone)
    out = teacher(torch.rand(1, 3, *image) * 2 - 1)
    assert seen == [sees]
    assert tuple(out.shape[-2:]) == labels
    assert tuple(teacher.logits(torch.zeros(1, 3, *image)).shape[-2:]) == labels


class _TinyEncodingNet(torch.nn.Module):
    """Stands in for a pytorch-encoding network: a tuple of (N, 150, H, W) logits."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 150, 1)

    def forward(self, x):
        return (self.conv(x), )


@pytest.mark.parametrize('image, input_size, output_size, sees, labels', CASES)
def test_encoding_teacher_sees_input_size(monkeypatch, image, input_size, output_size, sees,
                                          labels):
    import encoding  # noqa: F401  (installed and patched by tools/setup_env.sh)
    monkeypatch.setattr(encoding.models, 'get_model', lambda *a, **k: _TinyEncodingNet())
    teacher = EncodingTeacher(pretrained=False, input_size=input_size, output_size=output_size)
    seen = _spy_input(teacher.net)
    assert tuple(teacher(torch.rand(2, 3, *image) * 2 - 1).shape) == (2, *labels)
    assert seen == [sees]


def test_encoding_teacher_default_is_the_native_size(monkeypatch):
    import encoding
    monkeypatch.setattr(encoding.models, 'get_model', lambda *a, **k: _TinyEncodingNet())
    teacher = EncodingTeacher(pretrained=False)
    seen = _spy_input(teacher.net)
    assert teacher.input_size is None and teacher.output_size is None
    assert tuple(teacher(torch.zeros(1, 3, 24, 16)).shape) == (1, 24, 16)
    assert seen == [(24, 16)]


FACE_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '*', '*_face*.py')))


def test_there_are_face_zoo_configs():
    assert len(FACE_CONFIGS) >= 13


@pytest.mark.parametrize('path', FACE_CONFIGS, ids=[osp.basename(p) for p in FACE_CONFIGS])
def test_face_zoo_teacher_labels_512px_on_1024px_generators(path):
    cfg = Config.fromfile(path)
    gen = cfg.model.generator.generator
    assert gen.get('out_size', gen.get('out_scale')) == 1024
    assert cfg.model.teacher.input_size == 512
    assert cfg.model.teacher.output_size == 512


@pytest.mark.parametrize(
    'name', ['lse_stylegan2-ffhq1024_face', 'lse_stylegan2-ffhq1024_face-celebamaskhq19'])
def test_face_zoo_teacher_built_feeds_its_network_512px(name):
    """The built face teacher (random weights, network stubbed) on a 1024-px image."""
    teacher = Config.fromfile(osp.join(ROOT, 'configs', 'lse', f'{name}.py')).model.teacher
    teacher = MODELS.build(dict(teacher.to_dict(), checkpoint=None))
    seen = []

    def stub(x, *metas):
        seen.append(tuple(x.shape[-2:]))
        return torch.zeros(x.shape[0], 19, *x.shape[-2:])

    if hasattr(teacher, 'segmentor'):
        teacher.segmentor.encode_decode = stub
    else:
        teacher.net.forward = stub
    assert tuple(teacher(torch.zeros(1, 3, 1024, 1024)).shape) == (1, 512, 512)
    assert seen == [(512, 512)]
