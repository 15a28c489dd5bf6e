#!/usr/bin/env bash
# The shipped Fashion-MNIST SNNs on the chip against their PyTorch reference
# outputs (workloads/models/<name>_ref100.npz, written by the training script
# from the float32 forward pass): per-layer spike counts per timestep within
# 0.1 %, predictions equal on at least 99 of the 100 images, output sums close.
set -euo pipefail
NMSIM=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODELS="${NMSIM_MODELS_DIR:-$ROOT/workloads/models}"  # override to try freshly trained models
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for name in fmnist_snn_t4 fmnist_snn_t4_rmp; do
  model="$MODELS/$name.nir"
  meta="$MODELS/$name.json"
  ref="$MODELS/${name}_ref100.npz"
  T=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timesteps'])" "$meta")
  dt=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['dt'])" "$meta")
  echo "$name: 100 test images, T=$T, dt=$dt, --record v,spikes"
  "$NMSIM" run --set chip.core.datapath=float32 --model "$model" --data fashion-mnist:test --samples 100 --timesteps "$T" --dt "$dt" \
    --record v,spikes --out "$TMP/$name" -q >/dev/null
  /usr/bin/python3 - "$TMP/$name" "$ref" <<'PYEOF'
import csv, json, sys
import numpy as np
run, ref = sys.argv[1], np.load(sys.argv[2])
names = [str(n) for n in ref["layer_names"]]
want = ref["spikes_per_step"]                      # [100, T, L]
got = np.stack([np.load(f"{run}/traces/{n}_spikes.npy").reshape(100, want.shape[1], -1).sum(-1)
                for n in names], axis=-1)
ok = True
for l, n in enumerate(names):
    w, g = int(want[..., l].sum()), int(got[..., l].sum())
    rel = abs(g - w) / max(w, 1)
    print(f"  {n}: nmsim {g} spikes, PyTorch {w}, rel diff {rel:.2e} (limit 1e-3)")
    ok &= rel <= 1e-3
    for t in range(want.shape[1]):
        wt, gt = int(want[:, t, l].sum()), int(got[:, t, l].sum())
        ok &= abs(gt - wt) <= max(1, 1e-3 * wt)
pred = np.array([int(r["prediction"]) for r in csv.DictReader(open(f"{run}/samples.csv"))])
same = int((pred == ref["pred"]).sum())
print(f"  predictions equal on {same}/100 (need >= 99)")
ok &= same >= 99
out = np.load(f"{run}/traces/output_v.npy").sum(axis=1)   # [100, 10], summed over T
err = np.abs(out - ref["output_sum"]).max() / max(1.0, np.abs(ref["output_sum"]).max())
print(f"  output sums: max rel diff {err:.2e} (limit 1e-3)")
ok &= err <= 1e-3
acc = json.load(open(f"{run}/run.json"))["summary"]["snn"]["accuracy"]
ref_acc = float((ref["pred"] == ref["labels"]).mean())
print(f"  accuracy on these 100: nmsim {acc:.2f}, PyTorch {ref_acc:.2f}")
sys.exit(0 if ok else 1)
PYEOF
done
echo "fmnist_equivalence: pass"
