"""Stop a training run at the first NaN / inf loss or weight; refuse absurd learning rates."""
import math
from numbers import Number

import torch
from mmengine.hooks import Hook

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import HOOKS

#: learning rates outside (0, MAX_LR] are refused before training
MAX_LR = 10.0


def check_lr(lr, where: str = 'lr', allow_zero: bool = False) -> None:
    """``lr`` must be a finite number in (0, MAX_LR] ([0, MAX_LR] with ``allow_zero``);
    else one MMLinsemError line."""
    valid = f'{"[" if allow_zero else "("}0, {MAX_LR:g}]'
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise MMLinsemError(f'{where} must be a number in {valid}, got {lr!r}') from None
    low_ok = value >= 0 if allow_zero else value > 0
    if not (math.isfinite(value) and low_ok and value <= MAX_LR):
        hint = ('; a job that only saves a head fitted by a hook sets '
                'default_hooks.nan_guard.allow_zero_lr=True' if value == 0 else '')
        raise MMLinsemError(f'{where} must be a finite number in {valid}, got {lr!r}{hint}')


def check_cfg_lr(cfg) -> None:
    """Check the learning rates a config sets (``optim_wrapper.optimizer.lr`` and those of
    an ``OptimWrapperDict``'s members) before anything is built, as the config's
    ``NanGuardHook`` would (none: nothing checked)."""
    guard = (cfg.get('default_hooks') or {}).get('nan_guard')
    if not guard:
        return
    allow_zero = bool(guard.get('allow_zero_lr', False))
    wrapper = cfg.get('optim_wrapper') or {}
    found = []
    if isinstance(wrapper.get('optimizer'), dict):
        found.append(('optim_wrapper.optimizer.lr', wrapper['optimizer'].get('lr')))
    for name, sub in wrapper.items():
        if isinstance(sub, dict) and isinstance(sub.get('optimizer'), dict):
            found.append((f'optim_wrapper.{name}.optimizer.lr', sub['optimizer'].get('lr')))
    for where, lr in found:
        if lr is not None:
            check_lr(lr, where, allow_zero)


def _optimizers(optim_wrapper):
    if hasattr(optim_wrapper, 'optimizer'):
        return [optim_wrapper.optimizer]
    return [w.optimizer for w in optim_wrapper.values()]  # OptimWrapperDict


def _as_float(value):
    if torch.is_tensor(value):
        return float(value.detach().float().mean()) if value.numel() else None
    return float(value) if isinstance(value, Number) else None


def _fmt(values: dict) -> str:
    return ', '.join(f'{k}={v:.4g}' for k, v in values.items())


@HOOKS.register_module()
class NanGuardHook(Hook):
    """Before training: every optimizer lr must be finite and in (0, MAX_LR]. After each
    iteration (before ``CheckpointHook`` writes): every loss of the step and every
    optimised parameter must be finite, else the run stops with one line naming the
    iteration, the loss values and the lr. No checkpoint of non-finite weights is written;
    the last one on disk (the last good state) is what ``--resume`` picks up.

    Args:
        check_weights (bool): also check the optimised parameters (catches a finite loss
            whose step made the weights inf). Default True.
        allow_zero_lr (bool): accept lr = 0 (jobs that only save a head fitted by another
            hook, e.g. the closed-form LSE). Default False.
    """
    priority = 'VERY_HIGH'  # after_train_iter runs before the checkpoint / logger hooks

    def __init__(self, check_weights: bool = True, allow_zero_lr: bool = False):
        self.check_weights = check_weights
        self.allow_zero_lr = allow_zero_lr

    def _lrs(self, runner) -> dict:
        lrs = {
            f'lr[{i}.{j}]': group['lr']
            for i, opt in enumerate(_optimizers(runner.optim_wrapper))
            for j, group in enumerate(opt.param_groups)
        }
        return {'lr': next(iter(lrs.values()))} if len(lrs) == 1 else lrs

    def before_train(self, runner):
        for name, lr in self._lrs(runner).items():
            check_lr(lr, f'optimizer {name}', self.allow_zero_lr)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        losses = {}
        for k, v in (outputs or {}).items():
            value = _as_float(v)
            if value is not None:
                losses[k] = value
        bad = [k for k, v in losses.items() if not math.isfinite(v)]
        what = None
        if bad:
            what = f'non-finite loss ({", ".join(bad)})'
        elif self.check_weights:
            for opt in _optimizers(runner.optim_wrapper):
                for group in opt.param_groups:
                    if any(not bool(torch.isfinite(p).all()) for p in group['params']):
                        what = 'non-finite weights after the optimizer step'
                        break
        if what is None:
            return
        lrs = self._lrs(runner)
        raise MMLinsemError(f'training stopped at iteration {runner.iter + 1}: {what}; '
                            f'losses {_fmt(losses) or "none logged"}; {_fmt(lrs)}. '
                            f'No checkpoint was written for this iteration: lower the lr or '
                            f'check the data, then --resume from the last checkpoint')
