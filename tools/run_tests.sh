#!/usr/bin/env bash
# The test command of the README: set up .venv/ if needed (idempotent), install the app
# test's browser (tools/setup_browser.sh), lint the tree (flake8, isort, yapf:
# .dev_scripts/lint.sh), then run the suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
bash tools/setup_browser.sh
bash .dev_scripts/lint.sh
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
