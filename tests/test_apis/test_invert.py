"""Issue 16: GAN inversion of real images, MS-SSIM, blending an edit back into the photo."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mmlinsem.apis import invert_images, load_inverted
from mmlinsem.apis.inversion import blend_edit, injected_noise, load_photo, w_statistics
from mmlinsem.apis.inversion.invert import lr_at, noise_regulariser, region_alpha, renormalise
from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation import ms_ssim, psnr, ssim
from mmlinsem.models.losses.reconstruction_loss import build_loss, lpips_checkpoint, parse_loss
from mmlinsem.registry import MODELS
from conftest import ROOT, stylegan2_cfg, tiny_extractor

# PSNR (dB) of inverting a planted G(w*) of the shipped 64 px toy StyleGAN2, 100 steps, the
# generator's own noise, 2,000 w samples: measured 31.6-31.8 over planted seeds 0 and 1, in
# w+ and in w. The start (mean w) and random w score 6.3-10.3 dB against the same targets.
PLANTED_PSNR_MIN = 28.0
RANDOM_PSNR_MAX = 15.0
TOY = 'configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py'


@pytest.fixture(scope='module')
def gen():
    """The tiny random StyleGAN2 (32 px): checks of shapes and errors."""
    torch.manual_seed(0)
    return MODELS.build(
        dict(_scope_='mmlinsem', type='FeatureGenerator', generator=stylegan2_cfg(32))).eval()


@pytest.fixture(scope='module')
def toy_gen():
    """The shipped, trained toy StyleGAN2 (64 px; its noise inputs have non-zero weights,
    unlike a freshly initialised generator's)."""
    import os

    from mmengine.config import Config

    from mmlinsem.registry import build_in_scope
    cfg = Config.fromfile(osp.join(ROOT, TOY))
    cwd = os.getcwd()
    os.chdir(ROOT)  # the config's checkpoint path is relative to the repository
    try:
        return build_in_scope(MODELS, cfg.model.generator.to_dict()).eval()
    finally:
        os.chdir(cwd)


def _planted(gen, seed):
    z = torch.randn(1, gen.noise_size, generator=torch.Generator().manual_seed(100 + seed))
    with torch.no_grad():
        w = gen.z_to_w(z)
        img, _ = gen(w, space='w', truncate=False)
    return w, img


@pytest.mark.parametrize('seed,space', [(0, 'w+'), (1, 'w')])
def test_planted_latent_is_recovered(toy_gen, seed, space):
    gen = toy_gen
    w, target = _planted(gen, seed)
    out = invert_images(gen, target, space=space, steps=100, noise='fixed', num_w_samples=2000)
    assert out['latents'].shape == (1, gen.num_latents, gen.style_channels)
    assert out['noise'] is None and out['head_masks'] is None
    assert float(out['psnr'][0]) > PLANTED_PSNR_MIN
    assert float(out['psnr'][0]) == pytest.approx(float(psnr(out['images'], target)[0]))
    # the baseline: the start (mean w) and random w, without optimisation
    mean, _ = w_statistics(gen, 2000)
    z = torch.randn(4, gen.noise_size, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        starts = torch.cat([mean, gen.z_to_w(z)])
        imgs, _ = gen(starts, space='w', truncate=False)
    baseline = psnr(imgs, target.expand_as(imgs))
    assert float(baseline.max()) < RANDOM_PSNR_MAX
    # the latent alone (the generator's noise) reproduces the reconstruction
    with torch.no_grad():
        again, _ = gen(out['latents'], space='w+', truncate=False)
    assert torch.allclose(again, out['images'], atol=1e-5)
    if space == 'w':
        lat = out['latents']
        assert torch.equal(lat[:, :1].expand_as(lat), lat)  # one w tiled over the layers


def test_optimised_noise_is_renormalised_and_helps(toy_gen):
    gen = toy_gen
    targets = torch.cat([_planted(gen, s)[1] for s in (2, 3)])
    kw = dict(space='w+', steps=40, num_w_samples=500)
    out = invert_images(gen, targets, **kw)
    assert len(out['noise']) == gen.generator.num_injected_noises
    for m in out['noise']:  # renormalised per image
        assert torch.allclose(m.mean((1, 2, 3)), torch.zeros(2), atol=1e-4)
        assert torch.allclose(m.pow(2).mean((1, 2, 3)), torch.ones(2), atol=1e-3)
    assert len(out['loss_history']) == 40
    assert out['loss_history'][-1] < 0.5 * out['loss_history'][0]
    # the reconstruction is G(latent) with the optimised maps
    with torch.no_grad():
        again, _ = gen(out['latents'], space='w+', truncate=False, noise=out['noise'])
    assert torch.allclose(again, out['images'], atol=1e-5)


def test_ms_ssim_identical_and_decreasing_with_noise():
    g = torch.Generator().manual_seed(0)
    img = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    img = torch.nn.functional.avg_pool2d(img, 3, 1, 1)  # some structure
    assert torch.allclose(ms_ssim(img, img), torch.ones(2), atol=1e-5)
    assert torch.allclose(ssim(img, img), torch.ones(2), atol=1e-5)
    values = []
    for sigma in (0.05, 0.1, 0.3, 0.6):
        noisy = (img + sigma * torch.randn(img.shape, generator=g)).clamp(-1, 1)
        values.append(float(ms_ssim(img, noisy).mean()))
    assert all(a > b for a, b in zip(values, values[1:])), values
    assert 0 < values[-1] < 0.9
    small = img[:, :, :16, :16]  # one scale and a shrunk window still work
    assert torch.allclose(ms_ssim(small, small), torch.ones(2), atol=1e-5)
    x = small.clone().requires_grad_(True)
    (1 - ms_ssim(x, -small)).sum().backward()
    assert torch.isfinite(x.grad).all()
    with pytest.raises(MMLinsemError, match='one shape'):
        ms_ssim(img, small)


def test_projector_pieces():
    assert lr_at(0.0, 0.1) == 0 and lr_at(0.5, 0.1) == pytest.approx(0.1)
    assert lr_at(0.99, 0.1) < 0.001 and lr_at(0.025, 0.1) == pytest.approx(0.05)
    white = torch.randn(1, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    smooth = torch.nn.functional.interpolate(white[:, :, :8, :8], size=32, mode='bilinear')
    renormalise([smooth])
    assert float(noise_regulariser([smooth])) > 20 * float(noise_regulariser([white]))
    assert parse_loss('pixel+0.5*msssim') == dict(pixel=1.0, msssim=0.5)
    for bad in ('pixel+ssim', 'pixel+pixel', '-1*pixel', ''):
        with pytest.raises(MMLinsemError, match='loss must be'):
            parse_loss(bad)


def test_lpips_without_local_weights_is_one_error(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    expected = lpips_checkpoint('lpips')
    assert expected == str(tmp_path / 'hub' / 'checkpoints' / 'vgg16-397923af.pth')
    with pytest.raises(MMLinsemError, match='vgg16-397923af.pth') as err:
        build_loss('pixel+lpips')
    assert '\n' not in str(err.value) and str(tmp_path) in str(err.value)


def test_blend_edit_keeps_the_photo_outside_the_region():
    g = torch.Generator().manual_seed(0)
    photo, recon, edited = (torch.rand(3, 32, 32, generator=g) * 2 - 1 for _ in range(3))
    region = torch.zeros(16, 16, dtype=torch.bool)  # label size: half the image size
    region[4:8, 4:8] = True  # image pixels 8..15
    out = blend_edit(photo, recon, edited, region, dilate=2, feather=2)
    alpha = out['alpha']
    support = torch.zeros(32, 32, dtype=torch.bool)
    support[4:20, 4:20] = True  # 8..15 grown by dilate + feather = 4 px
    assert torch.equal(out['image'][:, ~support], photo[:, ~support])
    assert (alpha[~support] == 0).all() and (alpha[support] > 0).all()
    core = torch.zeros(32, 32, dtype=torch.bool)
    core[8:16, 8:16] = True
    assert torch.allclose(out['image'][:, core], edited[:, core])
    assert 0 < out['recon_error'] <= 2
    empty = blend_edit(photo, recon, edited, torch.zeros(16, 16, dtype=torch.bool))
    assert torch.equal(empty['image'], photo)
    assert region_alpha(region, (16, 16), 0, 0).sum() == 16
    with pytest.raises(MMLinsemError, match='one size'):
        blend_edit(photo, recon[:, :16], edited, region)


def test_photos_cropped_resized_and_bad_files_refused(tmp_path):
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = (200, 100, 50)  # the centre square
    Image.fromarray(wide).save(tmp_path / 'wide.jpg', quality=100)
    out = load_photo(str(tmp_path / 'wide.jpg'), (16, 16))
    assert out.shape == (3, 16, 16)
    centre = torch.tensor([200, 100, 50]).view(3, 1, 1) / 127.5 - 1
    assert torch.allclose(out[:, 2:-2, 2:-2], centre.expand(3, 12, 12), atol=0.05)
    Image.fromarray(wide[:, :, 0]).convert('RGBA').save(tmp_path / 'grey.png')
    assert load_photo(str(tmp_path / 'grey.png'), (8, 8)).shape == (3, 8, 8)
    (tmp_path / 'notes.png').write_text('not an image')
    with pytest.raises(MMLinsemError, match='cannot read image .*notes.png') as err:
        load_photo(str(tmp_path / 'notes.png'), (16, 16))
    assert '\n' not in str(err.value)
    with pytest.raises(MMLinsemError, match='image not found: .*missing.png'):
        load_photo(str(tmp_path / 'missing.png'), (16, 16))


def test_wrong_image_size_and_options_refused(gen):
    with pytest.raises(MMLinsemError, match=r'\(N, 3, 32, 32\)'):
        invert_images(gen, torch.zeros(1, 3, 16, 16))
    with pytest.raises(MMLinsemError, match='space must be'):
        invert_images(gen, torch.zeros(1, 3, 32, 32), space='z')
    with pytest.raises(MMLinsemError, match='needs a SemanticExtractor'):
        invert_images(gen, torch.zeros(1, 3, 32, 32), semantic_weight=1.0)


def test_injected_noise_and_load_inverted(toy_gen, tmp_path):
    from mmlinsem.apis.inversion.real_images import write_noise, write_npy
    gen = toy_gen
    w, _ = _planted(gen, 0)
    wp = gen.to_wp(w, 'w', truncate=False)
    maps = [
        torch.randn(1, *b.shape[1:]) for b in [
            getattr(gen.generator, f'injected_noise_{i}')
            for i in range(gen.generator.num_injected_noises)
        ]
    ]
    write_npy(str(tmp_path / 'latents' / 'a.npy'), wp[0].numpy())
    write_noise(str(tmp_path / 'noise' / 'a.npz'), maps)
    latent, loaded = load_inverted(str(tmp_path / 'latents' / 'a.npy'), gen.num_latents)
    assert torch.equal(latent, wp[0]) and all(torch.equal(a, b) for a, b in zip(loaded, maps))
    with torch.no_grad():
        own, _ = gen(wp, space='w+', truncate=False)
        with injected_noise(gen, loaded):
            swapped, _ = gen(wp, space='w+', truncate=False)
        explicit, _ = gen(wp, space='w+', truncate=False, noise=maps)
        back, _ = gen(wp, space='w+', truncate=False)
    assert torch.allclose(swapped, explicit) and torch.equal(back, own)
    assert not torch.allclose(swapped, own)
    with pytest.raises(MMLinsemError, match='noise maps must have sizes'):
        with injected_noise(gen, maps[:-1]):
            pass


def test_semantic_term_pulls_the_head_mask_to_the_target():
    torch.manual_seed(0)
    model = tiny_extractor(16).eval()
    with torch.no_grad():
        for conv in model.head.extractor:
            conv.weight.mul_(20)
        w = model.generator.z_to_w(torch.randn(1, 16, generator=torch.Generator().manual_seed(5)))
        photo, feats = model.generator(w, space='w', truncate=False)
        target = model.head(feats, size=(16, 16)).argmax(1)
    kw = dict(space='w+', steps=40, noise='fixed', num_w_samples=500, loss='pixel')
    plain = invert_images(model, torch.zeros_like(photo), **kw)
    sem = invert_images(
        model, torch.zeros_like(photo), semantic_weight=5.0, target_masks=target, **kw)
    agree = [float((r['head_masks'] == target).float().mean()) for r in (plain, sem)]
    assert agree[1] > agree[0] + 0.1, agree
    with pytest.raises(MMLinsemError, match=r'target_masks must be \(N, 16, 16\)'):
        invert_images(model, photo, semantic_weight=1.0, target_masks=target[:, :8])


def test_lpips_loads_a_local_backbone_checkpoint(tmp_path, monkeypatch):
    """The real loading path on a backbone built here: torchvision AlexNet's features.*
    (random weights) saved where torch.hub keeps checkpoints."""
    import torchvision
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    path = lpips_checkpoint('lpips-alex')
    state = {
        k: v
        for k, v in torchvision.models.alexnet(weights=None).state_dict().items()
        if k.startswith('features.')
    }
    os.makedirs(osp.dirname(path))
    torch.save(state, path)
    loss = build_loss('pixel+lpips-alex')
    g = torch.Generator().manual_seed(0)
    a, b = (torch.rand(2, 3, 64, 64, generator=g) * 2 - 1 for _ in range(2))
    same, parts = loss(a, a)
    assert torch.allclose(same, torch.zeros(2), atol=1e-6) and set(parts) == {'pixel', 'lpips-alex'}
    x = a.clone().requires_grad_(True)
    total, parts = loss(x, b)
    assert (parts['lpips-alex'] > 0).all()
    total.sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    torch.save({'classifier.1.weight': torch.zeros(1)}, path)  # another network's file
    with pytest.raises(MMLinsemError, match='is not a torchvision alex checkpoint') as err:
        build_loss('lpips-alex')
    assert '\n' not in str(err.value)
