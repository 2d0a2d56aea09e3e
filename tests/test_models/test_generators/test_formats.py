"""Generator files of other code bases (rosinality, LinearGAN, genforce) load through
``FeatureGenerator(checkpoint=...)``: each file is written here in its source layout from a
random mmagic generator (the source conventions -- TF weight layout, run-time flips, the +1
of the style bias, the dense first PGGAN layer as a 4x4 conv -- applied by hand), then read
back by content; the image must be the original's, every source tensor must be used, and
the inferred config must be the original's."""
import re

import pytest
import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from mmlinsem.models.generators.feature_generator import _build_mmagic
from mmlinsem.models.generators.formats import (ForeignGenerator, format_of,
                                                generator_config_from_file, read_generator_file)
from conftest import stylegan2_cfg


def _randomize(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.2)
    return module


def sg2_source(out_size=16, seed=0):
    """A random mmagic StyleGAN2 with a truncation centre and non-zero noise strengths."""
    cfg = stylegan2_cfg(out_size, update_mean_latent_with_ema=True)
    g = _randomize(_build_mmagic(cfg).eval(), seed)
    g.w_avg.copy_(torch.randn(16, generator=torch.Generator().manual_seed(seed + 1)))
    return cfg, g


def _fir(gain):
    k = torch.tensor([1., 3., 3., 1.])
    k = k[None] * k[:, None]
    return k / k.sum() * gain


def to_rosinality(sd):
    """rosinality's Generator names (``model.py``): EqualLinear ``style.{i}``, ``input``,
    ``modulation``, ``noise``, ``noises.noise_{i}``; tensors unchanged."""
    rules = [(r'^style_mapping\.(\d+)\.linear\.weight_orig$', r'style.\1.weight'),
             (r'^style_mapping\.(\d+)\.bias$', r'style.\1.bias'),
             (r'^constant_input\.input$', 'input.input'),
             (r'\.conv\.style_modulation\.linear\.weight_orig$', '.conv.modulation.weight'),
             (r'\.conv\.style_modulation\.bias$', '.conv.modulation.bias'),
             (r'\.conv\.weight_orig$', '.conv.weight'),
             (r'\.noise_injector\.weight$', '.noise.weight'),
             (r'^injected_noise_(\d+)$', r'noises.noise_\1')]
    out = {}
    for key, val in sd.items():
        if key == 'w_avg':
            continue
        for pat, rep in rules:
            key = re.sub(pat, rep, key)
        out[key] = val.clone()
    return out


def _sg2_layers(num_blocks):
    return {0: 'conv1', **{i: f'convs.{i - 1}' for i in range(1, 2 * num_blocks + 1)}}


def to_genforce_sg2(sd, num_mlps, lineargan):
    """LinearGAN (TF layout (k, k, in, out), ``.fc``) or genforce ((out, in, k, k)) names;
    up-convs stored unflipped, style biases without the +1 added at run time."""
    fc = '.fc' if lineargan else ''
    tf = (lambda w: w.permute(2, 3, 1, 0)) if lineargan else (lambda w: w)
    out = {}
    for i in range(num_mlps):
        out[f'mapping.dense{i}{fc}.weight'] = sd[f'style_mapping.{i + 1}.linear.weight_orig']
        out[f'mapping.dense{i}.bias'] = sd[f'style_mapping.{i + 1}.bias']
    out['truncation.w_avg'] = sd['w_avg']
    out['synthesis.early_layer.const'] = sd['constant_input.input']
    num_blocks = sum(1 for k in sd if re.match(r'^to_rgbs\.\d+\.bias$', k))
    for i, name in _sg2_layers(num_blocks).items():
        src = f'synthesis.layer{i}'
        w = sd[f'{name}.conv.weight_orig'][0]
        if i % 2:
            w = w.flip(2, 3)
            out[f'{src}.filter.kernel'] = _fir(4.0).view(1, 1, 4, 4)
        out[f'{src}.weight'] = tf(w)
        out[f'{src}.bias'] = sd[f'{name}.activate.bias']
        out[f'{src}.style{fc}.weight'] = sd[f'{name}.conv.style_modulation.linear.weight_orig']
        out[f'{src}.style.bias'] = sd[f'{name}.conv.style_modulation.bias'] - 1
        out[f'{src}.noise_strength'] = sd[f'{name}.noise_injector.weight'].reshape(())
        out[f'{src}.noise'] = sd[f'injected_noise_{i}']
    for b in range(num_blocks + 1):
        src, name = f'synthesis.output{b}', 'to_rgb1' if b == 0 else f'to_rgbs.{b - 1}'
        out[f'{src}.weight'] = tf(sd[f'{name}.conv.weight_orig'][0])
        out[f'{src}.bias'] = sd[f'{name}.bias'].reshape(-1)
        out[f'{src}.style{fc}.weight'] = sd[f'{name}.conv.style_modulation.linear.weight_orig']
        out[f'{src}.style.bias'] = sd[f'{name}.conv.style_modulation.bias'] - 1
    out['synthesis.upsample.kernel'] = _fir(4.0).view(1, 1, 4, 4)
    return {k: v.clone() for k, v in out.items()}


def pggan_source(seed=0):
    cfg = dict(
        _scope_='mmagic',
        type='PGGANGenerator',
        noise_size=16,
        out_scale=16,
        fused_upconv=False,
        base_channels=64,
        max_channels=16)
    return cfg, _randomize(_build_mmagic(cfg).eval(), seed)


def to_genforce_pggan(sd, lineargan):
    """The first layer as a 4x4 conv over the 1x1 latent (padding 3: stored flipped)."""
    wk, bk = ('{}.conv.weight', '{}.wscale.bias') if lineargan else ('{}.weight', '{}.bias')
    dense = sd['noise2feat.linear.weight_orig']
    ch = dense.shape[0] // 16
    out = {
        'lod': torch.zeros(()),
        wk.format('layer0'): dense.reshape(ch, 4, 4, -1).permute(0, 3, 1, 2).flip(2, 3),
        bk.format('layer0'): sd['noise2feat.bias'].reshape(-1)
    }
    n = sum(1 for k in sd if re.match(r'^conv_blocks\.\d+\.conv\.bias$', k))
    for j in range(1, n + 1):
        out[wk.format(f'layer{j}')] = sd[f'conv_blocks.{j - 1}.conv.weight_orig']
        out[bk.format(f'layer{j}')] = sd[f'conv_blocks.{j - 1}.conv.bias']
    for b in range((n + 1) // 2):
        out[wk.format(f'output{b}')] = sd[f'torgb_layers.{b}.conv.weight_orig']
        out[bk.format(f'output{b}')] = sd[f'torgb_layers.{b}.conv.bias']
    return {k: v.clone() for k, v in out.items()}


def _image(cfg, checkpoint, z, **kw):
    with torch.no_grad():
        return FeatureGenerator(cfg, checkpoint=checkpoint, **kw)(z)[0]


def _same_config(found: dict, cfg: dict):
    want = {k: v for k, v in cfg.items() if k != '_scope_'}
    assert found == want, (found, want)


def _all_used(foreign: ForeignGenerator, source: dict):
    assert sorted(foreign.used + foreign.checked) == sorted(source)


def test_rosinality_converted_and_training_files(tmp_path):
    cfg, g = sg2_source()
    sd = g.state_dict()
    ros = to_rosinality(sd)
    torch.save(dict(g_ema=ros, latent_avg=sd['w_avg'], g=ros, d={}), tmp_path / 'conv.pt')
    obj, foreign = read_generator_file(str(tmp_path / 'conv.pt'))
    assert format_of(obj) == 'rosinality' and foreign.entry == 'g_ema'
    _all_used(foreign, dict(ros, latent_avg=0))
    _same_config(foreign.generator, cfg)
    assert torch.equal(foreign.state['w_avg'], sd['w_avg'])
    z = torch.randn(2, 16)
    with torch.no_grad():
        ref = g([z], randomize_noise=False)
    img = _image(foreign.generator, str(tmp_path / 'conv.pt'), z)
    assert torch.allclose(img, ref, atol=1e-5)
    # truncation around the carried-over latent_avg (not a sampled mean)
    fg = FeatureGenerator(foreign.generator, checkpoint=str(tmp_path / 'conv.pt'), truncation=0.5)
    assert torch.equal(fg.get_mean_latent().reshape(-1), sd['w_avg'])
    # a train.py checkpoint: argparse args, optimiser states, no latent_avg
    import argparse
    torch.save(
        dict(
            g=ros,
            d={},
            g_ema=ros,
            g_optim={},
            d_optim={},
            args=argparse.Namespace(size=16),
            ada_aug_p=0.0), tmp_path / '010000.pt')
    _, foreign = read_generator_file(str(tmp_path / '010000.pt'))
    assert 'w_avg' not in foreign.state and 'update_mean_latent_with_ema' not in foreign.generator
    assert any('latent_avg' in n for n in foreign.notes)
    assert torch.allclose(_image(foreign.generator, str(tmp_path / '010000.pt'), z), ref, atol=1e-5)


def test_rosinality_channel_multiplier_is_inferred(tmp_path):
    """A 64 px file with mmagic's own table (cm=1) gives the plain StyleGAN2Generator."""
    cfg = dict(
        type='StyleGAN2Generator', out_size=64, style_channels=8, num_mlps=1, channel_multiplier=1)
    with torch.device('meta'):
        sd = _build_mmagic(cfg).state_dict()
    ros = {k: torch.zeros(v.shape) for k, v in to_rosinality(sd).items()}
    for k in ros:
        if k.endswith('kernel'):
            ros[k] = _fir(4.0)
    torch.save(dict(g_ema=ros), tmp_path / 'g.pt')
    _, foreign = read_generator_file(str(tmp_path / 'g.pt'))
    assert foreign.generator == cfg
    assert foreign.inferred['channels'] == {4: 512, 8: 512, 16: 512, 32: 512, 64: 256}


@pytest.mark.parametrize('lineargan', [True, False], ids=['lineargan', 'genforce'])
def test_genforce_layout_stylegan2(tmp_path, lineargan):
    cfg, g = sg2_source(seed=3)
    src = to_genforce_sg2(g.state_dict(), 2, lineargan)
    path = str(tmp_path / 'g.pth')
    torch.save(
        src if lineargan else dict(generator_smooth=src, generator={}, discriminator={}), path)
    obj, foreign = read_generator_file(path)
    assert format_of(obj) == 'genforce'
    assert foreign.layout == ('LinearGAN' if lineargan else 'genforce') + ' StyleGAN2'
    assert foreign.entry == (None if lineargan else 'generator_smooth')
    _all_used(foreign, src)
    _same_config(foreign.generator, cfg)
    z = torch.randn(2, 16)
    with torch.no_grad():
        ref = g([z], randomize_noise=False)
        ref_t = g([z], randomize_noise=False, truncation=0.5, truncation_latent=g.w_avg)
    assert torch.allclose(_image(foreign.generator, path, z), ref, atol=1e-5)
    assert torch.allclose(_image(foreign.generator, path, z, truncation=0.5), ref_t, atol=1e-5)


@pytest.mark.parametrize('lineargan', [True, False], ids=['lineargan', 'genforce'])
def test_genforce_layout_pggan(tmp_path, lineargan):
    cfg, g = pggan_source()
    src = to_genforce_pggan(g.state_dict(), lineargan)
    path = str(tmp_path / 'pggan.pth')
    torch.save(src if lineargan else dict(generator_smooth=src), path)
    _, foreign = read_generator_file(path)
    _all_used(foreign, src)
    _same_config(foreign.generator, cfg)
    z = torch.randn(2, 16)
    with torch.no_grad():
        ref = g(z)
    assert torch.allclose(_image(foreign.generator, path, z), ref, atol=1e-5)
    assert generator_config_from_file(path) == foreign.generator


def test_unsupported_variants_and_foreign_keys_are_one_line(tmp_path):
    _, g = sg2_source()
    src = to_genforce_sg2(g.state_dict(), 2, True)

    def fails(state, match):
        torch.save(state, tmp_path / 'x.pth')
        with pytest.raises(MMLinsemError, match=match) as err:
            read_generator_file(str(tmp_path / 'x.pth'))
        assert '\n' not in str(err.value)

    fails(dict(src, **{'synthesis.extra.weight': torch.zeros(2)}), r'synthesis\.extra\.weight')
    fails(dict(src, **{'synthesis.skip_layer0.weight': torch.zeros(2)}), "resnet")
    fails(dict(src, **{'mapping.label_weight': torch.zeros(2, 16)}), 'label-conditioned')
    no_bias = dict(src)
    del no_bias['synthesis.layer1.style.bias']
    fails(no_bias, r'synthesis\.layer1\.style\.bias')
    _, pg = pggan_source()
    psrc = to_genforce_pggan(pg.state_dict(), True)
    fails(dict(psrc, lod=torch.tensor(1.0)), 'lod is 1.0')
    fused = dict(psrc)
    fused['layer2.weight'] = fused.pop('layer2.conv.weight').permute(2, 3, 1, 0)
    fails(fused, 'fused-scale')
    ros = to_rosinality(g.state_dict())
    ros['convs.0.conv.blur.kernel'] = torch.ones(4, 4)
    fails(dict(g_ema=ros), 'blur.kernel is not the')


def test_feature_generator_names_the_config_a_file_needs(tmp_path):
    _, g = sg2_source()
    torch.save(dict(g_ema=to_rosinality(g.state_dict())), tmp_path / 'g.pt')
    wrong = stylegan2_cfg(32)
    with pytest.raises(MMLinsemError, match='the file needs generator=') as err:
        FeatureGenerator(wrong, checkpoint=str(tmp_path / 'g.pt'))
    assert 'rosinality StyleGAN2' in str(err.value) and '\n' not in str(err.value)
    # a file of no known layout: what was found and what is supported
    torch.save(dict(foo=torch.zeros(1)), tmp_path / 'other.pth')
    with pytest.raises(MMLinsemError, match='supported: mmagic') as err:
        FeatureGenerator(stylegan2_cfg(16), checkpoint=str(tmp_path / 'other.pth'))
    assert 'foo' in str(err.value)


def test_genforce_stylegan_v1_through_the_same_entry(tmp_path):
    """StyleGAN (v1) files take the v1 converter's route: GenforceStyleGANGenerator."""
    from test_stylegan1 import genforce_mapping, genforce_state, to_legacy
    s = genforce_state(32)
    torch.save(to_legacy(s, fused_layers=()), tmp_path / 'v1.pth')
    _, foreign = read_generator_file(str(tmp_path / 'v1.pth'))
    assert foreign.layout == 'genforce StyleGAN (legacy layout)'
    assert foreign.generator['type'] == 'GenforceStyleGANGenerator'
    assert foreign.generator['_scope_'] == 'mmlinsem' and foreign.generator['out_size'] == 32
    fg = FeatureGenerator(foreign.generator, checkpoint=str(tmp_path / 'v1.pth'))
    wp = genforce_mapping(s, torch.randn(1, 16), 2)[:, None].repeat(1, fg.num_latents, 1)
    with torch.no_grad():
        direct = FeatureGenerator(foreign.generator)
        direct.generator.load_state_dict(foreign.state)
        assert torch.equal(fg(wp, space='w+')[0], direct(wp, space='w+')[0])
    assert torch.equal(fg.generator.w_avg, s['truncation.w_avg'])
