"""Issue 17: tools/semantic_directions.py on the tiny job."""
import json
import os

import pytest
import torch

from conftest import run_tool

CFG = 'tests/configs/tiny_lse.py'


@pytest.fixture(scope='module')
def head_ckpt(tmp_path_factory):
    """A head checkpoint of the tiny job (its random head, saved as tools/train.py does:
    the model's state dict holds only the head)."""
    from mmlinsem.apis import LinSemInferencer
    model = LinSemInferencer(CFG).model
    path = str(tmp_path_factory.mktemp('head') / 'head.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def _error_line(res):
    assert res.returncode == 2, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    return res.stderr.strip().splitlines()[-1]


def test_region_then_name_from_file(tmp_path, head_ckpt):
    out = str(tmp_path / 'region')
    res = run_tool('tools/semantic_directions.py', CFG, head_ckpt, '--method', 'region',
                   '--classes', 'a', '--layers', '0-2', '--jacobian-layer', '2', '--num-directions',
                   '2', '--num-samples', '2', '--grid-samples', '1', '--out', out)
    assert res.returncode == 0, res.stderr[-3000:]
    assert {'directions.pt', 'table.json', 'table.md', 'grid.png'} <= set(os.listdir(out))
    saved = torch.load(os.path.join(out, 'directions.pt'))
    assert saved['directions'].shape == (2, 16) and saved['layers'] == [0, 1, 2]
    assert saved['classes'] == ['a'] and len(saved['names']) == 2
    summary = json.load(open(os.path.join(out, 'table.json')))
    assert len(summary['table']) == 2 and 'class_locality' in summary['table'][0]
    assert '| direction | name | locality | locality (a) |' in open(os.path.join(
        out, 'table.md')).read()
    # the written file is a --source for naming (its layers come along)
    named = str(tmp_path / 'named')
    res = run_tool('tools/semantic_directions.py', CFG, head_ckpt, '--source',
                   os.path.join(out, 'directions.pt'), '--num-samples', '2', '--grid-samples', '1',
                   '--out', named)
    assert res.returncode == 0, res.stderr[-3000:]
    again = torch.load(os.path.join(named, 'directions.pt'))
    assert torch.equal(again['directions'], saved['directions']) and again['layers'] == [0, 1, 2]


def test_compare_writes_its_table(tmp_path, head_ckpt):
    out = str(tmp_path / 'cmp')
    res = run_tool('tools/semantic_directions.py', CFG, head_ckpt, '--method', 'compare',
                   '--classes', 'a,b', '--layers', '0-2', '--jacobian-layer', '2',
                   '--num-directions', '3', '--num-samples', '2', '--eval-samples', '2',
                   '--grid-samples', '1', '--out', out)
    assert res.returncode == 0, res.stderr[-3000:]
    assert {'directions.pt', 'compare.json', 'compare.md', 'table.md',
            'grid.png'} <= set(os.listdir(out))
    rows = json.load(open(os.path.join(out, 'compare.json')))['rows']
    assert [r['class'] for r in rows] == ['a', 'b']
    assert torch.load(os.path.join(out, 'directions.pt'))['directions'].shape == (2, 16)
    assert '| a |' in open(os.path.join(out, 'compare.md')).read()


def test_bad_input_is_one_error_line(tmp_path, head_ckpt):
    line = _error_line(
        run_tool('tools/semantic_directions.py', CFG, head_ckpt, '--method', 'region', '--classes',
                 'hair', '--out', str(tmp_path / 'a')))
    assert line.startswith("error: unknown class 'hair'") and 'background' in line
    line = _error_line(
        run_tool('tools/semantic_directions.py', CFG, head_ckpt, '--layers', '3-9', '--out',
                 str(tmp_path / 'b')))
    assert line.startswith("error: layers '3-9' out of range")
    assert not os.path.exists(tmp_path / 'a') and not os.path.exists(tmp_path / 'b')
