"""A generator that is not mmagic's: a DCGAN-style module written here, z-only, with an
in-place ReLU after each hooked BatchNorm and a (N, nz, 1, 1) latent."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from PIL import Image
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from mmlinsem.registry import MODELS

NZ = 8


@MODELS.register_module(name='_TestTinyDCGAN', force=True)
class TinyDCGAN(nn.Module):
    """4 -> 8 -> 16 px; ``main.{1,4,7}`` are the BatchNorms, each followed by an in-place
    ReLU; the latent is (N, noise_size, 1, 1)."""

    def __init__(self, noise_size=NZ, width=8):
        super().__init__()
        self.noise_size = noise_size
        self.main = nn.Sequential(
            nn.ConvTranspose2d(noise_size, width * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(width * 2), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(inplace=True), nn.ConvTranspose2d(width, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width), nn.ReLU(inplace=True), nn.Conv2d(width, 3, 3, 1, 1), nn.Tanh())
        for m in self.main:  # non-trivial BN statistics: the norms are not identities
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.bias.data.uniform_(-0.5, 0.5)

    def forward(self, z):
        return self.main(z)


NORMS = ['main.1', 'main.4', 'main.7']


def dcgan(**kw):
    return FeatureGenerator(dict(_scope_='mmlinsem', type='_TestTinyDCGAN'), **kw)


def test_latent_shape_and_hooks_see_the_norm_output_not_the_relu():
    g = dcgan(layers=NORMS)
    assert g.image_size == (16, 16) and g.channels == [16, 8, 8]
    assert g.resolutions == [(4, 4), (8, 8), (16, 16)]
    assert not g.style_based and g.native_space == 'z'
    z = torch.randn(3, NZ)
    img, feats = g(z)  # the adapter reshapes (N, nz) to the module's (N, nz, 1, 1)
    assert img.shape == (3, 3, 16, 16)
    with torch.no_grad():
        expect = g.generator.main[:2](z[:, :, None, None])
    # the hooked BatchNorm output, before the in-place ReLU overwrote it
    assert torch.allclose(feats[0], expect)
    assert (feats[0] < 0).any() and (feats[1] < 0).any() and (feats[2] < 0).any()
    # the same maps in a features-only pass (which stops right after the last hook)
    _, only = g(z, features_only=True)
    for a, b in zip(feats, only):
        assert torch.allclose(a, b)
    # a latent already in the module's own shape is accepted as is
    img2, _ = g(z[:, :, None, None])
    assert torch.allclose(img, img2)
    assert torch.equal(g.native_latent(z), z)
    assert g.space_of(z) == 'z'
    with pytest.raises(MMLinsemError, match=r'expected a batch of \(N, 8\) z latents'):
        g.space_of(torch.zeros(3, 2, NZ))
    with pytest.raises(MMLinsemError, match=r'a z latent must be \(N, 8\)'):
        g(torch.randn(3, NZ + 1))


def test_in_place_modified_hook_is_logged_once(capsys):
    logger = MMLogger.get_current_instance()
    messages = []
    handler_cls = type('H', (__import__('logging').Handler, ),
                       dict(emit=lambda self, rec: messages.append(rec.getMessage())))
    handler = handler_cls()
    logger.addHandler(handler)
    try:
        dcgan(layers=['main.1', 'main.3'])
    finally:
        logger.removeHandler(handler)
    inplace = [m for m in messages if 'in place' in m]
    assert len(inplace) == 1 and 'main.1' in inplace[0] and 'main.3' not in inplace[0]


def test_z_only_refuses_other_spaces_in_one_line():
    g = dcgan(layers=NORMS)
    with pytest.raises(MMLinsemError, match=r"takes z only.*space='w\+'"):
        g(torch.randn(1, NZ), space='w+')
    with pytest.raises(MMLinsemError, match='needs a style-based generator'):
        g.to_wp(torch.randn(1, NZ))


def test_no_default_layers_names_candidates():
    with pytest.raises(MMLinsemError, match='tools/rank_layers.py'):
        dcgan()


def _label_fn(source='main.7'):
    """Labels a bias-free linear map of one hooked feature decides, as an LSE would: the
    argmax over 3 classes of a fixed projection of the bilinearly upsampled map (the
    projection is orthogonal to the map's mean, so no class wins everywhere)."""

    def fn(g):
        rand = torch.Generator().manual_seed(7)
        i = g.layer_names.index(source)
        mean = g(torch.randn(16, NZ, generator=rand))[1][i].mean((0, 2, 3))
        proj = torch.randn(3, g.channels[i], generator=rand)
        proj -= (proj @ mean)[:, None] * mean / mean.dot(mean)

        def labels(img, feats):
            f = feats[g.layer_names.index(source)]
            up = F.interpolate(f, size=img.shape[-2:], mode='bilinear', align_corners=True)
            return torch.einsum('kc,nchw->nkhw', proj, up).argmax(1)

        return labels

    return fn


def _extractor(teacher=None, **kw):
    from mmlinsem.models import SemanticExtractor
    return SemanticExtractor(
        generator=dict(generator=dict(_scope_='mmlinsem', type='_TestTinyDCGAN'), layers=NORMS),
        head=dict(type='LSEHead'),
        teacher=teacher,
        classes=['background', 'one', 'two'],
        **kw)


def test_closed_form_lse_on_a_z_only_generator():
    from mmlinsem.models.heads import fit_lse_closed_form
    m = _extractor()
    assert m.head_module.num_classes == 3  # from the class names, no teacher
    label_fn = _label_fn()(m.generator)
    fit_lse_closed_form(m, num_images=24, pixels_per_image=128, batch_size=8, label_fn=label_fn)
    z = torch.randn(8, NZ)
    img, feats = m.generator(z)
    pred = m.head(feats, size=img.shape[-2:]).argmax(1)
    acc = float((pred == label_fn(img, feats)).float().mean())
    assert acc > 0.85


def test_sgd_lse_trains_on_user_masks_in_z(tmp_path):
    from mmengine.optim import OptimWrapper
    m = _extractor()
    label_fn = _label_fn()(m.generator)
    z = torch.randn(4, NZ)
    img, feats = m.generator(z)
    masks = label_fn(img, feats)
    data = dict(inputs=list(z), gt_label=list(masks))
    opt = OptimWrapper(torch.optim.Adam(m.head.parameters(), lr=0.2))
    first = m.train_step(data, opt)['loss']
    for _ in range(60):
        last = m.train_step(data, opt)['loss']
    assert last < first * 0.6


def test_fewshot_lse_from_annotations_in_z(tmp_path):
    from mmlinsem.datasets import AnnotatedLatentDataset
    from mmlinsem.models.heads import fit_lse_on_annotations
    m = _extractor()
    label_fn = _label_fn()(m.generator)
    z = torch.randn(6, NZ)
    img, feats = m.generator(z)
    masks = label_fn(img, feats).to(torch.uint8)
    (tmp_path / 'latents').mkdir()
    (tmp_path / 'masks').mkdir()
    for i in range(len(z)):
        np.save(tmp_path / 'latents' / f's{i}.npy', z[i].numpy())
        Image.fromarray(masks[i].numpy()).save(tmp_path / 'masks' / f's{i}.png')
    ds = AnnotatedLatentDataset(
        str(tmp_path), latent_space='z', metainfo=dict(classes=['background', 'one', 'two']))
    latents = torch.stack([ds[i]['inputs'] for i in range(len(ds))])
    labels = torch.stack([ds[i]['gt_label'] for i in range(len(ds))]).long()
    fit_lse_on_annotations(m, latents, labels, latent_space='z', ce_steps=5)
    zt = torch.randn(8, NZ)
    img, feats = m.generator(zt)
    pred = m.head(feats, size=img.shape[-2:]).argmax(1)
    assert float((pred == label_fn(img, feats)).float().mean()) > 0.8


def test_layer_ranking_finds_the_layer_the_labels_come_from():
    from mmlinsem.analysis import candidate_layers, candidate_sets, rank_layer_sets
    g = dcgan(layers=NORMS)
    cands = candidate_layers(g, torch.randn(1, NZ))
    by_role = {}
    for c in cands:
        by_role.setdefault(c['role'], []).append(c['name'])
    # the final conv (image-shaped) and Tanh are not candidates; order = execution
    assert by_role == dict(
        conv=['main.0', 'main.3', 'main.6'],
        norm=['main.1', 'main.4', 'main.7'],
        act=['main.2', 'main.5', 'main.8'])
    sets = candidate_sets(cands)
    z = torch.randn(40, NZ)
    img, feats = g(z)
    masks = _label_fn('main.7')(g)(img, feats)
    ranked = rank_layer_sets(
        g, z, 3, sets, labels=masks, pixels_per_image=64, val_frac=0.25, seed=1)
    scores = {r['name']: r['miou'] for r in ranked}
    singles = [r['name'] for r in ranked if r['name'].startswith('one:')]
    assert singles[0] == 'one:main.7'  # the map the labels are a linear function of
    best = ranked[0]
    assert best['name'] in ('norm', 'conv') and best['miou'] > 75
    # the norm outputs (before the in-place ReLU) carry the sign the ReLU drops
    assert scores['norm'] > scores['act'] + 10
    # the 4-px norm alone cannot place a 16-px boundary
    assert scores['one:main.1'] < best['miou'] - 40
    assert set(scores) == set(sets)


def test_layer_ranking_bad_input_is_one_line():
    from mmlinsem.analysis import rank_layer_sets
    g = dcgan(layers=NORMS)
    with pytest.raises(MMLinsemError, match='unknown generator module'):
        rank_layer_sets(g, torch.randn(4, NZ), 2, dict(x=['nope']), label_fn=lambda i, f: 0)
    with pytest.raises(MMLinsemError, match='needs labels'):
        rank_layer_sets(g, torch.randn(4, NZ), 2, dict(x=['main.1']))


def test_worked_example_config_builds_and_runs():
    from mmengine.config import Config

    from mmlinsem.registry import MODELS, build_in_scope
    from conftest import ROOT
    cfg = Config.fromfile(f'{ROOT}/configs/byo/lse_example-dcgan64_toyteacher.py')
    m = build_in_scope(MODELS, cfg.model.to_dict())
    assert type(m.generator.generator).__name__ == 'ExampleDCGANGenerator'
    assert m.generator.native_space == 'z' and m.latent_space == 'z'
    assert m.generator.resolutions == [(4, 4), (8, 8), (16, 16), (32, 32)]
    img, feats, labels = m.generate(torch.randn(2, cfg.latent_dim))
    assert img.shape == (2, 3, 64, 64) and labels.shape == (2, 64, 64)


@MODELS.register_module(name='_TestLateInPlace', force=True)
class LateInPlace(nn.Module):
    """Modifies its hooked norm's output in place only for batches of more than one."""

    def __init__(self):
        super().__init__()
        self.noise_size = NZ
        self.fc = nn.ConvTranspose2d(NZ, 4, 4)
        self.norm = nn.BatchNorm2d(4)
        self.out = nn.Conv2d(4, 3, 1)

    def forward(self, z):
        x = self.norm(self.fc(z))
        if len(z) > 1:
            x.relu_()
        return self.out(x)


def test_an_in_place_change_the_build_did_not_see_is_one_line():
    g = FeatureGenerator(dict(_scope_='mmlinsem', type='_TestLateInPlace'), layers=['norm'])
    g(torch.randn(1, NZ))  # as at build time: untouched
    with pytest.raises(
            MMLinsemError,
            match=r"hooked layer 'norm' of LateInPlace: its output "
            'was modified in place after the hook read it'):
        g(torch.randn(2, NZ))


@MODELS.register_module(name='_TestTinyStyleGAN', force=True)
class TinyStyleGAN(nn.Module):
    """The optional style-based contract: mapping(z) -> w, synthesis(w+) -> image, with
    noise_size, style_channels, num_latents and a w_avg buffer."""

    def __init__(self):
        super().__init__()
        self.noise_size, self.style_channels, self.num_latents = NZ, 6, 2
        self.mapping_fc = nn.Linear(NZ, 6)
        self.register_buffer('w_avg', torch.zeros(6))
        self.const = nn.Parameter(torch.randn(1, 4, 4, 4))
        self.mod = nn.ModuleList([nn.Linear(6, 4) for _ in range(2)])
        self.convs = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1) for _ in range(2)])
        self.rgb = nn.Conv2d(4, 3, 1)

    def mapping(self, z):
        return self.mapping_fc(z)

    def synthesis(self, wp):
        x = self.const.expand(len(wp), -1, -1, -1)
        for i, conv in enumerate(self.convs):
            x = conv(x * self.mod[i](wp[:, i])[:, :, None, None])
        return self.rgb(x)


def test_style_contract_module_takes_z_w_wplus_and_its_w_avg():
    g = FeatureGenerator(
        dict(_scope_='mmlinsem', type='_TestTinyStyleGAN'),
        layers=['convs.0', 'convs.1'],
        truncation=0.0)
    assert g.style_based and g.num_latents == 2 and g.native_space == 'w+'
    z = torch.randn(2, NZ)
    w = g.z_to_w(z)
    a, _ = g(z, truncate=False)
    b, _ = g(w, space='w', truncate=False)
    c, feats = g(g.to_wp(z, truncate=False), space='w+', truncate=False)
    assert torch.allclose(a, b) and torch.allclose(a, c) and len(feats) == 2
    centre = torch.randn(6)
    g.generator.w_avg.copy_(centre)  # psi = 0: every sample renders the centre
    d, _ = g(z)
    with torch.no_grad():
        ref = g.generator.synthesis(centre.expand(2, 2, 6))
    assert torch.allclose(d, ref, atol=1e-6)
