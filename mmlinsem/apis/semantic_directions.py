"""Named and region-specific latent directions from the semantic head.

Two uses of a trained head (an LSE) on a frozen style-based GAN:

* **Naming** (:func:`name_directions`): for any set of w directions (SeFa, a PCA of sampled
  w as GANSpace, or your own), move M samples by +-strength on the chosen w+ layers and
  measure with the head's masks how much each class's area and mean logit change per unit
  strength; a direction is named by the classes whose area it moves most, with a
  *locality* score: the mean per-pixel image change inside those classes divided by the
  mean change elsewhere (1 = no more local than uniform).
* **Region directions** (:func:`region_directions`, ReSeFa-style, the head's masks instead
  of boxes): the Jacobian J of the head's logits at a coarse feature layer w.r.t. the w
  offset (applied to a w+ layer range) is split into rows inside the class region (M_f =
  J_f^T J_f / n_f) and outside it (M_b); the directions are the top generalised
  eigenvectors of M_f v = lambda (M_b + tau tr(M_b) / d I) v -- they change the region most
  per unit change of the rest. The Jacobian is computed with forward-mode products: one
  batched forward of d tangents per sample (d = the w size) through the generator,
  stopped at the coarse layer, with StyleGAN2's modulated convs unfused (shared weights),
  against K h w backward passes for reverse mode. w+ indices after the coarse layer do
  not enter J (the edit's effect there is not constrained).

Directions are (k, d) unit rows in w, applied as :func:`mmlinsem.apis.edit_wplus` does (the
layout of ``tools/sefa.py``'s ``directions.pt``).
"""
import re
import time
from contextlib import contextmanager, nullcontext
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd import forward_ad

from mmlinsem.datasets.latent_seed_dataset import latent_for
from mmlinsem.errors import MMLinsemError
from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8

LayerSpec = Union[str, Sequence[int], None]


# --------------------------------------------------------------------------- latents
def parse_layers(spec: LayerSpec, num_latents: int) -> List[int]:
    """w+ indices from ``'all'`` / None, ``'a-b'`` (inclusive), ``'0,2,3'`` or a list.

    Args:
        spec (str | list[int] | None): the layer range.
        num_latents (int): the generator's number of w+ indices.

    Returns:
        list[int]: sorted, unique w+ indices.
    """
    if spec is None or spec == 'all':
        return list(range(num_latents))
    m = re.fullmatch(r'\s*(\d+)\s*-\s*(\d+)\s*', spec) if isinstance(spec, str) else None
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a > b:
            raise MMLinsemError(f'layer range {spec!r} is empty (start > end)')
        idx = list(range(a, b + 1))
    else:
        items = spec.split(',') if isinstance(spec, str) else list(spec)
        try:
            idx = [int(i) for i in items if str(i).strip()]
        except ValueError:
            raise MMLinsemError(f"layers must be 'all', a range 'a-b' or comma-separated w+ "
                                f'indices, got {spec!r}') from None
    bad = [i for i in idx if not 0 <= i < num_latents]
    if bad or not idx:
        raise MMLinsemError(f'layers {spec!r} out of range: the generator has {num_latents} '
                            f'w+ layers (0..{num_latents - 1})')
    return sorted(set(idx))


def sample_wplus(generator, num_samples: int, seed: int = 0) -> torch.Tensor:
    """(M, L, d) w+ latents of samples 0..M-1 of ``seed`` (``latent_for``), truncated as
    the generator is configured (as ``tools/sefa.py`` renders).

    Args:
        generator (FeatureGenerator): a style-based generator wrapper.
        num_samples (int): M.
        seed (int): the latent seed.
    """
    if not generator.style_based:
        raise MMLinsemError('semantic directions need a style-based generator (w / w+)')
    device = next(generator.generator.parameters()).device
    z = torch.stack([latent_for(seed, i, (generator.noise_size, ))
                     for i in range(num_samples)]).to(device)
    with torch.no_grad():
        return generator.to_wp(z, 'z')


def pca_directions(generator, num_directions: int = 5, num_samples: int = 20000, seed: int = 0):
    """GANSpace-style directions: principal components of sampled w.

    Args:
        generator (FeatureGenerator): a style-based generator wrapper.
        num_directions (int): how many components.
        num_samples (int): how many w to sample (GANSpace uses ~1e6; the mapping is cheap).
        seed (int): seed of the z batch.

    Returns:
        tuple: (directions (k, d) unit rows, variances (k,) along them), largest first.
    """
    if not generator.style_based:
        raise MMLinsemError('PCA directions need a style-based generator (w space)')
    device = next(generator.generator.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(num_samples, generator.noise_size, generator=gen)
    with torch.no_grad():
        w = torch.cat([generator.z_to_w(c.to(device)) for c in z.split(4096)]).double()
    w = w - w.mean(0, keepdim=True)
    vals, vecs = torch.linalg.eigh(w.t() @ w / max(len(w) - 1, 1))
    order = torch.argsort(vals, descending=True)[:num_directions]
    return vecs[:, order].t().float().contiguous(), vals[order].float()


def _fixed_noise(generator):
    """The generator's own noise buffers when it is configured for random noise (so every
    render of this module sees the same noise), else None (the configured fixed noise)."""
    if generator.noise != 'random':
        return None
    g = generator.generator
    return [getattr(g, f'injected_noise_{i}') for i in range(g.num_injected_noises)]


def _edit(wp: torch.Tensor, delta: torch.Tensor, layers: Sequence[int]) -> torch.Tensor:
    """w+ with ``delta`` ((d,) or (N, d)) added to the w+ indices ``layers``."""
    sel = torch.zeros(wp.shape[1], 1, dtype=wp.dtype, device=wp.device)
    sel[list(layers)] = 1
    delta = delta.to(wp).reshape(-1, 1, wp.shape[-1])
    return wp + sel * delta


@torch.no_grad()
def _render(model, wp: torch.Tensor):
    """(image (N, 3, H, W), head masks (N, H, W), mean logit per class (N, K))."""
    img, feats = model.generator(
        wp, space='w+', truncate=False, noise=_fixed_noise(model.generator))
    logits = model.predict_logits(feats, tuple(img.shape[-2:])).float()
    return img.float(), logits.argmax(1), logits.mean((2, 3))


def _class_ids(model, classes) -> List[int]:
    names = list(model.classes)
    if isinstance(classes, str):
        classes = [c for c in classes.split(',') if c.strip()]
    ids = []
    for c in classes:
        if isinstance(c, int) or (isinstance(c, str) and c.isdigit()):
            i = int(c)
            if not 0 <= i < len(names):
                raise MMLinsemError(f'class index {i} out of range 0..{len(names) - 1}')
        elif c.strip() in names:
            i = names.index(c.strip())
        else:
            raise MMLinsemError(f'unknown class {c!r}; the head knows: {", ".join(names)}')
        ids.append(i)
    if not ids:
        raise MMLinsemError('no classes given')
    return sorted(set(ids))


# ------------------------------------------------------------------------ measuring
def measure_direction(model,
                      direction: torch.Tensor,
                      layers: LayerSpec = 'all',
                      strength: float = 3.0,
                      wp: Optional[torch.Tensor] = None,
                      num_samples: int = 16,
                      seed: int = 0,
                      batch_size: int = 16) -> dict:
    """Edit M samples by -strength and +strength and read the head's masks.

    Args:
        model (SemanticExtractor): generator + trained head.
        direction (Tensor): (d,) direction in w.
        layers (str | list[int]): w+ indices the edit moves (see :func:`parse_layers`).
        strength (float): the edit's size along ``direction`` (its norm is kept).
        wp (Tensor, optional): (M, L, d) base latents; default :func:`sample_wplus`.
        num_samples (int): M when ``wp`` is None.
        seed (int): latent seed when ``wp`` is None.
        batch_size (int): samples per forward.

    Returns:
        dict: ``masks`` (3, M, H, W) labels at (-s, 0, +s); ``change`` (2, M, H, W) the
        per-pixel image change (mean |delta RGB| over channels, RGB in [-1, 1]) at -s and
        +s; ``area`` (3, K) and ``logit`` (3, K) mean class area fraction and mean class
        logit at (-s, 0, +s); ``strength``.
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    if wp is None:
        wp = sample_wplus(g, num_samples, seed)
    k = len(model.classes)
    masks, change, area, logit = [], [], [], []
    for part in wp.split(batch_size):
        renders = [
            _render(model, _edit(part, a * direction, idx)) for a in (-strength, 0, strength)
        ]
        base = renders[1][0]
        masks.append(torch.stack([r[1] for r in renders]))
        change.append(torch.stack([(renders[i][0] - base).abs().mean(1) for i in (0, 2)]))
        area.append(torch.stack([F.one_hot(r[1], k).float().mean((1, 2)).sum(0) for r in renders]))
        logit.append(torch.stack([r[2].sum(0) for r in renders]))
    n = len(wp)
    return dict(
        masks=torch.cat(masks, 1).cpu(),
        change=torch.cat(change, 1).cpu(),
        area=(sum(area) / n).cpu(),
        logit=(sum(logit) / n).cpu(),
        strength=float(strength))


def locality_score(measure: dict, class_ids: Sequence[int]) -> float:
    """Mean per-pixel image change inside the classes' region ÷ mean change elsewhere.

    The region of an edit at -s (or +s) is every pixel labelled one of ``class_ids`` before
    or after it. 1 means the edit is no more local than a uniform change.

    Args:
        measure (dict): the output of :func:`measure_direction`.
        class_ids (list[int]): the classes (indices) of the region.
    """
    masks, change = measure['masks'], measure['change']
    ids = torch.as_tensor(list(class_ids))
    inside = outside = n_in = n_out = 0.0
    for j, after in enumerate((0, 2)):
        region = torch.isin(masks[1], ids) | torch.isin(masks[after], ids)
        inside += float(change[j][region].sum())
        outside += float(change[j][~region].sum())
        n_in += int(region.sum())
        n_out += int((~region).sum())
    if n_in == 0:
        return float('nan')
    mean_out = outside / max(n_out, 1)
    return (inside / n_in) / max(mean_out, 1e-12)


def image_change(measure: dict) -> float:
    """Mean per-pixel image change of the edit (both signs, all samples)."""
    return float(measure['change'].mean())


def name_directions(model,
                    directions: torch.Tensor,
                    layers: LayerSpec = 'all',
                    strength: float = 3.0,
                    num_samples: int = 16,
                    seed: int = 0,
                    max_names: int = 2,
                    name_ratio: float = 0.5,
                    wp: Optional[torch.Tensor] = None,
                    classes=None) -> List[dict]:
    """Name each direction by the classes whose area it changes most.

    Args:
        model (SemanticExtractor): generator + trained head.
        directions (Tensor): (k, d) directions in w.
        layers (str | list[int]): w+ indices the edits move.
        strength (float): edits at -strength and +strength.
        num_samples (int): M samples (``latent_for(seed, i)``).
        seed (int): latent seed.
        max_names (int): at most this many classes in a name.
        name_ratio (float): a class joins the name when its area change is at least this
            fraction of the largest one's.
        wp (Tensor, optional): (M, L, d) base latents instead of sampling.
        classes (str | list[str], optional): also score every direction's locality for
            these classes (``class_locality``), whatever its name.

    Returns:
        list[dict]: per direction: ``index``, ``name`` (e.g. ``'hair+ skin-'``: + means
        the class grows along +direction; classes that move the same area, as one that
        replaces another, are ranked by their mean-logit change; ``''`` when no class
        moves), ``classes`` (the named ones), ``locality``
        (:func:`locality_score` of the named classes), ``image_change`` (mean per-pixel
        image change per unit strength), ``area_change`` / ``logit_change`` ({class:
        signed change per unit strength, (+s minus -s) / 2s}), ``area_moved`` ({class:
        mean |area change| per unit strength, over both signs}).
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    if wp is None:
        wp = sample_wplus(g, num_samples, seed)
    names = list(model.classes)
    wanted = _class_ids(model, classes) if classes is not None else None
    table = []
    for i, d in enumerate(directions):
        m = measure_direction(model, d, idx, strength, wp=wp)
        area, logit, s = m['area'], m['logit'], float(strength)
        signed_area = (area[2] - area[0]) / (2 * s)
        signed_logit = (logit[2] - logit[0]) / (2 * s)
        moved = ((area[2] - area[1]).abs() + (area[0] - area[1]).abs()) / (2 * s)
        score = moved if float(moved.max()) > 0 else signed_logit.abs()
        # rank by area moved; equal moves (one class replacing another) by logit change
        order = sorted(
            range(len(names)),
            key=lambda c: (round(float(score[c]), 6), abs(float(signed_logit[c]))),
            reverse=True)
        top = [c for c in order[:max_names] if score[c] >= name_ratio * score[order[0]]]
        if float(score.max()) <= 0:  # moves no class at all: no name
            top = []
        sign = signed_area if float(moved.max()) > 0 else signed_logit
        table.append(
            dict(
                index=i,
                name=' '.join(f'{names[c]}{"+" if sign[c] >= 0 else "-"}' for c in top),
                classes=[names[c] for c in top],
                locality=locality_score(m, top),
                image_change=image_change(m) / s,
                area_change={
                    n: float(v)
                    for n, v in zip(names, signed_area)
                },
                area_moved={
                    n: float(v)
                    for n, v in zip(names, moved)
                },
                logit_change={
                    n: float(v)
                    for n, v in zip(names, signed_logit)
                }))
        if wanted is not None:
            table[-1]['class_locality'] = locality_score(m, wanted)
    return table


def strength_for_change(model,
                        direction: torch.Tensor,
                        target: float,
                        layers: LayerSpec = 'all',
                        wp: Optional[torch.Tensor] = None,
                        num_samples: int = 16,
                        seed: int = 0,
                        steps: int = 3) -> float:
    """The strength at which the edit's mean per-pixel image change equals ``target``.

    Args:
        model (SemanticExtractor): generator + head.
        direction (Tensor): (d,) direction.
        target (float): the mean per-pixel image change to reach (RGB in [-1, 1]).
        layers (str | list[int]): w+ indices the edit moves.
        wp (Tensor, optional): base latents; default :func:`sample_wplus`.
        num_samples (int): M when ``wp`` is None.
        seed (int): latent seed when ``wp`` is None.
        steps (int): proportional refinements after the first linear guess.
    """
    if wp is None:
        wp = sample_wplus(model.generator, num_samples, seed)
    s = 1.0
    for _ in range(steps + 1):
        c = image_change(measure_direction(model, direction, layers, s, wp=wp))
        if c <= 0:
            raise MMLinsemError('the direction does not change the image at all')
        s = s * target / c
    return float(s)


# ------------------------------------------------------------------------ Jacobians
class _Stop(Exception):
    pass


def _unfused_forward(self, x, style, input_gain=None):
    """StyleGAN2's modulated conv with the style on the input and the demodulation on the
    output (Karras et al. 2020, sec. 2.2: the same function as the fused per-sample
    weights). One shared weight for the whole batch: with many tangents of one sample this
    is several times cheaper than building a modulated weight per batch row."""
    n = x.shape[0]
    weight = self.weight.reshape(self.out_channels, self.in_channels, self.kernel_size,
                                 self.kernel_size)
    s = self.style_modulation(style).reshape(n, self.in_channels) + self.style_bias
    x = x * s[:, :, None, None]
    if self.upsample:
        x = self.blur(F.conv_transpose2d(x, weight.transpose(0, 1), stride=2, padding=0))
    elif self.downsample:
        x = F.conv2d(self.blur(x), weight, stride=2, padding=0)
    else:
        x = F.conv2d(x, weight, padding=self.padding)
    if self.demodulate:
        demod = torch.rsqrt(s.pow(2) @ weight.pow(2).sum([2, 3]).t() + self.eps)
        x = x * demod[:, :, None, None]
    return x


@contextmanager
def unfused_modulation(module):
    """Within the block, every StyleGAN2 ``ModulatedConv2d`` of ``module`` (without fp16
    or input gain) runs :func:`_unfused_forward` (same outputs, shared conv weights)."""
    patched = []
    for m in module.modules():
        if type(m).__name__ == 'ModulatedConv2d' and not getattr(m, 'fp16_enabled', False):
            original = m.forward

            def forward(x, style, input_gain=None, m=m, original=original):
                if input_gain is not None:
                    return original(x, style, input_gain)
                return _unfused_forward(m, x, style)

            m.forward = forward
            patched.append(m)
    try:
        yield module
    finally:
        for m in patched:
            del m.forward


def _features_upto(generator, wp: torch.Tensor, upto: int) -> List[torch.Tensor]:
    """The first ``upto + 1`` feature maps of ``wp``; the forward stops after them."""
    modules = dict(generator.generator.named_modules())
    feats: Dict[int, torch.Tensor] = {}

    def hook(i):

        def fn(module, inputs, output):
            feats[i] = output[0] if isinstance(output, (tuple, list)) else output
            if len(feats) == upto + 1:
                raise _Stop

        return fn

    handles = [
        modules[name].register_forward_hook(hook(i))
        for i, name in enumerate(generator.layer_names[:upto + 1])
    ]
    try:
        generator(wp, space='w+', truncate=False, noise=_fixed_noise(generator))
    except _Stop:
        pass
    finally:
        for h in handles:
            h.remove()
    return [feats[i] for i in range(upto + 1)]


def coarse_logits(model, wp: torch.Tensor, upto: int) -> torch.Tensor:
    """The head's logits from feature layers 0..upto, at layer ``upto``'s resolution.

    Later layers are fed zeros: for a per-layer head (LSE, NSE-1) that is a constant
    offset, so the Jacobian w.r.t. the latent is exactly that of layers 0..upto.

    Args:
        model (SemanticExtractor): generator + head.
        wp (Tensor): (N, L, d) w+ latents (may carry forward-mode tangents).
        upto (int): index of the last feature layer used.

    Returns:
        Tensor: (N, K, h, w) logits.
    """
    g = model.generator
    feats = _features_upto(g, wp, upto)
    n = wp.shape[0]
    pads = [
        torch.zeros(1, c, *r, device=wp.device).expand(n, -1, -1, -1)
        for c, r in zip(g.channels[upto + 1:], g.resolutions[upto + 1:])
    ]
    return model.head_module(feats + pads, size=g.resolutions[upto])


def default_jacobian_layer(generator, layers: Sequence[int], coarse_size: int = 32) -> int:
    """The deepest feature layer at resolution <= ``coarse_size``, but no earlier than the
    first feature layer the w+ indices ``layers`` reach (StyleGAN2: w+ index i feeds
    feature layer i; the last w+ index only the final ToRGB)."""
    res = [max(r) for r in generator.resolutions]
    coarse = [i for i, r in enumerate(res) if r <= coarse_size] or [0]
    first = min(layers)
    if first >= len(res):
        raise MMLinsemError(f'w+ layers {list(layers)} reach no feature layer (the generator '
                            f'has {len(res)} feature layers; the last w+ index only feeds '
                            'the final ToRGB); include earlier layers')
    return max(coarse[-1], first)


def head_jacobian(model,
                  wp: torch.Tensor,
                  layers: LayerSpec = 'all',
                  jacobian_layer: Optional[int] = None,
                  mode: str = 'forward',
                  chunk: int = 512,
                  unfused: bool = True) -> torch.Tensor:
    """Jacobian of :func:`coarse_logits` w.r.t. an offset in w added to the w+ ``layers``.

    Args:
        model (SemanticExtractor): generator + head.
        wp (Tensor): (N, L, d) base latents.
        layers (str | list[int]): w+ indices the offset moves.
        jacobian_layer (int, optional): feature layer of the logits; default
            :func:`default_jacobian_layer`.
        mode (str): ``'forward'`` (forward-mode products, d tangents per sample in one
            batched forward) or ``'autograd'`` (``torch.autograd.functional.jacobian``,
            reverse mode, for checking).
        chunk (int): forward mode: at most this many (sample, tangent) pairs per forward.
        unfused (bool): forward mode: run StyleGAN2's modulated convs unfused (the same
            function, see :func:`unfused_modulation`; several times faster).

    Returns:
        Tensor: (N, K, h, w, d).
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    upto = default_jacobian_layer(g, idx) if jacobian_layer is None else int(jacobian_layer)
    if not 0 <= upto < len(g.layer_names):
        raise MMLinsemError(f'jacobian_layer {upto} out of range 0..{len(g.layer_names) - 1}')
    n, _, d = wp.shape
    wp = wp.detach()
    if mode == 'autograd':
        out = []
        for i in range(n):

            def fn(delta, base=wp[i:i + 1]):
                return coarse_logits(model, _edit(base, delta, idx), upto)[0]

            out.append(torch.autograd.functional.jacobian(fn, wp.new_zeros(d)))
        return torch.stack(out)
    if mode != 'forward':
        raise MMLinsemError(f"mode must be 'forward' or 'autograd', got {mode!r}")
    # every (sample, basis vector) pair is one row of a batched forward with tangents
    sel = torch.zeros(wp.shape[1], dtype=wp.dtype, device=wp.device)
    sel[idx] = 1
    eye = torch.eye(d, dtype=wp.dtype, device=wp.device)
    pairs = [(i, j) for i in range(n) for j in range(d)]
    cols = []
    patch = unfused_modulation(g.generator) if unfused else nullcontext()
    with torch.no_grad(), patch:
        for start in range(0, len(pairs), chunk):
            part = pairs[start:start + chunk]
            primal = wp[[i for i, _ in part]].contiguous()
            tangent = sel[None, :, None] * eye[[j for _, j in part]][:, None, :]
            with forward_ad.dual_level():
                out = coarse_logits(model, forward_ad.make_dual(primal, tangent), upto)
                cols.append(forward_ad.unpack_dual(out).tangent.float())
    jac = torch.cat(cols)  # (n * d, K, h, w)
    return jac.reshape(n, d, *jac.shape[1:]).permute(0, 2, 3, 4, 1).contiguous()


# ---------------------------------------------------------------- region directions
def generalized_eigh(a: torch.Tensor, b: torch.Tensor):
    """Solve A v = lambda B v for symmetric A and positive definite B (float64).

    Args:
        a (Tensor): (d, d) symmetric.
        b (Tensor): (d, d) symmetric positive definite.

    Returns:
        tuple: (eigenvalues (d,) descending, eigenvectors (d, d) as columns, B-orthonormal).
    """
    a, b = a.double(), b.double()
    chol = torch.linalg.cholesky(b)
    inv = torch.linalg.solve_triangular(chol, torch.eye(len(b), dtype=b.dtype), upper=False)
    c = inv @ a @ inv.t()
    vals, u = torch.linalg.eigh((c + c.t()) / 2)
    vecs = inv.t() @ u
    order = torch.argsort(vals, descending=True)
    return vals[order], vecs[:, order]


def region_matrices(jac: torch.Tensor, region: torch.Tensor):
    """M_f = sum_p a_p J_p^T J_p / sum_p a_p and M_b the same with 1 - a_p.

    Args:
        jac (Tensor): (N, K, h, w, d) Jacobian of the coarse logits.
        region (Tensor): (N, h, w) fraction of each coarse pixel inside the region.

    Returns:
        tuple: (M_f, M_b), each (d, d) float64.
    """
    d = jac.shape[-1]
    j = jac.double().permute(0, 2, 3, 1, 4).reshape(-1, jac.shape[1], d)  # (P, K, d)
    a = region.double().reshape(-1, 1, 1)
    out = []
    for weight in (a, 1 - a):
        rows = (j * weight.sqrt()).reshape(-1, d)
        out.append(rows.t() @ rows / weight.sum().clamp(min=1e-12))
    return tuple(out)


def region_directions(model,
                      classes,
                      layers: LayerSpec = 'all',
                      num_directions: int = 5,
                      num_samples: int = 8,
                      seed: int = 0,
                      tau: float = 1.0,
                      jacobian_layer: Optional[int] = None,
                      mode: str = 'forward',
                      wp: Optional[torch.Tensor] = None) -> dict:
    """ReSeFa-style directions that change the classes' region and keep the rest.

    Args:
        model (SemanticExtractor): generator + trained head.
        classes (str | list[str | int]): the region's classes (names or indices).
        layers (str | list[int]): w+ indices the directions are meant for (see
            :func:`parse_layers`).
        num_directions (int): how many directions (top generalised eigenvectors).
        num_samples (int): M samples whose masks and Jacobians are accumulated.
        seed (int): latent seed.
        tau (float): M_b is regularised as M_b + tau tr(M_b) / d I.
        jacobian_layer (int, optional): the coarse feature layer of the logits.
        mode (str): Jacobian by ``'forward'`` products or ``'autograd'`` (checking).
        wp (Tensor, optional): (M, L, d) base latents instead of sampling.

    Returns:
        dict: ``directions`` (k, d) unit rows (sign: +direction raises the classes' own
        logits inside the region), ``eigenvalues`` (k,) (foreground over regularised
        background energy), ``layers``, ``classes``, ``jacobian_layer``, ``m_f``, ``m_b``
        (float64), ``seconds`` (wall time).
    """
    start = time.perf_counter()
    g = model.generator
    ids = _class_ids(model, classes)
    idx = parse_layers(layers, g.num_latents)
    upto = default_jacobian_layer(g, idx) if jacobian_layer is None else int(jacobian_layer)
    if wp is None:
        wp = sample_wplus(g, num_samples, seed)
    _, masks, _ = _render(model, wp)
    inside = torch.isin(masks, torch.as_tensor(ids, device=masks.device)).float()
    region = F.adaptive_avg_pool2d(inside[:, None], g.resolutions[upto])[:, 0]
    if float(region.sum()) == 0:
        raise MMLinsemError(f'none of the {len(wp)} samples shows {[model.classes[i] for i in ids]}'
                            ' in the head masks; use more samples or other classes')
    jac = head_jacobian(model, wp, idx, upto, mode)
    m_f, m_b = region_matrices(jac, region.to(jac))
    d = m_b.shape[0]
    if float(m_b.trace()) <= 0:
        raise MMLinsemError(f'the w+ layers {idx} do not change feature layers 0..{upto}')
    reg = m_b + tau * m_b.trace() / d * torch.eye(d, dtype=m_b.dtype)
    vals, vecs = generalized_eigh(m_f, reg)
    k = min(num_directions, d)
    dirs = vecs[:, :k].t()
    dirs = dirs / dirs.norm(dim=1, keepdim=True)
    # sign: raise the region classes' own logits inside the region
    own = jac[:, ids].sum(1).double()  # (N, h, w, d)
    grad = torch.einsum('nhw,nhwd->d', region.double(), own)
    signs = torch.sign(dirs @ grad)
    signs[signs == 0] = 1
    dirs = dirs * signs[:, None]
    return dict(
        directions=dirs.float(),
        eigenvalues=vals[:k].float(),
        layers=idx,
        classes=[model.classes[i] for i in ids],
        jacobian_layer=upto,
        m_f=m_f,
        m_b=m_b,
        seconds=time.perf_counter() - start)


def compare_locality(model,
                     classes: Sequence[str],
                     directions: torch.Tensor,
                     layers: LayerSpec = 'all',
                     target_change: float = 0.05,
                     num_samples: int = 8,
                     eval_samples: int = 12,
                     seed: int = 0,
                     strength: float = 3.0,
                     **region_kwargs) -> dict:
    """Per class: its region direction against the best of ``directions`` for it.

    The best given direction for a class is the one whose edits move the class's area
    most (:func:`name_directions` on the fitting samples). Both are scaled to the same
    mean per-pixel image change ``target_change`` (:func:`strength_for_change`) and scored
    with :func:`locality_score` of that class, on held-out samples.

    Args:
        model (SemanticExtractor): generator + trained head.
        classes (list[str]): the classes, each its own region.
        directions (Tensor): (k, d) directions to compare with (e.g. SeFa's).
        layers (str | list[int]): w+ indices of every edit.
        target_change (float): the common mean per-pixel image change (RGB in [-1, 1]).
        num_samples (int): samples the region directions and the table are built on
            (``latent_for(seed, i)``).
        eval_samples (int): held-out samples (``latent_for(seed + 1, i)``).
        seed (int): latent seed.
        strength (float): edit strength of the naming table.
        **region_kwargs: further :func:`region_directions` arguments (``tau``, ...).

    Returns:
        dict: ``rows`` (per class: ``class``, ``region_locality``, ``region_strength``,
        ``best``: index of the best given direction, ``best_name``, ``best_locality``,
        ``best_strength``, ``ratio``, ``seconds`` of the region direction), ``table`` (the
        naming table of ``directions``), ``region_directions`` (c, d).
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    ids = [_class_ids(model, [c])[0] for c in classes]
    fit = sample_wplus(g, num_samples, seed)
    held = sample_wplus(g, eval_samples, seed + 1)
    table = name_directions(model, directions, idx, strength, wp=fit)

    def score(d, c):
        s = strength_for_change(model, d, target_change, idx, wp=held, steps=2)
        return locality_score(measure_direction(model, d, idx, s, wp=held), [c]), s

    rows, found = [], []
    for c in ids:
        name = model.classes[c]
        res = region_directions(model, [c], idx, num_directions=1, wp=fit, **region_kwargs)
        best = max(table, key=lambda r: r['area_moved'][name])
        loc_r, s_r = score(res['directions'][0], c)
        loc_b, s_b = score(directions[best['index']], c)
        found.append(res['directions'][0])
        rows.append({
            'class': name,
            'region_locality': loc_r,
            'region_strength': s_r,
            'best': best['index'],
            'best_name': best['name'],
            'best_locality': loc_b,
            'best_strength': s_b,
            'ratio': loc_r / loc_b if loc_b > 0 else float('inf'),
            'seconds': res['seconds']
        })
    return dict(rows=rows, table=table, region_directions=torch.stack(found))


def compare_markdown(rows: List[dict], what: str = 'SeFa') -> str:
    """A Markdown table of :func:`compare_locality` rows."""
    lines = [
        f'| class | region direction locality | best {what} direction (name) | its locality | '
        'ratio | region strength / ' + what + ' strength | seconds |', '|---' * 7 + '|'
    ]
    for r in rows:
        lines.append(f'| {r["class"]} | {r["region_locality"]:.2f} | {r["best"]} '
                     f'({r["best_name"] or "-"}) | {r["best_locality"]:.2f} | {r["ratio"]:.2f} | '
                     f'{r["region_strength"]:.2f} / {r["best_strength"]:.2f} | '
                     f'{r["seconds"]:.1f} |')
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------------- pictures
def _text(img: np.ndarray, lines: Sequence[str], x: int, y: int, scale: float = 0.4):
    for k, line in enumerate(lines):
        cv2.putText(img, line, (x, y + int(16 * k * scale / 0.4)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (0, 0, 0), 1, cv2.LINE_AA)


@torch.no_grad()
def direction_grid(model,
                   directions: torch.Tensor,
                   labels: Sequence[str],
                   layers: LayerSpec = 'all',
                   strengths: Sequence[float] = (-3, 0, 3),
                   num_samples: int = 2,
                   seed: int = 0,
                   scale: int = 2,
                   palette=None) -> np.ndarray:
    """A picture: per direction an image row and a head-mask row (columns: samples x
    strengths), its label on the left, a class colour legend below; tiles upscaled by
    ``scale`` with nearest neighbour.

    Args:
        model (SemanticExtractor): generator + head.
        directions (Tensor): (k, d) directions.
        labels (list[str]): one label per direction (e.g. its name and locality).
        layers (str | list[int]): w+ indices the edits move.
        strengths (list[float]): the columns of each sample.
        num_samples (int): samples side by side.
        seed (int): latent seed.
        scale (int): nearest-neighbour upscale factor of the tiles.
        palette (list, optional): class colours (default :func:`default_palette`).

    Returns:
        ndarray: (H, W, 3) uint8 RGB.
    """
    g = model.generator
    idx = parse_layers(layers, g.num_latents)
    palette = palette or default_palette(len(model.classes))
    wp = sample_wplus(g, num_samples, seed)
    rows = []
    for d in directions:
        imgs, masks = [], []
        for i in range(num_samples):
            for a in strengths:
                img, mask, _ = _render(model, _edit(wp[i:i + 1], a * d, idx))
                imgs.append(img_to_uint8(img[0]).numpy())
                masks.append(colorize(mask[0].cpu().numpy(), palette))
        rows += [imgs, masks]
    pad = 2
    tiles = grid(rows, pad=pad, scale=scale)
    tile_h = (g.image_size[0] + pad) * scale
    strip = np.full((tiles.shape[0], 150, 3), 255, np.uint8)
    for r, label in enumerate(labels):
        words = str(label).split('|')
        _text(strip, [w.strip() for w in words], 4, r * 2 * tile_h + 18)
    body = np.concatenate([strip, tiles], 1)
    head = np.full((22, body.shape[1], 3), 255, np.uint8)
    cols = ', '.join(f'{a:g}' for a in strengths)
    _text(head, [f'columns per sample: strength {cols}; rows: image, head mask'], 4, 15)
    per_row = max(1, body.shape[1] // 110)
    legend = np.full((22 * -(-len(model.classes) // per_row), body.shape[1], 3), 255, np.uint8)
    for c, name in enumerate(model.classes):
        x, y = 4 + (c % per_row) * 110, 4 + (c // per_row) * 22
        legend[y:y + 14, x:x + 14] = palette[c]
        _text(legend, [name], x + 18, y + 12)
    return np.concatenate([head, body, legend], 0)


def directions_markdown(table: List[dict], classes: Optional[Sequence[str]] = None) -> str:
    """A Markdown table of :func:`name_directions` rows (area change per unit strength of
    ``classes``, default the named ones)."""
    extra = classes is not None and all('class_locality' in r for r in table)
    head = '| direction | name | locality |'
    if extra:
        head += f' locality ({", ".join(classes)}) |'
    lines = [head + ' image change / unit | area change / unit |', '|---' * (5 + extra) + '|']
    for row in table:
        show = classes or row['classes']
        areas = ', '.join(f'{c} {row["area_change"][c]:+.4f}' for c in show)
        cells = [str(row['index']), row['name'] or '-', f'{row["locality"]:.2f}']
        if extra:
            cells.append(f'{row["class_locality"]:.2f}')
        cells += [f'{row["image_change"]:.4f}', areas]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'
