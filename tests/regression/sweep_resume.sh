#!/usr/bin/env bash
# A sweep killed with SIGKILL at several points (while planning and recording,
# after a few rows, near the end; the whole process group, or only the
# coordinator, whose workers must die with it) and rerun each time ends with
# every configuration exactly once, figures identical to an uninterrupted
# sweep, and a database that passes SQLite's integrity check. One of the
# interrupted runs simulates in full (--no-reuse): rows do not depend on it.
# Shipped Fashion-MNIST model, 20 test images x 4 timesteps, 18 configurations.
# usage: sweep_resume.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK="/usr/bin/python3 $ROOT/tests/regression/sweep_check.py"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }

cat >"$TMP/spec.yaml" <<YAML
model: $ROOT/workloads/models/fmnist_snn_t4_rmp.nir
hw: loihi
data: fashion-mnist:test
samples: 20
timesteps: 4
axes:
  chip.core.neurons: [256, 512, 1024]
  chip.mesh.width: [8, 16, 1]
  chip.latency.synop.value: ["3.5ns", "2ns"]
YAML
N=18

echo "uninterrupted sweep"
"$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/ref" -j 2 -q >/dev/null

# interrupt WHEN WHAT [FLAGS]: a sweep killed with SIGKILL once WHEN holds (see sweep_check.py).
interrupt() {
  local when=$1 what=$2
  shift 2
  $CHECK interrupt "$TMP/out" "$when" "$what" -- \
    "$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/out" -j 2 -q "$@" || fail "interrupt $when $what"
}

echo "interrupted sweeps"
interrupt "after=0.1" group
interrupt "after=0.3" group
interrupt "rows>=3" coordinator
interrupt "rows>=6" group --no-reuse
interrupt "rows>=12" group
echo "final run"
"$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/out" -j 2 -q >/dev/null || fail "the resumed sweep exits non-zero"
$CHECK complete "$TMP/out" "$N" || fail "rows missing or repeated"
$CHECK same "$TMP/ref" "$TMP/out" || fail "figures differ from the uninterrupted sweep"
cmp -s "$TMP/ref/results.csv" "$TMP/out/results.csv" || fail "results.csv differs"
[ ! -e "$TMP/out/.work" ] || fail "scratch directory left behind"

if [ "$fails" -gt 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "sweep resume: ok"
