"""mmagic's StyleGAN3Generator under FeatureGenerator: layers, latent spaces, truncation,
an LSE and the control tools (tiny random models)."""
import pytest
import torch

from mmlinsem.models import FeatureGenerator
from conftest import tiny_teacher_cfg


def sg3_cfg(out_size=32, **synthesis):
    syn = dict(
        type='SynthesisNetwork',
        channel_base=256,
        channel_max=16,
        num_layers=6,
        num_critical=2,
        margin_size=2,
        num_fp16_res=0)
    syn.update(synthesis)
    return dict(
        _scope_='mmagic',
        type='StyleGAN3Generator',
        out_size=out_size,
        style_channels=16,
        img_channels=3,
        noise_size=16,
        synthesis_cfg=syn,
        mapping_cfg=dict(type='MappingNetwork', num_layers=2))


def test_default_layers_are_the_synthesis_layers_cropped_to_the_image():
    g = FeatureGenerator(sg3_cfg())
    syn = g.generator.synthesis
    assert g.layer_names == [f'synthesis.{n}' for n in syn.layer_names[:-1]]  # no ToRGB
    assert g.style_based and g.num_latents == syn.num_ws == 8
    assert g.noise_size == 16 and g.style_channels == 16
    layers = [getattr(syn, n) for n in syn.layer_names[:-1]]
    # each map is cut to the part that covers the image (its margin dropped)
    assert g.resolutions == [(int(m.out_sampling_rate), ) * 2 for m in layers]
    assert any(int(m.out_size[0]) > int(m.out_sampling_rate) for m in layers)
    assert g.channels == [int(m.out_channels) for m in layers]
    raw = {}
    handles = [
        m.register_forward_hook(lambda mod, i, o, n=n: raw.__setitem__(n, o))
        for n, m in zip(syn.layer_names, layers)
    ]
    z = torch.randn(2, 16)
    img, feats = g(z)
    for h in handles:
        h.remove()
    for n, m, f in zip(syn.layer_names, layers, feats):
        pad = (int(m.out_size[0]) - int(m.out_sampling_rate)) // 2
        full = raw[n]
        assert torch.equal(f, full[:, :, pad:full.shape[2] - pad, pad:full.shape[3] - pad])
    with torch.no_grad():
        assert torch.allclose(img, g.generator(z), atol=1e-6)  # the generator's own image


def test_z_w_and_wplus_give_the_same_image_and_wplus_mixes():
    g = FeatureGenerator(sg3_cfg())
    z = torch.randn(2, 16)
    img_z, feats_z = g(z)
    w = g.z_to_w(z)
    assert w.shape == (2, 16)
    img_w, _ = g(w, space='w')
    wp = g.to_wp(z)
    assert wp.shape == (2, 8, 16)
    img_wp, _ = g(wp, space='w+')
    assert torch.allclose(img_z, img_w) and torch.allclose(img_z, img_wp)
    mixed = wp.clone()
    mixed[:, 4:] = g.z_to_w(torch.randn(2, 16))[:, None]
    img_mix, _ = g(mixed, space='w+')
    assert not torch.allclose(img_mix, img_z)
    _, only = g(z, features_only=True)
    for a, b in zip(feats_z, only):
        assert torch.allclose(a, b)
    assert g.make_noise(2) is None
    assert g.native_space == 'w+' and torch.allclose(g.native_latent(z), wp)
    assert g.space_of(wp) == 'w+' and g.space_of(w) == 'w'
    # no noise inputs: 'random' noise (a few-shot setting) is the fixed noise
    assert FeatureGenerator(sg3_cfg(), noise='random').noise == 'fixed'


def test_truncation_uses_w_avg():
    g = FeatureGenerator(sg3_cfg(), truncation=0.0)
    centre = torch.randn(16)
    g.generator.style_mapping.w_avg.copy_(centre)
    assert torch.equal(g.get_mean_latent()[0], centre)
    a, _ = g(torch.randn(1, 16))
    b, _ = g(torch.randn(1, 16))
    assert torch.allclose(a, b)  # psi = 0: every sample is the centre
    with torch.no_grad():
        ref = g.generator.synthesis(centre[None, None].repeat(1, 8, 1))
    assert torch.allclose(a, ref, atol=1e-6)
    # an untrained (zero) w_avg is no centre: the sampled mean w is used instead
    g2 = FeatureGenerator(sg3_cfg(), truncation=0.5, mean_latent_samples=64)
    assert g2.generator.style_mapping.w_avg.abs().sum() == 0
    mean = g2.get_mean_latent()
    assert mean.abs().sum() > 0


def _extractor():
    from mmlinsem.models import SemanticExtractor
    return SemanticExtractor(
        generator=dict(generator=sg3_cfg(), truncation=0.7, mean_latent_samples=64),
        teacher=tiny_teacher_cfg(),
        head=dict(type='LSEHead'))


def test_lse_trains_and_sie_scs_run():
    from mmlinsem.apis import semantic_conditional_sample, semantic_image_edit
    from mmlinsem.models.heads import fit_lse_closed_form
    m = _extractor()
    before = [p.clone() for p in m.head.parameters()]
    fit_lse_closed_form(m, num_images=8, pixels_per_image=64, batch_size=4)
    assert any(not torch.equal(a, b) for a, b in zip(before, m.head.parameters()))
    z = torch.randn(1, 16)
    img, feats = m.generator(z)
    pred = m.head(feats, size=img.shape[-2:]).argmax(1)[0]
    stroke = torch.zeros(32, 32, dtype=torch.bool)
    stroke[8:20, 8:20] = True
    label = int((pred[stroke].mode().values + 1) % m.head_module.num_classes)
    for space in ('mixz', 'w+'):
        out = semantic_image_edit(
            m, z[0], latent_space='z', stroke=stroke, label=label, space=space, steps=3)
        assert out['image'].shape == (1, 3, 32, 32) and torch.isfinite(out['image']).all()
    target = torch.zeros(32, 32, dtype=torch.long)
    target[16:] = 1
    res = semantic_conditional_sample(m, target, n_init=2, steps=3, space='z')
    assert res['latent'].shape == (1, 16) and res['image'].shape == (1, 3, 32, 32)


@pytest.mark.parametrize('radial', [False, True])
def test_stylegan3_r_config_builds(radial):
    cfg = sg3_cfg(conv_kernel=1 if radial else 3, use_radial_filters=radial)
    g = FeatureGenerator(cfg)
    img, feats = g(torch.randn(1, 16))
    assert img.shape == (1, 3, 32, 32) and len(feats) == 6


def test_sgd_lse_step_lowers_the_loss():
    from mmengine.optim import OptimWrapper
    m = _extractor()
    z = torch.randn(4, 16)
    data = dict(inputs=list(z))
    opt = OptimWrapper(torch.optim.Adam(m.head.parameters(), lr=0.05))
    first = m.train_step(data, opt)['loss']
    for _ in range(15):
        last = m.train_step(data, opt)['loss']
    assert last < first * 0.7


def test_sefa_uses_the_input_and_layer_affines():
    from mmlinsem.apis import sefa_directions
    from mmlinsem.apis.directions import edit_wplus, style_projections
    g = FeatureGenerator(sg3_cfg())
    syn = g.generator.synthesis
    proj = style_projections(g.generator)
    assert len(proj) == g.num_latents  # w+ order: the input, then every layer
    assert proj[0] is syn.input.affine and proj[-1] is getattr(syn, syn.layer_names[-1]).affine
    dirs, vals, used = sefa_directions(g.generator, 'all', 3)
    assert dirs.shape == (3, 16) and used == list(range(g.num_latents))
    assert torch.allclose(dirs @ dirs.t(), torch.eye(3), atol=1e-5)
    wp = g.to_wp(torch.randn(1, 16), truncate=False)
    a, _ = g(wp, space='w+', truncate=False)
    b, _ = g(edit_wplus(wp, dirs[0], 3.0), space='w+', truncate=False)
    assert (a - b).abs().mean() > 1e-3
