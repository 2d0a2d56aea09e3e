"""Issue 3: the feature-hook generator wrapper."""
import pytest
import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from mmlinsem.utils import safe_torch_load
from conftest import stylegan2_cfg


@pytest.mark.parametrize('size,num', [(16, 5), (32, 7)])
def test_stylegan2_hooks_count_and_shapes(size, num):
    g = FeatureGenerator(stylegan2_cfg(size))
    assert g.layer_names == ['conv1'] + [f'convs.{i}' for i in range(num - 1)]
    img, feats = g(torch.randn(2, 16))
    assert img.shape == (2, 3, size, size)
    assert len(feats) == num
    expect_res = [4] + [2**(3 + i // 2) for i in range(num - 1)]
    assert [f.shape[-1] for f in feats] == expect_res
    assert g.channels == [f.shape[1] for f in feats]


def test_mmagic_stylegan2_default_channels_inferred():
    g = FeatureGenerator(
        dict(
            _scope_='mmagic', type='StyleGANv2Generator', out_size=16, style_channels=8,
            num_mlps=1))
    assert g.channels == [512] * 5 and g.num_latents == 6


def test_styleganv1_and_pggan_per_block_layers():
    g1 = FeatureGenerator(
        dict(
            _scope_='mmagic',
            type='StyleGANv1Generator',
            out_size=32,
            style_channels=16,
            num_mlps=2))
    assert g1.layer_names == [f'convs.{i}.adain2' for i in range(4)]
    assert [r[0] for r in g1.resolutions] == [4, 8, 16, 32]
    g2 = FeatureGenerator(
        dict(
            _scope_='mmagic',
            type='PGGANGenerator',
            noise_size=16,
            out_scale=32,
            base_channels=256,
            max_channels=32))
    assert g2.layer_names == [f'conv_blocks.{i}.activate' for i in (0, 2, 4, 6)]
    assert [r[0] for r in g2.resolutions] == [4, 8, 16, 32]
    img, feats = g2(torch.randn(2, 16))
    assert img.shape == (2, 3, 32, 32) and len(feats) == 4
    with pytest.raises(MMLinsemError, match='takes z only'):
        g2(torch.randn(2, 16), space='w')


def test_pggan_features_are_taken_before_pixelnorm():
    """Issue 11.1: the original takes each PGGAN block's feature before PixelNorm (genforce
    pixel-normalises at the input of the next conv). The captured maps are not unit-RMS per
    pixel, and pixel-normalising them gives exactly what the next block (or the final ToRGB)
    receives."""
    from mmagic.models.editors.pggan.pggan_modules import pixel_norm
    g = FeatureGenerator(
        dict(
            _scope_='mmagic',
            type='PGGANGenerator',
            noise_size=16,
            out_scale=32,
            base_channels=256,
            max_channels=32))
    gen = g.generator
    consumers = [gen.conv_blocks[i + 1] for i in (0, 2, 4)] + [gen.torgb_layers[-1]]
    inputs, old_outputs = [], []
    handles = [m.register_forward_pre_hook(lambda m, a: inputs.append(a[0])) for m in consumers]
    handles += [
        gen.conv_blocks[i].register_forward_hook(lambda m, a, out: old_outputs.append(out))
        for i in (0, 2, 4, 6)
    ]
    try:
        _, feats = g(torch.randn(3, 16))
    finally:
        for h in handles:
            h.remove()
    assert len(feats) == len(inputs) == len(old_outputs) == 4
    eps = gen.conv_blocks[0].norm.eps  # mmcv's build_norm_layer sets 1e-5
    for feat, nxt, old in zip(feats, inputs, old_outputs):
        rms = feat.pow(2).mean(1).sqrt()
        assert (rms - 1).abs().max() > 0.1  # not pixel-normalised
        assert torch.allclose(pixel_norm(feat, eps), nxt, atol=1e-6)
        assert torch.allclose(old.pow(2).mean(1).sqrt(), torch.ones_like(rms), atol=1e-3)
    assert g.channels == [32, 32, 32, 16]


def test_custom_layers_and_unknown_layer_message():
    g = FeatureGenerator(stylegan2_cfg(16), layers=['convs.1', 'convs.3'])
    assert g.channels == [16, 8]
    with pytest.raises(MMLinsemError) as err:
        FeatureGenerator(stylegan2_cfg(16), layers=['convs.1', 'conv_typo'])
    msg = str(err.value)
    assert "conv_typo" in msg and 'convs.3' in msg and '\n' not in msg


def test_latent_spaces_agree_and_truncation():
    g = FeatureGenerator(
        stylegan2_cfg(16), truncation=0.5, truncation_layers=3, mean_latent_samples=128)
    z = torch.randn(2, 16)
    w = g.z_to_w(z)
    img_z, _ = g(z, space='z')
    img_w, _ = g(w, space='w')
    wp = g.to_wp(z, 'z', truncate=False)
    img_wp, _ = g(wp, space='w+')
    assert torch.allclose(img_z, img_w, atol=1e-5) and torch.allclose(img_z, img_wp, atol=1e-5)
    mean = g.get_mean_latent()
    tw = g.w_to_wp(w)
    assert torch.allclose(tw[:, :3], mean + 0.5 * (w[:, None] - mean), atol=1e-6)
    assert torch.allclose(tw[:, 3:], w[:, None].expand_as(tw[:, 3:]))
    other = FeatureGenerator(stylegan2_cfg(16), truncation=0.5, mean_latent_samples=128)
    other.load_state_dict(g.state_dict())
    assert torch.allclose(other.get_mean_latent(), mean)  # fixed seed -> same centre
    with pytest.raises(MMLinsemError, match='w\\+ latent must have 3 dims'):
        g(w, space='w+')


def test_noise_fixed_is_deterministic_and_random_uses_generator():
    g = FeatureGenerator(stylegan2_cfg(16))
    z = torch.randn(1, 16)
    assert torch.equal(g(z)[0], g(z)[0])
    gr = FeatureGenerator(stylegan2_cfg(16), noise='random')
    gr.load_state_dict(g.state_dict())
    for name, p in gr.named_parameters():
        if 'noise_injector' in name:  # StyleGAN2 noise strengths start at 0
            p.data.fill_(1.0)
    a = gr(z, noise_generator=torch.Generator().manual_seed(1))[0]
    b = gr(z, noise_generator=torch.Generator().manual_seed(1))[0]
    c = gr(z, noise_generator=torch.Generator().manual_seed(2))[0]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_frozen_and_eval():
    g = FeatureGenerator(stylegan2_cfg(16))
    g.train()
    assert not g.generator.training
    assert not any(p.requires_grad for p in g.parameters())


def test_bgr_output_flipped():
    rgb = FeatureGenerator(stylegan2_cfg(16))
    bgr = FeatureGenerator(stylegan2_cfg(16), output_order='bgr')
    bgr.load_state_dict(rgb.state_dict())
    z = torch.randn(1, 16)
    assert torch.allclose(rgb(z)[0], bgr(z)[0].flip(1))


@pytest.mark.parametrize('layout', ['generator_ema.module.', 'generator_ema.'])
def test_checkpoint_layouts_prefer_ema(tmp_path, layout):
    src = FeatureGenerator(stylegan2_cfg(16))
    other = FeatureGenerator(stylegan2_cfg(16))
    ema = {layout + k: v for k, v in src.generator.state_dict().items()}
    raw = {'generator.' + k: v for k, v in other.generator.state_dict().items()}
    path = tmp_path / 'gan.pth'
    torch.save({'state_dict': {**raw, **ema}}, path)
    g = FeatureGenerator(stylegan2_cfg(16), checkpoint=str(path))
    z = torch.randn(1, 16)
    assert torch.allclose(g(z)[0], src(z)[0])


def test_checkpoint_mismatch_is_one_line(tmp_path):
    big = FeatureGenerator(stylegan2_cfg(32))
    torch.save(
        {'state_dict': {
            'generator_ema.' + k: v
            for k, v in big.generator.state_dict().items()
        }}, tmp_path / 'g.pth')
    with pytest.raises(MMLinsemError) as err:
        FeatureGenerator(stylegan2_cfg(16), checkpoint=str(tmp_path / 'g.pth'))
    assert 'does not fit' in str(err.value) and '\n' not in str(err.value)
    with pytest.raises(MMLinsemError, match='not found'):
        FeatureGenerator(stylegan2_cfg(16), checkpoint=str(tmp_path / 'missing.pth'))


def test_export_generator_tool(tmp_path):
    from conftest import run_tool
    ema, raw = FeatureGenerator(stylegan2_cfg(16)), FeatureGenerator(stylegan2_cfg(16))
    full = {
        **{
            'generator.' + k: v
            for k, v in raw.generator.state_dict().items()
        },
        **{
            'generator_ema.module.' + k: v
            for k, v in ema.generator.state_dict().items()
        }, 'discriminator.w': torch.zeros(3)
    }
    torch.save({'state_dict': full, 'meta': {'iter': 7}}, tmp_path / 'gan.pth')
    res = run_tool('tools/export_generator.py', str(tmp_path / 'gan.pth'), str(tmp_path / 'g.pth'))
    assert res.returncode == 0, res.stderr[-2000:]
    out = safe_torch_load(str(tmp_path / 'g.pth'))
    assert all(k.startswith('generator_ema.') and '.module.' not in k for k in out['state_dict'])
    assert out['meta']['iter'] == 7
    g = FeatureGenerator(stylegan2_cfg(16), checkpoint=str(tmp_path / 'g.pth'))
    z = torch.randn(1, 16)
    assert torch.allclose(g(z)[0], ema(z)[0])


def test_generator_keeps_fp32_under_autocast():
    """mmagic's StyleGAN modules turn autocast off inside; fed bf16 activations from an outer
    autocast they fail on CUDA. So the generator runs in fp32 even inside autocast and gives
    the same result as outside it."""
    g = FeatureGenerator(generator=stylegan2_cfg(16))
    z = torch.randn(2, g.noise_size)
    ref_img, ref_feats = g(z)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        img, feats = g(z)
        img16, _ = g(z.bfloat16())  # a reduced-precision latent is taken as fp32
    assert img.dtype == img16.dtype == torch.float32
    assert all(f.dtype == torch.float32 for f in feats)
    assert torch.equal(img, ref_img)


def test_stylegan2_w_avg_buffer_is_the_truncation_centre_once_set():
    g = FeatureGenerator(
        dict(
            _scope_='mmagic',
            type='StyleGAN2Generator',
            out_size=16,
            style_channels=16,
            num_mlps=2,
            channel_multiplier=1,
            update_mean_latent_with_ema=True),
        truncation=0.5,
        mean_latent_samples=64)
    sampled = g.get_mean_latent()  # a zero w_avg (never updated) is no centre
    assert sampled.abs().sum() > 0
    centre = torch.randn(16)
    g.generator.w_avg.copy_(centre)  # e.g. a converted file's latent_avg
    assert torch.equal(g.get_mean_latent()[0], centre)
    z = torch.randn(2, 16)
    raw = g.to_wp(z, truncate=False)
    assert torch.allclose(g.to_wp(z), centre + 0.5 * (raw - centre), atol=1e-6)


def test_auto_generator_config_from_the_checkpoint(tmp_path):
    from conftest import stylegan2_cfg
    cfg = stylegan2_cfg()
    src = FeatureGenerator(cfg)
    path = str(tmp_path / 'g.pth')
    state = {f'generator_ema.{k}': v for k, v in src.generator.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict(generator=cfg)), path)
    g = FeatureGenerator('auto', checkpoint=path)
    assert type(g.generator) is type(src.generator) and g.layer_names == src.layer_names
    z = torch.randn(2, 16)
    assert torch.allclose(g(z)[0], src(z)[0])
    with pytest.raises(MMLinsemError, match="give checkpoint=PATH"):
        FeatureGenerator('auto')
    torch.save(dict(state_dict=state), path)  # no recorded config
    with pytest.raises(MMLinsemError, match='does not record its generator config'):
        FeatureGenerator('auto', checkpoint=path)
