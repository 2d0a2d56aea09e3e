"""Check the repository's documentation against the repository (stdlib + bash).

    python3 .dev_scripts/check_docs.py [--root DIR] [--only links,commands,...]

Each check is a function returning a list of problems (``file:line: message``):

* ``check_links``: every relative link and image of the Markdown pages (README.md,
  docs/**/*.md, configs/**/README.md, benchmarks/README.md) points at an existing file or
  folder; a ``#anchor`` into a Markdown page must name one of its headings.
* ``check_syntax``: every fenced ``bash`` block parses (``bash -n``).
* ``check_commands``: every repository path named in a fenced ``bash`` block (configs,
  tools, checkpoints, ...) exists in a fresh clone, with the values of simple ``for`` loops
  substituted. Outputs and placeholders are skipped:
  paths under ``work_dirs/``, ``data/`` or ``.venv/``, absolute or home paths, anything
  with a shell variable or glob, and upper-case placeholders such as ``CONFIG``.
* ``check_workdirs``: every ``work_dirs/...`` path a command reads is written by an earlier
  command of the same page (a ``--work-dir`` / ``--out`` value, a redirection, a tool's
  default output, the main job's work dir) or by a page the page names as a prerequisite.
* ``check_outputs``: no command writes outside ``work_dirs/`` and ``data/``: the values of
  ``--out`` / ``--work-dir`` / ``--show-dir`` / ``-o``, redirections and ``cp`` / ``mv``
  targets, and tools whose default ``--out`` is a tracked folder run without ``--out``.
  A block that regenerates shipped files follows a ``<!-- maintainer: WHAT -->`` line and
  is exempt.
* ``check_prerequisites``: every page under ``docs/en/`` (``_static/`` excepted) states a
  ``Prerequisites:`` line within its first 10 lines, and the pages it links there exist.
* ``check_code_refs``: the package files (`` `mmlinsem/...py` ``) and dotted names
  (``mmlinsem.apis.x``) the pages name exist in the tree (read as text, nothing imported).
* ``check_words``: no page speaks of issues, goals or sessions (a manual describes the code).
* ``check_zoo``: every config a ``configs/**/metafile.yml`` lists exists, every config under
  ``configs/`` (``_base_/`` excepted) is listed in some metafile, local weights exist, and
  the root ``model-index.yml`` imports exactly the metafiles.

Block markers (an HTML comment on the line before the fence): ``<!-- maintainer: WHAT -->``
regenerates shipped files; ``<!-- long: WHY -->`` runs too long for the smoke test of the
README and Get started (``tests/test_docs/test_smoke.py``), which runs every other block.

Exit code 0 when every check passes, 1 otherwise (one line per problem).
"""
import argparse
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from urllib.parse import unquote

OUTPUT_PREFIXES = ('work_dirs/', 'data/', '.venv/')
PRODUCER_FLAGS = ('--work-dir', '--out', '--show-dir', '--figure', '-o')
REDIRECTS = ('>', '>>')
WRITABLE_PREFIXES = ('work_dirs/', 'data/')
PREREQ_LINES = 10
MAIN_JOB = 'tools/run_default.sh'

_FENCE = re.compile(r'^\s*(`{3,}|~{3,})\s*([\w+-]*)')
_HEADING = re.compile(r'^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$')
_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
_HTML = re.compile(r'<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*"([^"]+)"', re.I)
_REFDEF = re.compile(r'^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)')
_ANCHOR_TAG = re.compile(r'<a\s+(?:name|id)\s*=\s*"([^"]+)"', re.I)
_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:')
_PLACEHOLDER = re.compile(r'^[A-Z][A-Z0-9_]*$')
_PATHLIKE = re.compile(r'^[\w.][\w.+-]*(/[\w.+-]+)*/?$')
_SHELL_VAR = re.compile(r'\$\{?\w+\}?')
_MARK = re.compile(r'^\s*<!--\s*(maintainer|long)\s*:?\s*(.*?)\s*-->\s*$')
_PREREQ = re.compile(r'^\W*prerequisites\W*:', re.I)
_WORDS = re.compile(r'\b(issues?|goals?|sessions?|lent)\b', re.I)
_TOOL_OUT = re.compile(r"add_argument\(\s*'--out'\s*,\s*default\s*=\s*([^\n]+)")


def doc_files(root):
    """The Markdown pages checked, as paths relative to ``root`` (sorted)."""
    found = []
    if osp.isfile(osp.join(root, 'README.md')):
        found.append('README.md')
    if osp.isfile(osp.join(root, 'benchmarks', 'README.md')):
        found.append('benchmarks/README.md')
    for top, only_readme in (('docs', False), ('configs', True)):
        for dirpath, dirnames, filenames in os.walk(osp.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith('.md') and (name == 'README.md' or not only_readme):
                    found.append(osp.relpath(osp.join(dirpath, name), root).replace(os.sep, '/'))
    return found


def split_markdown(text):
    """Yield ``(kind, lang, line_no, line)``: kind 'prose' or 'code' (inside a fence)."""
    fence = None
    lang = ''
    for no, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if fence is None and m:
            fence, lang = m.group(1), m.group(2).lower()
            continue
        if fence is not None and line.strip().startswith(fence[0] * len(fence)) and \
                line.strip().strip(fence[0]) == '':
            fence = None
            continue
        yield ('code' if fence is not None else 'prose'), lang, no, line


def slugify(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)  # links -> their text
    text = re.sub(r'<[^>]+>', '', text).lower()
    text = ''.join(c for c in text if c.isalnum() or c in ' -_')
    return text.replace(' ', '-')


def anchors(path):
    """All anchors of a Markdown file (headings, with GitHub's -1, -2 for repeats)."""
    seen = {}
    out = set()
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for kind, _, _, line in split_markdown(text):
        if kind != 'prose':
            continue
        out.update(_ANCHOR_TAG.findall(line))
        m = _HEADING.match(line)
        if m:
            slug = slugify(m.group(2))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f'{slug}-{n}')
    return out


def _links(text):
    for kind, _, no, line in split_markdown(text):
        if kind != 'prose':
            continue
        bare = re.sub(r'`[^`]*`', '', line)
        for rx in (_LINK, _HTML, _REFDEF):
            for target in rx.findall(bare):
                yield no, target


def check_links(root, files=None):
    """Dead relative links (and dead anchors into Markdown pages) of the doc pages."""
    problems = []
    cache = {}
    for rel in files if files is not None else doc_files(root):
        src = osp.join(root, rel)
        with open(src, encoding='utf-8') as f:
            text = f.read()
        for no, target in _links(text):
            if _SCHEME.match(target) or target.startswith('//'):
                continue
            path, _, anchor = target.partition('#')
            path = unquote(path)
            if path:
                base = root if path.startswith('/') else osp.dirname(src)
                dest = osp.normpath(osp.join(base, path.lstrip('/')))
            else:
                dest = src
            if not osp.exists(dest):
                problems.append(f'{rel}:{no}: dead link {target}')
                continue
            if osp.relpath(dest, root).startswith('..'):
                problems.append(f'{rel}:{no}: link leaves the repository: {target}')
                continue
            if anchor and dest.endswith('.md') and osp.isfile(dest):
                if dest not in cache:
                    cache[dest] = anchors(dest)
                if anchor.lower() not in cache[dest]:
                    problems.append(f'{rel}:{no}: no heading for anchor #{anchor} in '
                                    f'{osp.relpath(dest, root)}')
    return problems


def bash_commands(text):
    """The fenced bash blocks of a page as ``(first_line_no, block_text)``."""
    blocks = []
    current, start, prev = [], None, None
    for kind, lang, no, line in split_markdown(text):
        inside = kind == 'code' and lang in ('bash', 'sh', 'shell', 'console')
        if inside and (prev is None or no == prev + 1):
            if start is None:
                start = no
            current.append(line)
            prev = no
            continue
        if current:
            blocks.append((start, '\n'.join(current)))
        current, start, prev = ([line], no, no) if inside else ([], None, None)
    if current:
        blocks.append((start, '\n'.join(current)))
    return blocks


def logical_lines(start, block):
    """``(line_no, text)`` of each command line of a block, ``\\``-continued lines joined."""
    out, buf, first = [], [], None
    for no, line in enumerate(block.split('\n'), start):
        if first is None:
            first = no
        if line.endswith('\\'):
            buf.append(line[:-1])
            continue
        buf.append(line)
        out.append((first, ' '.join(buf)))
        buf, first = [], None
    if buf:
        out.append((first, ' '.join(buf)))
    return out


def _tokens(line):
    """Shell words of one command line (comments dropped)."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=';&|()<>')
    lex.whitespace_split = True
    try:
        return list(lex)
    except ValueError:  # unbalanced quotes: fall back to a plain split
        return line.split()


def _command_lines(text):
    for start, block in bash_commands(text):
        yield from logical_lines(start, block)


def _candidates(token):
    """Parts of a shell word that may be paths (``A=B``, ``--x=B``, ``CFG:CKPT:NAME``)."""
    for part in re.split(r'[=:]', token):
        part = part.strip('\'",;')
        if part:
            yield part


def _is_repo_path(part):
    if '/' not in part or part.startswith(('-', '/', '~', '.venv')):
        return False
    if any(c in part for c in '$*?{}[]<>'):
        return False
    if part.startswith(OUTPUT_PREFIXES) or not _PATHLIKE.match(part):
        return False
    return not any(_PLACEHOLDER.match(c) for c in part.strip('/').split('/'))


_FOR = re.compile(r'\bfor\s+(\w+)\s+in\s+([^;]*?)\s*;\s*do\b')


def _expand(token, loops):
    """``token`` with the variables of enclosing ``for X in a b; do`` loops substituted (one
    result per combination); unknown variables are left alone."""
    results = [token]
    for var in dict.fromkeys(re.findall(r'\$\{?(\w+)\}?', token)):
        if var not in loops:
            continue
        rx = re.compile(r'\$(\{%s\}|%s\b)' % (var, var))
        results = [rx.sub(value, r) for r in results for value in loops[var]]
    return results


def check_commands(root, files=None):
    """Repository paths named in the docs' bash blocks that do not exist (the values of
    simple ``for`` loops are substituted first)."""
    problems = []
    for rel in files if files is not None else doc_files(root):
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        for start, block in bash_commands(text):
            loops = {v: values.split() for v, values in _FOR.findall(block)}
            for no, line in logical_lines(start, block):
                for token in _tokens(line):
                    for word in _expand(token, loops):
                        for part in _candidates(word):
                            if _is_repo_path(part) and not osp.exists(osp.join(root, part)):
                                problems.append(f'{rel}:{no}: command names a missing path {part}')
    return problems


def bash_blocks(text):
    """The fenced bash blocks of a page as ``(first_line_no, block_text, mark)``: ``mark`` is
    ``('maintainer', what)`` / ``('long', why)`` from an HTML comment on the line before the
    fence (blank lines between allowed), else ``None``."""
    lines = text.splitlines()
    out = []
    for start, block in bash_commands(text):
        mark = None
        i = start - 3  # 0-based index of the line before the opening fence
        while i >= 0 and not lines[i].strip():
            i -= 1
        if i >= 0:
            m = _MARK.match(lines[i])
            if m:
                mark = (m.group(1), m.group(2))
        out.append((start, block, mark))
    return out


def check_syntax(root, files=None):
    """Bash blocks that ``bash -n`` rejects."""
    problems = []
    for rel in files if files is not None else doc_files(root):
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        for start, block, _ in bash_blocks(text):
            res = subprocess.run(['bash', '-n'], input=block + '\n', capture_output=True, text=True)
            if res.returncode != 0:
                msg = (res.stderr.strip().splitlines() or ['syntax error'])[0]
                m = re.search(r'line (\d+): (.*)', msg)
                no = min(start + int(m.group(1)) - 1, start + block.count('\n')) if m else start
                problems.append(f'{rel}:{no}: bash -n: {m.group(2) if m else msg}')
    return problems


def _main_job_dir(root):
    path = osp.join(root, MAIN_JOB)
    if osp.isfile(path):
        with open(path, encoding='utf-8') as f:
            m = re.search(r'WORK_DIR:-([^}"]+)\}', f.read())
        if m:
            return m.group(1)
    return None


def _pattern(path):
    """A regex matching ``path`` with its shell variables as one path component each."""
    pieces = _SHELL_VAR.split(path)
    return '[^/]*'.join(re.escape(p) for p in pieces)


def _tool_default_out(root, tool):
    """The literal default of a Python tool's ``--out`` option (source text), or None."""
    path = osp.join(root, tool)
    if not tool.endswith('.py') or not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        m = _TOOL_OUT.search(f.read())
    return m.group(1) if m else None


_POSITIONAL = re.compile(r"add_argument\(\s*'([a-z_]\w*)'")


def _tool_positional_outs(root, tool, args):
    """The positional arguments of a Python tool named ``out`` / ``dst`` / ``output``."""
    path = osp.join(root, tool)
    if not tool.endswith('.py') or not osp.isfile(path):
        return []
    with open(path, encoding='utf-8') as f:
        names = _POSITIONAL.findall(f.read())
    values, skip = [], False
    for arg in args:
        if arg in ';&|()':
            break
        if skip:
            skip = False
        elif arg.startswith('-'):
            skip = '=' not in arg
        else:
            values.append(arg)
    return [v for name, v in zip(names, values) if name in ('out', 'dst', 'output')]


def _writes(root, tokens):
    """``(path, how)`` of what one command line writes: option values, redirections,
    ``cp`` / ``mv`` / ``tee`` targets, ``mkdir`` folders, a tool's default ``--out``, the
    main job's and ``tools/train.py``'s default work dirs."""
    out = []
    has_out = any(t == '--out' or t.startswith('--out=') for t in tokens)
    has_wd = any(t == '--work-dir' or t.startswith('--work-dir=') for t in tokens)
    for i, token in enumerate(tokens):
        flag, eq, value = token.partition('=')
        if eq and flag in PRODUCER_FLAGS:
            out.append((value, flag))
        elif token in PRODUCER_FLAGS + REDIRECTS + ('tee', ) and i + 1 < len(tokens):
            out.append((tokens[i + 1], token))
        elif token in ('cp', 'mv') and i + 2 < len(tokens):
            args = [t for t in tokens[i + 1:] if t not in ';&|' and not t.startswith('-')]
            end = next((k for k, t in enumerate(args) if t in ';&|()'), len(args))
            if end >= 2:
                out.append((args[end - 1], token))
        elif token == 'mkdir':
            out.extend((t, token) for t in tokens[i + 1:] if not t.startswith('-'))
        elif token == MAIN_JOB and _main_job_dir(root):
            out.append((_main_job_dir(root), MAIN_JOB))
        elif token == 'tools/train.py' and not has_wd and i + 1 < len(tokens):
            stem = osp.splitext(osp.basename(tokens[i + 1]))[0]
            out.append((f'work_dirs/{stem}', 'tools/train.py'))
        elif token.endswith('.py') and _tool_positional_outs(root, token, tokens[i + 1:]):
            out.extend((v, f'{token} (output argument)')
                       for v in _tool_positional_outs(root, token, tokens[i + 1:]))
        elif not has_out and token.endswith('.py'):
            default = _tool_default_out(root, token)
            if default:
                m = re.match(r"""^['"]([^'"]+)['"]""", default)
                parts = re.findall(r"""['"]([^'"]+)['"]""", default)
                path = m.group(1) if m else '/'.join(parts) if 'ROOT' in default else default
                out.append((path, f'{token} (default --out)'))
    return out


def _prerequisites(root, rel):
    """Repository paths of the pages linked on ``rel``'s ``Prerequisites:`` line."""
    with open(osp.join(root, rel), encoding='utf-8') as f:
        head = f.read().splitlines()[:PREREQ_LINES]
    pages, inside = [], False
    for line in head:
        inside = bool(line.strip()) and (inside or bool(_PREREQ.match(line)))
        if inside:  # the Prerequisites paragraph, up to the next blank line
            for target in _LINK.findall(line):
                path = target.partition('#')[0]
                if path.endswith('.md') and not _SCHEME.match(path):
                    dest = osp.normpath(osp.join(osp.dirname(rel), path))
                    pages.append(dest.replace(os.sep, '/'))
    return pages


def _page_writes(root, rel):
    """``(line_no, path)`` of every ``work_dirs/`` path the page's commands write."""
    with open(osp.join(root, rel), encoding='utf-8') as f:
        text = f.read()
    made = []
    for no, line in _command_lines(text):
        for path, _ in _writes(root, _tokens(line)):
            if path.startswith('work_dirs/'):
                made.append((no, path))
    return made


def check_workdirs(root, files=None):
    """``work_dirs/`` paths read by a command that neither an earlier command of the same
    page nor a stated prerequisite page (followed transitively) writes."""
    files = files if files is not None else doc_files(root)
    problems = []
    for rel in files:
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        own = _page_writes(root, rel)
        before, seen, todo = [], {rel}, list(_prerequisites(root, rel))
        while todo:
            page = todo.pop()
            if page in seen or not osp.isfile(osp.join(root, page)):
                continue
            seen.add(page)
            before.extend(p for _, p in _page_writes(root, page))
            todo.extend(_prerequisites(root, page))
        for no, line in _command_lines(text):
            tokens = _tokens(line)
            written = {p for p, _ in _writes(root, tokens)}
            made = [
                re.compile(_pattern(p.rstrip('/')) + r'(/|$)')
                for p in before + [p for n, p in own if n <= no]
            ]
            for i, token in enumerate(tokens):
                if token in written or (i > 0 and tokens[i - 1] in PRODUCER_FLAGS + REDIRECTS):
                    continue
                for part in _candidates(token):
                    if not part.startswith('work_dirs/'):
                        continue
                    literal = _SHELL_VAR.split(part)[0]
                    if not any(rx.match(part) or rx.match(literal) for rx in made):
                        problems.append(f'{rel}:{no}: {part} is read but no earlier command '
                                        'of the page or of its prerequisites writes it')
    return problems


def check_outputs(root, files=None):
    """Commands (outside maintainer blocks) that write anywhere but ``work_dirs/`` / ``data/``."""
    problems = []
    for rel in files if files is not None else doc_files(root):
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        for start, block, mark in bash_blocks(text):
            if mark and mark[0] == 'maintainer':
                continue
            for no, line in logical_lines(start, block):
                for path, how in _writes(root, _tokens(line)):
                    bare = path.strip('\'"')
                    if bare.startswith(('/', '~', '$', '&')) or bare in ('-', '') or \
                            _PLACEHOLDER.match(bare):
                        continue
                    if not bare.startswith(WRITABLE_PREFIXES):
                        problems.append(f'{rel}:{no}: writes {bare} ({how}): outputs go to '
                                        'work_dirs/; mark a block that regenerates shipped '
                                        'files <!-- maintainer: ... -->')
    return problems


def check_prerequisites(root, files=None):
    """Pages under ``docs/en/`` without a ``Prerequisites:`` line, or naming a missing page."""
    problems = []
    for rel in files if files is not None else doc_files(root):
        if not rel.startswith('docs/') or '/_static/' in rel:
            continue
        with open(osp.join(root, rel), encoding='utf-8') as f:
            head = f.read().splitlines()[:PREREQ_LINES]
        if not any(_PREREQ.match(line) for line in head):
            problems.append(f'{rel}:1: no "Prerequisites:" line in the first {PREREQ_LINES} lines')
            continue
        for page in _prerequisites(root, rel):
            if not osp.isfile(osp.join(root, page)):
                problems.append(f'{rel}:1: prerequisite {page} does not exist')
    return problems


_CODE_PATH = re.compile(r'`(mmlinsem/[\w/]+(?:\.py)?/?)`')
_DOTTED = re.compile(r'\b(mmlinsem(?:\.\w+)+)')


def _module_file(root, parts):
    base = osp.join(root, *parts)
    for src in (base + '.py', osp.join(base, '__init__.py')):
        if osp.isfile(src):
            return src
    return None


def _defines(root, parts, name, depth=0):
    """Whether module ``parts`` defines or imports ``name`` (following ``import *``)."""
    src = _module_file(root, parts)
    if src is None or depth > 4:
        return False
    with open(src, encoding='utf-8') as f:
        text = f.read()
    if re.search(r'\b%s\b' % re.escape(name), text.replace('import *', '')):
        return True
    here = parts if src.endswith('__init__.py') else parts[:-1]
    return any(
        _defines(root, here + [sub], name, depth + 1)
        for sub in re.findall(r'^from \.(\w+) import \*', text, re.M))


def _dotted_exists(root, dotted):
    """``mmlinsem.a.b``: a module or package of the tree, or a name its parent module or
    package defines or imports (read as text, nothing is imported); ``mmlinsem.Name`` is also
    a registry-scoped class name (``type='mmlinsem.LSEHead'``)."""
    parts = dotted.split('.')
    if len(parts) == 2 and parts[1][:1].isupper():
        for dirpath, _, names in os.walk(osp.join(root, 'mmlinsem')):
            for name in names:
                if name.endswith('.py'):
                    with open(osp.join(dirpath, name), encoding='utf-8') as f:
                        if re.search(r'^class %s\b' % re.escape(parts[1]), f.read(), re.M):
                            return True
        return False
    for n in range(len(parts), 0, -1):
        if _module_file(root, parts[:n]) is None:
            continue
        rest = parts[n:]
        return not rest or _defines(root, parts[:n], rest[0])
    return False


def check_code_refs(root, files=None):
    """Package files (`` `mmlinsem/...py` ``) and dotted names (``mmlinsem.apis.x``) named by
    the pages that do not exist in the tree."""
    problems = []
    if not osp.isdir(osp.join(root, 'mmlinsem')):
        return problems
    for rel in files if files is not None else doc_files(root):
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        for _, _, no, line in split_markdown(text):
            for path in _CODE_PATH.findall(line):
                if not osp.exists(osp.join(root, path)):
                    problems.append(f'{rel}:{no}: names a missing file {path}')
            for dotted in _DOTTED.findall(line):
                if not _dotted_exists(root, dotted):
                    problems.append(f'{rel}:{no}: names a missing module or name {dotted}')
    return problems


def check_words(root, files=None):
    """Pages that speak of issues, goals or sessions."""
    problems = []
    for rel in files if files is not None else doc_files(root):
        with open(osp.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        for no, line in enumerate(text.splitlines(), 1):
            m = _WORDS.search(re.sub(r'\([^)\s]*\)', '', line))  # link targets excepted
            if m:
                problems.append(f'{rel}:{no}: "{m.group(0)}": describe the code, not its history')
    return problems


def _metafile_fields(path):
    """``Config:``, ``README:`` and ``Weights:`` values of a metafile (line based, no YAML
    library: the zoo's metafiles keep one ``key: value`` per line)."""
    fields = {'Config': [], 'README': [], 'Weights': []}
    with open(path, encoding='utf-8') as f:
        for no, line in enumerate(f, 1):
            m = re.match(r'^\s*(?:-\s+)?(Config|README|Weights):\s*(\S+)\s*$', line)
            if m:
                fields[m.group(1)].append((no, m.group(2).strip('\'"')))
    return fields


def _model_index_imports(path):
    imports, inside = [], False
    with open(path, encoding='utf-8') as f:
        for no, line in enumerate(f, 1):
            if re.match(r'^Import:\s*$', line):
                inside = True
            elif re.match(r'^[^\s-]', line):
                inside = False
            elif inside:
                m = re.match(r'^\s*-\s+(\S+)\s*$', line)
                if m:
                    imports.append((no, m.group(1).strip('\'"')))
    return imports


def check_zoo(root):
    """Metafiles vs config files vs ``model-index.yml``."""
    problems = []
    metafiles, configs = [], []
    for dirpath, dirnames, filenames in os.walk(osp.join(root, 'configs')):
        dirnames[:] = sorted(d for d in dirnames if d != '_base_')
        for name in sorted(filenames):
            rel = osp.relpath(osp.join(dirpath, name), root).replace(os.sep, '/')
            if name in ('metafile.yml', 'metafile.yaml'):
                metafiles.append(rel)
            elif name.endswith('.py'):
                configs.append(rel)
    listed = set()
    for meta in metafiles:
        fields = _metafile_fields(osp.join(root, meta))
        if not fields['Config']:
            problems.append(f'{meta}: lists no Config')
        for no, cfg in fields['Config']:
            listed.add(cfg)
            if not osp.isfile(osp.join(root, cfg)):
                problems.append(f'{meta}:{no}: config {cfg} does not exist')
        for key in ('README', 'Weights'):
            for no, path in fields[key]:
                if not _SCHEME.match(path) and not osp.exists(osp.join(root, path)):
                    problems.append(f'{meta}:{no}: {key} {path} does not exist')
    for cfg in configs:
        if cfg not in listed:
            problems.append(f'{cfg}: not listed in any configs/**/metafile.yml')
    index = osp.join(root, 'model-index.yml')
    if not osp.isfile(index):
        return problems + ['model-index.yml: missing']
    imports = _model_index_imports(index)
    for no, path in imports:
        if not osp.isfile(osp.join(root, path)):
            problems.append(f'model-index.yml:{no}: imported {path} does not exist')
    imported = {p for _, p in imports}
    for meta in metafiles:
        if meta not in imported:
            problems.append(f'model-index.yml: does not import {meta}')
    return problems


CHECKS = {
    'links': check_links,
    'syntax': check_syntax,
    'commands': check_commands,
    'workdirs': check_workdirs,
    'outputs': check_outputs,
    'prerequisites': check_prerequisites,
    'words': check_words,
    'code': check_code_refs,
    'zoo': check_zoo,
}


def check_all(root, only=None):
    """Run the checks named in ``only`` (default: all); return ``{name: problems}``."""
    return {name: CHECKS[name](root) for name in (only or CHECKS)}


def main(argv=None):
    p = argparse.ArgumentParser(description='check docs links, commands and the model zoo')
    p.add_argument('--root', default=osp.dirname(osp.dirname(osp.abspath(__file__))))
    p.add_argument('--only', help='comma-separated subset of: ' + ','.join(CHECKS))
    args = p.parse_args(argv)
    only = args.only.split(',') if args.only else None
    if only and not set(only) <= set(CHECKS):
        p.error(f'--only takes {",".join(CHECKS)}')
    results = check_all(osp.abspath(args.root), only)
    total = 0
    for name, problems in results.items():
        for line in problems:
            print(f'[{name}] {line}')
        total += len(problems)
    pages = len(doc_files(osp.abspath(args.root)))
    print(f'check_docs: {pages} pages, {total} problem(s)', file=sys.stderr)
    return 1 if total else 0


if __name__ == '__main__':
    sys.exit(main())
