"""The documentation site builds (Sphinx + MyST, warnings as errors), the Inference page's
snippet runs as written, and the README / Get started commands run as written in a scratch
clone (the blocks marked ``<!-- long: ... -->`` are skipped with their reason)."""
import glob
import importlib.util
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

_spec = importlib.util.spec_from_file_location('check_docs',
                                               osp.join(ROOT, '.dev_scripts', 'check_docs.py'))
cd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cd)

# The zoo head that stands in for the main job's output when its (long) block is skipped.
MAIN_JOB_HEAD = 'checkpoints/lse-closedform-sgd_stylegan2lite-toyfaces64_iter1000.pth'
STAND_INS = {'work_dirs/default/iter_1000.pth': MAIN_JOB_HEAD}
SMOKE_PAGES = ('README.md', 'docs/en/get_started.md')


def _read(rel):
    with open(osp.join(ROOT, rel), encoding='utf-8') as f:
        return f.read()


def _env():
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONPATH', None)
    return env


def test_site_builds_with_warnings_as_errors(tmp_path):
    res = subprocess.run([
        sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b', 'html', '-d',
        str(tmp_path / 'doctrees'),
        osp.join(ROOT, 'docs', 'en'),
        str(tmp_path / 'html')
    ],
                         capture_output=True,
                         text=True,
                         env=_env(),
                         timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-6000:]
    html = tmp_path / 'html'
    for page in ('index', 'get_started', 'inference', 'gpu', 'changelog', 'api_reference',
                 'user_guides/train_test', 'advanced_guides/closed_form_lse'):
        assert (html / f'{page}.html').is_file(), page
    api = (html / 'api_reference.html').read_text(encoding='utf-8')
    # generated from the docstrings, not written by hand
    for name in ('LinSemInferencer', 'semantic_image_edit', 'LSEHead', 'PaperIoUMetric'):
        assert 'id="mmlinsem.' in api and name in api, name


def test_every_page_is_in_the_site():
    """Every page under docs/en/ (pictures' tables excepted) is listed in a toctree."""
    index = _read('docs/en/index.md')
    listed = set(re.findall(r'^([\w/]+)$', index, re.M))
    pages = {
        osp.splitext(osp.relpath(p, osp.join(ROOT, 'docs', 'en')))[0]
        for p in glob.glob(osp.join(ROOT, 'docs', 'en', '**', '*.md'), recursive=True)
        if '_static' not in p
    }
    assert pages - {'index'} <= listed, sorted(pages - listed - {'index'})


def _python_blocks(text):
    return re.findall(r'^```python\n(.*?)^```', text, re.M | re.S)


def test_inference_snippet_runs_as_written():
    blocks = _python_blocks(_read('docs/en/inference.md'))
    assert len(blocks) == 1
    res = subprocess.run([sys.executable, '-c', blocks[0]],
                         cwd=ROOT,
                         capture_output=True,
                         text=True,
                         env=_env(),
                         timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout
    assert "'hair'" in out
    assert 'torch.Size([4, 3, 64, 64])' in out and 'torch.Size([4, 64, 64])' in out
    m = re.search(r'agreement inside (\d\.\d\d), change outside (\d\.\d+)', out)
    assert m and 0 <= float(m.group(1)) <= 1 and 0 <= float(m.group(2)) <= 1, out


def _smoke_blocks():
    out = []
    for page in SMOKE_PAGES:
        for start, block, mark in cd.bash_blocks(_read(page)):
            out.append(pytest.param(page, block, mark, id=f'{page}:{start}'))
    return out


@pytest.fixture(scope='module')
def scratch_clone(tmp_path_factory):
    """A clone of the committed tree with the checkout's built .venv linked in (its stamp
    matches, so tools/setup_env.sh has nothing to do) and the stand-ins of skipped outputs."""
    if not osp.isdir(osp.join(ROOT, '.git')):
        pytest.skip('not a git checkout')
    dest = tmp_path_factory.mktemp('clone') / 'repo'
    subprocess.run(['git', 'clone', '-q', ROOT, str(dest)], check=True)
    # the working tree as it is (a fresh clone of a clean checkout is the same)
    changed = subprocess.run(['git', 'ls-files', '-m', '-o', '--exclude-standard'],
                             cwd=ROOT,
                             capture_output=True,
                             text=True,
                             check=True).stdout.split()
    for rel in changed:
        if osp.isfile(osp.join(ROOT, rel)):
            os.makedirs(osp.dirname(str(dest / rel)), exist_ok=True)
            shutil.copy2(osp.join(ROOT, rel), str(dest / rel))
    for rel in subprocess.run(['git', 'ls-files', '-d'],
                              cwd=ROOT,
                              capture_output=True,
                              text=True,
                              check=True).stdout.split():
        if osp.exists(str(dest / rel)):
            os.remove(str(dest / rel))
    os.symlink(osp.join(ROOT, '.venv'), str(dest / '.venv'))
    for made, stand_in in STAND_INS.items():
        os.makedirs(osp.dirname(str(dest / made)), exist_ok=True)
        shutil.copy2(str(dest / stand_in), str(dest / made))
    return dest


@pytest.mark.parametrize('page, block, mark', _smoke_blocks())
def test_readme_and_get_started_commands_run_as_written(scratch_clone, page, block, mark):
    if mark and mark[0] in ('long', 'maintainer'):
        pytest.skip(f'{mark[0]}: {mark[1]}')
    res = subprocess.run(['bash', '-euo', 'pipefail', '-c', block],
                         cwd=str(scratch_clone),
                         capture_output=True,
                         text=True,
                         env=_env(),
                         timeout=600)
    assert res.returncode == 0, (block, res.stdout[-2000:], res.stderr[-3000:])
    text = _read(page)
    for made in re.findall(r'--out (work_dirs/\S+)', block):
        assert osp.isdir(str(scratch_clone / made)), made
        # every file of that folder the page names was written (e.g. the first edit's sie.png)
        for named in re.findall(r'`(%s/[\w./-]+)`' % re.escape(made), text):
            assert osp.isfile(str(scratch_clone / named)), named


def test_the_smoke_test_skips_only_marked_blocks_and_runs_some():
    marks = [p.values[2] for p in _smoke_blocks()]
    assert any(m is None for m in marks)
    assert all(m is None or m[1] for m in marks), 'a long block must say why'
