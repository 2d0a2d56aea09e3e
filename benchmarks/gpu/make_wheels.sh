#!/usr/bin/env bash
# Fill .whl/ (git-ignored; carried to the GPU machine) with the CPython 3.12 x86_64 wheels
# that run_gpu_checks.sh installs: the pinned OpenMMLab stack, what it needs beyond a bare
# python3 + torch machine, and mmcv 2.1.0 as a pure-python wheel (MMCV_WITH_OPS=0, named
# mmcv-lite; its ops get the _ext stub). huggingface_hub / transformers / tokenizers are
# pinned: `import mmagic.models` imports diffusers 0.24, which fails with a newer hub
# (ImportError: hf_cache_home), and transformers 5 needs a newer hub.
#
#   PYTHON=.venv/bin/python bash benchmarks/gpu/make_wheels.sh [DEST=.whl]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}  # builds mmcv: needs setuptools < 81 (as .venv has)
DEST=${1:-.whl}
mkdir -p "$DEST"
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$DEST" \
    mmengine==0.10.7 mmsegmentation==1.2.2 mmagic==1.2.0 addict==2.4.0 yapf==0.43.0 \
    platformdirs==4.14.8 termcolor==3.3.0 prettytable==3.18.0 wcwidth==0.9.4 ftfy==6.3.1 \
    diffusers==0.24.0 lpips==0.1.4 resize-right==0.0.2 transformers==4.46.3 \
    tokenizers==0.20.3 huggingface_hub==0.25.2
if ! ls "$DEST"/mmcv_lite-2.1.0-*.whl >/dev/null 2>&1; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    "$PY" -m pip download -q mmcv==2.1.0 --no-binary :all: --no-deps -d "$WORK"
    tar -xzf "$WORK/mmcv-2.1.0.tar.gz" -C "$WORK"
    MMCV_WITH_OPS=0 "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$DEST" \
        "$WORK/mmcv-2.1.0"
fi
du -sh "$DEST"
