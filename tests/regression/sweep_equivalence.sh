#!/usr/bin/env bash
# nmsim sweep gives every configuration exactly the figures `nmsim run` with
# the same --set values writes in run.json, whether the configuration was
# simulated, recorded or replayed from another configuration's activity (other
# neurons per core, weight width, link bandwidth), and with reuse off; a
# configuration that cannot fit the network gets a row with the mapper's reason
# and the sweep goes on; rows do not depend on reuse or the number of workers;
# nmsim report writes the sweep report and pareto.csv.
# Shipped Fashion-MNIST model, 20 test images x 4 timesteps.
# usage: sweep_equivalence.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK="/usr/bin/python3 $ROOT/tests/regression/sweep_check.py"
MODEL=$ROOT/workloads/models/fmnist_snn_t4_rmp.nir
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }

cat >"$TMP/spec.yaml" <<YAML
model: $MODEL
hw: loihi
data: fashion-mnist:test
samples: 20
timesteps: 4
axes:
  chip.mesh.width: [8, 1]            # 1: 16 cores, too few for the network
  chip.core.neurons: [512, 1024]
  chip.core.weight_bits: [8, 4]
  chip.noc.link_bandwidth: ["0B/s", "1GB/s"]
YAML

echo "sweep with activity reuse (2 workers)"
"$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/reuse" -j 2 -q >/dev/null || fail "nmsim sweep exits non-zero"
$CHECK complete "$TMP/reuse" 16 || fail "not every configuration has one row"
$CHECK methods "$TMP/reuse" record replay infeasible || fail "reuse was not exercised"
echo "rows against nmsim run --set ..."
$CHECK standalone "$TMP/reuse" "$NMSIM" -- --model "$MODEL" --hw loihi --data fashion-mnist:test \
  --samples 20 --timesteps 4 || fail "a row differs from nmsim run"

echo "configurations that cannot run"
/usr/bin/python3 - "$TMP/reuse/results.sqlite" <<'PY' || fail "infeasible rows"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
bad = con.execute('SELECT "chip.mesh.width", status, energy_j_per_sample FROM results '
                  "WHERE status != 'ok'").fetchall()
ok = con.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0]
assert len(bad) == 8 and ok == 8, (len(bad), ok)
for width, status, energy in bad:
    assert width == 1 and energy is None, (width, energy)
    assert "network needs" in status and "cores but chip 'loihi' has 16" in status, status
print(f"  {len(bad)} rows with the reason, e.g.: {bad[0][1]}")
PY
grep -q "cores but chip 'loihi' has 16" "$TMP/reuse/results.csv" || fail "results.csv lacks the reason"

echo "sweep without reuse, one worker, gives the same rows"
"$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/full" --no-reuse -j 1 -q >/dev/null || fail "--no-reuse sweep"
$CHECK same "$TMP/reuse" "$TMP/full" || fail "reuse changed a figure"
$CHECK methods "$TMP/full" full || fail "--no-reuse did not simulate in full"

echo "rerun of a finished sweep does nothing"
"$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/reuse" -q >/dev/null || fail "rerun exits non-zero"
$CHECK complete "$TMP/reuse" 16 || fail "rerun changed the rows"

echo "a different spec on the same directory is refused"
sed 's/\[512, 1024\]/[512, 256]/' "$TMP/spec.yaml" >"$TMP/other.yaml"
if "$NMSIM" sweep "$TMP/other.yaml" --out "$TMP/reuse" -q 2>"$TMP/err" >/dev/null; then
  fail "a changed spec was accepted"
fi
grep -q "holds the results of a different sweep.*changed: axes" "$TMP/err" || fail "message: $(cat "$TMP/err")"

echo "nmsim report on the sweep"
"$NMSIM" report "$TMP/reuse" >/dev/null || fail "nmsim report exits non-zero"
for f in report.html pareto.csv figures/pareto.png; do
  [ -s "$TMP/reuse/$f" ] || fail "no $f"
done
grep -q "cannot run" "$TMP/reuse/report.html" || fail "report lists no infeasible configuration"

if [ "$fails" -gt 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "sweep equivalence: ok"
