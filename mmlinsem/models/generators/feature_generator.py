"""A frozen generator that returns its image plus hooked feature maps."""
from functools import partial
from typing import List, Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS
from mmlinsem.utils.paths import resolve_path
from .adapters import adapter_for
from .checkpoint import load_generator_weights
from .formats import generator_config_from_file
from .latent_spaces import LATENT_SPACES, LatentSpaces  # noqa: F401
from .layer_specs import default_layer_names
from .truncated_forward import (StopForward, is_stylegan2, split_supported, style_conv_index,
                                stylegan2_features)


def _build_mmagic(cfg: dict) -> nn.Module:
    """Build the generator in its scope: mmagic's (default) or ``_scope_='mmlinsem'``."""
    cfg = dict(cfg)
    scope = cfg.pop('_scope_', 'mmagic')
    if scope == 'mmlinsem':
        registry = MODELS
    else:
        from mmagic.registry import MODELS as registry
    with DefaultScope.overwrite_default_scope(scope):
        return registry.build(cfg)


def fixed_noise(generator) -> Optional[List[torch.Tensor]]:
    """Noise that renders the same on every call of ``generator`` (a FeatureGenerator): its
    noise buffers when it is configured for random noise, else None (the fixed noise)."""
    return generator.noise_buffers() if generator.noise == 'random' else None


@MODELS.register_module()
class FeatureGenerator(LatentSpaces, nn.Module):
    """Wrap a generator: latents in, ``(image, [features])`` out.

    The generator is mmagic's (StyleGAN v1 / v2 / v3, PGGAN), mmlinsem's, or any PyTorch
    module registered in a registry the config reaches that has an integer ``noise_size``
    and ``forward(z) -> image`` ((N, 3, H, W), about [-1, 1]); such a module takes z only.
    A style-based module of one's own adds ``style_channels``, ``num_latents``,
    ``mapping(z) -> w`` and ``synthesis(w+) -> image`` (and optionally a ``w_avg``
    buffer): it then takes z, w and w+ (see :mod:`.adapters`).

    A hooked module's output that a later operation modifies in place (a norm followed by
    ``ReLU(inplace=True)``) would be captured modified; such layers are found by one forward
    at build time (the tensor's version counter moved after the capture) and captured as a
    copy, logged once. Any later in-place change to an uncopied capture is an error.

    Args:
        generator (dict | str): generator config, built in the ``mmagic`` scope unless
            ``_scope_`` says otherwise (``_scope_='mmlinsem'`` for
            ``GenforceStyleGANGenerator`` and modules registered in mmlinsem's ``MODELS``);
            ``'auto'``: the config the ``checkpoint`` file implies (a foreign format's inferred
            architecture, or the ``meta.generator`` an mmlinsem-written file records).
        checkpoint (str, optional): path or URL of an mmagic/mmgen checkpoint (full GAN
            or generator-only). EMA weights are preferred.
        layers (str | list[str]): ``'default'`` (per generator family) or module names
            (``tools/rank_layers.py`` ranks candidates); ``[]``: the image only.
        output_order (str): colour order the generator emits, ``'rgb'`` or ``'bgr'``;
            outputs of this wrapper are always RGB in [-1, 1].
        truncation (float): psi applied to w+ (1 = off).
        truncation_layers (int, optional): apply psi to the first k layers (None = all).
        mean_latent_seed / mean_latent_samples: the truncation centre is the mean of
            ``mapping(z)`` over that many z drawn from that seed (same on every rank), unless
            the generator carries the official average (``w_avg`` of converted genforce
            StyleGAN weights), which is then used as the original does.
        noise (str): ``'fixed'`` (the generator's noise buffers) or ``'random'``.
        latent_shape (tuple, optional): the shape a z-only module takes per sample, e.g.
            ``(100, 1, 1)``; default: the module's ``latent_shape`` attribute, else found
            by trying ``(noise_size, )`` then ``(noise_size, 1, 1)``. Latents stay
            (N, noise_size) everywhere else.
    """

    def __init__(self,
                 generator: Union[dict, str],
                 checkpoint: Optional[str] = None,
                 layers: Union[str, Sequence[str]] = 'default',
                 output_order: str = 'rgb',
                 truncation: float = 1.0,
                 truncation_layers: Optional[int] = None,
                 mean_latent_seed: int = 0,
                 mean_latent_samples: int = 4096,
                 noise: str = 'fixed',
                 latent_shape: Optional[Sequence[int]] = None):
        super().__init__()
        if output_order not in ('rgb', 'bgr'):
            raise MMLinsemError(f"output_order must be 'rgb' or 'bgr', got {output_order!r}")
        if noise not in ('fixed', 'random'):
            raise MMLinsemError(f"noise must be 'fixed' or 'random', got {noise!r}")
        if generator == 'auto':
            if not checkpoint:
                raise MMLinsemError("generator='auto' reads the architecture from the "
                                    'checkpoint file; give checkpoint=PATH')
            generator = generator_config_from_file(resolve_path(checkpoint))
        elif not isinstance(generator, dict):
            raise MMLinsemError(f"generator must be a config dict or 'auto', got {generator!r}")
        self.generator = _build_mmagic(generator)
        if checkpoint:
            load_generator_weights(self.generator, checkpoint)
            print_log(f'generator weights loaded from {checkpoint}', logger='current')
        self.checkpoint = checkpoint
        self.generator.requires_grad_(False)
        # The generator is frozen in its evaluation style mode (no style mixing); setting it
        # first keeps mmagic's StyleGAN generators from logging the switch on every build.
        if hasattr(self.generator, 'eval_style_mode'):
            self.generator.default_style_mode = self.generator.eval_style_mode
        self.generator.eval()
        self.output_order = output_order
        self.noise = noise
        self.adapter = adapter_for(self.generator, latent_shape)
        self.adapter.probe()
        self.style_based = self.adapter.style_based
        if noise == 'random' and not self.adapter.noise_shapes():
            # nothing to resample (z-only generators, StyleGAN3): the same as fixed noise
            self.noise = 'fixed'
        if not self.style_based and truncation != 1.0:
            raise MMLinsemError(f'truncation={truncation} needs a style-based generator; '
                                f'{type(self.generator).__name__} has no mapping network')
        self.truncation = float(truncation)
        self.truncation_layers = truncation_layers
        self.mean_latent_seed = mean_latent_seed
        self.mean_latent_samples = mean_latent_samples
        self.register_buffer('mean_latent', None, persistent=False)

        self.layer_names = self._resolve_layers(layers)
        self._captured: Optional[List[torch.Tensor]] = None
        self._versions: List[tuple] = []  # (name, tensor, version at capture), uncopied
        self._copied: set = set()  # layers a later in-place op modifies: captured as copies
        self._probing = False  # the build-time forward that finds them
        self._stop_after: Optional[int] = None  # features-only pass: stop at this count
        # StyleGAN2 hooked only at its style convs: a features-only pass can skip ToRGB
        self._convs_only = is_stylegan2(self.generator) and all(
            style_conv_index(n) is not None for n in self.layer_names)
        modules = dict(self.generator.named_modules())
        self._crops = {}
        for name in self.layer_names:
            self._crops[name] = self.adapter.crop(modules[name])
            modules[name].register_forward_hook(partial(self._capture, name))
        self._infer_shapes()

    # ------------------------------------------------------------------ setup
    def default_layers(self) -> Optional[List[str]]:
        """The generator family's default hook layers, or None when it has none."""
        return self.adapter.default_layers() or default_layer_names(self.generator)

    def _resolve_layers(self, layers) -> List[str]:
        valid = [n for n, _ in self.generator.named_modules() if n]
        if layers == 'default':
            names = self.default_layers()
            if names is None:
                raise MMLinsemError(
                    f'no default layers for {type(self.generator).__name__}; list module '
                    'names in layers=[...] (tools/rank_layers.py ranks the candidates), '
                    f'valid names include: {", ".join(valid[:40])}')
            return names
        if isinstance(layers, str):
            layers = [layers]
        unknown = [n for n in layers if n not in valid]
        if unknown:
            raise MMLinsemError(
                f'unknown generator layer(s) {unknown} for {type(self.generator).__name__};'
                f' valid names: {", ".join(valid)}')
        return list(layers)

    def _capture(self, name, module, inputs, output):
        if self._captured is not None:
            if isinstance(output, (tuple, list)):
                output = output[0]
            crop = self._crops.get(name)
            if name in self._copied:
                output = output.clone()
            else:
                self._versions.append((name, output, output._version))
            self._captured.append(crop(output) if crop is not None else output)
            if self._stop_after is not None and len(self._captured) >= self._stop_after:
                raise StopForward

    def _modified_in_place(self) -> List[str]:
        """Hooked layers whose uncopied capture a later op changed in place; resets."""
        names = [n for n, t, v in self._versions if t._version != v]
        self._versions = []
        return list(dict.fromkeys(names))

    def _check_in_place(self):
        names = self._modified_in_place()
        if names:
            raise MMLinsemError(
                f'hooked layer {names[0]!r} of {type(self.generator).__name__}: its output '
                'was modified in place after the hook read it (in this forward only, not at '
                'build time), so the feature is not what the module returned')

    @torch.no_grad()
    def _infer_shapes(self):
        z = torch.zeros(1, self.noise_size)
        self._probing = True
        try:
            self.forward(z, space='z', truncate=False)
            changed = self._modified_in_place()
        finally:
            self._probing = False
        if changed:
            self._copied.update(changed)
            print_log(
                f'hooked layer(s) {", ".join(changed)}: a later op modifies the output in '
                'place (e.g. ReLU(inplace=True)); the hook keeps a copy of what the module '
                'returned',
                logger='current')
        img, feats = self.forward(z, space='z', truncate=False)
        self.image_size = tuple(img.shape[-2:])
        if len(feats) != len(self.layer_names):
            raise MMLinsemError(
                f'{len(self.layer_names)} layers configured but {len(feats)} feature maps '
                'were captured in one forward; a listed module runs more than once or never')
        self.channels = [int(f.shape[1]) for f in feats]
        self.resolutions = [tuple(f.shape[2:]) for f in feats]

    def train(self, mode: bool = True):
        # The wrapped generator stays in eval mode (no style mixing, frozen statistics);
        # not calling its train() also avoids mmagic's mode-switch log line per iteration.
        self.training = mode
        return self

    # --------------------------------------------------------------- forward
    def forward(self,
                latent: torch.Tensor,
                space: str = 'z',
                truncate: bool = True,
                noise=None,
                noise_generator: Optional[torch.Generator] = None,
                features_only: bool = False,
                split_modconv: bool = False):
        """Generate images and features.

        Args:
            latent: z (N, noise_size), w (N, C) or w+ (N, L, C) per ``space``.
            truncate: apply the configured truncation (w / w+ inputs too).
            noise: None (the configured mode), or a list of per-layer noise maps.
            noise_generator: random source for ``noise='random'`` (reproducibility).
            features_only: compute only the hooked features (the same maps as the full
                forward): stop after the deepest hooked layer and, for StyleGAN2, skip
                every ToRGB layer. The image is then None. For losses on head logits.
            split_modconv: with ``features_only`` on a StyleGAN2 hooked at its style
                convs, compute the modulated convs in their non-fused form (equal up to
                ~1e-6 relative, cheaper to differentiate; see ``truncated_forward``);
                ignored by other generators.

        Returns:
            tuple: image (N, 3, H, W) RGB in about [-1, 1] (None with ``features_only``)
            and the list of features.
        """
        if features_only:
            return None, self._features(latent, space, truncate, noise, noise_generator,
                                        split_modconv)
        self._captured = []
        # The generator keeps its own precision under AMP: mmagic's StyleGAN modules switch
        # autocast off inside (unless built with fp16_enabled / num_fp16_scales), so
        # reduced-precision activations from outside would meet fp32 weights there. AMP
        # still covers the head and the teacher.
        try:
            with torch.autocast(latent.device.type, enabled=False):
                img = self._synthesize(latent.float(), space, truncate, noise, noise_generator)
            feats = self._captured
            if not self._probing:
                self._check_in_place()
        finally:
            self._captured = None
            if not self._probing:
                self._versions = []
        if isinstance(img, dict):
            img = img['fake_img']
        if self.output_order == 'bgr':
            img = img.flip(1)
        return img, feats

    def _features(self, latent, space, truncate, noise, noise_generator, split):
        """The hooked feature maps of a truncated forward (see ``forward``)."""
        with torch.autocast(latent.device.type, enabled=False):
            latent = latent.float()
            if self._convs_only:  # own loop, no hooks: ToRGB skipped
                wp = self.to_wp(latent, space, truncate)
                if noise is None:
                    noise = self.make_noise(wp.shape[0], noise_generator) \
                        if self.noise == 'random' else self.noise_buffers()
                split = split and split_supported(self.generator)
                feats = stylegan2_features(self.generator, wp, noise, self.layer_names, split)
            else:
                feats = self._hooked_prefix(latent, space, truncate, noise, noise_generator)
        if len(feats) != len(self.layer_names):
            raise MMLinsemError(f'a features-only pass captured {len(feats)} of the '
                                f'{len(self.layer_names)} hooked layers')
        return feats

    def features_upto(self,
                      latent: torch.Tensor,
                      upto: int,
                      space: str = 'w+',
                      truncate: bool = False,
                      noise=None) -> List[torch.Tensor]:
        """The first ``upto + 1`` hooked feature maps; the forward stops after them (later
        layers never run). Any generator; the latent may carry forward-mode tangents."""
        with torch.autocast(latent.device.type, enabled=False):
            return self._hooked_prefix(latent.float(), space, truncate, noise, None, upto + 1)

    def _hooked_prefix(self, latent, space, truncate, noise, noise_generator, count=None):
        """The normal forward, stopped by the capture hook after ``count`` hooked layers
        (default all of them)."""
        self._captured, self._stop_after = [], count or len(self.layer_names)
        try:
            self._synthesize(latent, space, truncate, noise, noise_generator)
        except StopForward:
            pass
        finally:
            feats, self._captured, self._stop_after = self._captured, None, None
            self._versions = []  # nothing runs after the stop: no in-place change to see
        return feats

    def _synthesize(self, latent, space, truncate, noise, noise_generator):
        if not self.style_based:
            if space != 'z':
                raise MMLinsemError(f'{type(self.generator).__name__} takes z only, got '
                                    f'space={space!r}')
            return self.adapter.render_z(latent)
        wp = self.to_wp(latent, space, truncate)
        if noise is None and self.noise == 'random':
            noise = self.make_noise(wp.shape[0], noise_generator)
        return self.adapter.render(wp, noise)
