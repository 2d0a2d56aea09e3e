"""The LinearGAN face parser (a 15-class UNet trained on CelebAMask-HQ) as a teacher."""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import torch
from mmengine.logging import print_log

from mmlinsem.data import named_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from mmlinsem.utils.checkpoint_io import download_checkpoint, hub_cache_path, read_checkpoint
from mmlinsem.utils.paths import resolve_path
from .base_teacher import BaseTeacher
from .face_parser_unet import FaceParserUNet

#: what the weights file must hold, for error lines
EXPECTED = ('the LinearGAN face parser weights (faceparse_unet_512.pth: a UNet state dict, '
            'keys conv1.*, ..., up_concat1.*, final.*)')


def _listed(keys, limit: int = 4) -> str:
    keys = sorted(keys)
    return ', '.join(keys[:limit]) + (f' (+{len(keys) - limit} more)' if len(keys) > limit else '')


def fit_state_dict(net: torch.nn.Module, state: Dict[str, torch.Tensor], path: str) -> None:
    """Load ``state`` into ``net`` strictly: every key of ``net`` present with its shape,
    no other key. BatchNorm's ``num_batches_tracked`` counters may be absent (they do not
    change an eval-mode network). Raises one :class:`MMLinsemError` line naming the
    missing, unexpected or misshapen keys."""
    own = net.state_dict()
    missing = [k for k in own if k not in state and not k.endswith('.num_batches_tracked')]
    unexpected = [k for k in state if k not in own]
    if missing or unexpected:
        found = []
        if missing:
            found.append(f'{len(missing)} missing keys: {_listed(missing)}')
        if unexpected:
            found.append(f'{len(unexpected)} unexpected keys: {_listed(unexpected)}')
        raise MMLinsemError(f'{path} does not fit the face parser UNet: '
                            f'{"; ".join(found)}; expected {EXPECTED}')
    for key, value in state.items():
        if not isinstance(value, torch.Tensor) or value.shape != own[key].shape:
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise MMLinsemError(f'{path} does not fit the face parser UNet: {key} is {shape}, '
                                f'expected {tuple(own[key].shape)}')
    net.load_state_dict(dict(own, **state), strict=True)


def fetch_weights(checkpoint: str, url: Optional[str]) -> str:
    """The local path of the weights: ``checkpoint`` where it exists (also under the
    project root), else ``url`` downloaded to ``checkpoint``; a URL ``checkpoint`` is
    downloaded into torch's hub cache. Raises one line when neither works."""
    if '://' in checkpoint:
        url, checkpoint = checkpoint, hub_cache_path(checkpoint)
    path = resolve_path(checkpoint)
    if osp.isfile(osp.expanduser(path)):
        return path
    if not url:
        raise MMLinsemError(f'face parser weights not found at {checkpoint}; expected {EXPECTED}')
    path = download_checkpoint(url, checkpoint, what='face parser weights')
    print_log(f'face parser weights downloaded from {url} to {path}', logger='current')
    return path


@MODELS.register_module()
class FaceParserTeacher(BaseTeacher):
    """The face parser of the original LinearGAN (``faceparse_unet_512.pth``).

    A UNet (:class:`FaceParserUNet`) trained on CelebAMask-HQ at 512 px with 15 classes
    (left/right parts merged): background, skin, nose, eye_g, eye, brow, ear, mouth, u_lip,
    l_lip, hair, hat, ear_r, neck, cloth -- the names and order of
    ``celebamask_hq_15``. It takes the generator's RGB in [-1, 1] with no further
    normalisation, as the original: the image is resized (bilinear,
    ``align_corners=True``) to ``input_size``, clamped to [-1, 1] and labelled; the
    logits are resized the same way to ``output_size``.

    Args:
        checkpoint (str, optional): the weights: a local path (also looked up under the
            project root) or a URL. ``None`` keeps random weights.
        url (str, optional): where to download the weights from when ``checkpoint`` is a
            local path that does not exist yet (they are saved there).
        classes (list[str] | str): the network's class names (default
            ``'celebamask_hq_15'``).
        label_map (dict, optional): ``SelectLabelMap`` / ``MergeLabelMap`` config.
        input_size (int | tuple): the size the network sees (512, its training size);
            an image of another size is resized to it.
        output_size (int | tuple, optional): the size of the returned logits and labels
            (512 as the paper's face setting; ``None``: the generator image's size).
    """

    def __init__(self,
                 checkpoint: Optional[str] = 'checkpoints/faceparse_unet_512.pth',
                 url: Optional[str] = None,
                 classes: Union[Sequence[str], str] = 'celebamask_hq_15',
                 label_map: Optional[dict] = None,
                 input_size=512,
                 output_size=512):
        super().__init__()
        if isinstance(classes, str):
            classes = named_classes(classes)
        self.net = FaceParserUNet(num_classes=len(classes))
        if checkpoint:
            path = fetch_weights(str(checkpoint), url)
            state = read_checkpoint(path, expected=EXPECTED)
            if isinstance(state.get('state_dict'), dict):
                state = state['state_dict']
            fit_state_dict(self.net, state, path)
            print_log(f'face parser weights loaded from {path}', logger='current')
        self.net.requires_grad_(False)
        self.net.eval()
        self.setup(classes, label_map, (0., 0., 0.), (1., 1., 1.))
        self.set_sizes(input_size, output_size)

    def raw_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits over the 15 face classes at the output size (differentiable)."""
        x = self.to_input_size(images.float()).clamp(-1, 1)
        return self.to_label_size(self.net(x), images)
