#!/usr/bin/env bash
# SANA-FE's DVS-gesture CNN on SANA-FE's own placement (sanafe_mapping.csv,
# `nmsim run --mapping`) on the Loihi preset, one step of delay per layer,
# 1000 timesteps: NoC messages and tile hops against SANA-FE's.
#
#  1. The Loihi preset refuses the placement as shipped: its lif3 and lif4
#     cores read more than 4,096 axons. The runs below raise chip.core.axons.
#  2. YAML round trip: `nmsim map --mapping` of the CSV written as YAML, read
#     back, gives the same YAML; a run on it equals the run on the CSV (6).
#  3. An independent count (placement_traffic.py: NIR weight shapes + the CSV,
#     tile t at x = t div 4, y = t mod 4) of SANA-FE's own spike raster gives
#     SANA-FE's messages and hops exactly, per layer and in total. This checks
#     the tile numbering.
#  4. The same count of nmsim's spike raster gives nmsim's messages and hops
#     exactly, per layer: nmsim routes and counts as SANA-FE does.
#  5. For every layer whose spike raster equals SANA-FE's (lif0 with nmsim's
#     float datapath; SANA-FE truncates v to 1/64), its messages and hops equal
#     SANA-FE's. When every layer matches, so must the totals.
# usage: dvs_sanafe_mapping.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$1
SHARED=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
DVS=$SHARED/external/sanafe-dvs
# shellcheck source=fixtures.bash source-path=SCRIPTDIR
source "$HERE/fixtures.bash"
need_fixture sanafe-dvs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
MODEL=$DVS/dvs_gesture.nir
CSV=$DVS/sanafe_mapping.csv

dvs_input "$TMP/x.npy"

echo "1. loihi preset as shipped: expect the axon limit to refuse SANA-FE's placement"
rc=0
"$NMSIM" map --model "$MODEL" --mapping "$CSV" >/dev/null 2>"$TMP/err" || rc=$?
cat "$TMP/err"
[ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]
grep -qF "sanafe_mapping.csv: core (" "$TMP/err"
grep -qF "neurons of 'lif3' have 5,408 distinct inputs but a core accepts 4,096 axons (chip.core.axons)" "$TMP/err"

# lif4's cores read all 7,744 lif3 neurons.
AXONS=(--set chip.core.axons=7744)
"$NMSIM" map --model "$MODEL" --mapping "$CSV" "${AXONS[@]}" --out "$TMP/sanafe.yaml" 2>/dev/null
"$NMSIM" map --model "$MODEL" --mapping "$TMP/sanafe.yaml" "${AXONS[@]}" --out "$TMP/again.yaml" 2>/dev/null
cmp "$TMP/sanafe.yaml" "$TMP/again.yaml"
echo "2. YAML written from the CSV reads back to the same YAML"

for m in csv yaml; do
  src=$CSV
  [ "$m" = yaml ] && src=$TMP/sanafe.yaml
  "$NMSIM" run --model "$MODEL" --input "$TMP/x.npy" --dt 1 --layer-delay 1 --mapping "$src" \
    "${AXONS[@]}" --record spikes --out "$TMP/$m" -q >/dev/null
done

"$PY" - "$HERE" "$DVS" "$TMP" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from placement_traffic import traffic
dvs, tmp = sys.argv[2], sys.argv[3]
model, csv = f"{dvs}/dvs_gesture.nir", f"{dvs}/sanafe_mapping.csv"
ref = json.load(open(f"{dvs}/reference.json"))
ras = np.load(f"{dvs}/sanafe_spikes_T1000.npz")
run = json.load(open(f"{tmp}/csv/run.json"))
names = [l["nir_node"] for l in ref["layers"]]
want = {l["nir_node"]: (l["derived_breakdown"]["messages_sent"],
                        l["derived_breakdown"]["hops_east_west"],
                        l["derived_breakdown"]["hops_north_south"]) for l in ref["layers"]}
total_want = (ref["totals"]["messages_sent"], 3382795, 5468428)
assert sum(want[n][1] + want[n][2] for n in names) == ref["totals"]["hops"]

snn = run["summary"]["snn"]
print(f"  run.json options.mapping = {run['options']['mapping']}, cores_used = {snn['cores_used']}")
assert run["options"]["mapping"] == csv
assert snn["cores_used"] == 49

print("3. SANA-FE's spikes through the CSV placement (tile t at x = t div 4, y = t mod 4)")
sf = traffic(model, csv, 4, {n: ras[n].sum(axis=0) for n in names})
for n in names:
    print(f"  {n}: messages, E-W, N-S {sf[n]}, SANA-FE {want[n]}")
    assert sf[n] == want[n], n
assert tuple(sum(sf[n][i] for n in names) for i in range(3)) == total_want

print("4. nmsim's spikes through the same placement = nmsim's counts")
got, mine = {}, {}
for n in names:
    cores = [c for c in run["cores"] if c["layer"] == n]
    got[n] = tuple(sum(c[k] for c in cores) for k in ("messages", "hops_ew", "hops_ns"))
    mine[n] = np.load(f"{tmp}/csv/traces/{n}_spikes.npy")[0].reshape(1000, -1)
ind = traffic(model, csv, 4, {n: mine[n].sum(axis=0) for n in names})
for n in names:
    print(f"  {n}: nmsim {got[n]}, recount {ind[n]}")
    assert got[n] == ind[n], n

print("5. layers whose spikes equal SANA-FE's")
same = [n for n in names if np.array_equal(mine[n].astype(bool), ras[n])]
for n in names:
    spikes = int(mine[n].sum())
    tag = "same raster" if n in same else f"differs from SANA-FE's {int(ras[n].sum())}"
    print(f"  {n}: {spikes} spikes ({tag}); messages, E-W, N-S {got[n]} vs SANA-FE {want[n]}")
    if n in same:
        assert got[n] == want[n], n
assert "lif0" in same
total = (snn["messages"], snn["hops_ew"], snn["hops_ns"])
assert total == tuple(sum(got[n][i] for n in names) for i in range(3))
print(f"  total: nmsim {total}, SANA-FE {total_want}")
if len(same) == len(names):
    assert total == total_want

print("6. the run on the YAML equals the run on the CSV")
ry = json.load(open(f"{tmp}/yaml/run.json"))
for j in (run, ry):
    j.pop("command")
    j["options"].pop("mapping")
assert ry == run
PYEOF
echo "dvs_sanafe_mapping: pass"
