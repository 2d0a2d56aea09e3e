"""Region-specific latent directions from the semantic head (ReSeFa-style, with the head's
masks instead of hand-drawn boxes).

The Jacobian J of the head's logits at a coarse feature layer w.r.t. the w offset (applied to
a w+ layer range) is split into rows inside the class region (M_f = J_f^T J_f / n_f) and
outside it (M_b); the directions are the top generalised eigenvectors of
M_f v = lambda (M_b + tau tr(M_b) / d I) v -- they change the region most per unit change of
the rest. The Jacobian is computed with forward-mode products: one batched forward of d
tangents per sample (d = the w size) through the generator, stopped at the coarse layer, with
StyleGAN2's modulated convs unfused (shared weights), against K h w backward passes for
reverse mode. w+ indices after the coarse layer do not enter J (the edit's effect there is not
constrained). :func:`compare_locality` scores them against the best SeFa direction per class.
"""
import time
from contextlib import nullcontext
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch.autograd import forward_ad

from mmlinsem.errors import MMLinsemError
from mmlinsem.models.generators import (LayerSpec, fixed_noise, move_wplus, parse_layers,
                                        unfused_modulation)
from .direction_naming import (class_indices, locality_score, measure_direction, name_directions,
                               render_masks, sample_wplus, strength_for_change)


# ------------------------------------------------------------------------ Jacobians
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
    feats = g.features_upto(wp, upto, noise=fixed_noise(g))
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
            function, see ``unfused_modulation``; several times faster).

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
                return coarse_logits(model, move_wplus(base, delta, idx), upto)[0]

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
    ids = class_indices(model, classes)
    idx = parse_layers(layers, g.num_latents)
    upto = default_jacobian_layer(g, idx) if jacobian_layer is None else int(jacobian_layer)
    if wp is None:
        wp = sample_wplus(g, num_samples, seed)
    _, masks, _ = render_masks(model, wp)
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
    ids = [class_indices(model, [c])[0] for c in classes]
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
