#!/usr/bin/env bash
# The command line: help texts, inspect --json on the NIR paper's sinabs CNN
# (numbers recomputed from the file's weight shapes), map, and a run directory
# checked against sim/OUTPUT.md; map and run on the shipped Fashion-MNIST model,
# and on SANA-FE's DVS CNN too where the external fixtures are present.
# usage: cli.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$1
SHARED=$2
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=fixtures.bash source-path=SCRIPTDIR
source "$HERE/fixtures.bash"
FMNIST=$HERE/../../workloads/models/fmnist_snn_t4.nir
OUTPUT_MD=$HERE/../../sim/OUTPUT.md
PY=/usr/bin/python3
DVS=$SHARED/external/sanafe-dvs
CNN=$SHARED/external/nir-paper/cnn_sinabs.nir
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }

# help_mentions "SUBCOMMAND..." word...: exit 0 and every word in the help text.
help_mentions() {
  local cmd=$1
  shift
  echo "nmsim${cmd:+ $cmd} --help"
  # shellcheck disable=SC2086
  "$NMSIM" $cmd --help >"$TMP/help" 2>&1 || { fail "nmsim $cmd --help exits non-zero"; return; }
  local w
  for w in "$@"; do grep -qF -- "$w" "$TMP/help" || fail "nmsim $cmd --help does not mention $w"; done
}
help_mentions "" run map inspect report
help_mentions run --model --hw --input --data --dt --layer-delay --reset --record --set --jobs --out --quiet
help_mentions inspect --json model
help_mentions map --model --hw --set --out

if have_fixture nir-paper; then
  echo "nmsim inspect cnn_sinabs.nir --json"
  "$NMSIM" inspect "$CNN" --json >"$TMP/inspect.json"
  "$PY" - "$TMP/inspect.json" "$CNN" "$HERE" <<'PYEOF' || fails=$((fails + 1))
import json, sys
sys.path.insert(0, sys.argv[3])
import h5py, numpy as np
from nir_synops import axis_taps
j = json.load(open(sys.argv[1]))       # fails here if the output is not JSON
L = j["layers"]
neurons = [l["neurons"] for l in L]
print(f"  neurons {neurons}")
assert neurons == [2312, 4096, 4096, 512, 256, 10], neurons
assert L[0]["kind"] == "Input" and j["input_shape"] == [2, 34, 34]
# Totals: neurons exclude the input layer; the rest sum over all layers.
t = j["totals"]
assert t["neurons"] == sum(neurons[1:]), t
for k in ("synapses", "macs", "parameters"):
    assert t[k] == sum(l[k] for l in L), (k, t[k])

# Recompute each neuron layer's synapses, MACs and parameters from the file:
# walk back from a neuron node through SumPool2d / Flatten / Conv2d / Affine.
f = h5py.File(sys.argv[2], "r")
nodes = f["node/nodes"]
pred = {b.decode(): a.decode() for a, b in f["node/edges"][()]}
typ = lambda n: nodes[n]["type"][()].decode()
want = {}
for name in nodes:
    if typ(name) not in ("IF", "LIF"):
        continue
    chain, n = [], pred[name]
    while typ(n) not in ("IF", "LIF", "Input"):
        chain.insert(0, n)
        n = pred[n]
    shape = list(nodes[n]["shape"][()]) if typ(n) == "Input" else list(nodes[n]["r"].shape)
    mult, syn, macs, params = 1, 0, 0, 0   # mult: presynaptic neurons per element (pooling)
    for op in chain:
        g = nodes[op]
        if typ(op) == "SumPool2d":
            k, s, p = (list(g[x][()]) for x in ("kernel_size", "stride", "padding"))
            assert k == s and p == [0, 0]            # non-overlapping: each input in one window
            mult *= k[0] * k[1]
            shape = [shape[0], shape[1] // k[0], shape[2] // k[1]]
        elif typ(op) == "Flatten":
            shape = [int(np.prod(shape))]
        elif typ(op) == "Conv2d":
            w = g["weight"]
            co, ci, kh, kw = w.shape
            s, p, d = (list(g[x][()]) for x in ("stride", "padding", "dilation"))
            ty = axis_taps(shape[1], kh, s[0], p[0], d[0])
            tx = axis_taps(shape[2], kw, s[1], p[1], d[1])
            oh = (shape[1] + 2 * p[0] - d[0] * (kh - 1) - 1) // s[0] + 1
            ow = (shape[2] + 2 * p[1] - d[1] * (kw - 1) - 1) // s[1] + 1
            syn += mult * co * ci * int(ty.sum()) * int(tx.sum())   # in-bounds taps only
            macs += co * oh * ow * ci * kh * kw
            params += w.size + g["bias"].size
            shape = [co, oh, ow]
        elif typ(op) == "Affine":
            w = g["weight"]
            syn += mult * w.size
            macs += w.size
            params += w.size + g["bias"].size
            shape = [w.shape[0]]
        else:
            raise SystemExit(f"unexpected node {op}")
    want[name] = dict(synapses=syn, macs=macs, parameters=params)
got = {l["name"]: {k: l[k] for k in ("synapses", "macs", "parameters")} for l in L[1:]}
print(f"  recomputed from weights: {want}")
assert got == want, got
PYEOF
fi

# map_and_run NAME MODEL INPUT DT: map, then a run directory checked against
# sim/OUTPUT.md that used as many cores as the map.
map_and_run() {
  local name=$1 model=$2 input=$3 dt=$4
  echo "nmsim map --model $(basename "$model") --out $name.yaml"
  "$NMSIM" map --model "$model" --out "$TMP/$name.yaml" 2>/dev/null
  local map_cores run_cores
  map_cores=$(sed -n 's/^ *cores_used: *\([0-9]*\).*/\1/p' "$TMP/$name.yaml")
  [ -n "$map_cores" ] || fail "$name.yaml has no cores_used:"
  echo "  cores_used: $map_cores"
  echo "run directory: $name, checked against sim/OUTPUT.md"
  "$NMSIM" run --model "$model" --input "$input" --dt "$dt" --out "$TMP/run_$name" -q >/dev/null
  "$PY" "$HERE/run_dir_check.py" "$OUTPUT_MD" "$TMP/run_$name" || fails=$((fails + 1))
  run_cores=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["snn"]["cores_used"])' "$TMP/run_$name/run.json")
  [ "$run_cores" = "$map_cores" ] || fail "map says $map_cores cores, the run used $run_cores"
}

# The shipped model: 2 random images x 4 timesteps.
"$PY" - "$TMP/fmnist.npy" <<'PYEOF'
import sys, numpy as np
img = np.random.default_rng(7).uniform(0, 1, size=(2, 1, 1, 28, 28)).astype(np.float32)
np.save(sys.argv[1], np.repeat(img, 4, axis=1))
PYEOF
map_and_run fmnist "$FMNIST" "$TMP/fmnist.npy" 1e-3

# The DVS CNN: 2 samples x 10 timesteps.
if have_fixture sanafe-dvs; then
  "$PY" - "$DVS/input_frame.npy" "$TMP/x.npy" <<'PYEOF'
import sys, numpy as np
f = np.load(sys.argv[1]).astype(np.float32)
np.save(sys.argv[2], np.stack([np.repeat(f[None], 10, 0), np.repeat(0.5 * f[None], 10, 0)]))
PYEOF
  map_and_run dvs "$DVS/dvs_gesture.nir" "$TMP/x.npy" 1
fi

if [ "$fails" -ne 0 ]; then echo "cli: $fails check(s) failed"; exit 1; fi
echo "cli: pass"
