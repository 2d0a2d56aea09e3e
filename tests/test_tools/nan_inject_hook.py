"""Test-only hook (imported by tests/configs/tiny_lse_nan.py): NaN head weights at one
iteration, so that the NaN guard has something to catch."""
import torch
from mmengine.hooks import Hook

from mmlinsem.registry import HOOKS
from mmlinsem.utils.misc import unwrap_model


@HOOKS.register_module(force=True)
class NanInjectHook(Hook):

    def __init__(self, at_iter: int):
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            with torch.no_grad():
                for p in unwrap_model(runner.model).head.parameters():
                    p.fill_(float('nan'))
