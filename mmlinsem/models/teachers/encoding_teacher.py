"""Adapter for the original scene teacher from pytorch-encoding (torch-encoding)."""
from typing import Optional, Sequence

from mmlinsem.data import ade20k_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from mmlinsem.utils.checkpoint_io import expecting
from mmlinsem.utils.paths import resolve_path
from .base_teacher import BaseTeacher

WHY_UNAVAILABLE = (
    'torch-encoding 1.2.1 must be installed and patched for torch >= 2 by '
    'tools/setup_env.sh (its C++ ops fail to compile otherwise); or use SegmentorTeacher '
    'with the mmseg ADE20K ResNeSt DeepLabV3 checkpoint (configs/_base_/teachers/)')


@MODELS.register_module()
class EncodingTeacher(BaseTeacher):
    """``encoding.models.get_model(name, pretrained=True)`` as a frozen labeller.

    Input normalisation follows the original: ImageNet mean/std on [0, 1] images, by
    default at the generator's native resolution; logits are mapped like
    ``SegmentorTeacher``.

    Args:
        model_name (str): a pytorch-encoding model name.
        pretrained (bool): fetch the published weights into ``root`` (the file
            ``deeplab_resnest200_ade-7b9e7d3e.pth`` can also be put there by hand).
        checkpoint (str, optional): load a state dict from this path / URL instead.
        root (str): pytorch-encoding's model store folder.
        label_map (dict, optional): ``SelectLabelMap`` / ``MergeLabelMap`` config.
        classes (list[str], optional): the network's class names (default: ADE20K's 150).
        input_size (int | tuple, optional): the size of the image the network sees: a
            generator image of another size is resized to it (bilinear,
            ``align_corners=True``); default: the image's own size, as the original.
        output_size (int | tuple, optional): the size of the returned logits and labels
            (default: the generator image's size).
    """

    def __init__(self,
                 model_name: str = 'DeepLab_ResNeSt200_ADE',
                 pretrained: bool = True,
                 checkpoint: Optional[str] = None,
                 root: str = '~/.encoding/models',
                 label_map: Optional[dict] = None,
                 classes: Optional[Sequence[str]] = None,
                 input_size=None,
                 output_size=None):
        super().__init__()
        try:
            import encoding
        except Exception as err:  # noqa: BLE001 - any import/compile failure
            raise MMLinsemError(f'EncodingTeacher unavailable: {WHY_UNAVAILABLE} '
                                f'(import error: {type(err).__name__})') from None
        fetch = pretrained and checkpoint is None
        try:
            net = encoding.models.get_model(model_name, pretrained=fetch, root=root)
        except KeyError:
            raise MMLinsemError(f'unknown pytorch-encoding model {model_name!r}') from None
        except Exception as err:  # noqa: BLE001 - download / file errors
            raise MMLinsemError(
                f'could not get the pretrained weights of {model_name} into {root} '
                f'({type(err).__name__}: {str(err).splitlines()[0][:120]}); put the .pth '
                'file there by hand or pass checkpoint=PATH') from None
        if checkpoint:
            from mmengine.runner.checkpoint import CheckpointLoader
            checkpoint = resolve_path(checkpoint)
            try:
                with expecting(f'a pytorch-encoding {model_name} checkpoint'):
                    state = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
            except FileNotFoundError:
                raise MMLinsemError(f'teacher checkpoint not found: {checkpoint}') from None
            state = state.get('state_dict', state)
            try:
                net.load_state_dict(state, strict=True)
            except RuntimeError as err:
                raise MMLinsemError(f'{checkpoint} does not fit {model_name}: '
                                    f'{str(err).splitlines()[1].strip()}') from None
        net.aux = False
        self.net = net.eval().requires_grad_(False)
        self.setup(classes or ade20k_classes(), label_map, (.485, .456, .406), (.229, .224, .225))
        self.set_sizes(input_size, output_size)

    def raw_logits(self, images):
        """Network logits over its own classes at the output size (differentiable)."""
        out = self.net(self.to_input_size(((images.float() + 1) / 2 - self.mean) / self.std))
        out = out[0] if isinstance(out, (tuple, list)) else out
        return self.to_label_size(out, images)
