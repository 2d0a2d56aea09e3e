"""Issue 12.10: a run's log shows progress, metrics and where outputs went -- not the
known-harmless third-party noise mmlinsem silences (mmlinsem/compat/) or fixes."""
import os
import re

import torch

from conftest import run_tool

NOISE = (
    'is skipped since its requires_grad',  # frozen generator / teacher parameters
    'avg_non_ignore',  # mmseg's CrossEntropyLoss default (the frozen teacher's heads)
    '"FileClient" will be deprecated',  # mmengine's CheckpointHook internals
    '"HardDiskBackend" is the alias',
    'Auto resumed from the latest checkpoint None',
)


def _noise(text):
    found = [n for n in NOISE if n in text]
    if not torch.cuda.is_available() and re.search(r'GPU number: \d', text):
        found.append('GPU number without CUDA')
    return found


def test_short_train_and_test_runs_are_quiet(tmp_path):
    wd = str(tmp_path / 'train')
    res = run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir', wd, '--cfg-options',
                   'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
                   'default_hooks.checkpoint.interval=2')
    assert res.returncode == 0, res.stderr[-3000:]
    text = res.stdout + res.stderr
    assert _noise(text) == []
    assert 'Iter(train) [2/2]' in text and 'mIoU' in text  # the useful lines stay
    assert 'World size: 1' in text or torch.cuda.is_available()
    res = run_tool('tools/train.py', 'tests/configs/tiny_lse.py', '--work-dir',
                   str(tmp_path / 'fresh'), '--resume', '--cfg-options', 'train_cfg.max_iters=1',
                   'train_cfg.val_interval=10')
    assert res.returncode == 0, res.stderr[-3000:]
    assert _noise(res.stdout + res.stderr) == []
    assert 'no checkpoint to resume from' in res.stdout + res.stderr
    res = run_tool('tools/test.py', 'tests/configs/tiny_lse.py', os.path.join(wd, 'iter_2.pth'),
                   '--work-dir', str(tmp_path / 'test'))
    assert res.returncode == 0, res.stderr[-3000:]
    text = res.stdout + res.stderr
    assert _noise(text) == [] and 'mIoU' in text
