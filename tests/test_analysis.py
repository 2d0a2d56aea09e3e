"""Issue 7: class centres (forged LSE), fair sampling and class cosine similarity."""
import json

import torch
import torch.nn.functional as F
from conftest import run_tool, stylegan2_cfg, tiny_teacher_cfg

from mmlinsem.analysis import (category_cosine_similarity, class_centres,
                               fair_feature_sampling, forge_lse_from_centres)
from mmlinsem.models.heads.multi_layer_head import upsample
from mmlinsem.registry import MODELS


def _model():
    return MODELS.build(dict(type='SemanticExtractor',
                             generator=dict(generator=stylegan2_cfg(16)),
                             teacher=tiny_teacher_cfg(), head=dict(type='LSEHead')))


def test_cosine_matrix_equals_mean_pairwise_cosine():
    pools = {0: torch.randn(30, 5), 2: torch.randn(20, 5) + 1}
    m = category_cosine_similarity(pools)
    a, b = F.normalize(pools[0], dim=1), F.normalize(pools[2], dim=1)
    assert torch.allclose(m[0, 1], (a @ b.t()).mean(), atol=1e-5)
    assert torch.allclose(m[1, 1], (b @ b.t()).mean(), atol=1e-5)


def test_forged_lse_is_the_nearest_centre_on_the_sphere():
    model = _model()
    centres = class_centres(model, num_images=8, pixels_per_image=32)
    assert centres.shape == (4, sum(model.generator.channels))
    forge_lse_from_centres(model, centres)
    with torch.no_grad():
        _, feats, _ = model.generate(torch.randn(2, 16))
        pred = model.head(feats).argmax(1)
        full = torch.cat([upsample(f, (16, 16)) for f in feats], 1)
        x = F.normalize(full.permute(0, 2, 3, 1), dim=-1)
        nearest = (x @ centres.t()).argmax(-1)
    assert (pred == nearest).float().mean() > 0.99


def test_fair_sampling_pools():
    model = _model()
    pools = fair_feature_sampling(model, t1=10, t2=30, max_images=20)
    assert pools
    for feats in pools.values():
        assert len(feats) <= 30 and len(feats) % 10 == 0
        assert feats.shape[1] == sum(model.generator.channels)


def test_analysis_tools(tmp_path):
    res = run_tool('tools/analysis/cosine_similarity.py', 'tests/configs/tiny_lse.py',
                   '--t1', '10', '--t2', '30', '--max-images', '20', '--out', str(tmp_path))
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.load(open(tmp_path / 'cosine_similarity.json'))
    assert -1 <= out['intra_mean'] <= 1 and (tmp_path / 'cosine_similarity.png').is_file()
    res = run_tool('tools/analysis/class_centres.py', 'tests/configs/tiny_lse.py',
                   '--num-images', '8', '--pixels-per-image', '32', '--eval-samples', '8',
                   '--out', str(tmp_path / 'cc'))
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.load(open(tmp_path / 'cc' / 'class_centres.json'))
    assert 0 <= out['centres']['mIoU'] <= 100
    assert (tmp_path / 'cc' / 'centres_vs_lse.png').is_file()
