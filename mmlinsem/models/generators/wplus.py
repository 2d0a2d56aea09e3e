"""w+ latents: which layers an edit moves, and moving them along a direction.

A layer spec names w+ indices: ``'all'`` / None, an inclusive range ``'a-b'``, a
comma-separated list ``'0,2,3'`` or a list of integers. Every tool, the app and the
direction APIs read it with :func:`parse_layers`.
"""
import re
from typing import List, Optional, Sequence, Union

import torch

from mmlinsem.errors import MMLinsemError

LayerSpec = Union[str, Sequence[int], None]


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


def move_wplus(wp: torch.Tensor,
               delta: torch.Tensor,
               layers: Optional[Sequence[int]] = None) -> torch.Tensor:
    """w+ ``wp`` (N, L, d) with ``delta`` ((d,) or (N, d)) added to the w+ indices
    ``layers`` (all if None); a new tensor, differentiable in ``delta``."""
    sel = torch.ones(wp.shape[1], 1, dtype=wp.dtype, device=wp.device)
    if layers is not None:
        sel = torch.zeros_like(sel)
        sel[list(layers)] = 1
    return wp + sel * delta.to(wp).reshape(-1, 1, wp.shape[-1])
