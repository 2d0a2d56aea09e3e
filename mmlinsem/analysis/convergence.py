"""When has a validation curve stopped rising: the plateau test of a long training run."""
from typing import Dict, List, Sequence, Tuple


def last_per_step(series: Sequence[Tuple[int, float]]) -> List[Tuple[int, float]]:
    """``(step, value)`` sorted by step, one per step (the last logged: a resumed run that
    validates a step again replaces it)."""
    return sorted(dict((int(s), float(v)) for s, v in series).items())


def plateau(series: Sequence[Tuple[int, float]],
            window: float = 0.25,
            tol: float = 0.3) -> Dict[str, float]:
    """Whether a validation series has plateaued: over its last ``window`` of iterations
    (the validations at steps >= (1 - window) x the last step) it moves by less than
    ``tol`` (max - min, in the series' units, e.g. mIoU points).

    Returns the final value and step, the best value and its step, the window's first
    step, its spread and the verdict ``plateaued``.
    """
    points = last_per_step(series)
    if len(points) < 2:
        raise ValueError(f'a plateau needs at least 2 validations, got {len(points)}')
    if not 0 < window <= 1:
        raise ValueError(f'window must be in (0, 1], got {window}')
    last_step = points[-1][0]
    inside = [v for s, v in points if s >= (1 - window) * last_step]
    if len(inside) < 2:  # the window holds one validation: compare with the one before
        inside = [points[-2][1], points[-1][1]]
    best_step, best = max(points, key=lambda p: p[1])
    start = next(s for s, _ in points if s >= (1 - window) * last_step)
    spread = max(inside) - min(inside)
    return dict(
        final=points[-1][1],
        final_step=last_step,
        best=best,
        best_step=best_step,
        window_start_step=start,
        spread=spread,
        gain=inside[-1] - inside[0],
        plateaued=bool(spread < tol))
