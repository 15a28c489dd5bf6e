#!/usr/bin/python3
"""Expected synaptic events of an nmsim run, computed from the NIR file alone.

SANA-FE's convention: a spike costs one synaptic event per synapse of its source
neuron, zero-weight taps included. So the events arriving at layer B are
sum over neurons i of A of spikes_i * fanout_i, with fanout_i the number of
(kernel tap, output position) pairs that read i. Spike counts come from
DIR/traces/<layer>_spikes.npy ([N, T, *shape]); fan-outs from the weights'
shapes and the stride/padding/dilation stored in the file.

usage: nir_synops.py MODEL.nir RUN_DIR   (exit 1 on any mismatch)
"""
import json
import sys

import h5py
import numpy as np


def axis_taps(n_in, k, s, p, d):
    """taps[i] = number of (output position, kernel index) pairs reading input i."""
    n_out = (n_in + 2 * p - d * (k - 1) - 1) // s + 1
    taps = np.zeros(n_in, dtype=np.int64)
    for o in range(n_out):
        for j in range(k):
            i = o * s - p + j * d
            if 0 <= i < n_in:
                taps[i] += 1
    return taps


def fanout(node, in_shape):
    """Per-input-neuron fan-out (array of in_shape) of a Conv2d or Affine node."""
    t = node["type"][()].decode()
    w = node["weight"]
    if t == "Conv2d":
        cout, cin_g, kh, kw = w.shape
        groups = int(node["groups"][()])
        s, p, d = (np.array(node[k][()]).reshape(-1) for k in ("stride", "padding", "dilation"))
        c, h, wd = in_shape
        assert cin_g * groups == c, (node.name, in_shape, w.shape)
        ty = axis_taps(h, kh, int(s[0]), int(p[0]), int(d[0]))
        tx = axis_taps(wd, kw, int(s[1]), int(p[1]), int(d[1]))
        per_pos = np.outer(ty, tx)                         # taps per output channel
        return np.broadcast_to(per_pos * (cout // groups), (c, h, wd)).astype(np.int64)
    if t == "Affine" or t == "Linear":
        out_f, in_f = w.shape
        assert int(np.prod(in_shape)) == in_f, (node.name, in_shape, w.shape)
        return np.full(in_shape, out_f, dtype=np.int64)
    raise SystemExit(f"nir_synops.py: no fan-out rule for {t} ({node.name})")


def main(model, run_dir):
    run = json.load(open(f"{run_dir}/run.json"))
    layers = {l["name"]: l for l in run["layers"]}
    f = h5py.File(model, "r")
    nodes = f["node/nodes"]
    succ = {}
    for a, b in f["node/edges"][()]:
        succ.setdefault(a.decode(), []).append(b.decode())
    bad = 0
    for name in nodes:
        if nodes[name]["type"][()].decode() != "LIF":
            continue
        spikes = np.load(f"{run_dir}/traces/{name}_spikes.npy")
        per_neuron = spikes.astype(np.int64).sum(axis=(0, 1))   # over samples and timesteps
        assert per_neuron.sum() == layers[name]["spikes"], name
        # Walk A -> (Conv2d | Affine), optionally through Flatten, -> next LIF.
        for nxt in succ.get(name, []):
            fo = None
            cur = nxt
            while nodes[cur]["type"][()].decode() != "LIF":
                t = nodes[cur]["type"][()].decode()
                if t == "Output":
                    break
                if t in ("Conv2d", "Affine", "Linear"):
                    assert fo is None, "two weight layers in a row"
                    fo = fanout(nodes[cur], per_neuron.shape)
                elif t != "Flatten":
                    raise SystemExit(f"nir_synops.py: unexpected node {cur} ({t})")
                (cur,) = succ[cur]
            if nodes[cur]["type"][()].decode() != "LIF":
                continue
            want = int((per_neuron * fo).sum())
            got = layers[cur]["synops"]
            ok = got == want
            bad += not ok
            print(f"  synops {name}->{cur}: nmsim {got}, expected {want} {'ok' if ok else 'MISMATCH'}")
    total = sum(l["synops"] for l in run["layers"])
    if run["summary"]["snn"]["synops"] != total:
        print(f"  summary.snn.synops {run['summary']['snn']['synops']} != sum of layers {total}")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
