#!/usr/bin/env bash
# Every shipped chip preset (hw_models/presets/*.yaml with a top-level `chip:`)
# on the default model, 20 Fashion-MNIST test images, T=4, dt=1 ms: it runs, or
# it refuses in one line that the README quotes (the presets listed in
# REFUSED). The energies per inference of the presets that run all differ,
# and run.json repeats each preset's unmodelled restrictions. Also: a 1 ms
# chip.min_timestep makes every timestep of a run exactly 1 ms.
# usage: presets.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODEL=$ROOT/workloads/models/fmnist_snn_t4_rmp.nir
README=$ROOT/README.md
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }

# Presets whose limits reject the default model, with the rule they cite.
declare -A REFUSED=(
  [truenorth]="layer 'lif3': neuron 8 has 288 distinct inputs but a core accepts 256 axons (chip.core.axons)"
)

run() {  # run NAME OUT [--set ...]: the default job on preset NAME
  local name=$1 out=$2
  shift 2
  "$NMSIM" run --model "$MODEL" --hw "$name" --data fashion-mnist:test --samples 20 \
    --timesteps 4 --dt 1e-3 --jobs 2 -q --out "$out" "$@" >/dev/null 2>"$out.err"
}

ran=()
for yaml in "$ROOT"/hw_models/presets/*.yaml; do
  grep -q '^chip:' "$yaml" || continue
  name=$(basename "$yaml" .yaml)
  echo "preset $name"
  rc=0
  run "$name" "$TMP/$name" || rc=$?
  if [ -n "${REFUSED[$name]+x}" ]; then
    want=${REFUSED[$name]}
    [ "$rc" -eq 2 ] || { fail "$name: expected the refusal (exit 2), got exit $rc"; continue; }
    [ "$(wc -l <"$TMP/$name.err")" -eq 1 ] || fail "$name: refusal is not one line: $(cat "$TMP/$name.err")"
    grep -qF -- "$want" "$TMP/$name.err" || fail "$name: refusal lacks '$want': $(cat "$TMP/$name.err")"
    grep -qF -- "$want" "$README" || fail "$name: README.md does not quote the refusal '$want'"
    echo "  refused: $(cat "$TMP/$name.err")"
    continue
  fi
  [ "$rc" -eq 0 ] || { fail "$name: exit $rc: $(cat "$TMP/$name.err")"; continue; }
  ran+=("$name")
done

# Energy, latency and cores per inference; energies differ between presets;
# run.json repeats the preset's unmodelled restrictions.
"$PY" - "$TMP" "${ran[@]}" <<'PYEOF' || fails=$((fails + 1))
import json, sys
tmp, names = sys.argv[1], sys.argv[2:]
runs = {n: json.load(open(f"{tmp}/{n}/run.json")) for n in names}
ok = True
for n, j in runs.items():
    s = j["summary"]["snn"]
    print(f"  {n:12s} {s['energy_j_per_sample'] * 1e6:10.2f} uJ/inference  "
          f"{s['latency_s_per_sample'] * 1e3:8.3f} ms/inference  {s['cores_used']:5d} cores  "
          f"accuracy {s['accuracy']:.2f}  unmodelled {len(s['unmodelled_restrictions'])}")
    if s["unmodelled_restrictions"] != j["config"]["unmodelled"]:
        print(f"  FAIL: {n}: summary.snn.unmodelled_restrictions != config.unmodelled")
        ok = False
for a in names:
    for b in names:
        ea = runs[a]["summary"]["snn"]["energy_j_per_sample"]
        eb = runs[b]["summary"]["snn"]["energy_j_per_sample"]
        if a < b and abs(ea - eb) <= 1e-6 * max(ea, eb):
            print(f"  FAIL: {a} and {b} give the same energy per inference ({ea} J)")
            ok = False
sys.exit(0 if ok and len(names) >= 2 else 1)
PYEOF

echo "loihi with chip.min_timestep=1ms: every timestep 1 ms"
run loihi "$TMP/floor" --set chip.min_timestep=1ms || fail "loihi --set chip.min_timestep=1ms: $(cat "$TMP/floor.err")"
"$PY" - "$TMP/floor" "$TMP/loihi" <<'PYEOF' || fails=$((fails + 1))
import csv, json, math, sys
floor, free = (json.load(open(f"{d}/run.json")) for d in sys.argv[1:3])
steps = [float(r["latency_s"]) for r in csv.DictReader(open(f"{sys.argv[1]}/samples.csv"))]
assert all(math.isclose(x, 4e-3, rel_tol=1e-12) for x in steps), steps[:3]
assert math.isclose(floor["summary"]["snn"]["latency_s_per_sample"], 4e-3, rel_tol=1e-12)
# The floor changes time (so static energy), not the counts.
assert floor["summary"]["snn"]["synops"] == free["summary"]["snn"]["synops"]
assert free["summary"]["snn"]["latency_s_per_sample"] < 4e-3
print(f"  per sample {floor['summary']['snn']['latency_s_per_sample']:.6f} s "
      f"(unfloored {free['summary']['snn']['latency_s_per_sample']:.6f} s)")
PYEOF

if [ "$fails" -ne 0 ]; then
  echo "presets: $fails failure(s)"
  exit 1
fi
echo "presets: OK"
