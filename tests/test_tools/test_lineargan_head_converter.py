"""tools/model_converters/lineargan_head_to_mmlinsem.py on extractor files written here in
LinearGAN's layout ({'arch', 'param'}, random weights): the converted head, loaded with a
config by LinSemInferencer, gives the logits of LinearGAN's formulas computed here."""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from mmlinsem.apis import LinSemInferencer
from mmlinsem.errors import MMLinsemError
from conftest import ROOT, run_tool

TOOL = osp.join(ROOT, 'tools', 'model_converters', 'lineargan_head_to_mmlinsem.py')
CONFIG = osp.join(ROOT, 'tests', 'configs', 'tiny_base.py')
CLASSES = 'background,a,b,c'
K = 4


def _tool():
    spec = importlib.util.spec_from_file_location('lineargan_head_to_mmlinsem', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convert(monkeypatch, src, dst, *extra):
    monkeypatch.setattr('sys.argv', [TOOL, str(src), str(dst), *extra])
    _tool().main()


@pytest.fixture(scope='module')
def features():
    """The tiny generator's feature maps and channels (the head's inputs)."""
    inf = LinSemInferencer(CONFIG)
    gen = torch.Generator().manual_seed(5)
    z = torch.randn(2, inf.model.generator.noise_size, generator=gen)
    with torch.no_grad():
        _, feats = inf.model.generator(z)
    return [f.detach() for f in feats], list(inf.model.generator.channels)


# ------------------------------------------------------------- LinearGAN's layout and formulas
def lineargan_file(kind, dims, lw_type='softplus', ksize=None, seed=0, n=K):
    gen = torch.Generator().manual_seed(seed)

    def rnd(*shape):
        return 0.3 * torch.randn(*shape, generator=gen)

    layers = list(range(len(dims)))
    param = {}
    if kind == 'LSE':
        arch = dict(
            n_class=n, dims=dims, layers=layers, lw_type=lw_type, use_bias=False, type='LSE')
        for i, d in enumerate(dims):
            param[f'extractor.{i}.weight'] = rnd(n, d, 1, 1)
        param['layer_weight'] = rnd(len(dims))
    elif kind == 'NSE-1':
        k = ksize or 1
        arch = dict(
            n_class=n,
            dims=dims,
            layers=layers,
            ksize=k,
            n_layers=3,
            lw_type=lw_type,
            use_bias=True,
            type='NSE-1')
        for i, d in enumerate(dims):
            mid = (d + n) // 2
            for j, (cin, cout) in enumerate([(d, mid), (mid, mid), (mid, n)]):
                param[f'extractor.{i}.{2 * j}.weight'] = rnd(cout, cin, k, k)
                param[f'extractor.{i}.{2 * j}.bias'] = rnd(cout)
        param['layer_weight'] = rnd(len(dims))
    else:
        arch = dict(n_class=n, dims=dims, layers=layers, ksize=3, type='NSE-2')
        for i, d in enumerate(dims):
            param[f'extractor.{i}.0.weight'] = rnd(d, d, 3, 3)
            param[f'extractor.{i}.0.bias'] = rnd(d)
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            param[f'reviser.{i}.0.weight'] = rnd(b, a, 3, 3)
            param[f'reviser.{i}.0.bias'] = rnd(b)
        param['visualizer.weight'] = rnd(n, dims[-1], 3, 3)
        param['visualizer.bias'] = rnd(n)
    return dict(arch=arch, param=param)


def bu(x, size):
    return F.interpolate(x, size, mode='bilinear', align_corners=True)


def fusion_weights(lw_type, raw):
    if lw_type == 'softplus':
        return F.softplus(raw) / F.softplus(raw).sum()
    if lw_type == 'sigmoid':
        return torch.sigmoid(raw) / torch.sigmoid(raw).sum()
    return raw if lw_type == 'direct' else torch.ones_like(raw)


def lineargan_logits(data, feats, size):
    """LinearGAN's final logits, written out from its formulas."""
    arch, p = data['arch'], data['param']
    if arch['type'] == 'NSE-2':
        hidden = F.relu(
            F.conv2d(feats[0], p['extractor.0.0.weight'], p['extractor.0.0.bias'], 1, 1))
        for i in range(1, len(feats)):
            if hidden.shape[2] * 2 == feats[i].shape[2]:
                hidden = F.interpolate(hidden, scale_factor=2, mode='nearest')
            hidden = F.relu(
                F.conv2d(hidden, p[f'reviser.{i - 1}.0.weight'], p[f'reviser.{i - 1}.0.bias'], 1,
                         1)) + F.relu(
                             F.conv2d(feats[i], p[f'extractor.{i}.0.weight'],
                                      p[f'extractor.{i}.0.bias'], 1, 1))
        return bu(F.conv2d(hidden, p['visualizer.weight'], p['visualizer.bias'], 1, 1), size)
    outs = []
    for i, x in enumerate(feats):
        if arch['type'] == 'LSE':
            outs.append(F.conv2d(x, p[f'extractor.{i}.weight']))
            continue
        pad = arch['ksize'] // 2
        for j in range(3):
            x = F.conv2d(x, p[f'extractor.{i}.{2 * j}.weight'], p[f'extractor.{i}.{2 * j}.bias'], 1,
                         pad)
            x = F.relu(x) if j < 2 else x
        outs.append(x)
    w = fusion_weights(arch['lw_type'], p['layer_weight'])
    return sum(wi * bu(o, size) for wi, o in zip(w, outs))


CASES = [
    # (kind, lw_type, ksize, --layer-weighting)
    ('LSE', 'softplus', None, 'softplus'),
    ('LSE', 'softplus', None, 'none'),
    ('LSE', 'none', None, 'softplus'),
    ('LSE', 'sigmoid', None, 'softplus'),
    ('LSE', 'direct', None, 'none'),
    ('NSE-1', 'softplus', None, 'softplus'),
    ('NSE-1', 'sigmoid', 3, 'none'),
    ('NSE-2', None, None, 'softplus'),
]
HEADS = {'LSE': 'LSEHead', 'NSE-1': 'NSE1Head', 'NSE-2': 'NSE2Head'}


@pytest.mark.parametrize('kind, lw_type, ksize, weighting', CASES)
def test_converted_head_gives_lineargans_logits(features, tmp_path, monkeypatch, kind, lw_type,
                                                ksize, weighting):
    feats, dims = features
    data = lineargan_file(kind, dims, lw_type=lw_type, ksize=ksize)
    torch.save(data, tmp_path / 'src.pth')
    convert(monkeypatch, tmp_path / 'src.pth', tmp_path / 'head.pth', '--classes', CLASSES,
            '--layer-weighting', weighting)
    opts = {'model.head.type': HEADS[kind]}
    if kind != 'NSE-2':
        opts['model.head.layer_weighting'] = weighting
    if kind == 'NSE-1':
        opts['model.head.kernel_size'] = ksize or 1
    inf = LinSemInferencer(CONFIG, str(tmp_path / 'head.pth'), cfg_options=opts)
    head = inf.model.head
    for size in ((16, 16), (32, 32)):
        with torch.no_grad():
            got = head(feats, size)
            want = lineargan_logits(data, feats, size)
        assert got.shape == (2, K, *size)
        assert torch.allclose(got, want, atol=1e-5, rtol=1e-5), (got - want).abs().max()
    if kind == 'NSE-2':
        return
    if weighting == 'none':
        assert not hasattr(head.layer_weights, 'layer_weight')
    elif lw_type == 'softplus':  # carried over as it is
        assert torch.equal(head.layer_weights.layer_weight.data, data['param']['layer_weight'])
    else:  # folded: equal weights left
        assert torch.equal(head.layer_weights.layer_weight.data, torch.ones(len(dims)))


def test_checkpoint_holds_the_head_classes_and_the_source_arch(features, tmp_path, monkeypatch,
                                                               capsys):
    _, dims = features
    data = lineargan_file('LSE', dims)
    torch.save(data, tmp_path / 'src.pth')
    convert(monkeypatch, tmp_path / 'src.pth', tmp_path / 'head.pth', '--classes', CLASSES)
    out = capsys.readouterr().out
    assert 'converted LSE (5 layers, 4 classes; softplus layer weights kept)' in out
    assert "head config: {'type': 'LSEHead', 'layer_weighting': 'softplus'}" in out
    ckpt = torch.load(tmp_path / 'head.pth', weights_only=True)
    keys = set(ckpt['state_dict'])
    assert keys == {'_extra_state', 'head._extra_state', 'head.layer_weights.layer_weight'} | \
        {f'head.extractor.{i}.weight' for i in range(len(dims))}
    meta = ckpt['meta']
    assert meta['classes'] == CLASSES.split(',') and meta['source'] == 'src.pth'
    assert meta['lineargan_arch']['type'] == 'LSE' and meta['lineargan_arch']['dims'] == dims
    # the classes are checked against the config when the head is loaded
    torch.save(data, tmp_path / 'other.pth')
    convert(monkeypatch, tmp_path / 'other.pth', tmp_path / 'other_head.pth', '--classes',
            'background,x,y,z')
    with pytest.raises(MMLinsemError, match='classes'):
        LinSemInferencer(CONFIG, str(tmp_path / 'other_head.pth'))


def test_nse2_file_without_arch_type_is_recognised(features, tmp_path, monkeypatch):
    feats, dims = features
    data = lineargan_file('NSE-2', dims)
    torch.save(dict(param=data['param'], arch={}), tmp_path / 'nse2.pth')
    convert(monkeypatch, tmp_path / 'nse2.pth', tmp_path / 'head.pth', '--classes', CLASSES)
    inf = LinSemInferencer(
        CONFIG, str(tmp_path / 'head.pth'), cfg_options={'model.head.type': 'NSE2Head'})
    with torch.no_grad():
        assert torch.allclose(
            inf.model.head(feats, (16, 16)), lineargan_logits(data, feats, (16, 16)), atol=1e-5)


def test_class_names_from_lineargans_file_names(tmp_path, monkeypatch):
    tool = _tool()
    assert tool.class_names(None, 'expr/stylegan2_ffhq_LSE.pth', 15)[4] == 'eye'
    bedroom = tool.class_names(None, 'stylegan2_bedroom_LSE_lnormal/stylegan2_bedroom_LSE.pth', 17)
    assert bedroom[0] == 'background' and 'bed' in bedroom
    assert tool.class_names('stylegan2_bedroom', 'x.pth', 17) == bedroom
    with pytest.raises(MMLinsemError, match='cannot tell the 9 class names'):
        tool.class_names(None, 'expr/stylegan2_ffhq_LSE.pth', 9)
    with pytest.raises(MMLinsemError, match='gives 3 names but the extractor has 4'):
        tool.class_names('a,b,c', 'x.pth', 4)


def _bad(tmp_path, monkeypatch, obj, match, *extra):
    torch.save(obj, tmp_path / 'bad.pth')
    with pytest.raises(MMLinsemError, match=match) as err:
        convert(monkeypatch, tmp_path / 'bad.pth', tmp_path / 'out.pth', '--classes', CLASSES,
                *extra)
    assert '\n' not in str(err.value)
    assert not osp.exists(tmp_path / 'out.pth')
    return str(err.value)


def test_files_that_do_not_fit_are_one_line(features, tmp_path, monkeypatch):
    _, dims = features
    good = lineargan_file('LSE', dims)
    missing = dict(good, param={k: v for k, v in good['param'].items() if k != 'layer_weight'})
    _bad(tmp_path, monkeypatch, missing, r'1 missing keys \(layer_weight\)')
    extra = dict(good, param=dict(good['param'], **{'extractor.9.weight': torch.zeros(1)}))
    _bad(tmp_path, monkeypatch, extra, r'1 unexpected keys \(extractor.9.weight\)')
    shape = dict(
        good, param=dict(good['param'], **{'extractor.0.weight': torch.zeros(3, 16, 1, 1)}))
    _bad(tmp_path, monkeypatch, shape, r'extractor.0.weight is \(3, 16, 1, 1\), expected '
         r'\(4, 16, 1, 1\)')
    biased = dict(arch=dict(good['arch'], use_bias=True), param=dict(good['param']))
    for i, d in enumerate(dims):
        biased['param'][f'extractor.{i}.bias'] = torch.zeros(K)
    _bad(tmp_path, monkeypatch, biased, 'use_bias=True')
    _bad(tmp_path, monkeypatch, dict(good, arch=dict(good['arch'], type='NSE-3')),
         "arch type 'NSE-3' is not one of")
    nse2 = lineargan_file('NSE-2', dims)
    _bad(tmp_path, monkeypatch, dict(nse2, arch=dict(nse2['arch'], ksize=1)),
         'does not fit the NSE-2')
    head_ckpt = dict(meta={}, state_dict={'head.extractor.0.weight': torch.zeros(1)})
    _bad(tmp_path, monkeypatch, head_ckpt, "no 'param' state dict")


def test_bad_file_on_the_command_line_is_one_error_line(tmp_path):
    (tmp_path / 'notes.pth').write_text('not a checkpoint\n')
    res = run_tool(TOOL, str(tmp_path / 'notes.pth'), str(tmp_path / 'out.pth'))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: ') and 'notes.pth' in lines[0]


def test_missing_input_is_named(tmp_path, monkeypatch):
    with pytest.raises(MMLinsemError, match='input not found: .*absent.pth'):
        convert(monkeypatch, tmp_path / 'absent.pth', tmp_path / 'out.pth')
