"""Per-image reconstruction losses of GAN inversion, all usable offline.

A loss spec is terms joined by ``+``: ``pixel`` (mean squared error in [-1, 1] units),
``msssim`` (1 - MS-SSIM, :mod:`.image_quality`) and ``lpips`` (the ``lpips`` package's
VGG-16 metric, as the StyleGAN2 projector; ``lpips-alex`` for its AlexNet variant). LPIPS
ships its linear layers in the wheel but not the ImageNet backbone: the backbone's
torchvision checkpoint must already be in ``$TORCH_HOME/hub/checkpoints/`` and is loaded
from there; nothing is downloaded.
"""
import os.path as osp
from typing import Callable, Dict

import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation.image_quality import ms_ssim
from mmlinsem.utils.fileio import reading

#: torchvision checkpoint file of each LPIPS backbone
LPIPS_BACKBONES = {
    'lpips': ('vgg', 'vgg16-397923af.pth'),
    'lpips-alex': ('alex', 'alexnet-owt-7be5be79.pth')
}
TERMS = ('pixel', 'msssim') + tuple(LPIPS_BACKBONES)


def parse_loss(spec: str) -> Dict[str, float]:
    """``'pixel+msssim'`` or weighted ``'pixel+0.5*lpips'`` -> {term: weight}."""
    terms = {}
    for part in str(spec).split('+'):
        part = part.strip()
        weight, _, name = part.rpartition('*')
        try:
            weight = float(weight) if weight else 1.0
        except ValueError:
            weight = None
        if name not in TERMS or weight is None or weight < 0 or name in terms:
            raise MMLinsemError(f'loss must be terms of {"/".join(TERMS)} joined by "+" '
                                f'(each once, optionally weighted as 0.5*lpips), got {spec!r}')
        terms[name] = weight
    return terms


def lpips_checkpoint(name: str = 'lpips') -> str:
    """Where the LPIPS backbone's torchvision weights must be (``torch.hub.get_dir()``)."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', LPIPS_BACKBONES[name][1])


def build_lpips(name: str = 'lpips', device='cpu') -> torch.nn.Module:
    """The LPIPS metric with its backbone loaded from the local torchvision checkpoint."""
    path = lpips_checkpoint(name)
    if not osp.isfile(path):
        raise MMLinsemError(f'--loss {name} needs the {LPIPS_BACKBONES[name][0]} backbone '
                            f'weights at {path} (not downloaded here); use pixel+msssim')
    try:
        import lpips
    except ImportError:
        raise MMLinsemError(f'--loss {name} needs the lpips package; use pixel+msssim') from None
    metric = lpips.LPIPS(net=LPIPS_BACKBONES[name][0], pnet_rand=True, verbose=False)
    with reading(f'the LPIPS backbone {path}'):
        state = torch.load(path, map_location='cpu', weights_only=True)
    # The backbone's slices keep torchvision's layer indices (slice1.0 = features.0, ...).
    own = metric.net.state_dict()
    mapped = {k: state.get('features.' + k.split('.', 1)[1]) for k in own}
    missing = [k for k, v in mapped.items() if v is None or v.shape != own[k].shape]
    if missing:
        raise MMLinsemError(f'{path} is not a torchvision {LPIPS_BACKBONES[name][0]} checkpoint: '
                            f'no matching features.* weights for {missing[0]}')
    metric.net.load_state_dict(mapped)
    return metric.to(device).eval().requires_grad_(False)


def build_loss(spec: str, device='cpu') -> Callable:
    """A function (images, photos) -> (per-image loss (N,), {term: per-image value})."""
    terms = parse_loss(spec)
    nets = {name: build_lpips(name, device) for name in terms if name.startswith('lpips')}

    def loss(img: torch.Tensor, photo: torch.Tensor):
        parts = {}
        for name in terms:
            if name == 'pixel':
                parts[name] = (img - photo).pow(2).flatten(1).mean(1)
            elif name == 'msssim':
                parts[name] = 1 - ms_ssim(img, photo)
            else:  # LPIPS takes [-1, 1] RGB
                parts[name] = nets[name](img, photo).flatten(1).mean(1)
        total = sum(terms[n] * v for n, v in parts.items())
        return total, parts

    return loss
