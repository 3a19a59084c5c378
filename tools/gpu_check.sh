#!/usr/bin/env bash
# GPU verification kit, on the GPU machine (docs/gpu.md gives the sequence of device-tool calls):
#
#   bash tools/gpu_check.sh stage              # copy the parts carried in this call to /tmp/webnn-gpu, verify
#   bash tools/gpu_check.sh run --out "$OUT"   # stage the last part, reassemble, verify, install, run every check
#   bash tools/gpu_check.sh run --out DIR --dry-run   # here, on the CPU: everything but the GPU steps
#
# The Python driver is tools/gpu_kit.py; it needs only python3 (3.10+) and the packages already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
exec python3 tools/gpu_kit.py "$@"
