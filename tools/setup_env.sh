#!/usr/bin/env bash
# Build the pinned mmlinsem environment into .venv/ at the repository root.
#
# Idempotent: a stamp (hash of this script + requirements/) makes a second run a no-op.
# The slow part, compiling mmcv 2.1.0's ops from its sdist (docs/en/get_started.md#measured-times), is done once
# per machine: the wheel is cached under ${MMLINSEM_CACHE:-~/.cache/mmlinsem}/wheels.
#
# Environment knobs:
#   PYTHON            interpreter to build the venv from (default: python3.11)
#   MAX_JOBS          parallel compile jobs for mmcv (default: nproc)
#   MMLINSEM_CACHE    cache directory for built wheels
#   FORCE_CUDA=1      build mmcv with CUDA kernels (set TORCH_CUDA_ARCH_LIST too, e.g. "9.0")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3.11}"
CACHE="${MMLINSEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmlinsem}"
MMCV_VERSION=2.1.0
FORCE_CUDA="${FORCE_CUDA:-0}"

log() { echo "[setup_env $(date +%H:%M:%S)] $*"; }

stamp_of() {
    cat "$ROOT/tools/setup_env.sh" "$ROOT"/requirements/*.txt "$ROOT/setup.py" | sha256sum | cut -c1-16
}
STAMP="$(stamp_of)-cuda$FORCE_CUDA"
if [[ -f "$VENV/.mmlinsem-stamp" && "$(cat "$VENV/.mmlinsem-stamp")" == "$STAMP" ]]; then
    log "environment up to date ($VENV)"
    exit 0
fi

if ! command -v "$PY" >/dev/null 2>&1; then
    echo "setup_env: expected a Python 3.11 interpreter named '$PY'; set PYTHON=/path/to/python3.11" >&2
    exit 2
fi
if [[ "$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "3.11" ]]; then
    echo "setup_env: expected Python 3.11, found $("$PY" --version 2>&1) at $(command -v "$PY")" >&2
    exit 2
fi

START=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -c "$ROOT/requirements/constraints.txt")

log "build tools"
"${PIP[@]}" -q -r requirements/build.txt
log "torch + torchvision"
"${PIP[@]}" -q -r requirements/torch.txt
log "runtime, app, test, lint and docs dependencies"
"${PIP[@]}" -q -r requirements/runtime.txt -r requirements/app.txt -r requirements/tests.txt \
    -r requirements/lint.txt -r requirements/docs.txt
log "openmim (--no-deps, see requirements/mim.txt)"
"${PIP[@]}" -q --no-deps -r requirements/mim.txt
log "OpenMMLab packages (--no-deps)"
"${PIP[@]}" -q --no-deps -r requirements/openmmlab.txt

# ---- mmcv 2.1.0 with compiled ops, cached per (python, torch, cuda) ----
TORCH_TAG="$("$VENV/bin/python" -c 'import torch,sys; print("torch%s-py%d%d" % (torch.__version__.split("+")[0], *sys.version_info[:2]))')"
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-$TORCH_TAG-cuda$FORCE_CUDA"
if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION ops from source (slow: ~36 min on 2 cores; cached afterwards in $WHEEL_DIR)"
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    "$VENV/bin/python" -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
        "mmcv==$MMCV_VERSION" -d "$WORK"
    tar -xzf "$WORK"/mmcv-"$MMCV_VERSION".tar.gz -C "$WORK"
    SRC="$WORK/mmcv-$MMCV_VERSION"
    # torch >= 2.10 headers require C++20; mmcv 2.1.0 hard-codes -std=c++14/17.
    sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    grep -q -- '-std=c++20' "$SRC/setup.py" || { echo "setup_env: mmcv setup.py patch did not apply" >&2; exit 1; }
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA="$FORCE_CUDA" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$VENV/bin/python" -m pip wheel -q --no-build-isolation --no-deps . -w "$WORK/dist")
    mkdir -p "$CACHE/wheels"
    # Atomic publish: build into a temp dir next to the target, then rename.
    TMPD="$(mktemp -d "$CACHE/wheels/.tmp.XXXX")"
    cp "$WORK"/dist/mmcv-*.whl "$TMPD/"
    rm -rf "$WHEEL_DIR"
    mv "$TMPD" "$WHEEL_DIR"
fi
log "installing cached mmcv wheel from $WHEEL_DIR"
"${PIP[@]}" -q --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl

# ---- torch-encoding 1.2.1, patched narrowly for torch >= 2 ----
log "torch-encoding (patched) + its CPU extension"
"${PIP[@]}" -q --no-deps --force-reinstall -r requirements/encoding.txt
ENC="$("$VENV/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("encoding").origin))')"
# 1. AT_DISPATCH_*(x.type(), ...) was removed in torch 2.x: dispatch on x.scalar_type().
sed -i -E 's/(AT_DISPATCH_[A-Z_]+\([A-Za-z_]+)\.type\(\)/\1.scalar_type()/' \
    "$ENC/lib/cpu/roi_align_cpu.cpp" "$ENC/lib/cpu/rectify_cpu.cpp"
# 2. Its CUDA sources include THC headers that torch 2.x no longer ships: build them only on
#    request (ENCODING_BUILD_GPU=1). The DeepLab-ResNeSt teacher needs no custom op.
sed -i 's/^if torch.cuda.is_available():$/if torch.cuda.is_available() and os.environ.get("ENCODING_BUILD_GPU") == "1":/' \
    "$ENC/lib/__init__.py"
# 3. Segmentation models always fetch ImageNet backbone weights (pretrained=True hard-coded);
#    a full pretrained model overwrites them anyway, so build the backbone without them.
sed -i 's/get_backbone(backbone, pretrained=True,/get_backbone(backbone, pretrained=False,/' \
    "$ENC/models/sseg/base.py"
grep -q 'scalar_type()' "$ENC/lib/cpu/rectify_cpu.cpp" && grep -q ENCODING_BUILD_GPU "$ENC/lib/__init__.py" \
    && grep -q 'get_backbone(backbone, pretrained=False,' "$ENC/models/sseg/base.py" \
    || { echo "setup_env: torch-encoding patch did not apply" >&2; exit 1; }
# torch-encoding JIT-compiles its CPU ops at first import (~2 min): do it now, once.
MAX_JOBS="${MAX_JOBS:-$(nproc)}" "$VENV/bin/python" -c "import encoding" >/dev/null

log "mmlinsem (editable)"
"${PIP[@]}" -q --no-deps -e .

log "import check"
"$VENV/bin/python" -c "import mmlinsem, mmseg.models, mmagic.models; import mmcv.ops; print('imports ok')"

echo "$STAMP" > "$VENV/.mmlinsem-stamp"
log "done in $(( $(date +%s) - START )) s"
