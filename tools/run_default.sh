#!/usr/bin/env bash
# The README's main job. Sets up .venv/ if needed, then trains and evaluates an LSE.
# Until the embedded toy-world GAN and teacher are shipped (issue 4), this is a smoke job:
# a random 16 px StyleGAN2 (mmagic modules) with a random tiny mmseg teacher.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
WORK_DIR="${WORK_DIR:-work_dirs/default_smoke}"
.venv/bin/python tools/train.py tests/configs/tiny_lse.py --work-dir "$WORK_DIR" \
    --cfg-options train_cfg.max_iters=30 train_cfg.val_interval=30 \
    default_hooks.checkpoint.interval=30 "$@"
.venv/bin/python tools/test.py tests/configs/tiny_lse.py "$WORK_DIR/iter_30.pth" \
    --work-dir "$WORK_DIR/test" --out "$WORK_DIR/test/results" --show-dir "$WORK_DIR/test/vis"
echo "results: $WORK_DIR/test/results/metrics.json, pictures: $WORK_DIR/test/vis"
