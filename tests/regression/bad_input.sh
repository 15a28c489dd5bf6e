#!/usr/bin/env bash
# Bad inputs must fail cleanly: a non-zero exit (not a signal), exactly one line
# on stderr starting "nmsim: error:" that names the culprit, no traceback or
# abort, and neither the output directory nor DIR.partial left behind.
# Every case starts from the model shipped in the repository, so none needs the
# external fixtures.
# usage: bad_input.sh NMSIM [SHARED_DIR, unused]
set -euo pipefail
NMSIM=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PRESETS=$ROOT/hw_models/presets
PY=/usr/bin/python3
MODEL=$ROOT/workloads/models/fmnist_snn_t4.nir   # input [1, 28, 28], conv1 -> lif1 -> ...
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

# expect_error LABEL OUTDIR "needle1|needle2|..." -- nmsim args...
# Each needle must occur (fixed string) in the error line. No -q: progress
# output on stderr would break the one-line rule, and these fail before running.
expect_error() {
  local label=$1 out=$2 needles=$3
  shift 4
  local rc=0
  "$NMSIM" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
  local err ok=1 lines
  err=$(cat "$TMP/stderr")
  lines=$(wc -l <"$TMP/stderr")
  echo "($label) rc=$rc: $err"
  if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then echo "   FAIL: exit status $rc"; ok=0; fi
  if [ "$lines" -ne 1 ]; then echo "   FAIL: $lines lines on stderr, want 1"; ok=0; fi
  case $err in "nmsim: error:"*) ;; *) echo "   FAIL: does not start with 'nmsim: error:'"; ok=0 ;; esac
  if grep -qiE 'traceback|terminate called|abort|core dumped|internal error' "$TMP/stderr"; then
    echo "   FAIL: crash or internal error"; ok=0
  fi
  local IFS='|' n
  for n in $needles; do
    case $err in *"$n"*) ;; *) echo "   FAIL: message lacks '$n'"; ok=0 ;; esac
  done
  [ -e "$out" ] && { echo "   FAIL: $out left behind"; ok=0; }
  [ -e "$out.partial" ] && { echo "   FAIL: $out.partial left behind"; ok=0; }
  [ "$ok" = 1 ] || fails=$((fails + 1))
}

"$PY" - "$MODEL" "$TMP" <<'PYEOF'
import os, shutil, sys, h5py, numpy as np
model, tmp = sys.argv[1], sys.argv[2]
# A model whose LIF node "lif1" claims the type Delay, which nmsim does not support.
shutil.copy(model, f"{tmp}/unknown_node.nir")
os.chmod(f"{tmp}/unknown_node.nir", 0o644)
with h5py.File(f"{tmp}/unknown_node.nir", "r+") as f:
    del f["node/nodes/lif1/type"]
    f["node/nodes/lif1/type"] = b"Delay"
np.save(f"{tmp}/frames.npy", np.full((5, 1, 28, 28), 0.5, np.float32))  # fits the model
np.save(f"{tmp}/wrong_shape.npy", np.ones((5, 1, 28, 27), np.float32))
PYEOF
head -c 1000 "$MODEL" >"$TMP/truncated.nir"
# One key misspelled in the core section of the Loihi preset.
sed 's/^    neurons:/    nuerons:/' "$PRESETS/loihi.yaml" >"$TMP/chip.yaml"
grep -q '^    nuerons:' "$TMP/chip.yaml"

expect_error a "$TMP/out_a" "$TMP/truncated.nir" -- \
  run --model "$TMP/truncated.nir" --input "$TMP/frames.npy" --out "$TMP/out_a"
expect_error b "$TMP/out_b" "'lif1'|Delay" -- \
  run --model "$TMP/unknown_node.nir" --input "$TMP/frames.npy" --out "$TMP/out_b"
expect_error c "$TMP/out_c" "chip.core.nuerons" -- \
  run --model "$MODEL" --hw "$TMP/chip.yaml" --input "$TMP/frames.npy" --out "$TMP/out_c"
# The model needs dozens of cores; 1x1 tiles x 4 cores = 4 available.
expect_error d "$TMP/out_d" "fmnist_snn_t4.nir|needs|has 4" -- \
  run --model "$MODEL" --input "$TMP/frames.npy" --set chip.mesh.width=1 --set chip.mesh.height=1 \
  --out "$TMP/out_d"
expect_error e "$TMP/out_e" "chip.core.neurons|abc" -- \
  run --model "$MODEL" --input "$TMP/frames.npy" --set chip.core.neurons=abc --out "$TMP/out_e"
expect_error f "$TMP/out_f" "[5, 1, 28, 27]" -- \
  run --model "$MODEL" --input "$TMP/wrong_shape.npy" --out "$TMP/out_f"

if [ "$fails" -ne 0 ]; then echo "bad_input: $fails case(s) failed"; exit 1; fi
echo "bad_input: pass"
