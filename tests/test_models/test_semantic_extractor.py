"""Issue 3: the SemanticExtractor model (in process)."""
import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from PIL import Image

from mmlinsem.datasets import AnnotatedLatentDataset, LatentSeedDataset
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from conftest import stylegan2_cfg, tiny_teacher_cfg


def build(**kw):
    cfg = dict(
        type='SemanticExtractor',
        generator=dict(generator=stylegan2_cfg(16)),
        teacher=tiny_teacher_cfg(),
        head=dict(type='LSEHead'))
    cfg.update(kw)
    return MODELS.build(cfg)


def batch(n, dim=16):
    ds = LatentSeedDataset(64, dim, seed=1)
    items = [ds[i] for i in range(n)]
    return dict(
        inputs=[it['inputs'] for it in items],
        sample_idx=[it['sample_idx'] for it in items],
        sample_seed=[it['sample_seed'] for it in items])


def _step(model, data):
    opt = OptimWrapper(torch.optim.SGD(model.head.parameters(), lr=0.1))
    log = model.train_step(data, opt)
    return log, {k: v.clone() for k, v in model.head.state_dict().items()}


def test_micro_batches_give_the_same_step():
    torch.manual_seed(0)
    a = build()
    torch.manual_seed(0)  # same random generator, teacher and head
    b = build(micro_batch=2)
    log_a, wa = _step(a, batch(6))
    log_b, wb = _step(b, batch(6))
    for k in wa:
        assert torch.allclose(wa[k].float(), wb[k].float(), atol=1e-6), k
    assert log_a['loss'] == pytest.approx(log_b['loss'], rel=1e-5)


def test_head_only_state_dict_round_trip():
    m = build()
    sd = m.state_dict()
    assert all(k.startswith(('head.', '_extra_state')) for k in sd)
    fresh = build()
    fresh.load_state_dict(sd, strict=True)  # generator/teacher are not required
    for k, v in sd.items():
        assert torch.equal(fresh.state_dict()[k], v)


def test_inferred_channels_and_class_checks():
    m = build()
    assert m.head.in_channels == m.generator.channels
    assert m.classes == ['background', 'a', 'b', 'c']
    with pytest.raises(MMLinsemError, match='num_classes=5 but the teacher produces 4'):
        build(head=dict(type='LSEHead', num_classes=5))
    with pytest.raises(MMLinsemError, match='do not match the generator layers'):
        build(head=dict(type='LSEHead', in_channels=[1, 2]))
    with pytest.raises(MMLinsemError, match='num_classes is required'):
        build(teacher=None)


def test_predict_returns_seg_samples_with_teacher_labels():
    m = build()
    out = m.val_step(batch(2))
    assert len(out) == 2
    assert out[0].pred_sem_seg.data.shape == (1, 16, 16)
    assert out[0].gt_sem_seg.data.shape == (1, 16, 16)
    assert out[0].gen_img.shape == (16, 16, 3) and out[0].gen_img.dtype == torch.uint8
    assert out[1].metainfo['sample_idx'] == 1


def test_user_masks_without_teacher_in_wplus_space(tmp_path):
    gen = build().generator
    (tmp_path / 'latents').mkdir()
    (tmp_path / 'masks').mkdir()
    for i in range(2):
        wp = gen.to_wp(torch.randn(1, 16))[0].numpy()
        np.save(tmp_path / 'latents' / f'{i}.npy', wp)
        mask = np.zeros((16, 16), np.uint8)
        mask[:, 8:] = 1 + i
        Image.fromarray(mask).save(tmp_path / 'masks' / f'{i}.png')
    ds = AnnotatedLatentDataset(str(tmp_path), metainfo=dict(classes=['bg', 'x', 'y']))
    m = build(
        teacher=None,
        head=dict(type='LSEHead', num_classes=3),
        latent_space='w+',
        classes=['bg', 'x', 'y'])
    data = dict(
        inputs=[ds[i]['inputs'] for i in range(2)], gt_label=[ds[i]['gt_label'] for i in range(2)])
    opt = OptimWrapper(torch.optim.Adam(m.head.parameters(), lr=0.05))
    first = m.train_step(data, opt)['loss']
    for _ in range(30):
        last = m.train_step(data, opt)['loss']
    assert last < first * 0.5
    pred = m.val_step(data)
    assert torch.equal(pred[0].gt_sem_seg.data[0], ds[0]['gt_label'])


def test_sampled_pixel_loss_estimates_the_full_loss():
    """loss_pixels: CE on random pixels read from native-resolution logits -- the full
    loss when every pixel is drawn often, and reproducible per (sample seed, iteration)."""
    torch.manual_seed(0)
    full = build()
    torch.manual_seed(0)
    sampled = build(loss_pixels=4096)  # 16 px images: 16x every pixel on average
    data = batch(4)
    z = torch.stack(data['inputs'])
    ref = full.forward(z, mode='loss', sample_seed=data['sample_seed'])['loss_ce']
    got = sampled.forward(z, mode='loss', sample_seed=data['sample_seed'])
    again = sampled.forward(z, mode='loss', sample_seed=data['sample_seed'])
    assert float(got['loss_ce']) == pytest.approx(float(ref), rel=0.05)
    assert float(got['loss_ce']) == float(again['loss_ce'])
    log, _ = _step(sampled, data)  # and it trains
    assert np.isfinite(log['loss'])


def test_logits_are_built_at_the_label_size():
    """Issue 11 item 3: the head makes its logits at the label size (here 8 px labels on
    16 px images), the image size without labels; per-layer logits come along for aux."""
    m = build(head=dict(type='LSEHead', aux_loss_weight=0.1))
    shapes = []
    m.head.register_forward_hook(lambda mod, args, out: shapes.append(tuple(out.shape)))
    z = torch.randn(2, 16)
    labels = torch.randint(0, 4, (2, 8, 8))
    losses = m.forward(z, mode='loss', gt_label=labels)
    assert shapes == [(2, 4, 8, 8)]
    assert {f'loss_layer{i}' for i in range(len(m.generator.channels))} <= set(losses)
    pred = m.predict(z, labels)
    assert shapes[-1] == (2, 4, 8, 8) and pred[0].pred_sem_seg.data.shape == (1, 8, 8)
    assert m.forward(z, mode='tensor').shape == (2, 4, 16, 16)  # no labels: image size
    sampled = build(head=dict(type='LSEHead', aux_loss_weight=0.1), loss_pixels=64)
    sampled.head.register_forward_hook(lambda mod, args, out: shapes.append(tuple(out.shape)))
    losses = sampled.forward(z, mode='loss', gt_label=labels)
    assert shapes[-1] == (2, 4, 64) and 'loss_layer0' in losses
