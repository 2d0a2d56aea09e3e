"""NVIDIA ``network-snapshot-*.pkl`` files (stylegan2-ada-pytorch, stylegan3): read by the
restricted unpickler, which never imports or runs what the pickle names beyond plain
weights. The snapshots are written here as NVIDIA writes them -- every network a
"persistent object" reduced to ``torch_utils.persistence._reconstruct_persistent_obj(meta)``
with its source text and module ``__dict__``, options in ``dnnlib.util.EasyDict`` -- from
random mmagic generators, and must give the original's image."""
import collections
import contextlib
import os
import pickle
import sys
import types

import numpy as np
import pytest
import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from mmlinsem.models.generators.feature_generator import _build_mmagic
from mmlinsem.models.generators.formats import format_of, read_generator_file
from mmlinsem.utils.safe_load import UnsafeCheckpointError
from conftest import run_tool, stylegan2_cfg


@contextlib.contextmanager
def nvidia_names():
    """Importable ``torch_utils.persistence`` / ``dnnlib.util`` stand-ins, so ``pickle``
    writes NVIDIA's global names (their bodies must never run when reading)."""
    mods = {
        n: types.ModuleType(n)
        for n in ('torch_utils', 'torch_utils.persistence', 'dnnlib', 'dnnlib.util')
    }

    def _reconstruct_persistent_obj(meta):
        raise AssertionError('the reader called the pickled constructor')

    _reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
    _reconstruct_persistent_obj.__qualname__ = '_reconstruct_persistent_obj'
    mods['torch_utils.persistence']._reconstruct_persistent_obj = _reconstruct_persistent_obj
    easy = type('EasyDict', (dict, ), {'__module__': 'dnnlib.util'})
    mods['dnnlib.util'].EasyDict = easy
    before = {n: sys.modules.get(n) for n in mods}
    sys.modules.update(mods)
    try:
        yield easy
    finally:
        for n, m in before.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m


class Persistent:
    """Pickles like an NVIDIA persistent object (its source text included, never run)."""

    def __init__(self, class_name, params=None, buffers=None, modules=None, **attrs):
        self.class_name = class_name
        self.state = dict(
            training=False,
            _parameters=collections.OrderedDict(
                (k, torch.nn.Parameter(v.detach().clone(), requires_grad=False))
                for k, v in (params or {}).items()),
            _buffers=collections.OrderedDict(
                (k, v.detach().clone()) for k, v in (buffers or {}).items()),
            _non_persistent_buffers_set=set(),
            _modules=collections.OrderedDict(modules or {}),
            _forward_hooks=collections.OrderedDict(),
            **attrs)

    def __reduce__(self):
        fn = sys.modules['torch_utils.persistence']._reconstruct_persistent_obj
        meta = dict(
            type='class',
            version=6,
            class_name=self.class_name,
            state=self.state,
            module_src=self.source)
        return fn, (meta, )

    source = 'import os\nos.mkdir("persistent_source_ran")\n'


def _randomize(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.2)
    return module


def sg2_snapshot(easy, sd, out_size=16, resnet=False, cond=False):
    """The stylegan2-ada ``G_ema`` of an mmagic StyleGAN2 state dict (its key names)."""
    fir = torch.tensor([1., 3., 3., 1.])
    fir = fir[None] * fir[:, None] / 64

    def affine(name):
        return Persistent(
            'FullyConnectedLayer',
            dict(
                weight=sd[f'{name}.conv.style_modulation.linear.weight_orig'],
                bias=sd[f'{name}.conv.style_modulation.bias']),
            weight_gain=np.float64(1 / 4),
            bias_gain=1.0)

    def layer(name, idx, res):
        return Persistent(
            'SynthesisLayer',
            dict(
                weight=sd[f'{name}.conv.weight_orig'][0],
                bias=sd[f'{name}.activate.bias'],
                noise_strength=sd[f'{name}.noise_injector.weight'].reshape(())),
            dict(resample_filter=fir, noise_const=sd[f'injected_noise_{idx}'][0, 0]),
            dict(affine=affine(name)),
            conv_clamp=256,
            act_gain=np.float64(np.sqrt(2)),
            resolution=res)

    def torgb(name):
        return Persistent(
            'ToRGBLayer',
            dict(weight=sd[f'{name}.conv.weight_orig'][0], bias=sd[f'{name}.bias'].reshape(-1)),
            modules=dict(affine=affine(name)),
            conv_clamp=256)

    blocks = {}
    for b, res in enumerate(4 * 2**i for i in range(out_size.bit_length() - 2)):
        mods = {}
        if b == 0:
            mods['conv1'] = layer('conv1', 0, res)
        else:
            mods['conv0'] = layer(f'convs.{2 * b - 2}', 2 * b - 1, res)
            mods['conv1'] = layer(f'convs.{2 * b - 1}', 2 * b, res)
        mods['torgb'] = torgb('to_rgb1' if b == 0 else f'to_rgbs.{b - 1}')
        params = dict(const=sd['constant_input.input'][0]) if b == 0 else {}
        if resnet and b == 1:
            mods['skip'] = Persistent('Conv2dLayer', dict(weight=torch.zeros(16, 16, 1, 1)))
        blocks[f'b{res}'] = Persistent(
            'SynthesisBlock',
            params,
            dict(resample_filter=fir),
            mods,
            architecture='resnet' if resnet else 'skip')
    fcs = {
        f'fc{i}':
        Persistent(
            'FullyConnectedLayer',
            dict(
                weight=sd[f'style_mapping.{i + 1}.linear.weight_orig'],
                bias=sd[f'style_mapping.{i + 1}.bias']),
            bias_gain=0.01)
        for i in range(2)
    }
    if cond:
        fcs['embed'] = Persistent('FullyConnectedLayer', dict(weight=torch.zeros(16, 4)))
    mapping = Persistent('MappingNetwork', buffers=dict(w_avg=sd['w_avg']), modules=fcs)
    synthesis = Persistent('SynthesisNetwork', modules=blocks, img_resolution=out_size)
    kwargs = easy(
        z_dim=16,
        c_dim=4 if cond else 0,
        w_dim=16,
        img_resolution=out_size,
        mapping_kwargs=easy(num_layers=2),
        synthesis_kwargs=easy(channel_base=256, channel_max=16, conv_clamp=256))
    return Persistent(
        'Generator',
        modules=dict(mapping=mapping, synthesis=synthesis),
        c_dim=4 if cond else 0,
        _init_kwargs=kwargs,
        _init_args=())


def _write(path, easy, g_ema, **extra):
    snap = dict(
        training_set_kwargs=easy(resolution=16),
        G=g_ema,
        D=None,
        G_ema=g_ema,
        augment_pipe=None,
        **extra)
    with open(path, 'wb') as f:
        pickle.dump(snap, f)  # the default protocol, as NVIDIA's training loop


@pytest.fixture
def sg2(tmp_path):
    cfg = stylegan2_cfg(16, update_mean_latent_with_ema=True)
    g = _randomize(_build_mmagic(cfg).eval())
    g.w_avg.normal_()
    return cfg, g


def test_stylegan2_ada_snapshot_loads_every_tensor(tmp_path, sg2, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg, g = sg2
    with nvidia_names() as easy:
        g_ema = sg2_snapshot(easy, g.state_dict())
        _write('snap.pkl', easy, g_ema)
    obj, foreign = read_generator_file('snap.pkl')
    assert format_of(obj) == 'nvidia' and foreign.entry == 'G_ema'
    assert not os.path.exists('persistent_source_ran')  # the embedded source never ran
    assert foreign.generator == {k: v for k, v in cfg.items() if k != '_scope_'}
    assert foreign.inferred['truncation_centre'] == 'mapping.w_avg'
    n_params = sum(1 for k in g.state_dict() if not k.endswith('kernel')) - 1  # w/o w_avg
    assert len(foreign.used) == n_params + 1 and len(foreign.checked) == 8  # + 8 filters
    assert any('conv_clamp' in n for n in foreign.notes)
    z = torch.randn(2, 16)
    with torch.no_grad():
        ref = g([z], randomize_noise=False)
        ref_t = g([z], randomize_noise=False, truncation=0.6, truncation_latent=g.w_avg)
        img = FeatureGenerator(foreign.generator, checkpoint='snap.pkl')(z)[0]
        img_t = FeatureGenerator(foreign.generator, checkpoint='snap.pkl', truncation=0.6)(z)[0]
    assert torch.allclose(img, ref, atol=1e-5)
    assert torch.allclose(img_t, ref_t, atol=1e-5)


def test_unsupported_nvidia_variants_are_one_line(tmp_path, sg2):
    _, g = sg2
    for kind, match in (('resnet', "architecture 'resnet'"), ('cond', 'conditional')):
        with nvidia_names() as easy:
            g_ema = sg2_snapshot(easy, g.state_dict(), resnet=kind == 'resnet', cond=kind == 'cond')
            _write(tmp_path / f'{kind}.pkl', easy, g_ema)
        with pytest.raises(MMLinsemError, match=match) as err:
            read_generator_file(str(tmp_path / f'{kind}.pkl'))
        assert 'supported' in str(err.value) and '\n' not in str(err.value)
    # a plain pickle of something else
    with open(tmp_path / 'other.pkl', 'wb') as f:
        pickle.dump(dict(weights=[1, 2]), f)
    with pytest.raises(MMLinsemError, match='no NVIDIA snapshot with a G_ema'):
        read_generator_file(str(tmp_path / 'other.pkl'))


class Payload:

    def __init__(self, call, arg):
        self.call, self.arg = call, arg

    def __reduce__(self):
        return self.call, (self.arg, )


@pytest.mark.parametrize('call', ['system', 'exec'])
def test_a_snapshot_asking_for_code_is_refused_in_one_line(tmp_path, sg2, call):
    _, g = sg2
    marker = tmp_path / 'ran'
    payload = (
        Payload(os.system, f'touch {marker}') if call == 'system' else Payload(
            exec, f'open({str(marker)!r}, "w").close()'))
    with nvidia_names() as easy:
        _write(tmp_path / 'evil.pkl', easy, sg2_snapshot(easy, g.state_dict()), evil=payload)
    with pytest.raises(UnsafeCheckpointError) as err:
        read_generator_file(str(tmp_path / 'evil.pkl'))
    msg = str(err.value)
    assert '\n' not in msg and ('system' in msg if call == 'system' else 'builtins.exec' in msg)
    assert not marker.exists()
    # the same through FeatureGenerator and the converter tool
    with pytest.raises(UnsafeCheckpointError):
        FeatureGenerator(stylegan2_cfg(16), checkpoint=str(tmp_path / 'evil.pkl'))
    if call == 'exec':
        return  # one tool run is enough (a tool start takes seconds)
    res = run_tool('tools/model_converters/to_mmlinsem.py', str(tmp_path / 'evil.pkl'),
                   str(tmp_path / 'out.pth'))
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and 'refused' in lines[0], res.stderr
    assert not marker.exists() and not (tmp_path / 'out.pth').exists()


# ------------------------------------------------------------------------------ StyleGAN3
def sg3_cfg(**synthesis):
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
        type='StyleGAN3Generator',
        out_size=32,
        style_channels=16,
        img_channels=3,
        noise_size=16,
        synthesis_cfg=syn,
        mapping_cfg=dict(type='MappingNetwork', num_layers=2))


def _plain_attrs(module):
    keep = (bool, int, float, str, np.ndarray, np.generic, type(None))
    out = {}
    for k, v in vars(module).items():
        if k.startswith('_') or k == 'training':
            continue
        if isinstance(v, keep) or (isinstance(v, (list, tuple))
                                   and all(isinstance(x, (int, str)) for x in v)):
            out[k] = v
    return out


def record_of(module, class_name=None):
    """An NVIDIA-style record of a module: its tensors, children and plain attributes."""
    return Persistent(
        class_name or type(module).__name__, {
            k: v
            for k, v in module._parameters.items() if v is not None
        }, {
            k: v
            for k, v in module._buffers.items() if v is not None
        }, {
            k: record_of(m)
            for k, m in module._modules.items()
        }, **_plain_attrs(module))


def sg3_snapshot(easy, g, init=None):
    syn = record_of(g.synthesis)
    syn.state['_init_kwargs'] = easy(init or {})
    mapping = record_of(g.style_mapping)
    return Persistent(
        'Generator',
        modules=dict(mapping=mapping, synthesis=syn),
        c_dim=0,
        _init_kwargs=easy(
            z_dim=16,
            w_dim=16,
            img_resolution=32,
            img_channels=3,
            mapping_kwargs=easy(num_layers=2),
            channel_base=256,
            channel_max=16))


def test_stylegan3_snapshot_is_exact(tmp_path):
    cfg = sg3_cfg()
    g = _randomize(_build_mmagic(cfg).eval(), 5)
    g.style_mapping.w_avg.normal_()
    init = dict(
        channel_base=256,
        channel_max=16,
        num_layers=6,
        num_critical=2,
        margin_size=2,
        num_fp16_res=0)
    with nvidia_names() as easy:
        _write(tmp_path / 'sg3.pkl', easy, sg3_snapshot(easy, g, init))
    _, foreign = read_generator_file(str(tmp_path / 'sg3.pkl'))
    assert foreign.layout == 'NVIDIA StyleGAN3' and foreign.inferred['variant'] == 'StyleGAN3-T'
    syn = foreign.generator['synthesis_cfg']
    assert {
        k: syn[k]
        for k in init if k != 'num_critical'
    } == {
        k: v
        for k, v in init.items() if k != 'num_critical'
    }
    assert 'num_critical' not in syn  # mmagic's default, left out
    assert sorted(foreign.used) == sorted(
        k.replace('style_mapping.', 'mapping.') for k in g.state_dict())
    z = torch.randn(2, 16)
    with torch.no_grad():
        ref = g(z)
        img = FeatureGenerator(foreign.generator, checkpoint=str(tmp_path / 'sg3.pkl'))(z)[0]
    assert torch.equal(img, ref)
    # a geometry the inferred config does not reproduce is named, not loaded
    with nvidia_names() as easy:
        snap = sg3_snapshot(easy, g, init)
        name = g.synthesis.layer_names[1]
        snap.state['_modules']['synthesis'].state['_modules'][name].state['out_half_width'] += 1
        _write(tmp_path / 'odd.pkl', easy, snap)
    with pytest.raises(MMLinsemError, match=f'layer {name} has out_half_width=') as err:
        read_generator_file(str(tmp_path / 'odd.pkl'))
    assert '\n' not in str(err.value)
