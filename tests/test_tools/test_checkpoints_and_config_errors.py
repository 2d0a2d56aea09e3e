"""Bad checkpoints and config mistakes end in one ``error:`` line (exit code 2), never a
traceback or a silent run (issue 18, items 1, 2 and 4)."""
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from mmlinsem.errors import MMLinsemError
from conftest import ROOT, run_tool

TINY = 'tests/configs/tiny_lse.py'
TEACHER = 'checkpoints/unet_toyfaces64.pth'
GENERATOR = 'checkpoints/stylegan2lite_toyfaces64.pth'


def assert_error(res, *fragments):
    """Exit code 2, the last stderr line an ``error:`` line holding ``fragments``."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr, res.stderr[-3000:]
    assert lines and lines[-1].startswith('error: '), res.stderr[-3000:]
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]
    return lines[-1]


@pytest.fixture(scope='module')
def bad_files(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_ckpt')
    real = open(osp.join(ROOT, TEACHER), 'rb').read()
    files = dict(
        truncated=root / 'truncated.pth',
        random=root / 'random.pth',
        text=root / 'text.pth',
        tensor=root / 'tensor.pth')
    files['truncated'].write_bytes(real[:len(real) // 2])
    files['random'].write_bytes(np.random.default_rng(0).bytes(4096))
    files['text'].write_text('model = dict(type="SemanticExtractor")\n')
    torch.save(torch.zeros(3), files['tensor'])
    return {k: str(v) for k, v in files.items()}


# ------------------------------------------------------------- wrong-kind head checkpoints
@pytest.mark.parametrize('ckpt,says', [
    (TEACHER, 'segmentor (teacher) checkpoint (keys backbone.*, decode_head.*)'),
    (GENERATOR, 'generator checkpoint (keys generator_ema.*'),
])
def test_test_tool_refuses_another_models_checkpoint(tmp_path, ckpt, says):
    res = run_tool('tools/test.py', TINY, ckpt, '--work-dir', str(tmp_path))
    line = assert_error(res, ckpt, 'expected a LSEHead head checkpoint', says)
    assert 'mIoU' not in res.stdout + res.stderr.replace(line, '')


# ---------------------------------------------------------- unreadable checkpoint files
@pytest.mark.parametrize('kind,says', [
    ('truncated', 'damaged or truncated torch.save zip archive'),
    ('random', 'unreadable'),
    ('text', 'a text file'),
    ('tensor', 'holds a Tensor, not a dict of weights'),
])
def test_test_tool_unreadable_head(tmp_path, bad_files, kind, says):
    res = run_tool('tools/test.py', TINY, bad_files[kind], '--work-dir', str(tmp_path))
    line = assert_error(res, bad_files[kind], says, 'expected a head checkpoint')
    assert re.search(r'\(\d+(\.\d)? (bytes|KiB)\)', line), line  # the file's size


@pytest.mark.parametrize('key,says', [
    ('model.generator.checkpoint', 'expected a generator checkpoint'),
    ('model.teacher.checkpoint', 'expected a teacher checkpoint'),
])
def test_unreadable_generator_and_teacher(tmp_path, bad_files, key, says):
    res = run_tool('tools/train.py', TINY, '--work-dir', str(tmp_path), '--cfg-options',
                   f'{key}={bad_files["truncated"]}')
    assert_error(res, bad_files['truncated'], 'truncated', says)


def test_resume_refuses_a_foreign_or_bare_checkpoint(tmp_path, bad_files):
    res = run_tool('tools/train.py', TINY, '--work-dir', str(tmp_path), '--resume', '--cfg-options',
                   f'load_from={TEACHER}')
    assert_error(res, TEACHER, 'expected a LSEHead head checkpoint', 'segmentor (teacher)')
    torch.save(dict(state_dict={}), tmp_path / 'bare.pth')  # no meta: no loop state
    res = run_tool('tools/train.py', TINY, '--work-dir', str(tmp_path), '--resume', '--cfg-options',
                   f'load_from={tmp_path / "bare.pth"}')
    assert_error(res, 'bare.pth', 'no training state', 'expected a training checkpoint')
    res = run_tool('tools/train.py', TINY, '--work-dir', str(tmp_path), '--resume', '--cfg-options',
                   f'load_from={bad_files["random"]}')
    assert_error(res, bad_files['random'], 'expected a training checkpoint')


def _tiny_inferencer_cfg():
    from mmengine.config import Config
    return Config.fromfile(osp.join(ROOT, TINY))


def test_inferencer_strict_head(tmp_path, bad_files):
    from mmlinsem.apis import LinSemInferencer
    with pytest.raises(MMLinsemError, match=r'segmentor \(teacher\) checkpoint'):
        LinSemInferencer(_tiny_inferencer_cfg(), osp.join(ROOT, TEACHER))
    with pytest.raises(MMLinsemError, match='a text file; expected a head checkpoint'):
        LinSemInferencer(_tiny_inferencer_cfg(), bad_files['text'])
    # a head checkpoint of another head (more classes) is named as such
    model = LinSemInferencer(_tiny_inferencer_cfg()).model
    state = {k: v for k, v in model.state_dict().items() if k != '_extra_state'}
    weight = next(k for k in state if k.startswith('head.') and state[k].dim() > 1)
    state[weight] = torch.zeros(state[weight].shape[0] + 1, *state[weight].shape[1:])
    path = tmp_path / 'other_head.pth'
    torch.save(dict(state_dict=state), path)
    with pytest.raises(MMLinsemError, match='holds another head than the configured'):
        LinSemInferencer(_tiny_inferencer_cfg(), str(path))
    # its own head-only checkpoint loads
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'own.pth')
    LinSemInferencer(_tiny_inferencer_cfg(), str(tmp_path / 'own.pth'))


# ---------------------------------------------------------------------- config mistakes
@pytest.mark.parametrize('option,path,suggestion', [
    ('train_cfg.max_iter=5', 'train_cfg.max_iter', 'train_cfg.max_iters'),
    ('optim_wrapper.optimizer.lrr=1', 'optim_wrapper.optimizer.lrr', 'optim_wrapper.optimizer.lr'),
    ('model.generator.truncaton=0.5', 'model.generator.truncaton', 'model.generator.truncation'),
    ('model.micro_bach=2', 'model.micro_bach', 'model.micro_batch'),
])
def test_wrong_config_key(tmp_path, option, path, suggestion):
    res = run_tool('tools/train.py', TINY, '--work-dir', str(tmp_path), '--cfg-options', option)
    assert_error(res, f'unknown config key {path}:', f'did you mean {suggestion}?', 'it takes')


def test_fewshot_bad_shots(tmp_path):
    res = run_tool('tools/fewshot.py', 'tests/configs/tiny_fewshot.py', '--shots', 'x',
                   '--work-dir', str(tmp_path))
    assert_error(res, '--shots', "'x'")


# ------------------------------------------------------------------- annotation folders
def _sample(root, name, mask, latent):
    os.makedirs(root / 'latents', exist_ok=True)
    os.makedirs(root / 'masks', exist_ok=True)
    if latent is not None:
        np.save(root / 'latents' / f'{name}.npy', latent)
    if mask is not None:
        Image.fromarray(mask.astype(np.uint8)).save(root / 'masks' / f'{name}.png')


@pytest.mark.parametrize('bad,says', [
    (dict(latent=np.zeros((3, 16), np.float32)), 's1.npy has shape (3, 16) but'),
    (dict(mask=np.zeros((8, 16))), 's1.png is 16x8 but'),
    (dict(mask=np.full((16, 16), 9)), 's1.png: label 9 out of range for 4 classes'),
    (dict(mask=None), 's1.npy has no mask'),
    (dict(latent=None), 's1.png has no latent'),
])
def test_annotated_folder(tmp_path, bad, says):
    good = dict(mask=np.zeros((16, 16)), latent=np.zeros((4, 16), np.float32))
    data = tmp_path / 'data'
    _sample(data, 's0', **good)
    _sample(data, 's1', **dict(good, **bad))
    res = run_tool('tools/train.py', 'tests/configs/tiny_fewshot.py', '--work-dir',
                   str(tmp_path / 'wd'), '--cfg-options',
                   f'train_dataloader.dataset.data_root={data}')
    assert_error(res, says)


# ------------------------------------------------------------- any working directory
def test_shipped_config_from_another_cwd(tmp_path, bad_files):
    """The shipped default's checkpoints/ and configs/ paths resolve from '/': the run
    gets as far as the head checkpoint (generator and teacher loaded)."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    res = subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'test.py'), 'configs/lse/lse_stylegan2lite-toyfaces64.py',
        bad_files['text'], '--work-dir',
        str(tmp_path)
    ],
                         cwd='/',
                         capture_output=True,
                         text=True,
                         env=env,
                         timeout=600)
    assert_error(res, bad_files['text'], 'expected a head checkpoint')
