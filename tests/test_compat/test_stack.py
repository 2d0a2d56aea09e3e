"""Issue 2: the pinned stack imports and the compatibility fixes work."""
import numpy as np
import torch

import mmlinsem
from mmlinsem.compat import stylegan_ops as compat
from mmlinsem.registry import MODELS
from conftest import run_tool


def test_imports_and_numpy_alias():
    import mmagic.datasets.transforms  # noqa: F401  (imports albumentations)
    import mmagic.models  # noqa: F401
    import mmseg.models  # noqa: F401
    assert np.bool8 is np.bool_
    assert mmlinsem.__version__


def test_registry_scope_resolves_mmseg_names():
    from mmengine.registry import DefaultScope
    assert MODELS.scope == 'mmlinsem'
    with DefaultScope.overwrite_default_scope('mmlinsem'):
        loss = MODELS.build(dict(type='CrossEntropyLoss'))  # an mmseg name, no prefix
    assert type(loss).__module__.startswith('mmseg')


def test_stylegan2_via_mmlinsem_scope_forward_and_wplus_backward():
    g = MODELS.build(
        dict(
            _scope_='mmagic',
            type='StyleGANv2Generator',
            out_size=32,
            style_channels=16,
            num_mlps=2))
    g.eval()
    wp = torch.randn(2, g.num_latents, 16, requires_grad=True)
    img = g([wp], input_is_latent=True, randomize_noise=False)
    assert img.shape == (2, 3, 32, 32)
    img.square().mean().backward()
    assert wp.grad is not None and wp.grad.abs().sum() > 0


def test_local_checkpoint_with_mmengine_objects_loads(tmp_path):
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import CheckpointLoader
    path = tmp_path / 'ckpt.pth'
    torch.save(
        {
            'message_hub': HistoryBuffer([1.0, 2.0], [1, 1]),
            'dtype': np.dtype('float32'),
            'state_dict': {
                'w': torch.ones(2)
            }
        }, path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert isinstance(ckpt['message_hub'], HistoryBuffer)


def test_mmseg_init_model_with_local_checkpoint(tmp_path):
    from mmengine.config import Config
    from mmseg.apis import init_model

    from conftest import tiny_teacher_cfg
    seg = dict(
        tiny_teacher_cfg()['segmentor'],
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0, 0, 0], std=[1, 1, 1]))
    cfg = Config(dict(model=seg))
    model = init_model(cfg, None, device='cpu')
    torch.save(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'dataset_meta': {
                    'classes': ['a', 'b', 'c', 'd'],
                    'palette': [[0, 0, 0]] * 4
                }
            }
        }, tmp_path / 'm.pth')
    model2 = init_model(cfg, str(tmp_path / 'm.pth'), device='cpu')
    assert model2.dataset_meta['classes'] == ['a', 'b', 'c', 'd']


def test_stylegan_op_fallback_matches_reference():
    import importlib
    fbl = importlib.import_module('mmcv.ops.fused_bias_leakyrelu')
    ufd = importlib.import_module('mmcv.ops.upfirdn2d')
    assert compat.STYLEGAN_OP_FALLBACK == (not compat.mmcv_has_cuda_ops())
    assert compat.install_stylegan_op_fallback(force=True)
    x, k = torch.randn(1, 2, 8, 8), torch.ones(4, 4) / 16
    ref = ufd._upfirdn2d_ref(x, k, up=2, padding=[1, 1, 1, 1])
    out = ufd._upfirdn2d_cuda(up=2, padding=[1, 1, 1, 1]).apply(x, k)
    assert torch.allclose(out, ref)
    bias = torch.randn(2)
    assert torch.allclose(
        fbl.FusedBiasLeakyReLUFunction.apply(x, bias, 0.2, 2**0.5),
        fbl.bias_leakyrelu_ref(x, bias, 0.2, 2**0.5))


def test_atomic_checkpoint_write(tmp_path):
    from mmengine.fileio.backends import LocalBackend
    target = tmp_path / 'sub' / 'file.bin'
    LocalBackend().put(b'abc', str(target))
    assert target.read_bytes() == b'abc'
    assert [p.name for p in target.parent.iterdir()] == ['file.bin']  # no temp left


def test_tool_reports_missing_config_in_one_line():
    res = run_tool('tools/train.py', 'configs/does_not_exist.py')
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert lines[-1] == 'error: config file not found: configs/does_not_exist.py'
    assert 'Traceback' not in res.stderr


def test_internal_builds_do_not_depend_on_the_current_default_scope():
    from mmengine.registry import DefaultScope

    from conftest import stylegan2_cfg, tiny_teacher_cfg
    with DefaultScope.overwrite_default_scope('mmseg'):  # e.g. after mmseg's init_model
        from mmlinsem.models import SemanticExtractor
        model = SemanticExtractor(
            generator=dict(generator=stylegan2_cfg(16)),
            teacher=tiny_teacher_cfg(),
            head=dict(type='LSEHead'))
    assert model.teacher.num_classes == 4


def test_one_atomic_writer_serves_pictures_and_checkpoints(tmp_path, monkeypatch):
    import numpy as np

    import mmlinsem.utils.fileio as fileio
    calls = []
    real = fileio.atomic_write
    monkeypatch.setattr(fileio, 'atomic_write', lambda p, d: calls.append(p) or real(p, d))
    path = tmp_path / 'pics' / 'a.png'
    fileio.write_png(str(path), np.zeros((4, 5, 3), np.uint8))
    assert calls == [str(path)] and path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ['a.png']
    import cv2
    assert cv2.imread(str(path)).shape == (4, 5, 3)


def test_known_noise_is_dropped_from_mmengine_loggers(capsys):
    import logging

    from mmengine.fileio import FileClient
    from mmengine.logging import MMLogger, print_log
    logger = MMLogger.get_instance('mmlinsem_noise_test', log_level='INFO')
    FileClient.infer_client(None, '.')  # what mmengine's CheckpointHook does on every run
    print_log('a useful line', logger=logger, level=logging.INFO)
    out = capsys.readouterr()
    text = out.out + out.err
    assert 'a useful line' in text
    assert 'FileClient' not in text and 'HardDiskBackend' not in text


def test_optimizer_visits_only_trainable_modules(capsys):
    from mmengine.logging import MMLogger
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from torch import nn

    from mmlinsem.engine import TrainableOptimWrapperConstructor
    from mmlinsem.registry import OPTIM_WRAPPER_CONSTRUCTORS
    MMLogger.get_instance('mmlinsem_optim_test', log_level='INFO')  # logs to captured stdout
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[0].requires_grad_(False)
    cfg = dict(
        optimizer=dict(type='SGD', lr=0.1),
        paramwise_cfg=dict(custom_keys={'1.weight': dict(lr_mult=10.0)}))
    with DefaultScope.overwrite_default_scope('mmlinsem'):
        wrapper = build_optim_wrapper(model, cfg)
    assert OPTIM_WRAPPER_CONSTRUCTORS.get('DefaultOptimWrapperConstructor') is \
        TrainableOptimWrapperConstructor
    groups = wrapper.optimizer.param_groups
    assert sum(len(g['params']) for g in groups) == 2  # model[1]'s weight and bias
    assert sorted(g['lr'] for g in groups) == [0.1, 1.0]
    out = capsys.readouterr()
    assert 'requires_grad' not in out.out + out.err
