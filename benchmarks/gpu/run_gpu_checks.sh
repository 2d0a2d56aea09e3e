#!/usr/bin/env bash
# GPU checks (issue 6 and the GPU benchmark figures) on a bare machine with python3 + torch.
#
#   bash benchmarks/gpu/run_gpu_checks.sh            # GPU machine, the repo's .whl/ beside it
#   DEVICE=cpu PYTHON=.venv/bin/python SKIP_INSTALL=1 bash benchmarks/gpu/run_gpu_checks.sh
#                                                    # dry run here, tiny sizes
#
# 1. Installs .whl/*.whl (the OpenMMLab stack and what it needs beyond the machine's
#    packages, mmcv as a pure-python wheel) into $SITE, adds mmcv's _ext stub
#    (mmcv_ext_stub.py beside this script) and puts $SITE and the repo on PYTHONPATH.
# 2. Runs, each step under `timeout` and all within $BUDGET_S seconds, a failing step not
#    stopping the others: toy LSE training with --amp for 50 iterations + tools/test.py on
#    it; tools/scs.py and tools/sie.py in fp32 and with --amp; benchmarks/pipeline_speed.py
#    (with the StyleGAN2-1024 case) and benchmarks/head_memory.py on the device; a pytest
#    subset.
# Writes to $OUT (at most 8 files): gpu_checks.log (everything printed), summary_gpu.json
# (rc and seconds per step), train_test_gpu.json, scs_sie_gpu.json, pipeline_speed_gpu.json,
# head_memory_gpu.json and two pictures (SCS grid and SIE edit, both with --amp).
# SKIP="head_memory pytest" leaves those steps out; BUDGET_S caps the total.
set -u
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-cuda}
PY=${PYTHON:-python3}
OUT=${OUT:-work_dirs/gpu_checks/out}
WD=${WD:-/tmp/gpu_checks}
SITE=${SITE:-/tmp/site}
BUDGET_S=${BUDGET_S:-450}
mkdir -p "$OUT" "$WD"
exec > >(tee -a "$OUT/gpu_checks.log") 2>&1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4} PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
CFG=configs/lse/lse_stylegan2lite-toyfaces64.py
if [ "$DEVICE" = cpu ]; then  # dry run: tiny sizes
    ITERS=2; EVAL_N=16; TARGETS=1; STEPS=3; AMP_TRAIN=()  # train --amp needs CUDA
    BENCH=(--skip-256 --repeats 1 --threads 1); HEADS=(--repeats 1 --variants datasetgan_mlp,lse)
    TESTS=(tests/test_apis/test_scs_sie.py -k amp)
else
    ITERS=50; EVAL_N=256; TARGETS=2; STEPS=30; AMP_TRAIN=(--amp)
    BENCH=(--with-1024 --repeats 3 --threads 8); HEADS=(--repeats 3)
    TESTS=(tests/test_apis/test_scs_sie.py tests/test_models/test_heads/test_heads.py)
fi

DEADLINE=$((SECONDS + BUDGET_S))
SUMMARY=""
step() {  # step NAME LIMIT_S CMD... : run under timeout, record rc and seconds
    local name=$1 limit=$2 left=$((DEADLINE - SECONDS)) t0=$SECONDS rc
    shift 2
    [ "$left" -lt "$limit" ] && limit=$left
    if [[ " ${SKIP:-} " == *" $name "* ]]; then
        echo "=== $name: skipped (SKIP)"; rc=skipped
    elif [ "$limit" -lt 15 ]; then
        echo "=== $name: skipped (budget spent)"; rc=skipped
    else
        echo "=== $name ($(date +%T), limit ${limit}s): $*"
        timeout -k 5 "$limit" "$@"; rc=$?
        echo "=== $name: rc=$rc after $((SECONDS - t0)) s"
    fi
    SUMMARY="$SUMMARY\"$name\": {\"rc\": \"$rc\", \"s\": $((SECONDS - t0))}, "
}

# ---- 1. environment ---------------------------------------------------------------------
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    step install 120 "$PY" -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --target "$SITE" .whl/*.whl
    if [ ! -d "$SITE/mmcv" ]; then  # no pip: wheels are zip files
        for w in .whl/*.whl; do "$PY" -m zipfile -e "$w" "$SITE"; done
    fi
    ls "$SITE"/mmcv/_ext*.so >/dev/null 2>&1 || cp benchmarks/gpu/mmcv_ext_stub.py "$SITE/mmcv/_ext.py"
    export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
nvidia-smi 2>/dev/null || echo "(no nvidia-smi)"
step versions 60 "$PY" -c "
import mmlinsem, torch, mmcv, mmengine, mmseg, mmagic, mmagic.models, mmseg.models, transformers
from mmlinsem.compat import stylegan_ops as compat
print('python', __import__('sys').version.split()[0], '| torch', torch.__version__,
      '| cuda', torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else '',
      '| mmcv', mmcv.__version__, '| mmengine', mmengine.__version__, '| mmseg', mmseg.__version__,
      '| mmagic', mmagic.__version__, '| transformers', transformers.__version__)
print('mmcv CUDA kernels:', compat.mmcv_has_cuda_ops(), '| StyleGAN op fallback:', compat.STYLEGAN_OP_FALLBACK)"

# ---- 2. training with --amp, then test ------------------------------------------------
train() {  # train NAME [--amp]: the toy LSE for $ITERS iterations into $WD/train
    step "$1" 150 "$PY" tools/train.py "$CFG" "${@:2}" --work-dir "$WD/train" --cfg-options \
        train_cfg.max_iters=$ITERS train_cfg.val_interval=$ITERS \
        default_hooks.checkpoint.interval=$ITERS default_hooks.logger.interval=10 \
        val_dataloader.dataset.num_samples=$EVAL_N "param_scheduler.0.milestones=[$((ITERS * 4 / 5))]"
}
CKPT="$WD/train/iter_$ITERS.pth"
train train_amp "${AMP_TRAIN[@]}"
[ -f "$CKPT" ] || train train_fp32  # SCS / SIE below need a head checkpoint
step test 90 "$PY" tools/test.py "$CFG" "$CKPT" --work-dir "$WD/test" --out "$WD/test/out" \
    --cfg-options test_dataloader.dataset.num_samples=$EVAL_N
cp "$WD/test/out/metrics.json" "$OUT/train_test_gpu.json" 2>/dev/null

# ---- 3. SCS / SIE, fp32 and --amp -------------------------------------------------------
for amp in "" --amp; do
    tag=${amp:+_amp}
    step "scs$tag" 90 "$PY" tools/scs.py "$CFG" "$CKPT" --device "$DEVICE" $amp \
        --num-targets $TARGETS --samples 2 --n-init 4 --steps $STEPS --out "$WD/scs$tag"
    step "sie$tag" 60 "$PY" tools/sie.py "$CFG" "$CKPT" --device "$DEVICE" $amp --label 1 \
        --box 16,16,40,40 --steps $STEPS --baseline-color 255,0,0 --out "$WD/sie$tag"
done
"$PY" - "$WD" "$OUT/scs_sie_gpu.json" <<'EOF'
import json, os.path as osp, sys
wd, out = sys.argv[1:]
res = {}
for name in ('scs', 'scs_amp', 'sie', 'sie_amp'):
    path = osp.join(wd, name, 'metrics.json')
    res[name] = json.load(open(path)) if osp.isfile(path) else None
json.dump(res, open(out, 'w'), indent=2)
EOF
cp "$WD/scs_amp/scs_grid.png" "$OUT/scs_amp_grid.png" 2>/dev/null
cp "$WD/sie_amp/sie.png" "$OUT/sie_amp.png" 2>/dev/null

# ---- 4. benchmarks on the device --------------------------------------------------------
step pipeline_speed 150 "$PY" benchmarks/pipeline_speed.py --device "$DEVICE" --amp "${BENCH[@]}" \
    --out "$OUT/pipeline_speed_gpu.json"
step head_memory 120 "$PY" benchmarks/head_memory.py --device "$DEVICE" "${HEADS[@]}" \
    --out "$OUT/head_memory_gpu.json"

# ---- 5. tests ---------------------------------------------------------------------------
step pytest 90 "$PY" -m pytest -q -x -p no:cacheprovider "${TESTS[@]}"

echo "{${SUMMARY%, }}" > "$OUT/summary_gpu.json"
echo "summary: {${SUMMARY%, }}"
