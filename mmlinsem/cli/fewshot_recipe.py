"""The few-shot training recipe as ``--cfg-options`` for ``tools/train.py``.

One place says how a few-shot LSE is trained on an annotated set of N samples (the paper's
Table 2 protocol): every step sees all N samples, the run lasts ``budget // N`` steps
(``budget`` = samples seen in all, the configs' 50 epochs x 128), it is validated and
checkpointed once at its end, and the lr drops x0.1 at 40 % of it. ``tools/fewshot.py`` and
the downstream experiment both build their runs from it.
"""

MILESTONE_FRACTION = 0.4


def fewshot_iters(num: int, budget: int) -> int:
    """Training steps of a few-shot run on ``num`` samples with ``budget`` samples seen."""
    return max(1, budget // num)


def fewshot_train_options(data_root: str,
                          num: int,
                          budget: int,
                          seed: int = None,
                          lr_drop: bool = True) -> list:
    """``key=value`` overrides that train a few-shot config on the set in ``data_root``
    (``tools/make_fewshot_set.py``'s output) with the recipe above; ``lr_drop=False`` for a
    config without a ``param_scheduler``."""
    iters = fewshot_iters(num, budget)
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'train_dataloader.dataset.num_samples={num}',
        f'train_dataloader.batch_sampler.schedule=[(0,{num})]', f'train_cfg.max_iters={iters}',
        f'train_cfg.val_interval={iters}', f'default_hooks.checkpoint.interval={iters}'
    ]
    if seed is not None:
        options.append(f'randomness.seed={seed}')
    if lr_drop:
        options.append(f'param_scheduler.0.milestones=[{max(1, int(iters * MILESTONE_FRACTION))}]')
    return options
