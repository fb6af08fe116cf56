#!/usr/bin/env bash
# Installs the project into ./.venv (created when absent, reused when present).
#
# The stack is the real one: torch + torchvision, mmcv 2.1.0 compiled with its
# ops, mmengine, mmpose 1.3.2, mmdet 3.3.0, pycocotools, xtcocotools, onnxruntime,
# tensorboard.
# mmcv has no binary wheels on PyPI, so it is compiled once (8-10 minutes on two
# cores) and the wheel is kept under $MMCV_WHEEL_CACHE for later installs.
#
# Environment:
#   PYTHON             interpreter for the venv (default: python3.11, else python3)
#   MMCV_WITH_CUDA=1   compile mmcv's ops with CUDA (needs nvcc and a CUDA torch)
#   MMCV_WHEEL_CACHE   where the compiled mmcv wheel is kept
#                      (default: ~/.cache/coco-mpii-kd/wheels)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
MMCV_VERSION=2.1.0
TORCH_SPEC=(torch==2.14.1 torchvision==0.29.1)
CACHE="${MMCV_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coco-mpii-kd/wheels}"
CUDA_TAG=cpu
[[ "${MMCV_WITH_CUDA:-0}" == 1 ]] && CUDA_TAG=cuda

say() { printf '[install] %s\n' "$*" >&2; }

# Everything that decides what gets installed; when none of it changed since the
# last successful install, the venv is reused as it is.
stamp_inputs() {
  cat "$ROOT/tools/install.sh" "$ROOT/requirements.txt" "$ROOT/pyproject.toml"
  echo "$CUDA_TAG"
}
STAMP="$VENV/.installed"
want_stamp="$(stamp_inputs | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]]; then
  say "reusing $VENV (up to date)"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
# mmengine imports pkg_resources; from setuptools 80.9 on that prints a
# UserWarning (several times) ahead of every tool's output, and 81 drops it.
"${PIP[@]}" install -q "pip>=23" "setuptools>=77,<80.9" wheel

say "installing ${TORCH_SPEC[*]}"
"${PIP[@]}" install -q "${TORCH_SPEC[@]}"

build_mmcv() {
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  say "compiling mmcv $MMCV_VERSION with ops ($CUDA_TAG); this takes 8-10 minutes once"
  "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation \
    "mmcv==$MMCV_VERSION" -d "$work"
  tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
  # torch >= 2.5 headers need C++20; mmcv 2.1.0's setup.py pins older standards
  # after CXXFLAGS, so the pin itself has to change.
  sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' \
    "$work/mmcv-$MMCV_VERSION/setup.py"
  local force_cuda=0
  [[ "$CUDA_TAG" == cuda ]] && force_cuda=1
  mkdir -p "$CACHE/$CUDA_TAG"
  (cd "$work/mmcv-$MMCV_VERSION" &&
    MMCV_WITH_OPS=1 FORCE_CUDA=$force_cuda MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "${PIP[@]}" wheel -q --no-deps --no-build-isolation -w "$work/dist" .)
  # Move into place only once complete, so a killed build never leaves a
  # half-written wheel that a later run would trust.
  local built
  built="$(ls "$work"/dist/mmcv-*.whl)"
  mv "$built" "$CACHE/$CUDA_TAG/$(basename "$built")"
}

mmcv_loads() {
  "$VENV/bin/python" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null
}

install_kept_mmcv() {
  say "installing mmcv from $CACHE/$CUDA_TAG"
  "${PIP[@]}" install -q --no-deps --force-reinstall \
    "$CACHE/$CUDA_TAG"/mmcv-"$MMCV_VERSION"-*.whl
}

# (mmcv imports mmengine and numpy, so whether it loads is only known once the
# requirements are in, below.)
if ! mmcv_loads; then
  if ! ls "$CACHE/$CUDA_TAG"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
    build_mmcv
  fi
  install_kept_mmcv
fi

say "installing requirements.txt"
"${PIP[@]}" install -q -r "$ROOT/requirements.txt"
# mmpose and mmdet declare dependencies that do not build here (chumpy) or pull
# mmcv back in from source; rtmlib (the benchmark's peer) pulls a second,
# numpy-2-built OpenCV. Their real runtime needs are in requirements.txt.
"${PIP[@]}" install -q --no-deps mmpose==1.3.2 mmdet==3.3.0 rtmlib==0.0.16
"${PIP[@]}" install -q --no-deps -e "$ROOT"

# A kept wheel compiled against another torch (the pin above changed since)
# installs but does not load: compile it again for this torch. The new wheel
# replaces the old one only once it is complete.
if ! mmcv_loads; then
  say "the kept mmcv wheel does not load with ${TORCH_SPEC[0]}; compiling it again"
  build_mmcv
  install_kept_mmcv
fi

"$VENV/bin/python" -c "import mmcv.ops, mmpose.models, mmdet, mmpose_ext" \
  || { say "import check failed: see the messages above"; exit 1; }
echo "$want_stamp" > "$STAMP"
say "done: use $VENV/bin/python"
