"""tools/analysis/downstream.py end to end on the shipped toy world at a tiny size: the
table, the figures, a second call that reuses every finished step, and bad input."""
import json
import os.path as osp

from conftest import run_tool

ARGS = [
    '--shots', '2', '--num', '8', '--fewshot-samples', '4', '--ensemble', '2', '--ce-steps', '1',
    '--seg-iters', '102', '--val-interval', '51', '--seg-batch-size', '2', '--num-eval', '6',
    '--no-unfiltered', '--jobs', '1', '--fewshot-val', '16', '--full-lse-iters', '2'
]


def test_downstream_driver_table_figures_and_rerun(tmp_path):
    wd, out = tmp_path / 'wd', tmp_path / 'out'
    cmd = ['tools/analysis/downstream.py', '--work-dir', str(wd), '--out', str(out), *ARGS]
    res = run_tool(*cmd, timeout=900)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    summary = json.load(open(out / 'downstream.json'))
    rows = {r['key']: r for r in summary['rows']}
    assert list(rows) == ['synth2', 'gen2', 'real2', 'synth_teacher', 'synth_full_lse', 'teacher']
    # the rows without annotations: 8 exported pairs each, none filtered
    assert rows['synth_teacher']['train_images'] == rows['synth_full_lse']['train_images']
    assert rows['synth_teacher']['train_images'] >= 6
    assert 0 <= summary['labellers']['full_lse']['mIoU'] <= 100
    assert rows['gen2']['train_images'] == rows['real2']['train_images'] == 2
    export = summary['exports']['2']
    assert export['total'] == 8 and export['kept'] == 7  # the 10 % filter drops one of 8
    assert rows['synth2']['train_images'] <= 7
    for r in rows.values():
        assert set(r['per_class']) == {
            'background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose', 'cloth'
        }
        assert 0 <= r['mIoU'] <= 100
    # the shipped teacher on rendered faces it never saw: the upper bound is a real one
    assert rows['teacher']['mIoU'] > 85
    assert abs(sum(rows['real2']['train_label_share'].values()) - 100) < 0.1
    table = (out / 'downstream_table.md').read_text()
    assert table.count('\n') == 2 + 6 and '| the 2 annotated generated images | 2 |' in table
    for name in ('curves.png', 'predictions.png'):
        assert osp.getsize(out / name) > 1000
    # every step is kept: a second call trains nothing and gives the same table
    again = run_tool(*cmd, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'started' not in again.stdout
    assert (out / 'downstream_table.md').read_text() == table


def test_downstream_driver_bad_input_is_one_error_line(tmp_path):
    res = run_tool('tools/analysis/downstream.py', '--work-dir', str(tmp_path), '--seg-iters', '50',
                   '--val-interval', '50')
    assert res.returncode == 2
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith('error: ') and 'warm-up' in line
