#!/usr/bin/env bash
# The README's main job, offline, on the shipped default: sets up .venv/ if needed, fits an
# LSE in closed form and refines it by SGD on the shipped toy-world StyleGAN2 (checkpoints/stylegan2lite_toyfaces64.pth) with the
# shipped toy teacher (checkpoints/unet_toyfaces64.pth), evaluates it on 1,000 samples
# with the paper's mIoU, writes overlay pictures (image | teacher | LSE | error), prints the
# table and how far the result is from the zoo's converged LSE and NSE-1 on the same GAN.
# Extra arguments are more training --cfg-options (e.g. train_cfg.max_iters=500).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
CONFIG=configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py
WORK_DIR="${WORK_DIR:-work_dirs/default}"
PY=.venv/bin/python
# Evaluation happens once, in tools/test.py, so training skips its own validation.
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
    --cfg-options val_dataloader=None val_cfg=None val_evaluator=None "$@"
CKPT="$(cat "$WORK_DIR/last_checkpoint")"
$PY tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test" \
    --out "$WORK_DIR/test/results" --show-dir "$WORK_DIR/test/vis"
cat "$WORK_DIR/test/results/metrics.json"; echo
# against the converged Table 1 run of the zoo: its LSE (the goal: >= 97 % of it) and NSE-1
for metric in 'LSE mIoU' 'NSE-1 mIoU'; do
  $PY tools/analysis/compare_to_zoo.py "$WORK_DIR/test/results/metrics.json" \
      --reference lse-nse1-nse2-joint_stylegan2lite-toyfaces64 --metric "$metric" --label "main job LSE"
done
echo "pictures: $WORK_DIR/test/vis   per-class CSV: $WORK_DIR/test/results/per_class_iou.csv"
