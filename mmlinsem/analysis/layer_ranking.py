"""Choose a generator's hook points by measurement: rank candidate layer sets by how well a
closed-form linear head on their features predicts the labels of held-out samples.

A generator without default layers (any PyTorch module) leaves the choice of feature layers
to the user. :func:`candidate_layers` lists every module whose output is a feature map
(a 4-D tensor, produced once per forward, not the image itself) and gives it a role:
``conv``, ``norm``, ``act`` (by module type) or ``block`` (a top-level container).
:func:`rank_layer_sets` then fits a ridge regression of one-hot labels on class-balanced
pixel picks of the training samples -- the closed-form LSE -- for every candidate set at
once (each set's ``X^T X`` is a block of the union's), and scores each fit by the pixel
mIoU on uniform picks of the held-out samples. Memory is O(D^2) for the union's D channels.
"""
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.models.utils import sample_points

ROLES = ('conv', 'norm', 'act', 'block')
_NORMS = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm)
_ACTS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
         nn.Mish, nn.Hardswish, nn.Softplus, nn.Tanh, nn.Sigmoid, nn.GLU)


def module_role(module: nn.Module) -> Optional[str]:
    """``conv``, ``norm``, ``act`` or ``block`` (any module with submodules), else None."""
    if isinstance(module, nn.modules.conv._ConvNd):
        return 'conv'
    name = type(module).__name__
    if isinstance(module, _NORMS) or name.endswith('Norm') or 'Norm2d' in name:
        return 'norm'
    if isinstance(module, _ACTS) or 'ReLU' in name or name.lower().startswith('act'):
        return 'act'
    if any(True for _ in module.children()):
        return 'block'
    return None


def _run(feature_generator, latents: torch.Tensor, space: str, names: Sequence[str]):
    """Image, the cloned outputs of ``names`` (name -> list of outputs) of one forward and
    the names in the order their outputs were produced."""
    modules = dict(feature_generator.generator.named_modules())
    seen: Dict[str, List[torch.Tensor]] = {n: [] for n in names}
    fired: List[str] = []

    def hook(name):

        def capture(module, inputs, output):
            if isinstance(output, (tuple, list)):
                output = output[0] if output else None
            if torch.is_tensor(output):
                # a copy: a later in-place op (ReLU(inplace=True)) must not change it
                seen[name].append(output.detach().clone())
                fired.append(name)

        return capture

    handles = [modules[n].register_forward_hook(hook(n)) for n in names]
    try:
        img, _ = feature_generator(latents, space=space)
    finally:
        for h in handles:
            h.remove()
    return img, seen, fired


@torch.no_grad()
def candidate_layers(feature_generator, latent: torch.Tensor, space: str = 'z') -> List[dict]:
    """Modules of ``feature_generator.generator`` whose output is a feature map.

    One forward on ``latent`` (a batch of one) with a hook on every named module; kept are
    the modules that ran exactly once and returned an (N, C, h, w) tensor other than the
    image. ``block`` is kept only for the outermost such containers.

    Returns:
        list of dict(name, role, channels, size) in execution order.
    """
    named = [(n, m) for n, m in feature_generator.generator.named_modules() if n]
    names = [n for n, m in named if module_role(m) is not None]
    img, seen, fired = _run(feature_generator, latent, space, names)
    order = []
    for name in dict.fromkeys(fired):  # execution order
        outs = seen[name]
        if len(outs) != 1 or outs[0].ndim != 4 or outs[0].shape == img.shape:
            continue
        order.append((name, outs[0]))
    kept = {n for n, _ in order}
    roles = dict((n, module_role(m)) for n, m in named)
    result = []
    for name, out in order:
        role = roles[name]
        if role == 'block' and any(p in kept and roles[p] == 'block' for p in _ancestors(name)):
            continue
        result.append(
            dict(name=name, role=role, channels=int(out.shape[1]), size=tuple(out.shape[2:])))
    return result


def _ancestors(name: str) -> List[str]:
    parts = name.split('.')
    return ['.'.join(parts[:i]) for i in range(1, len(parts))]


def candidate_sets(candidates: Sequence[dict],
                   extra: Optional[Dict[str, Sequence[str]]] = None) -> Dict[str, List[str]]:
    """The sets ranked by default: every role's modules together (``conv``, ``norm``,
    ``act``, ``block``) and each single module (``one:<name>``), plus ``extra`` sets."""
    sets: Dict[str, List[str]] = {}
    for role in ROLES:
        names = [c['name'] for c in candidates if c['role'] == role]
        if names:
            sets[role] = names
    for c in candidates:
        sets[f'one:{c["name"]}'] = [c['name']]
    for key, names in (extra or {}).items():
        sets[key] = list(names)
    return sets


def _balanced_picks(labels: torch.Tensor, per_image: int, num_classes: int, gen: torch.Generator):
    """(rows, cols) of ``per_image`` pixels per image split evenly over its classes."""
    rows, cols = [], []
    w = labels.shape[-1]
    for lab in labels.cpu():
        flat = lab.flatten()
        present = [c for c in flat.unique().tolist() if c < num_classes]
        if not present:
            rows.append(torch.zeros(0, dtype=torch.long))
            cols.append(torch.zeros(0, dtype=torch.long))
            continue
        share = max(1, per_image // len(present))
        pick = torch.cat([
            where[torch.randint(0, len(where), (share, ), generator=gen)]
            for where in ((flat == c).nonzero()[:, 0] for c in present)
        ])
        rows.append(pick // w)
        cols.append(pick % w)
    return rows, cols


def _uniform_picks(labels: torch.Tensor, per_image: int, gen: torch.Generator):
    n, (h, w) = len(labels), labels.shape[-2:]
    rows = torch.randint(0, h, (n, per_image), generator=gen)
    cols = torch.randint(0, w, (n, per_image), generator=gen)
    return list(rows), list(cols)


def _pixel_features(feats: Sequence[torch.Tensor], labels: torch.Tensor, rows, cols,
                    num_classes: int):
    """(P, D) features (bilinear reads at label size, as the LSE sees them) and (P, )
    labels of the picked pixels, ignore labels dropped."""
    size = tuple(labels.shape[-2:])
    xs, ys = [], []
    for i, (r, c) in enumerate(zip(rows, cols)):
        if len(r) == 0:
            continue
        x = torch.cat([sample_points(f[i:i + 1].float(), r[None], c[None], size)[0] for f in feats])
        y = labels[i].cpu()[r, c]
        keep = y < num_classes
        xs.append(x.t()[keep.to(x.device)].double().cpu())
        ys.append(y[keep])
    if not xs:
        return None, None
    return torch.cat(xs), torch.cat(ys)


@torch.no_grad()
def rank_layer_sets(feature_generator,
                    latents: torch.Tensor,
                    num_classes: int,
                    sets: Dict[str, Sequence[str]],
                    labels: Optional[torch.Tensor] = None,
                    label_fn: Optional[Callable] = None,
                    space: str = 'z',
                    val_frac: float = 0.25,
                    pixels_per_image: int = 256,
                    ridge: float = 1e-3,
                    batch_size: int = 8,
                    seed: int = 0) -> List[dict]:
    """Score every layer set by the held-out pixel mIoU of its closed-form LSE.

    Args:
        feature_generator: a ``FeatureGenerator`` (its own hooks are not used).
        latents: (N, ...) latents in ``space``; the last ``val_frac`` of them are held out.
        num_classes: number of classes; labels >= it (255: not annotated) are ignored.
        sets: name -> module names (see :func:`candidate_sets`).
        labels: (N, H, W) masks of the samples, or None to label them with
            ``label_fn(images, feats)`` (``feats``: the maps of the union of the sets).
        pixels_per_image: pixels picked per image (class-balanced when fitting, uniform
            when scoring).
        ridge: lambda relative to the mean diagonal of each set's ``X^T X``.

    Returns:
        list of dict(name, layers, channels, miou, accuracy), best first (mIoU in %).
    """
    n = len(latents)
    num_val = _num_held_out(n, labels, label_fn, val_frac, sets)
    union = _union_of(sets, feature_generator)
    gen = torch.Generator().manual_seed(seed)
    k = num_classes

    def feats_of(seen):
        return [seen[m][0] for m in union]

    def passes(start, stop, balanced):
        for b in range(start, stop, batch_size):
            e = min(b + batch_size, stop)
            img, seen, _ = _run(feature_generator, latents[b:e], space, union)
            bad = [m for m in union if len(seen[m]) != 1]
            if bad:
                raise MMLinsemError(f'module {bad[0]!r} ran {len(seen[bad[0]])} times in one '
                                    'forward; a hooked layer must run exactly once')
            lab = labels[b:e] if labels is not None else label_fn(img, feats_of(seen))
            lab = lab.long()
            if balanced:
                rows, cols = _balanced_picks(lab, pixels_per_image, k, gen)
            else:
                rows, cols = _uniform_picks(lab, pixels_per_image, gen)
            feats = feats_of(seen)
            widths[:] = [int(f.shape[1]) for f in feats]
            x, y = _pixel_features(feats, lab, rows, cols, k)
            if x is not None:
                yield x, y

    widths: List[int] = []
    xtx = xty = None
    for x, y in passes(0, n - num_val, True):
        if xtx is None:
            xtx = torch.zeros(x.shape[1], x.shape[1], dtype=torch.float64)
            xty = torch.zeros(x.shape[1], k, dtype=torch.float64)
        xtx += x.t() @ x
        xty += x.t() @ F.one_hot(y, k).double()
    if xtx is None:
        raise MMLinsemError('no labelled pixel in the training samples of the layer ranking')
    index = _channel_index(union, widths, sets)
    weights = _ridge_weights(xtx, xty, index, ridge)
    confusion = {key: torch.zeros(k, k, dtype=torch.float64) for key in sets}
    for x, y in passes(n - num_val, n, False):
        for key, idx in index.items():
            pred = (x[:, idx] @ weights[key]).argmax(1)
            confusion[key] += torch.bincount(y * k + pred, minlength=k * k).reshape(k, k).double()
    rows = [_score_row(key, names, confusion[key], index[key]) for key, names in sets.items()]
    return sorted(rows, key=lambda r: (-r['miou'], r['channels']))


def _num_held_out(n, labels, label_fn, val_frac, sets) -> int:
    """How many of the ``n`` samples are held out; checks the ranking's inputs."""
    if labels is None and label_fn is None:
        raise MMLinsemError('layer ranking needs labels: give masks or a teacher')
    if labels is not None and len(labels) != n:
        raise MMLinsemError(f'expected one mask per latent, got {len(labels)} masks for '
                            f'{n} latents')
    num_val = max(1, int(round(n * val_frac)))
    if n - num_val < 1:
        raise MMLinsemError(f'layer ranking needs at least 2 samples (one held out), got {n}')
    if not sets:
        raise MMLinsemError('no candidate layer sets to rank')
    return num_val


def _union_of(sets, feature_generator) -> List[str]:
    """Every module of the sets once, in first-seen order; all must exist."""
    union = []
    for names in sets.values():
        union += [m for m in names if m not in union]
    modules = dict(feature_generator.generator.named_modules())
    unknown = [m for m in union if m not in modules]
    if unknown:
        raise MMLinsemError(f'unknown generator module(s) {unknown[:5]}; list candidates '
                            'with candidate_layers()')
    return union


def _channel_index(union, widths, sets) -> dict:
    """Set name -> its channels in the union's concatenated features."""
    offsets = dict(zip(union, torch.tensor([0] + widths).cumsum(0).tolist()))
    width = dict(zip(union, widths))
    return {
        key: torch.cat([torch.arange(offsets[m], offsets[m] + width[m]) for m in names])
        for key, names in sets.items()
    }


def _ridge_weights(xtx, xty, index, ridge) -> dict:
    """Set name -> closed-form ridge LSE weights on that set's channels."""
    weights = {}
    for key, idx in index.items():
        a = xtx[idx][:, idx]
        lam = ridge * a.diagonal().mean().clamp(min=1e-12)
        weights[key] = torch.linalg.solve(a + lam * torch.eye(len(idx), dtype=a.dtype), xty[idx])
    return weights


def _score_row(key, names, cm, idx) -> dict:
    """One result row: mIoU over the classes present and pixel accuracy (%)."""
    tp, gt, pr = cm.diagonal(), cm.sum(1), cm.sum(0)
    present = gt > 0
    iou = tp[present] / (gt + pr - tp)[present]
    return dict(
        name=key,
        layers=list(names),
        channels=int(len(idx)),
        miou=round(float(iou.mean()) * 100, 2) if len(iou) else 0.0,
        accuracy=round(float(tp.sum() / cm.sum().clamp(min=1)) * 100, 2))


def layers_config_line(layers: Sequence[str]) -> str:
    """The config line that hooks ``layers``."""
    return f'model = dict(generator=dict(layers={list(layers)!r}))'
