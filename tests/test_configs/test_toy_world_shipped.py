"""Issue 4: the shipped toy-world checkpoints load by the repository's configs and work."""
import os

import numpy as np
import torch
from mmengine.config import Config

from mmlinsem.datasets import render_toy_face
from mmlinsem.registry import MODELS
from conftest import ROOT


def test_shipped_teacher_labels_toy_faces():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/teachers/unet_toyfaces64.py'))
    cwd = os.getcwd()
    os.chdir(ROOT)  # config paths are relative to the repository root
    try:
        teacher = MODELS.build(cfg.model.teacher)
    finally:
        os.chdir(cwd)
    assert teacher.classes == [
        'background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose', 'cloth'
    ]
    imgs, masks = zip(*[render_toy_face(123, i, 64) for i in range(8)])
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 127.5 - 1
    pred = teacher(x).numpy()
    acc = (pred == np.stack(masks)).mean()
    assert acc > 0.95, acc


def test_toy_gan_check_tool_on_a_random_generator(tmp_path):
    import json

    from conftest import run_tool
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/lse/lse_stylegan2lite-toyfaces64.py'))
    gen_cfg = dict(cfg.model.generator.to_dict(), checkpoint=None)
    gen = MODELS.build(gen_cfg)
    ckpt = tmp_path / 'g.pth'
    torch.save(
        {
            'state_dict': {
                'generator_ema.module.' + k: v
                for k, v in gen.generator.state_dict().items()
            }
        }, ckpt)
    res = run_tool('tools/toy_gan_check.py', '--checkpoint', str(ckpt), '--num', '20',
                   '--batch-size', '10', '--out', str(tmp_path / 'out'))
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.load(open(tmp_path / 'out' / 'histogram.json'))
    assert 0 <= out['total_variation'] <= 1 and len(out['generated']) == 8
    assert abs(sum(out['real']) - 1) < 1e-6
    assert (tmp_path / 'out' / 'samples.png').is_file()


def _paper_miou(preds, gts, num_classes):
    from mmlinsem.evaluation.paper_iou_metric import aggregate_iou, per_image_iou
    ious = np.stack([per_image_iou(p, g, num_classes)[0].numpy() for p, g in zip(preds, gts)])
    return float(np.nanmean(aggregate_iou(ious)) * 100)


def test_lse_on_the_shipped_gan_beats_a_constant_predictor():
    """A few dozen steps of the main job's LSE on the shipped GAN + teacher already beat
    the best single-class predictor by a wide margin: the shipped GAN has semantics."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/lse/lse_stylegan2lite-toyfaces64.py'))
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        model = MODELS.build(dict(cfg.model.to_dict(), micro_batch=0))
    finally:
        os.chdir(cwd)
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.head.parameters(), lr=1e-2)
    for step in range(60):
        z = torch.randn(8, model.generator.noise_size)
        loss = sum(model.forward(z, mode='loss').values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.randn(32, model.generator.noise_size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        _, feats, labels = model.generate(z)
        pred = model.predict_logits(feats, labels.shape[-2:]).argmax(1)
    k = len(model.classes)
    lse = _paper_miou(pred, labels, k)
    constant = max(_paper_miou(torch.full_like(labels, c), labels, k) for c in range(k))
    assert lse > constant + 15, (lse, constant)
