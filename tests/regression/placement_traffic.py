#!/usr/bin/python3
"""NoC messages and tile hops per layer, from a spike raster and a placement CSV.

Independent of nmsim's mapper: the destinations of each neuron come from the
NIR weights' shapes (every kernel tap is a synapse, zero weights included), the
places from the CSV (nir_node,index,tile,core; tile t at x = t div H,
y = t mod H, SANA-FE's numbering). One message per (firing neuron, distinct
destination core); its hops are the Manhattan distance between the tiles,
split east-west (x) and north-south (y).

usage as a module: traffic(nir_path, csv_path, mesh_height, spikes_by_layer)
  spikes_by_layer: {layer: per-neuron spike counts, flat C order}
  returns {layer: (messages, hops_ew, hops_ns)}
"""
import csv

import h5py
import numpy as np


def conv_pairs(node, in_shape):
    """(pre, post) flat indices of every synapse of a Conv2d node."""
    cout, cin_g, kh, kw = node["weight"].shape
    groups = int(node["groups"][()])
    s, p, d = (np.array(node[k][()]).reshape(-1).astype(int) for k in ("stride", "padding", "dilation"))
    c, h, w = in_shape
    oh = (h + 2 * p[0] - d[0] * (kh - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (kw - 1) - 1) // s[1] + 1
    co, oy, ox, ky, kx = (a.ravel() for a in np.meshgrid(
        np.arange(cout), np.arange(oh), np.arange(ow), np.arange(kh), np.arange(kw), indexing="ij"))
    iy, ix = oy * s[0] - p[0] + ky * d[0], ox * s[1] - p[1] + kx * d[1]
    ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
    co, oy, ox, iy, ix = co[ok], oy[ok], ox[ok], iy[ok], ix[ok]
    ci = (co // (cout // groups))[:, None] * cin_g + np.arange(cin_g)[None, :]
    pre = ci * h * w + (iy * w + ix)[:, None]
    post = np.broadcast_to((co * oh * ow + oy * ow + ox)[:, None], pre.shape)
    return pre.ravel(), post.ravel()


def traffic(nir_path, csv_path, mesh_height, spikes):
    f = h5py.File(nir_path, "r")
    nodes = f["node/nodes"]
    succ = {}
    for a, b in f["node/edges"][()]:
        succ.setdefault(a.decode(), []).append(b.decode())
    rows = list(csv.DictReader(open(csv_path)))
    cores, where = {}, {}  # (tile, core) -> core number; layer -> per-neuron core number
    for r in rows:
        k = (int(r["tile"]), int(r["core"]))
        cores.setdefault(k, len(cores))
    for name in {r["nir_node"] for r in rows}:
        where[name] = np.full(nodes[name]["v_threshold"].size, -1, np.int64)
    for r in rows:
        where[r["nir_node"]][int(r["index"])] = cores[(int(r["tile"]), int(r["core"]))]
    tile_of = np.zeros(len(cores), np.int64)
    for (t, _), n in cores.items():
        tile_of[n] = t
    cx, cy = tile_of // mesh_height, tile_of % mesh_height

    out = {}
    for src, counts in spikes.items():
        counts = np.asarray(counts, np.int64).ravel()
        shape = nodes[src]["v_threshold"].shape
        msgs = ew = ns = 0
        for nxt in succ.get(src, []):
            cur, pairs = nxt, None
            while nodes[cur]["type"][()].decode() not in ("LIF", "Output"):
                t = nodes[cur]["type"][()].decode()
                if t == "Conv2d":
                    pairs = conv_pairs(nodes[cur], shape)
                elif t in ("Affine", "Linear"):
                    o, i = nodes[cur]["weight"].shape
                    pairs = (np.repeat(np.arange(i), o), np.tile(np.arange(o), i))
                elif t != "Flatten":
                    raise SystemExit(f"placement_traffic.py: unexpected node {cur} ({t})")
                (cur,) = succ[cur]
            if nodes[cur]["type"][()].decode() != "LIF":
                continue  # read by the Output node directly: no messages
            pre, post = pairs
            dcore = where[cur][post]
            key = np.unique(pre * len(cores) + dcore)
            p, dc = key // len(cores), key % len(cores)
            sc = where[src][p]
            n = counts[p]
            msgs += int(n.sum())
            ew += int((n * np.abs(cx[sc] - cx[dc])).sum())
            ns += int((n * np.abs(cy[sc] - cy[dc])).sum())
        out[src] = (msgs, ew, ns)
    return out
