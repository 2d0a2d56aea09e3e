"""Issue 11.2: a faithful StyleGAN (v1) generator for genforce-layout weights.

The genforce state dicts here are built by hand from genforce's key names and shapes, and a
functional re-implementation of genforce's forward (written from its code, independent of the
generator under test) checks that converted weights give the same images and features.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from mmlinsem.models.generators import (GenforceStyleGANGenerator, convert_genforce_state,
                                        unwrap_genforce_checkpoint)
from mmlinsem.models.generators.layer_specs import default_layer_names
from mmlinsem.utils import safe_torch_load
from conftest import run_tool


def _nf(res, base, fmax):
    return min(base // res, fmax)


def genforce_state(out_size=32, style=16, num_mlps=2, base=256, fmax=32, seed=0):
    """Random genforce-layout StyleGAN weights (current genforce key names)."""
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, scale=1.0):
        return torch.randn(*shape, generator=g) * scale

    s = {}
    for i in range(num_mlps):
        s[f'mapping.dense{i}.weight'] = rnd(style, style, scale=100.)  # lr_mul 0.01 init
        s[f'mapping.dense{i}.bias'] = rnd(style)
    s['truncation.w_avg'] = rnd(style)
    s['synthesis.lod'] = torch.zeros(())
    blocks = int(math.log2(out_size)) - 1
    for b in range(blocks):
        res = 4 * 2**b
        ch, prev = _nf(res, base, fmax), _nf(max(res // 2, 4), base, fmax)
        for j in (0, 1):
            i = 2 * b + j
            p = f'synthesis.layer{i}'
            if i == 0:
                s[f'{p}.const'] = rnd(1, ch, 4, 4)
            else:
                s[f'{p}.weight'] = rnd(ch, prev if j == 0 else ch, 3, 3)
            if j == 0 and b > 0:
                ker = torch.tensor([1., 2., 1.])
                ker = (ker[:, None] * ker[None]) / 16
                s[f'{p}.blur.kernel'] = ker.expand(ch, 1, 3, 3).clone()
            s[f'{p}.bias'] = rnd(ch)
            s[f'{p}.style.weight'] = rnd(2 * ch, style)
            s[f'{p}.style.bias'] = rnd(2 * ch, scale=0.3)
            s[f'{p}.apply_noise.weight'] = rnd(ch, scale=0.5)
            s[f'{p}.apply_noise.noise'] = rnd(1, 1, res, res)
        s[f'synthesis.output{b}.weight'] = rnd(3, ch, 1, 1)
        s[f'synthesis.output{b}.bias'] = rnd(3)
    return s


def to_legacy(s, fused_layers=()):
    """The same weights in the legacy interfacegan / LinearGAN names (flat, as distributed)."""
    out = {}
    for k, v in s.items():
        parts = k.split('.')
        if k.startswith('mapping.dense'):
            k = k.replace('.weight', '.fc.weight').replace('.bias', '.wscale.bias')
        elif k.startswith('synthesis.layer') and k != 'synthesis.lod':
            i = int(parts[1][len('layer'):])
            p = f'synthesis.layer{i}'
            rest = '.'.join(parts[2:])
            if rest == 'weight':
                if i in fused_layers:  # TF layout (k, k, in, out)
                    k, v = f'{p}.weight', v.permute(2, 3, 1, 0).contiguous()
                else:
                    k = f'{p}.conv.weight'
            elif rest == 'bias':
                k = f'{p}.epilogue.bias'
            elif rest == 'style.weight':
                k = f'{p}.epilogue.style_mod.dense.fc.weight'
            elif rest == 'style.bias':
                k = f'{p}.epilogue.style_mod.dense.wscale.bias'
            elif rest.startswith('apply_noise'):
                k = f'{p}.epilogue.{rest}'
        elif k.startswith('synthesis.output') and k.endswith('weight'):
            k = k.replace('.weight', '.conv.weight')
        out[k] = v
    return out


def genforce_forward(s, wp, fused):
    """genforce's StyleGAN synthesis (fixed noise) on w+, from its state dict."""
    feats = []
    num_layers = wp.shape[1]
    x = None
    for i in range(num_layers):
        p = f'synthesis.layer{i}'
        if i == 0:
            x = s[f'{p}.const'].repeat(wp.shape[0], 1, 1, 1)
        else:
            w = s[f'{p}.weight']
            w = w * math.sqrt(2) / math.sqrt(w[0].numel())
            if i % 2 == 0:
                if i in fused:
                    w = F.pad(w, (1, 1, 1, 1))
                    w = w[..., 1:, 1:] + w[..., :-1, 1:] + w[..., 1:, :-1] + w[..., :-1, :-1]
                    x = F.conv_transpose2d(x, w.permute(1, 0, 2, 3), stride=2, padding=1)
                else:
                    x = F.conv2d(F.interpolate(x, scale_factor=2, mode='nearest'), w, padding=1)
                ker = torch.tensor([1., 2., 1.])
                ker = (ker[:, None] * ker[None]) / 16
                x = F.conv2d(x, ker.expand(x.shape[1], 1, 3, 3), padding=1, groups=x.shape[1])
            else:
                x = F.conv2d(x, w, padding=1)
        x = x + s[f'{p}.apply_noise.noise'] * s[f'{p}.apply_noise.weight'].view(1, -1, 1, 1)
        x = x + s[f'{p}.bias'].view(1, -1, 1, 1)
        x = F.leaky_relu(x, 0.2)
        x = x - x.mean([2, 3], keepdim=True)
        x = x / torch.sqrt(x.pow(2).mean([2, 3], keepdim=True) + 1e-8)
        st = F.linear(wp[:, i], s[f'{p}.style.weight'] / math.sqrt(wp.shape[2]),
                      s[f'{p}.style.bias'])
        c = x.shape[1]
        x = x * (st[:, :c, None, None] + 1) + st[:, c:, None, None]
        if i % 2:
            feats.append(x)
    out = f'synthesis.output{num_layers // 2 - 1}'
    w = s[f'{out}.weight']
    img = F.conv2d(x, w / math.sqrt(w.shape[1]), s[f'{out}.bias'])
    return img, feats


def genforce_mapping(s, z, num_mlps):
    x = z / torch.sqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
    for i in range(num_mlps):
        w = s[f'mapping.dense{i}.weight']
        x = F.linear(x,
                     w * math.sqrt(2) / math.sqrt(w.shape[1]) * 0.01,
                     s[f'mapping.dense{i}.bias'] * 0.01)
        x = F.leaky_relu(x, 0.2)
    return x


def _load(state, **kw):
    sd, arch, report = convert_genforce_state(state, **kw)
    g = GenforceStyleGANGenerator(**arch)
    g.load_state_dict(sd, strict=True)
    return g.eval(), arch, report


@pytest.mark.parametrize('layout', ['genforce', 'legacy'])
def test_converted_weights_land_and_reproduce_genforce(layout):
    s = genforce_state(32)
    fused = {2, 4, 6} if layout == 'legacy' else set()  # legacy: fused convs at every scale
    src = to_legacy(s, fused) if layout == 'legacy' else s
    g, arch, report = _load(src)
    assert report['layout'] == layout
    assert arch == dict(
        out_size=32,
        style_channels=16,
        num_mlps=2,
        channels={
            4: 32,
            8: 32,
            16: 16,
            32: 8
        },
        **({
            'fused_scale': True
        } if fused else {}))
    # every source tensor lands: all targets are distinct, cover the model but the blur
    # constants, and hold the source value (up to the documented re-parametrisation)
    names = report['source_to_target']
    own = g.state_dict()
    assert len(set(names.values())) == len(names)
    assert sorted(set(own) - set(names.values())) == sorted(f'layers.{i}.blur.kernel'
                                                            for i in (2, 4, 6))
    assert sorted(
        report['derived']) == sorted(['synthesis.lod'] +
                                     [f'synthesis.layer{i}.blur.kernel' for i in (2, 4, 6)])
    for k, dst in names.items():
        v = s[k]
        if k.endswith('style.weight'):
            v = v / math.sqrt(2)
        elif k.endswith('style.bias'):
            v = v + torch.cat([torch.ones(v.shape[0] // 2), torch.zeros(v.shape[0] // 2)])
        assert torch.equal(own[dst], v), (k, dst)
    # same images and features as genforce's own forward
    z = torch.randn(2, 16)
    w = genforce_mapping(s, z, 2)
    assert torch.allclose(g.style_mapping(z), w, atol=1e-5)
    wp = w[:, None].repeat(1, g.num_latents, 1)
    ref_img, ref_feats = genforce_forward(s, wp, fused)
    fg_feats = []
    hooks = [
        g.get_submodule(n).register_forward_hook(lambda m, a, o: fg_feats.append(o))
        for n in default_layer_names(g)
    ]
    img = g([wp], input_is_latent=True)
    for h in hooks:
        h.remove()
    assert torch.allclose(img, ref_img, atol=1e-4)
    assert len(fg_feats) == 4 and all(
        torch.allclose(a, b, atol=1e-4) for a, b in zip(fg_feats, ref_feats))


def test_auto_fused_scale_at_128_matches_genforce():
    s = genforce_state(128, style=8, num_mlps=1, base=512, fmax=8)
    g, arch, _ = _load(s)  # current layout: 'auto' -> fused transposed conv at 128 only
    assert [type(layer.conv).__name__ for layer in g.layers[2::2]] == ['EqualizedConv2d'] * 5
    assert [layer.conv.upsample for layer in g.layers[2::2]] == ['nearest'] * 4 + ['fused']
    wp = torch.randn(1, g.num_latents, 8)
    ref, _ = genforce_forward(s, wp, fused={10})
    assert torch.allclose(g([wp], input_is_latent=True), ref, atol=1e-4)
    legacy, _, report = _load(to_legacy(s, fused_layers={10}))
    assert report['layout'] == 'legacy' and legacy.fused_scale == 'auto'
    assert torch.allclose(legacy([wp], input_is_latent=True), ref, atol=1e-4)


def test_block_order_on_hooks():
    """conv -> blur -> noise -> bias -> lrelu -> instance norm -> style, each stage fed by the
    previous one; the noise strength is one per channel."""
    g = GenforceStyleGANGenerator(16, style_channels=8, num_mlps=1, fmaps_base=128, fmaps_max=16)
    for layer in g.layers:
        layer.noise.weight.data.normal_()
    layer = g.layers[2]  # first layer at 8 px: up-sampling conv
    stages = ['conv', 'blur', 'noise', 'bias', 'activate', 'style.norm', 'style']
    order, ins, outs = [], {}, {}

    def pre(name):

        def hook(module, args):
            ins[name] = args[0]

        return hook

    def post(name):

        def hook(module, args, out):
            order.append(name)
            outs[name] = out

        return hook

    handles = []
    for name in stages:
        mod = layer.get_submodule(name)
        handles.append(mod.register_forward_pre_hook(pre(name)))
        handles.append(mod.register_forward_hook(post(name)))
    g(torch.randn(2, 8))
    for h in handles:
        h.remove()
    assert order == stages
    for prev, nxt in zip(stages[:-2], stages[1:-1]):
        assert ins[nxt] is outs[prev], (prev, nxt)
    assert ins['style'] is outs['activate']
    assert outs['conv'].shape[-1] == 8  # up-sampled before the blur
    assert layer.noise.weight.shape == (16, ) and g.layers[5].noise.weight.shape == (8, )
    assert torch.allclose(outs['style.norm'].mean([2, 3]), torch.zeros(2, 16), atol=1e-5)
    assert not any('activate' in n for n, _ in layer.conv.named_modules())  # no act in conv


def test_default_hooks_at_the_real_widths():
    """9 layers / 2544 channels at 1024 and 7 / 2496 at 256 (official widths)."""
    g = GenforceStyleGANGenerator(1024, num_mlps=1)
    names = default_layer_names(g)
    chans = [g.get_submodule(n).affine.out_features // 2 for n in names]
    assert len(names) == 9 and sum(chans) == 2544
    assert chans == [512, 512, 512, 512, 256, 128, 64, 32, 16]
    assert g.num_latents == 18
    fg = FeatureGenerator(
        dict(_scope_='mmlinsem', type='GenforceStyleGANGenerator', out_size=256, num_mlps=1))
    assert len(fg.layer_names) == 7 and sum(fg.channels) == 2496
    assert [r[0] for r in fg.resolutions] == [4, 8, 16, 32, 64, 128, 256]
    assert fg.num_latents == 14 and fg.image_size == (256, 256)


def tiny_cfg():
    return dict(
        _scope_='mmlinsem',
        type='GenforceStyleGANGenerator',
        out_size=32,
        style_channels=16,
        num_mlps=2,
        channels={
            4: 32,
            8: 32,
            16: 16,
            32: 8
        })


def test_feature_generator_latents_truncation_and_checkpoint(tmp_path):
    s = genforce_state(32)
    sd, arch, _ = convert_genforce_state(s)
    torch.save({'state_dict': sd}, tmp_path / 'g.pth')
    fg = FeatureGenerator(
        tiny_cfg(), checkpoint=str(tmp_path / 'g.pth'), truncation=0.7, truncation_layers=3)
    assert fg.num_latents == 8 and fg.channels == [32, 32, 16, 8]
    z = torch.randn(2, 16)
    w = fg.z_to_w(z)
    img_z, feats_z = fg(z, space='z', truncate=False)
    img_w, _ = fg(w, space='w', truncate=False)
    img_wp, _ = fg(w[:, None].repeat(1, 8, 1), space='w+', truncate=False)
    assert torch.allclose(img_z, img_w, atol=1e-5) and torch.allclose(img_z, img_wp, atol=1e-5)
    # truncation as the original: around the official w_avg, psi on the first 3 layers
    assert torch.equal(fg.get_mean_latent(), s['truncation.w_avg'][None])
    ref_w = genforce_mapping(s, z, 2)
    wp = ref_w[:, None].repeat(1, 8, 1)
    avg = s['truncation.w_avg']
    wp[:, :3] = avg + 0.7 * (wp[:, :3] - avg)
    ref_img, ref_feats = genforce_forward(s, wp, fused=set())
    img, feats = fg(z)
    assert torch.allclose(img, ref_img, atol=1e-4)
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(feats, ref_feats))
    # random noise is per sample and reproducible
    fr = FeatureGenerator(tiny_cfg(), checkpoint=str(tmp_path / 'g.pth'), noise='random')
    a = fr(z, noise_generator=torch.Generator().manual_seed(1))[0]
    b = fr(z, noise_generator=torch.Generator().manual_seed(1))[0]
    c = fr(z, noise_generator=torch.Generator().manual_seed(2))[0]
    assert torch.equal(a, b) and not torch.allclose(a, c)
    # without official w_avg (random init) the centre is the fixed-seed sample mean
    plain = FeatureGenerator(tiny_cfg(), truncation=0.7, mean_latent_samples=64)
    assert not plain.generator.has_w_avg()
    gen = torch.Generator().manual_seed(0)
    mean = plain.z_to_w(torch.randn(64, 16, generator=gen)).mean(0, keepdim=True)
    assert torch.allclose(plain.get_mean_latent(), mean, atol=1e-6)


def test_conversion_mismatch_lists_names():
    s = genforce_state(32)
    bad = dict(s)
    del bad['synthesis.layer3.style.bias']
    bad['synthesis.layer3.extra'] = torch.zeros(1)
    with pytest.raises(MMLinsemError) as err:
        convert_genforce_state(bad)
    msg = str(err.value)
    assert 'synthesis.layer3.style.bias' in msg and 'synthesis.layer3.extra' in msg
    assert '\n' not in msg
    wrong = dict(s, **{'synthesis.layer2.bias': torch.zeros(5)})
    with pytest.raises(MMLinsemError, match='shape mismatch at synthesis.layer2.bias'):
        convert_genforce_state(wrong)
    with pytest.raises(MMLinsemError, match='lod'):
        convert_genforce_state(dict(s, **{'synthesis.lod': torch.tensor(1.)}))
    with pytest.raises(MMLinsemError, match='not a genforce StyleGAN'):
        convert_genforce_state({'conv1.weight': torch.zeros(1)})


def test_converter_tool(tmp_path):
    s = genforce_state(32)
    torch.save(to_legacy(s, fused_layers=()), tmp_path / 'lineargan.pth')
    res = run_tool('tools/model_converters/stylegan1_genforce_to_mmlinsem.py',
                   str(tmp_path / 'lineargan.pth'), str(tmp_path / 'out' / 'g.pth'))
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'legacy layout' in res.stdout and 'GenforceStyleGANGenerator' in res.stdout
    out = safe_torch_load(str(tmp_path / 'out' / 'g.pth'))
    cfg = out['meta']['generator']
    assert cfg['out_size'] == 32 and cfg['channels'] == {4: 32, 8: 32, 16: 16, 32: 8}
    fg = FeatureGenerator(cfg, checkpoint=str(tmp_path / 'out' / 'g.pth'))
    wp = genforce_mapping(s, torch.randn(1, 16), 2)[:, None].repeat(1, 8, 1)
    assert torch.allclose(fg(wp, space='w+')[0], genforce_forward(s, wp, set())[0], atol=1e-4)
    # genforce checkpoint wrapping: the EMA entry is preferred
    state, entry = unwrap_genforce_checkpoint({'generator': {}, 'generator_smooth': s})
    assert entry == 'generator_smooth' and state is s
    with pytest.raises(MMLinsemError, match='expected a state dict'):
        unwrap_genforce_checkpoint([1, 2])
    # bad input: one error line, exit code 2
    (tmp_path / 'junk.pth').write_text('not a checkpoint')
    broken = dict(s)
    del broken['mapping.dense1.bias']
    torch.save(broken, tmp_path / 'broken.pth')
    for name, expect in [('junk.pth', 'cannot read'), ('broken.pth', 'mapping.dense1.bias')]:
        res = run_tool('tools/model_converters/stylegan1_genforce_to_mmlinsem.py',
                       str(tmp_path / name), str(tmp_path / 'x.pth'))
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 2 and len(lines) == 1, res.stderr[-2000:]
        assert lines[0].startswith('error: ') and expect in lines[0]


@pytest.mark.parametrize('name,size,layers', [('stylegan_bedroom256', 256, 7),
                                              ('stylegan_church256', 256, 7),
                                              ('stylegan_celebahq1024', 1024, 9)])
def test_paper_stylegan_configs_use_the_faithful_generator(name, size, layers):
    import os.path as osp

    from mmengine.config import Config

    from mmlinsem.models.generators.feature_generator import _build_mmagic
    from conftest import ROOT
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'generators', f'{name}.py'))
    assert cfg.generator.checkpoint.startswith('checkpoints/')
    assert cfg.generator.checkpoint.endswith('_converted.pth')
    assert (cfg.generator.truncation, cfg.generator.truncation_layers) == (0.7, 8)
    g = _build_mmagic(cfg.generator.generator.to_dict())
    assert isinstance(g, GenforceStyleGANGenerator) and g.out_size == size
    assert len(default_layer_names(g)) == layers
    zoo = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'generators', 'stylegan_ffhq1024.py'))
    assert zoo.generator.generator.type == 'StyleGANv1Generator'  # mmagic zoo weights
