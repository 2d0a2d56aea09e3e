"""SeFa: closed-form latent directions from the generator's style projections.

For the chosen layers, A stacks the linear maps from the latent (w, or z for PGGAN) to the
layer's modulation styles; the directions n maximising ||A n|| are the top eigenvectors
of A^T A (Shen & Zhou, "Closed-Form Factorization of Latent Semantics in GANs"). Each
output row of A is normalised to unit length first, so wide layers do not dominate.
"""
from typing import List, Optional, Sequence

import torch
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.models.generators import LayerSpec, move_wplus, parse_layers


def style_projections(generator: nn.Module) -> List[nn.Module]:
    """Modules mapping the latent to each layer's style, one per w+ index, in order.

    StyleGAN2: index i < L-1 is the style of conv i; the last w+ index feeds only the final
    ToRGB layer, so its style projection stands there (as genforce/sefa's
    ``output{L // 2}`` for the last layer index).
    """
    own = getattr(generator, 'style_projections', None)
    if callable(own):  # e.g. GenforceStyleGANGenerator: its AdaIN affines in w+ order
        return list(own())
    names = [cls.__name__ for cls in type(generator).__mro__]
    if 'StyleGAN2Generator' in names:
        convs = [generator.conv1] + list(generator.convs) + [generator.to_rgbs[-1]]
        return [c.conv.style_modulation for c in convs]
    if 'StyleGAN3Generator' in names:  # w+ index 0: the input's affine, i + 1: layer i
        syn = generator.synthesis
        return [syn.input.affine] + [getattr(syn, n).affine for n in syn.layer_names]
    if 'StyleGAN1Generator' in names:
        return [m for block in generator.convs for m in (block.adain1.affine, block.adain2.affine)]
    if 'PGGANGenerator' in names:
        return [generator.noise2feat.linear]
    raise MMLinsemError(f'SeFa supports StyleGAN2, StyleGAN3, StyleGAN (mmagic or genforce '
                        f'layout) and PGGAN generators, got {type(generator).__name__}')


@torch.no_grad()
def linear_map(module: nn.Module, in_dim: int) -> torch.Tensor:
    """The (out, in) matrix of an affine module, probed with basis vectors (bias removed).

    Probing works for any equalised-lr linear layer without knowing how it scales its
    stored weight.
    """
    device = next(module.parameters()).device
    eye = torch.eye(in_dim, device=device)
    zero = torch.zeros(1, in_dim, device=device)
    out = module(eye) - module(zero)
    return out.reshape(in_dim, -1).t()


def sefa_directions(generator: nn.Module, layers: LayerSpec = 'all', num_directions: int = 5):
    """Return (directions [k, D], eigenvalues [k], layer indices used); ``layers`` as
    ``parse_layers`` reads it, over the style layers."""
    projections = style_projections(generator)
    idx = parse_layers(layers, len(projections))
    in_dim = getattr(generator, 'style_channels', None) or generator.noise_size
    weight = torch.cat([linear_map(projections[i], in_dim) for i in idx], 0)
    weight = weight / weight.norm(dim=1, keepdim=True).clamp(min=1e-12)
    eigvals, eigvecs = torch.linalg.eigh(weight.t() @ weight)  # ascending
    k = min(num_directions, in_dim)
    order = torch.argsort(eigvals, descending=True)[:k]
    return eigvecs[:, order].t().contiguous(), eigvals[order], idx


def edit_wplus(wp: torch.Tensor,
               direction: torch.Tensor,
               strength: float,
               layers: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Move the chosen w+ layers (all if None) along ``direction`` by ``strength``."""
    return move_wplus(wp, strength * direction.to(wp), layers)
