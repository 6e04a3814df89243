#!/usr/bin/env bash
# Build the benchmark-only reference environment: PyTorch (CPU) + neural-amp-modeler.
# It lives in bench/.venv-ref (gitignored) and is never a dependency of the engine.
# torch goes first, pinned, so neural-amp-modeler finds it satisfied and no multi-GB
# CUDA build is pulled in.
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
if [ ! -x .venv-ref/bin/python ]; then
    "$PY" -m venv .venv-ref
fi
.venv-ref/bin/pip install --quiet "torch==${TORCH_VERSION}"
.venv-ref/bin/pip install --quiet -r requirements-reference.txt
.venv-ref/bin/python -c "import torch, nam; print('reference ready: torch', torch.__version__)"
