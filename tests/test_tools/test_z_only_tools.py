"""The few-shot tools on a z-only generator (the tiny DCGAN job): the set is written in z
and tools/fit_annotations.py fits it in z."""
import json

import numpy as np

from conftest import run_tool

CONFIG = 'tests/configs/tiny_byo_dcgan.py'


def test_make_fewshot_set_then_fit_annotations_in_z(tmp_path):
    out = tmp_path / 'set'
    res = run_tool('tools/make_fewshot_set.py', CONFIG, '--num', '3', '--seed', '1', '--out',
                   str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    assert '(z latents, teacher masks)' in res.stdout
    latents = sorted((out / 'latents').glob('*.npy'))
    assert len(latents) == 3 and np.load(latents[0]).shape == (8, )
    head = tmp_path / 'head.pth'
    res = run_tool('tools/fit_annotations.py', CONFIG, str(out), '--out', str(head), '--ce-steps',
                   '2', '--pixels', '64', '--eval', '2')
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads(res.stdout.strip().splitlines()[-1])
    assert result['num_annotations'] == 3 and head.is_file()
    assert 0 <= result['miou_vs_teacher'] <= 100
    # SIE (z by default on a z-only generator; mixz refused in one line) and SCS in z
    sie = run_tool('tools/sie.py', CONFIG, str(head), '--label', '1', '--box', '2,2,10,10',
                   '--steps', '2', '--out', str(tmp_path / 'sie'))
    assert sie.returncode == 0, sie.stderr[-2000:]
    assert json.loads(sie.stdout.strip().splitlines()[-1])['space'] == 'z'
    bad = run_tool('tools/sie.py', CONFIG, str(head), '--label', '1', '--box', '2,2,10,10',
                   '--space', 'mixz', '--out', str(tmp_path / 'sie2'))
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "error: ExampleDCGANGenerator takes z only: edit a z latent in space='z', got "
        "latent_space='z', space='mixz'"
    ]
    scs = run_tool('tools/scs.py', CONFIG, str(head), '--num-targets', '1', '--samples', '1',
                   '--steps', '2', '--n-init', '2', '--out', str(tmp_path / 'scs'))
    assert scs.returncode == 0, scs.stderr[-2000:]
    assert (tmp_path / 'scs' / 'metrics.json').is_file()
