"""The docs, the model zoo and the repository agree (``.dev_scripts/check_docs.py``), and
the checker finds the faults it is meant to find."""
import glob
import importlib.util
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT


def _load_checker():
    spec = importlib.util.spec_from_file_location('check_docs',
                                                  osp.join(ROOT, '.dev_scripts', 'check_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cd = _load_checker()

METAFILES = sorted(
    osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs', '*', 'metafile.yml')))


def _read(rel):
    with open(osp.join(ROOT, rel), encoding='utf-8') as f:
        return f.read()


# ----------------------------------------------------------------------------- the repository


def test_the_pages_checked_include_every_doc_page():
    pages = cd.doc_files(ROOT)
    for page in ('README.md', 'benchmarks/README.md', 'configs/README.md', 'configs/lse/README.md',
                 'docs/en/get_started.md', 'docs/en/toy_world.md',
                 'docs/en/user_guides/train_test.md', 'docs/en/advanced_guides/sefa.md'):
        assert page in pages
    on_disk = glob.glob(osp.join(ROOT, 'docs', '**', '*.md'), recursive=True)
    assert len(on_disk) == sum(p.startswith('docs/') for p in pages)


def test_no_dead_links_in_readme_docs_zoo_and_benchmarks():
    assert cd.check_links(ROOT) == []


def test_doc_commands_name_only_existing_repository_paths():
    assert cd.check_commands(ROOT) == []


def test_work_dirs_the_docs_read_are_written_by_a_documented_command():
    assert cd.check_workdirs(ROOT) == []


def test_every_bash_block_parses():
    assert cd.check_syntax(ROOT) == []


def test_doc_commands_write_only_under_work_dirs_or_in_marked_maintainer_blocks():
    assert cd.check_outputs(ROOT) == []


def test_every_page_states_its_prerequisites():
    assert cd.check_prerequisites(ROOT) == []


def test_no_page_speaks_of_issues_goals_or_sessions():
    assert cd.check_words(ROOT) == []


def test_zoo_metafiles_configs_and_model_index_agree():
    assert cd.check_zoo(ROOT) == []


def test_metafiles_are_yaml_and_agree_with_the_line_parser():
    assert METAFILES, 'no configs/*/metafile.yml'
    for meta in METAFILES:
        data = yaml.safe_load(_read(meta))
        collections = {c['Name'] for c in data['Collections']}
        configs = []
        for m in data['Models']:
            assert m['In Collection'] in collections, (meta, m['Name'])
            assert m['Results']['Task'] and m['Results']['Dataset'], (meta, m['Name'])
            assert osp.splitext(osp.basename(m['Config']))[0] == m['Name'], (meta, m['Name'])
            configs.append(m['Config'])
        parsed = [c for _, c in cd._metafile_fields(osp.join(ROOT, meta))['Config']]
        assert parsed == configs, meta
        assert [c['README'] for c in data['Collections']] == [osp.dirname(meta) + '/README.md']
    index = yaml.safe_load(_read('model-index.yml'))
    assert sorted(index['Import']) == METAFILES


def test_paper_numbers_are_never_reported_as_ours():
    """Models not run here carry only metrics named as the paper's; the folder pages say so."""
    for meta in METAFILES:
        for m in yaml.safe_load(_read(meta))['Models']:
            if m['Metadata'].get('Run here') is False:
                assert 'Weights' not in m, (meta, m['Name'])
                for key in (m['Results'].get('Metrics') or {}):
                    assert 'paper' in key, (meta, m['Name'], key)
    for folder in ('lse', 'nse1', 'nse2'):
        text = _read(f'configs/{folder}/README.md')
        assert "the paper's numbers, not run here" in text
        # the 128 px PGGAN bedroom row states the paper's resolution
        row = next(line for line in text.splitlines() if 'pggan-bedroom128' in line)
        assert '256 px' in row


def test_readme_is_short_and_keeps_the_two_commands():
    text = _read('README.md')
    assert len(text.splitlines()) <= 200
    commands = '\n'.join(block for _, block in cd.bash_commands(text))
    for command in ('bash tools/setup_env.sh', 'bash tools/run_default.sh',
                    'bash tools/run_tests.sh'):
        assert command in commands
    # the test count and the CI time live in one place, linked from the README
    assert not re.search(r'\b\d+ tests\b', text), 'state the test count only in Get started'
    assert 'get_started.md#measured-times' in text
    assert '(LICENSE)' in text and '(CITATION.cff)' in text


_COUNT = re.compile(r'The suite has (\d+) tests')


def test_get_started_states_the_test_count_once():
    text = _read('docs/en/get_started.md')
    assert len(_COUNT.findall(text)) == 1
    assert '| CI from a fresh clone' in text


def test_the_stated_test_count_is_the_suites(request):
    """Checked when the whole suite runs (``tools/run_tests.sh``): the count in Get started is
    the number of tests collected."""
    items = request.session.items
    here = str(request.config.invocation_params.dir)
    targets = {osp.realpath(osp.join(here, a.split('::')[0])) for a in request.config.args}
    whole = {osp.realpath(osp.join(ROOT, 'tests')), osp.realpath(ROOT)}
    if not targets <= whole or request.config.getoption('keyword') or \
            request.config.getoption('markexpr'):
        pytest.skip('the count is checked when the whole suite runs')
    stated = int(_COUNT.search(_read('docs/en/get_started.md')).group(1))
    assert stated == len(items), f'docs/en/get_started.md says {stated} tests; the suite has ' \
        f'{len(items)}: update the line "The suite has N tests"'


def test_license_is_apache_2_and_citation_names_the_paper():
    lic = _read('LICENSE')
    for line in ('Apache License', 'Version 2.0, January 2004', 'END OF TERMS AND CONDITIONS'):
        assert line in lic
    cff = yaml.safe_load(_read('CITATION.cff'))
    assert cff['cff-version'].startswith('1.2')
    paper = cff['preferred-citation']
    assert paper['title'] == 'Linear Semantics in Generative Adversarial Networks'
    assert [a['family-names'] for a in paper['authors']] == ['Xu', 'Zheng']
    assert paper['year'] == 2021 and 'CVPR' in paper['conference']['name']
    assert cff['type'] == 'software' and cff['license'] == 'Apache-2.0'


def test_pictures_live_under_docs_static_and_are_all_shown():
    assert sorted(os.listdir(osp.join(ROOT, 'docs'))) == ['en']
    static = osp.join(ROOT, 'docs', 'en', '_static')
    pictures = {
        osp.relpath(p, ROOT)
        for p in glob.glob(osp.join(static, '**', '*.png'), recursive=True)
    }
    assert pictures
    shown = set()
    for page in cd.doc_files(ROOT):
        for _, target in cd._links(_read(page)):
            shown.add(osp.relpath(osp.normpath(osp.join(ROOT, osp.dirname(page), target)), ROOT))
    assert pictures <= shown, sorted(pictures - shown)
    tool = _read('tools/toy_gan_check.py')
    assert re.search(r"'--out', default='docs/en/_static/toy_gan'", tool)


# ----------------------------------------------------------------------------- the checker


@pytest.mark.parametrize('heading, slug', [
    ('Table 1 on the shipped toy GAN', 'table-1-on-the-shipped-toy-gan'),
    ('Layer-wise semantics (Fig. 10)', 'layer-wise-semantics-fig-10'),
    ('P2: heads vs a DatasetGAN-style head', 'p2-heads-vs-a-datasetgan-style-head'),
    ('`LSEHead` and [links](x.md)', 'lsehead-and-links'),
])
def test_slugify_follows_github(heading, slug):
    assert cd.slugify(heading) == slug


def _write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')


@pytest.fixture
def broken_repo(tmp_path):
    """A tiny repository with one fault of every kind (and the same things done right)."""
    fence = '```'
    _write(
        tmp_path, 'README.md', '\n'.join([
            '# Demo', '', '## Install', '', '[page](docs/en/a.md) [there](docs/en/a.md#install-it)',
            '[up](#install) [dead](docs/missing.md) [bad anchor](docs/en/a.md#no-such-heading)',
            '![pic](docs/en/_static/gone.png) [web](https://example.com/x.md) `[code](nope1.md)`',
            f'{fence}bash', '[in a fence](nope2.md)', fence, ''
        ]))
    _write(
        tmp_path, 'docs/en/a.md', '\n'.join([
            '# A page', '', '## Install it', '', f'{fence}bash',
            '.venv/bin/python tools/real.py configs/a/a_cfg.py --work-dir work_dirs/made',
            '.venv/bin/python tools/real.py CONFIG work_dirs/made/iter_1.pth  # fine',
            '.venv/bin/python tools/missing_tool.py configs/a/a_cfg.py \\',
            '    --out work_dirs/out2 --x=configs/a/typo.py',
            'for h in x y; do tools/real.py work_dirs/made/x --out work_dirs/loop/$h/r; done',
            'tools/real.py work_dirs/loop/x/r/m.json work_dirs/never/iter_1.pth $OUT/a data/b/c',
            'tools/real.py cfg.py:work_dirs/made/iter_1.pth:NAME ~/.cache/x /tmp/y',
            'for h in a zz; do tools/real.py configs/$h/${h}_cfg.py; done', fence, ''
        ]))
    _write(tmp_path, 'tools/real.py', '')
    _write(tmp_path, 'configs/a/a_cfg.py', '')
    _write(tmp_path, 'configs/a/unlisted.py', '')
    _write(tmp_path, 'configs/_base_/b.py', '')
    _write(
        tmp_path, 'configs/a/metafile.yml', '\n'.join([
            'Collections:', '- Name: A', '  README: configs/a/README.md', 'Models:',
            '- Name: a_cfg', '  Config: configs/a/a_cfg.py', '  Weights: checkpoints/none.pth',
            '- Name: ghost', '  Config: configs/a/ghost.py', '  Weights: https://example.com/w.pth',
            ''
        ]))
    _write(tmp_path, 'configs/c/metafile.yml', 'Models:\n- Name: x\n')
    _write(tmp_path, 'model-index.yml',
           'Import:\n- configs/a/metafile.yml\n- configs/zzz/metafile.yml\n')
    return tmp_path


def test_checker_finds_dead_links_and_anchors(broken_repo):
    problems = cd.check_links(str(broken_repo))
    assert problems == [
        'README.md:6: dead link docs/missing.md',
        'README.md:6: no heading for anchor #no-such-heading in docs/en/a.md',
        'README.md:7: dead link docs/en/_static/gone.png',
    ]


def test_checker_finds_missing_paths_in_commands(broken_repo):
    problems = cd.check_commands(str(broken_repo))
    assert problems == [
        'docs/en/a.md:8: command names a missing path tools/missing_tool.py',
        'docs/en/a.md:8: command names a missing path configs/a/typo.py',
        'docs/en/a.md:13: command names a missing path configs/zz/zz_cfg.py',
    ]


def test_checker_finds_work_dirs_no_command_writes(broken_repo):
    problems = cd.check_workdirs(str(broken_repo))
    assert problems == [
        'docs/en/a.md:11: work_dirs/never/iter_1.pth is read but no earlier command of the page '
        'or of its prerequisites writes it'
    ]


def test_checker_knows_the_main_job_writes_its_work_dir(tmp_path):
    _write(tmp_path, 'tools/run_default.sh', 'WORK_DIR="${WORK_DIR:-work_dirs/default}"\n')
    _write(tmp_path, 'README.md',
           '```bash\nbash tools/run_default.sh\ncat work_dirs/default/iter_2.pth\n```\n')
    assert cd.check_workdirs(str(tmp_path)) == []
    (tmp_path / 'tools' / 'run_default.sh').write_text('WORK_DIR="${WORK_DIR:-work_dirs/x}"\n')
    assert len(cd.check_workdirs(str(tmp_path))) == 1


def test_checker_finds_zoo_faults(broken_repo):
    problems = cd.check_zoo(str(broken_repo))
    assert problems == [
        'configs/a/metafile.yml:9: config configs/a/ghost.py does not exist',
        'configs/a/metafile.yml:3: README configs/a/README.md does not exist',
        'configs/a/metafile.yml:7: Weights checkpoints/none.pth does not exist',
        'configs/c/metafile.yml: lists no Config',
        'configs/a/unlisted.py: not listed in any configs/**/metafile.yml',
        'model-index.yml:3: imported configs/zzz/metafile.yml does not exist',
        'model-index.yml: does not import configs/c/metafile.yml',
    ]


def test_cli_exit_codes(broken_repo):
    tool = osp.join(ROOT, '.dev_scripts', 'check_docs.py')
    bad = subprocess.run(
        [sys.executable, tool, '--root', str(broken_repo)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert '[links] README.md:6: dead link docs/missing.md' in bad.stdout
    assert '[zoo]' in bad.stdout and '[commands]' in bad.stdout and '[workdirs]' in bad.stdout
    good = subprocess.run([sys.executable, tool, '--root', ROOT], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout
    wrong = subprocess.run([sys.executable, tool, '--only', 'spelling'],
                           capture_output=True,
                           text=True)
    assert wrong.returncode == 2


@pytest.fixture
def page_repo(tmp_path):
    """Pages with the faults of runnable commands (and the same things done right)."""
    fence = '```'
    _write(tmp_path, 'tools/real.py', "p.add_argument('--out', default='work_dirs/real')\n")
    _write(tmp_path, 'tools/shots.py', "p.add_argument('--out', default='docs/en/_static/x')\n")
    _write(tmp_path, 'tools/export.py', "p.add_argument('checkpoint')\np.add_argument('out')\n")
    _write(tmp_path, 'checkpoints/gan.pth', '')
    _write(
        tmp_path, 'docs/en/first.md', '\n'.join([
            '# First', '', 'Prerequisites: none.', '', f'{fence}bash',
            'python tools/real.py --work-dir work_dirs/a', 'python tools/real.py', fence, ''
        ]))
    _write(
        tmp_path, 'docs/en/second.md', '\n'.join([
            '# Second', '', 'Prerequisites: [First](first.md) and', '[Third](third.md).', '',
            f'{fence}bash', 'cat work_dirs/a/x work_dirs/real/y work_dirs/c/z',
            'for n in 1 2; do for m in 3; do', '  cat work_dirs/a/$n', 'done; done# glued',
            'python tools/export.py work_dirs/a/x checkpoints/gan.pth',
            'python tools/export.py work_dirs/a/x work_dirs/gan.pth',
            'python tools/shots.py --num 2', 'python tools/shots.py --out work_dirs/s',
            'echo hi > README.md', fence, '', '<!-- maintainer: regenerates the pictures -->',
            f'{fence}bash', 'python tools/shots.py', fence, '', 'As the session goal said.', ''
        ]))
    _write(tmp_path, 'docs/en/third.md', '# Third\n\nNo prerequisites line here.\n')
    return tmp_path


def test_checker_finds_blocks_that_do_not_parse(page_repo):
    assert cd.check_syntax(
        str(page_repo)) == ["docs/en/second.md:15: bash -n: syntax error: unexpected end of file"]


def test_checker_reads_only_what_earlier_blocks_or_prerequisites_write(page_repo):
    assert cd.check_workdirs(str(page_repo)) == [
        'docs/en/second.md:7: work_dirs/c/z is read but no earlier command of the page or of '
        'its prerequisites writes it'
    ]


def test_checker_finds_commands_that_write_tracked_files(page_repo):
    problems = [p.split(': outputs go to')[0] for p in cd.check_outputs(str(page_repo))]
    assert problems == [
        'docs/en/second.md:11: writes checkpoints/gan.pth (tools/export.py (output argument))',
        'docs/en/second.md:13: writes docs/en/_static/x (tools/shots.py (default --out))',
        'docs/en/second.md:15: writes README.md (>)',
    ]


def test_checker_finds_pages_without_prerequisites_and_internal_words(page_repo):
    assert cd.check_prerequisites(
        str(page_repo)) == ['docs/en/third.md:1: no "Prerequisites:" line in the first 10 lines']
    words = cd.check_words(str(page_repo))
    assert [w.split(':')[1] for w in words] == ['23'] and '"session"' in words[0]


def test_checker_reads_block_marks(page_repo):
    blocks = cd.bash_blocks((page_repo / 'docs/en/second.md').read_text())
    assert [b[2] for b in blocks] == [None, ('maintainer', 'regenerates the pictures')]


def test_checker_finds_missing_package_files_and_names(tmp_path):
    _write(tmp_path, 'mmlinsem/__init__.py', '')
    _write(tmp_path, 'mmlinsem/a/__init__.py', 'from .b import *  # noqa\n')
    _write(tmp_path, 'mmlinsem/a/b.py', 'class Foo:\n    pass\n')
    _write(
        tmp_path, 'docs/en/p.md', '\n'.join([
            '# P', '', 'Prerequisites: none.', '', '`mmlinsem.a.Foo` and `mmlinsem/a/b.py`',
            '`mmlinsem.a.Bar` and `mmlinsem/a/c.py`', "type='mmlinsem.Foo' or mmlinsem.Baz", ''
        ]))
    assert cd.check_code_refs(str(tmp_path)) == [
        'docs/en/p.md:6: names a missing file mmlinsem/a/c.py',
        'docs/en/p.md:6: names a missing module or name mmlinsem.a.Bar',
        'docs/en/p.md:7: names a missing module or name mmlinsem.Baz',
    ]


def test_pages_name_only_existing_package_files_and_names():
    assert cd.check_code_refs(ROOT) == []


def test_shipped_zoo_heads_come_with_logs_and_are_linked_from_their_row():
    shipped = []
    for meta in METAFILES:
        readme = _read(osp.join(osp.dirname(meta), 'README.md'))
        for m in yaml.safe_load(_read(meta))['Models']:
            weights = m.get('Weights', '')
            heads = {'LSEHead', 'NSE1Head', 'NSE2Head'} & set(m['Metadata'].get('Architecture', []))
            if not weights.startswith('checkpoints/') or not heads:
                continue  # the toy world's teacher and GAN are the shipped inputs, not zoo heads
            shipped.append(weights)
            assert osp.getsize(osp.join(ROOT, weights)) < 2**20, weights  # KB to MB
            for kind in ('train', 'test'):
                log = f'checkpoints/logs/{m["Name"]}.{kind}.log'
                assert osp.isfile(osp.join(ROOT, log)), log
                assert f'../../{log}' in readme, (meta, log)
            row = next(line for line in readme.splitlines() if f'[{m["Name"]}]' in line)
            assert f'../../{weights}' in row, (meta, m['Name'])
    assert shipped, 'no zoo row ships its head'
