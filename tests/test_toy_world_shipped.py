"""Issue 4: the shipped toy-world checkpoints load by the repository's configs and work."""
import os

import numpy as np
import pytest
import torch
from conftest import ROOT
from mmengine.config import Config

from mmlinsem.datasets import render_toy_face
from mmlinsem.registry import MODELS


def test_shipped_teacher_labels_toy_faces():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/teachers/toyfaces_unet.py'))
    cwd = os.getcwd()
    os.chdir(ROOT)  # config paths are relative to the repository root
    try:
        teacher = MODELS.build(cfg.model.teacher)
    finally:
        os.chdir(cwd)
    assert teacher.classes == ['background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose',
                               'cloth']
    imgs, masks = zip(*[render_toy_face(123, i, 64) for i in range(8)])
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 127.5 - 1
    pred = teacher(x).numpy()
    acc = (pred == np.stack(masks)).mean()
    assert acc > 0.95, acc
