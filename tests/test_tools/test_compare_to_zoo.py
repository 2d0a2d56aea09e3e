"""Issue 13.2: the main job's line against the zoo's reference figures."""
import json

from conftest import run_tool


def test_compare_to_a_zoo_metric(tmp_path):
    metrics = tmp_path / 'metrics.json'
    metrics.write_text(json.dumps(dict(mIoU=41.61)))
    # the closed-form LSE entry says 83.22: half of it is 41.61
    res = run_tool('tools/analysis/compare_to_zoo.py', str(metrics), '--reference',
                   'lse-closedform_stylegan2lite-toyfaces64', '--label', 'x')
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'x: mIoU 41.61' in res.stdout and '83.22' in res.stdout, res.stdout
    assert '-41.61 points (-50.0 %), 50.0 % of it' in res.stdout, res.stdout
    res = run_tool('tools/analysis/compare_to_zoo.py', str(metrics), '--reference',
                   'lse-closedform_stylegan2lite-toyfaces64', '--metric', 'NSE-1 mIoU')
    last = res.stderr.strip().splitlines()[-1]
    assert res.returncode == 2 and "no metric 'NSE-1 mIoU'" in last and 'mIoU' in last, last
