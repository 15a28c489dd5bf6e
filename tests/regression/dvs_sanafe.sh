#!/usr/bin/env bash
# SANA-FE's DVS-gesture CNN (shared/external/sanafe-dvs) over 1000 timesteps:
# per-layer spikes must equal the plain-float NIR reference counts in
# reference.json, and synaptic events must follow SANA-FE's convention (one per
# synapse of a firing neuron, zero weights included), recomputed here from the
# NIR weights' shapes and nmsim's own spike traces.
# usage: dvs_sanafe.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$1
SHARED=$2
# shellcheck source=fixtures.bash source-path=SCRIPTDIR
source "$(dirname "$0")/fixtures.bash"
need_fixture sanafe-dvs
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
DVS=$SHARED/external/sanafe-dvs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "input: input_frame.npy repeated 1000 times -> [1000,1,32,32] float32"
dvs_input "$TMP/x.npy"

echo "fan-out rule self-check: SANA-FE's own spikes x NIR fan-outs = SANA-FE's synaptic events"
"$PY" - "$HERE" "$DVS" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import h5py, numpy as np
from nir_synops import fanout
dvs = sys.argv[2]
ref = json.load(open(f"{dvs}/reference.json"))
ras = np.load(f"{dvs}/sanafe_spikes_T1000.npz")
nodes = h5py.File(f"{dvs}/dvs_gesture.nir", "r")["node/nodes"]
edges = [("lif0", "conv1"), ("lif1", "conv2"), ("lif2", "conv3"), ("lif3", "conv4"), ("lif4", "fc")]
for k, (src, w) in enumerate(edges):
    shape = tuple(ref["layers"][k]["shape"])
    fo = fanout(nodes[w], shape)
    syn = ref["synapses"]["per_edge"][f"{src}->lif{k+1}"]
    ev = int((ras[src].sum(axis=0).reshape(shape).astype(np.int64) * fo).sum())
    want = ref["layers"][k]["derived_breakdown"]["synaptic_events_caused"]
    print(f"  {src}: synapses {fo.sum()} (ref {syn}), events {ev} (ref {want})")
    assert fo.sum() == syn and ev == want
PYEOF

# On the Loihi preset as shipped (4,096 input axons per core): the mapper slices
# the conv layers position-major, so each core sees a band of its input.
for delay in 1 0; do
  key=$([ "$delay" = 1 ] && echo one_step_delay_per_layer || echo zero_delay)
  echo "run: --layer-delay $delay, expect reference.json nir_float_semantics_reference_sim.$key"
  "$NMSIM" run --set chip.core.datapath=float32 --model "$DVS/dvs_gesture.nir" --input "$TMP/x.npy" --dt 1 --layer-delay "$delay" \
    --record spikes --out "$TMP/d$delay" -q >/dev/null
  "$PY" - "$TMP/d$delay/run.json" "$DVS/reference.json" "$key" <<'PYEOF'
import json, sys
run = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))["nir_float_semantics_reference_sim"][sys.argv[3]]
got = [l["spikes"] for l in run["layers"]]
names = [l["name"] for l in run["layers"]]
print(f"  layers {names}\n  spikes {got}\n  expect {want}")
assert names == [f"lif{k}" for k in range(6)], names
assert got == want, "per-layer spike counts differ from the reference"
assert run["summary"]["snn"]["spikes"] == sum(want)
# Every neuron's state is visited every timestep: 18,678 neurons x 1000 steps,
# each an active or inactive update.
snn = run["summary"]["snn"]
print(f"  soma_accesses {snn['soma_accesses']}, expect {18678 * 1000}")
assert snn["soma_accesses"] == 18678 * 1000
assert snn["neuron_updates_active"] + snn["neuron_updates_inactive"] == 18678 * 1000
# Updated in SANA-FE's sense (state away from rest, a message or a non-zero
# input): at most every visit, at least the 294 neurons with non-zero input at
# every step.
print(f"  neuron_updates {snn['neuron_updates']}")
assert 294 * 1000 <= snn["neuron_updates"] <= 18678 * 1000
PYEOF
  # Spikes of the last timestep are delivered and counted within it, so every
  # recorded spike contributes its full fan-out.
  "$PY" "$HERE/nir_synops.py" "$DVS/dvs_gesture.nir" "$TMP/d$delay"
done
echo "dvs_sanafe: pass"
