#!/usr/bin/env bash
# nmsim's ANN accelerator model on AlexNet CONV1-5 against Eyeriss's measured
# figures (Chen et al., JSSC 2017): every figure within 35 %, except CONV1's
# buffer accesses, whose difference README.md explains.
#   tests/regression/eyeriss_alexnet.sh BUILD/nmsim [SHARED_DIR]
set -euo pipefail
NMSIM="$1"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$ROOT/scripts/validation/eyeriss_alexnet.py" --nmsim "$NMSIM" --work "$WORK" \
  --exclude "conv1 buffer MB"
