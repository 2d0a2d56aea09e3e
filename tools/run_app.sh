#!/usr/bin/env bash
# Open the app on the shipped toy GAN: sets up .venv/ if needed, then serves on
# http://127.0.0.1:7860 (extra arguments go to tools/app.py, e.g. --port 7861).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
exec .venv/bin/python tools/app.py "$@"
