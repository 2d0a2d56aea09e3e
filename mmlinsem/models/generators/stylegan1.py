"""StyleGAN (v1) generator with the official layer order, for genforce-layout weights.

mmagic's ``StyleGANv1Generator`` cannot take the official weights faithfully: its up-sampling
conv applies a LeakyReLU before the blur (and another after the noise), its conv bias comes
before the blur, and its noise strength is one scalar instead of one per channel. This
generator follows the official TF network as genforce ports it (the layout LinearGAN used and
distributed). Every layer runs

    conv (2x up-sampling: nearest + conv below 128 px, fused transposed conv from 128 px)
    -> blur (up-sampling layers) -> noise (per-channel strength) -> bias -> LeakyReLU(0.2)
    -> instance norm -> style (AdaIN)

with a learned constant instead of the conv in the first layer. Two layers make a resolution
block; the image comes from the last block's ToRGB. mmagic's modules are reused where they
are the same operation: the mapping MLP layers (``EqualLinearActModule``), ``ConstantInput``,
``Blur``, ``AdaptiveInstanceNorm`` (its instance norm eps set to genforce's 1e-8) and the
ToRGB (``EqualizedLRConvModule``).

The latent interface is mmagic's (``style_mapping``, ``num_latents``, ``injected_noise_{i}``,
``forward([w+], input_is_latent=True, injected_noise=..., randomize_noise=False)``), so
``FeatureGenerator`` wraps it like the mmagic generators. ``w_avg`` holds the official
truncation centre (``dlatent_avg``) once converted weights are loaded (NaN before).

``convert_genforce_state`` maps a genforce-layout state dict (current genforce and the legacy
interfacegan / LinearGAN layout) onto this generator; see
``tools/model_converters/stylegan1_genforce_to_mmlinsem.py``.
"""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmagic.models.editors.pggan import EqualizedLRConvModule
from mmagic.models.editors.stylegan1.stylegan1_modules import (AdaptiveInstanceNorm, Blur,
                                                               ConstantInput, EqualLinearActModule)
from mmengine.model import BaseModule
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS

_FUSED_MIN_RES = 128  # genforce / official fused_scale='auto'


def genforce_channels(out_size: int, fmaps_base: int = 16 << 10, fmaps_max: int = 512):
    """{res: C} with genforce's ``min(fmaps_base // res, fmaps_max)``."""
    return {
        2**i: min(fmaps_base // 2**i, fmaps_max)
        for i in range(2,
                       int(math.log2(out_size)) + 1)
    }


class PixelNormLayer(nn.Module):
    """``x / sqrt(mean_c(x^2) + eps)`` over channels (genforce's form, eps inside the root)."""

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return x / torch.sqrt(x.pow(2).mean(1, keepdim=True) + self.eps)


class EqualizedConv2d(nn.Module):
    """Bias-free equalised-lr conv, optionally up-sampling 2x.

    ``weight`` is stored (out, in, k, k) and scaled by ``gain / sqrt(in * k * k)``.
    ``upsample='nearest'`` runs nearest up-sampling then the conv; ``'fused'`` runs the
    official fused transposed conv (the kernel padded and summed over its 4 shifts, stride 2).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 upsample: Optional[str] = None,
                 gain: float = math.sqrt(2.0)):
        super().__init__()
        if upsample not in (None, 'nearest', 'fused'):
            raise MMLinsemError(f"upsample must be None, 'nearest' or 'fused', got {upsample!r}")
        self.upsample = upsample
        self.padding = kernel_size // 2
        self.scale = gain / math.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))

    def forward(self, x):
        weight = self.weight * self.scale
        if self.upsample == 'fused':
            weight = F.pad(weight, (1, 1, 1, 1))
            weight = (
                weight[..., 1:, 1:] + weight[..., :-1, 1:] + weight[..., 1:, :-1] +
                weight[..., :-1, :-1])
            return F.conv_transpose2d(x, weight.transpose(0, 1), stride=2, padding=self.padding)
        if self.upsample == 'nearest':
            x = F.interpolate(x, scale_factor=2, mode='nearest')
        return F.conv2d(x, weight, padding=self.padding)


class NoiseStrength(nn.Module):
    """Add a (N|1, 1, H, W) noise map scaled by one learned strength per channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x, noise):
        return x + noise.to(x) * self.weight.view(1, -1, 1, 1)


class AddBias(nn.Module):
    """Add one learned bias per channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x + self.bias.view(1, -1, 1, 1)


class StyleLayer(nn.Module):
    """One synthesis layer: conv | const -> [blur] -> noise -> bias -> lrelu -> AdaIN.

    Args:
        in_channels (int): input channels (ignored for the constant input layer).
        out_channels (int): output channels.
        style_channels (int): w dimension.
        mode (str): ``'const'`` (learned 4x4 input), ``'conv'`` (3x3 conv),
            ``'nearest'`` or ``'fused'`` (2x up-sampling conv, then blur).
        blur_kernel (sequence): 1-D blur taps (official: 1, 2, 1).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 style_channels: int,
                 mode: str = 'conv',
                 blur_kernel: Sequence[int] = (1, 2, 1)):
        super().__init__()
        if mode not in ('const', 'conv', 'nearest', 'fused'):
            raise MMLinsemError(f"StyleLayer mode must be 'const', 'conv', 'nearest' or "
                                f"'fused', got {mode!r}")
        self.mode = mode
        if mode == 'const':
            self.const = ConstantInput(out_channels)
        else:
            self.conv = EqualizedConv2d(
                in_channels, out_channels, 3, upsample=None if mode == 'conv' else mode)
        if mode in ('nearest', 'fused'):
            taps = len(blur_kernel) - 1
            self.blur = Blur(list(blur_kernel), pad=(taps // 2, taps - taps // 2))
        self.noise = NoiseStrength(out_channels)
        self.bias = AddBias(out_channels)
        self.activate = nn.LeakyReLU(0.2)
        self.style = AdaptiveInstanceNorm(out_channels, style_channels)
        self.style.norm.eps = 1e-8  # genforce's instance norm

    def forward(self, x, w, noise):
        x = self.const(w) if self.mode == 'const' else self.conv(x)
        if self.mode in ('nearest', 'fused'):
            x = self.blur(x)
        x = self.noise(x, noise)
        x = self.bias(x)
        x = self.activate(x)
        return self.style(x, w)


@MODELS.register_module()
class GenforceStyleGANGenerator(BaseModule):
    """StyleGAN (v1) generator in the official layer order (genforce's port).

    Args:
        out_size (int): output resolution (8 ... 1024, a power of 2).
        style_channels (int): z and w dimension (512 for the official models).
        num_mlps (int): mapping layers (8).
        lr_mlp (float): mapping learning-rate multiplier (0.01).
        fmaps_base (int): channels are ``min(fmaps_base // res, fmaps_max)`` per resolution
            (official: 16384 and 512, so 512 up to 32 px, then 256, 128, 64, 32, 16).
        fmaps_max (int): see ``fmaps_base``.
        channels (dict, optional): explicit {res: C}, overriding fmaps_base / fmaps_max.
        fused_scale (str | bool): ``'auto'`` (fused transposed conv from 128 px up, as the
            official models), True (all) or False (nearest + conv everywhere).
        blur_kernel (sequence): 1-D blur taps after up-sampling convs.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 out_size: int,
                 style_channels: int = 512,
                 num_mlps: int = 8,
                 lr_mlp: float = 0.01,
                 fmaps_base: int = 16 << 10,
                 fmaps_max: int = 512,
                 channels: Optional[Dict[int, int]] = None,
                 fused_scale: Union[str, bool] = 'auto',
                 blur_kernel: Sequence[int] = (1, 2, 1),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        log_size = int(round(math.log2(out_size))) if out_size > 0 else 0
        if out_size < 8 or 2**log_size != out_size:
            raise MMLinsemError(f'out_size must be a power of 2 >= 8, got {out_size}')
        if fused_scale not in ('auto', True, False):
            raise MMLinsemError(f"fused_scale must be 'auto', True or False, got {fused_scale!r}")
        self.out_size = out_size
        self.style_channels = style_channels
        self.noise_size = style_channels
        self.num_mlps = num_mlps
        self.fused_scale = fused_scale
        if channels is None:
            table = genforce_channels(out_size, fmaps_base, fmaps_max)
        else:
            table = {int(k): int(v) for k, v in channels.items()}
            missing = [r for r in genforce_channels(out_size) if r not in table]
            if missing:
                raise MMLinsemError(f'channels must give a count for every resolution 4..'
                                    f'{out_size}, missing {missing}')
        self.channels = table
        self.resolutions = [2**i for i in range(2, log_size + 1)]

        mapping = [PixelNormLayer()]
        for _ in range(num_mlps):
            mapping.append(
                EqualLinearActModule(
                    style_channels,
                    style_channels,
                    equalized_lr_cfg=dict(lr_mul=lr_mlp, gain=math.sqrt(2.0)),
                    act_cfg=dict(type='LeakyReLU', negative_slope=0.2)))
        self.style_mapping = nn.Sequential(*mapping)
        self.register_buffer('w_avg', torch.full((style_channels, ), float('nan')))

        self.layers = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        in_ch = table[4]
        for res in self.resolutions:
            ch = table[res]
            if res == 4:
                mode = 'const'
            else:
                fused = res >= _FUSED_MIN_RES if fused_scale == 'auto' else fused_scale
                mode = 'fused' if fused else 'nearest'
            self.layers.append(StyleLayer(in_ch, ch, style_channels, mode, blur_kernel))
            self.layers.append(StyleLayer(ch, ch, style_channels, 'conv', blur_kernel))
            self.to_rgbs.append(
                EqualizedLRConvModule(ch, 3, 1, act_cfg=None, equalized_lr_cfg=dict(gain=1.)))
            in_ch = ch
        self.num_latents = len(self.layers)
        self.num_injected_noises = len(self.layers)
        for i in range(self.num_injected_noises):
            res = self.resolutions[i // 2]
            self.register_buffer(f'injected_noise_{i}', torch.randn(1, 1, res, res))

    # ------------------------------------------------------------- interface
    def default_feature_layers(self) -> List[str]:
        """The original's features: each block's second layer output (after its AdaIN)."""
        return [f'layers.{2 * b + 1}.style' for b in range(len(self.resolutions))]

    def style_projections(self) -> List[nn.Module]:
        """w -> style affine map of every layer, ordered by w+ index (for SeFa)."""
        return [layer.style.affine for layer in self.layers]

    def has_w_avg(self) -> bool:
        return bool(torch.isfinite(self.w_avg).all())

    def _as_wplus(self, styles, input_is_latent, num_batches):
        if isinstance(styles, (list, tuple)):
            if len(styles) != 1:
                raise MMLinsemError(f'{type(self).__name__} takes one latent batch (style '
                                    f'mixing: pass a w+ tensor), got {len(styles)}')
            styles = styles[0]
        device = self.w_avg.device
        if styles is None:
            if num_batches <= 0:
                raise MMLinsemError('give a latent batch or num_batches > 0')
            styles = torch.randn(num_batches, self.style_channels, device=device)
            input_is_latent = False
        styles = styles.to(device)
        if not input_is_latent:
            if styles.ndim != 2 or styles.shape[1] != self.style_channels:
                raise MMLinsemError(f'z must have shape (N, {self.style_channels}), got '
                                    f'{tuple(styles.shape)}')
            styles = self.style_mapping(styles)
        if styles.ndim == 2:
            styles = styles.unsqueeze(1).repeat(1, self.num_latents, 1)
        if styles.ndim != 3 or styles.shape[1:] != (self.num_latents, self.style_channels):
            raise MMLinsemError(f'w+ must have shape (N, {self.num_latents}, '
                                f'{self.style_channels}), got {tuple(styles.shape)}')
        return styles

    def forward(self,
                styles,
                num_batches: int = -1,
                return_noise: bool = False,
                return_latents: bool = False,
                truncation: float = 1.,
                truncation_latent: Optional[torch.Tensor] = None,
                input_is_latent: bool = False,
                injected_noise: Optional[Sequence[torch.Tensor]] = None,
                randomize_noise: bool = False):
        """Synthesise images.

        Args:
            styles: z (N, C), or with ``input_is_latent`` w (N, C) / w+ (N, L, C); a tensor
                or a one-element list (mmagic's convention).
            truncation: psi on all layers, around ``truncation_latent`` or ``w_avg``.
            injected_noise: per-layer noise maps (N|1, 1, res, res); otherwise the fixed
                buffers, or fresh noise with ``randomize_noise``.

        Returns:
            Tensor | dict: the image (N, 3, H, W), or a dict with ``fake_img``, ``latent``
            and ``noise_batch`` when ``return_latents`` / ``return_noise``.
        """
        wp = self._as_wplus(styles, input_is_latent, num_batches)
        if truncation < 1:
            if truncation_latent is None:
                if not self.has_w_avg():
                    raise MMLinsemError('truncation needs truncation_latent or the w_avg of '
                                        'converted official weights (w_avg is unset)')
                truncation_latent = self.w_avg
            centre = truncation_latent.to(wp).reshape(1, -1, self.style_channels)
            wp = centre + truncation * (wp - centre)
        if injected_noise is None:
            if randomize_noise:
                injected_noise = [
                    torch.randn(wp.shape[0], 1, r, r, device=wp.device) for r in self.resolutions
                    for _ in range(2)
                ]
            else:
                injected_noise = [
                    getattr(self, f'injected_noise_{i}') for i in range(self.num_injected_noises)
                ]
        if len(injected_noise) != self.num_injected_noises:
            raise MMLinsemError(f'injected_noise needs {self.num_injected_noises} maps, got '
                                f'{len(injected_noise)}')
        x = None
        for i, layer in enumerate(self.layers):
            x = layer(x, wp[:, i], injected_noise[i])
        img = self.to_rgbs[-1](x)
        if return_noise or return_latents:
            return dict(fake_img=img, latent=wp, noise_batch=list(injected_noise))
        return img
