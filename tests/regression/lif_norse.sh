#!/usr/bin/env bash
# The NIR paper's single LIF neuron exported from Norse (shared/external/nir-paper):
# lif_norse.csv is Norse's own simulation, columns (input, v after reset, spike).
# Feeding column 0 at dt = 1e-4 must give Norse's spike train exactly and its
# membrane potential within 1e-6.
# usage: lif_norse.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$1
SHARED=$2
# shellcheck source=fixtures.bash source-path=SCRIPTDIR
source "$(dirname "$0")/fixtures.bash"
need_fixture nir-paper
PY=/usr/bin/python3
NP=$SHARED/external/nir-paper
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "csv columns: check they are (input, v after reset, spike); write input [1000,1] float32"
"$PY" - "$NP/lif_norse.csv" "$TMP/x.npy" <<'PYEOF'
import sys, numpy as np
d = np.loadtxt(sys.argv[1], delimiter=",")
assert d.shape == (1000, 3), d.shape
inp, v, s = d.T
assert set(np.unique(inp)) == {0.0, 1.0} and set(np.unique(s)) == {0.0, 1.0}
fire = s == 1
assert fire.sum() == 4 and np.all(v[fire] == 0.0), "column 1 should be v after the reset"
assert np.all(v[~fire] < 0.1), "v stays below v_threshold = 0.1 after the reset"
np.save(sys.argv[2], inp[:, None].astype(np.float32))
PYEOF

echo "run: lif_norse.nir --dt 1e-4 --record v,spikes"
"$NMSIM" run --set chip.core.datapath=float32 --model "$NP/lif_norse.nir" --input "$TMP/x.npy" --dt 1e-4 --record v,spikes \
  --out "$TMP/run" -q >/dev/null

"$PY" - "$NP/lif_norse.csv" "$TMP/run" <<'PYEOF'
import json, sys, numpy as np
d = np.loadtxt(sys.argv[1], delimiter=",")
run = json.load(open(f"{sys.argv[2]}/run.json"))
# The graph is input -> Affine "0" -> LIF "1" -> output: the LIF is the output node.
assert [l["name"] for l in run["layers"]] == ["1"], run["layers"]
s = np.load(f"{sys.argv[2]}/traces/1_spikes.npy")
v = np.load(f"{sys.argv[2]}/traces/1_v.npy")
assert s.shape == (1, 1000, 1) and v.shape == (1, 1000, 1), (s.shape, v.shape)
s, v = s.reshape(-1), v.reshape(-1).astype(np.float64)
print(f"  spikes at {np.nonzero(s)[0].tolist()}, Norse {np.nonzero(d[:, 2])[0].tolist()}")
assert np.array_equal(s, d[:, 2].astype(np.uint8)), "spike train differs from Norse"
assert run["layers"][0]["spikes"] == int(d[:, 2].sum())
err = np.abs(v - d[:, 1])
print(f"  max |v - v_norse| = {err.max():.3g} (at t={err.argmax()}), tolerance 1e-6")
assert err.max() <= 1e-6, "membrane potential differs from Norse"
PYEOF
echo "lif_norse: pass"
