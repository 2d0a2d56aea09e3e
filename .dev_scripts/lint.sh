#!/usr/bin/env bash
# Lint the tree as CI does: flake8, isort --check, yapf --diff (settings in setup.cfg).
# Fix in place with: bash .dev_scripts/lint.sh --fix
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${LINT_PYTHON:-.venv/bin/python}"
mapfile -t FILES < <(git ls-files '*.py' 2>/dev/null || find mmlinsem tools tests configs benchmarks -name '*.py')
if [[ "${1:-}" == "--fix" ]]; then
    "$PY" -m isort -q "${FILES[@]}"
    "$PY" -m yapf -i "${FILES[@]}"
fi
"$PY" -m flake8 "${FILES[@]}"
"$PY" -m isort --check-only -q "${FILES[@]}"
DIFF="$("$PY" -m yapf --diff "${FILES[@]}" || true)"
if [[ -n "$DIFF" ]]; then
    echo "$DIFF" | head -40
    echo "lint: yapf would reformat the files above; run: bash .dev_scripts/lint.sh --fix" >&2
    exit 1
fi
echo "lint: flake8, isort, yapf clean (${#FILES[@]} files)"
