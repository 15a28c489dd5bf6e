#!/usr/bin/env bash
# Outputs must not depend on the number of worker processes: the shipped
# Fashion-MNIST model (6 random images x 4 steps) and, where the external fixtures
# are present, the DVS network (one 200-step sample, and 6 samples x 20 steps of
# randomly scaled frames) run with -j 1, 2 and 3 give byte-identical run.json,
# CSVs and spike traces.
# perf.json is excluded (wall time), and so is run.json's "command" line, which
# records the -j flag itself so that the run can be reproduced.
# usage: determinism.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$(realpath "$1")   # absolute: the runs below cd into their own directories
SHARED=$2
# shellcheck source=fixtures.bash source-path=SCRIPTDIR
source "$(dirname "$0")/fixtures.bash"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
DVS=$SHARED/external/sanafe-dvs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# case NAME MODEL DT: one input $TMP/NAME.npy run on MODEL with time step DT.
cases=("fmnist $ROOT/workloads/models/fmnist_snn_t4.nir 1e-3")
"$PY" - "$TMP" <<'PYEOF'
import sys, numpy as np
rng = np.random.default_rng(20240601)                 # fixed seed: same input every run
img = rng.uniform(0, 1, size=(6, 1, 1, 28, 28)).astype(np.float32)
np.save(f"{sys.argv[1]}/fmnist.npy", np.repeat(img, 4, axis=1))   # [6, 4, 1, 28, 28]
PYEOF
if have_fixture sanafe-dvs; then
  cases+=("single $DVS/dvs_gesture.nir 1" "multi $DVS/dvs_gesture.nir 1")
  "$PY" - "$DVS/input_frame.npy" "$TMP" <<'PYEOF'
import sys, numpy as np
f = np.load(sys.argv[1]).astype(np.float32)          # [1, 32, 32]
np.save(f"{sys.argv[2]}/single.npy", np.repeat(f[None], 200, axis=0))
rng = np.random.default_rng(20240601)                 # fixed seed: same input every run
scale = rng.uniform(0.5, 1.5, size=(6, 20, 1, 1, 1))
np.save(f"{sys.argv[2]}/multi.npy", (f[None, None] * scale).astype(np.float32))
PYEOF
fi

fails=0
for c in "${cases[@]}"; do
  read -r input model dt <<<"$c"
  for j in 1 2 3; do
    # Same relative --out in a directory of its own, so only "-j N" differs in "command".
    mkdir -p "$TMP/$input.j$j"
    (cd "$TMP/$input.j$j" && "$NMSIM" run --model "$model" --input "$TMP/$input.npy" \
      --dt "$dt" --layer-delay 1 --record v,spikes -j "$j" --out run -q >/dev/null)
    sed '/^ *"command": /d' "$TMP/$input.j$j/run/run.json" >"$TMP/$input.j$j/run/run.nocommand.json"
  done
  echo "$input input: comparing -j 2 and -j 3 against -j 1"
  ref=$TMP/$input.j1/run
  files=$(cd "$ref" && ls run.nocommand.json ./*.csv traces/*.npy | sed 's#^\./##')
  for j in 2 3; do
    for f in $files; do
      if ! cmp -s "$ref/$f" "$TMP/$input.j$j/run/$f"; then
        echo "  FAIL: $f differs between -j 1 and -j $j"
        fails=$((fails + 1))
      fi
    done
    # The "command" line is the only line removed.
    if [ "$(diff "$ref/run.json" "$TMP/$input.j$j/run/run.json" | grep -c '^[<>]')" -ne 2 ]; then
      echo "  FAIL: run.json differs beyond the command line (-j $j)"
      fails=$((fails + 1))
    fi
  done
  echo "  compared: run.json (without command) $(echo "$files" | grep -v json | tr '\n' ' ')"
done
# Sanity: the runs did real work and the job count was honoured.
"$PY" - "$TMP" "${cases[@]%% *}" <<'PYEOF'
import json, sys
t = sys.argv[1]
for inp in sys.argv[2:]:
    r = json.load(open(f"{t}/{inp}.j1/run/run.json"))
    assert r["summary"]["snn"]["spikes"] > 0 and r["summary"]["snn"]["synops"] > 0
    # 6 samples are enough to keep 3 workers busy.
    if inp != "single":
        for j in (1, 2, 3):
            assert json.load(open(f"{t}/{inp}.j{j}/run/perf.json"))["jobs"] == j
PYEOF
if [ "$fails" -ne 0 ]; then echo "determinism: $fails difference(s)"; exit 1; fi
echo "determinism: pass"
