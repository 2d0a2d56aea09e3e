"""``tools/model_converters/to_mmlinsem.py``: a foreign generator file in, an mmagic-layout
checkpoint and its FeatureGenerator config out; bad input is one error line."""
import importlib.util
import os.path as osp
import re
import sys

import pytest
import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.models import FeatureGenerator
from mmlinsem.models.generators.feature_generator import _build_mmagic
from conftest import ROOT, run_tool, stylegan2_cfg

TOOL = 'tools/model_converters/to_mmlinsem.py'


def _rosinality_file(path):
    """A rosinality converter output (``g_ema`` + ``latent_avg``) of a random generator."""
    cfg = stylegan2_cfg(16, update_mean_latent_with_ema=True)
    g = _build_mmagic(cfg).eval()
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.2)
    sd = g.state_dict()
    rules = [(r'^style_mapping\.(\d+)\.linear\.weight_orig$', r'style.\1.weight'),
             (r'^style_mapping\.(\d+)\.bias$', r'style.\1.bias'), (r'^constant_input', 'input'),
             (r'style_modulation\.linear\.weight_orig$', 'modulation.weight'),
             (r'style_modulation\.bias$', 'modulation.bias'), (r'weight_orig$', 'weight'),
             (r'noise_injector', 'noise'), (r'^injected_noise_', 'noises.noise_')]
    ros = {}
    for key, val in sd.items():
        if key != 'w_avg':
            for pat, rep in rules:
                key = re.sub(pat, rep, key)
            ros[key] = val
    latent_avg = torch.randn(16, generator=gen)
    torch.save(dict(g_ema=ros, latent_avg=latent_avg), path)
    return cfg, len(ros), latent_avg


def test_converts_prints_the_config_and_loads(tmp_path):
    src, dst = str(tmp_path / 'ros.pt'), str(tmp_path / 'out' / 'g.pth')
    cfg, n, latent_avg = _rosinality_file(src)
    res = run_tool(TOOL, src, dst, '--print-config')
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout
    assert 'rosinality StyleGAN2, entry g_ema' in out
    assert 'inferred: out_size=16, style_channels=16, num_mlps=2' in out
    assert 'truncation_centre=latent_avg' in out
    assert f'used all {n + 1} tensors of the generator' in out  # + latent_avg
    text = out[out.index('generator = dict('):]
    scope = {}
    exec(text, scope)  # the printed config is valid config text
    fg_cfg = scope['generator']
    assert fg_cfg['type'] == 'FeatureGenerator' and fg_cfg['checkpoint'] == dst
    assert fg_cfg['generator'] == {k: v for k, v in cfg.items() if k != '_scope_'}
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert all(k.startswith('generator_ema.') for k in ckpt['state_dict'])
    assert ckpt['meta']['generator'] == fg_cfg['generator']
    assert ckpt['meta']['layout'] == 'rosinality StyleGAN2'
    assert torch.equal(ckpt['state_dict']['generator_ema.w_avg'], latent_avg)
    z = torch.randn(2, 16)
    with torch.no_grad():
        a = FeatureGenerator(fg_cfg['generator'], checkpoint=dst)(z)[0]
        b = FeatureGenerator(fg_cfg['generator'], checkpoint=src)(z)[0]
    assert torch.equal(a, b)
    # mmagic's own loader takes the file with prefix='generator_ema'
    g = _build_mmagic(dict(cfg, pretrained=dict(ckpt_path=dst, prefix='generator_ema')))
    assert torch.equal(g.w_avg, latent_avg)


def _tool_main(argv, monkeypatch):
    spec = importlib.util.spec_from_file_location('to_mmlinsem', osp.join(ROOT, TOOL))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(sys, 'argv', [TOOL] + argv)
    mod.main()


def test_bad_input_is_one_line(tmp_path, monkeypatch):
    (tmp_path / 'cut.pkl').write_bytes(b'\x80\x04\x95garbage')  # a damaged pickle
    res = run_tool(TOOL, str(tmp_path / 'cut.pkl'), str(tmp_path / 'x.pth'))
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1, res.stderr[-2000:]
    assert lines[0].startswith('error: cannot read') and 'as a pickle' in lines[0]
    assert not (tmp_path / 'x.pth').exists()
    # an mmagic-layout checkpoint needs no conversion
    torch.save(
        dict(state_dict={'generator_ema.constant_input.input': torch.zeros(1)}),
        tmp_path / 'mm.pth')
    with pytest.raises(MMLinsemError, match='already an mmagic-layout checkpoint'):
        _tool_main([str(tmp_path / 'mm.pth'), str(tmp_path / 'y.pth')], monkeypatch)
    with pytest.raises(MMLinsemError, match='input not found'):
        _tool_main([str(tmp_path / 'none.pt'), str(tmp_path / 'y.pth')], monkeypatch)
