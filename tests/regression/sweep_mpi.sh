#!/usr/bin/env bash
# nmsim sweep under mpirun: with 2 and 3 ranks (one worker each, rank 0 owning
# the database) the configurations spread over the ranks and the rows are
# identical to a local sweep's. Skipped (77) without mpirun or without MPI
# support in this nmsim (libboost-mpi-dev at build time).
# Shipped Fashion-MNIST model, 20 test images x 4 timesteps, 12 configurations.
# usage: sweep_mpi.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK="/usr/bin/python3 $ROOT/tests/regression/sweep_check.py"
if ! command -v mpirun >/dev/null; then
  echo "skipped: no mpirun (Debian: openmpi-bin)"
  exit 77
fi
if ! ldd "$NMSIM" | grep libmpi >/dev/null; then
  echo "skipped: $NMSIM was built without MPI (Debian: libboost-mpi-dev)"
  exit 77
fi
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIRUN+=(--allow-run-as-root)
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
  chip.core.neurons: [512, 1024]
  chip.mesh.width: [8, 16, 1]
  chip.latency.synop.value: ["3.5ns", "2ns"]
YAML

echo "local sweep"
"$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/local" -j 2 -q >/dev/null || fail "local sweep"
for n in 2 3; do
  echo "mpirun -n $n"
  "${MPIRUN[@]}" -n "$n" "$NMSIM" sweep "$TMP/spec.yaml" --out "$TMP/mpi$n" -q \
    >"$TMP/mpi$n.log" 2>&1 || { fail "mpirun -n $n exits non-zero"; cat "$TMP/mpi$n.log"; }
  $CHECK complete "$TMP/mpi$n" 12 || fail "mpirun -n $n: rows missing or repeated"
  $CHECK same "$TMP/local" "$TMP/mpi$n" || fail "mpirun -n $n rows differ from the local sweep"
  ranks=$(/usr/bin/python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(len({w.split('w')[0] for (w,) in c.execute('SELECT worker FROM run_log')}))" "$TMP/mpi$n/results.sqlite")
  echo "  configurations computed on $ranks rank(s)"
  [ "$ranks" -ge 2 ] || fail "mpirun -n $n: all work on one rank"
done
cmp -s "$TMP/local/results.csv" "$TMP/mpi3/results.csv" || fail "results.csv differs"

if [ "$fails" -gt 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "sweep under MPI: ok"
