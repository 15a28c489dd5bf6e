#!/usr/bin/python3
"""Writes the small hand-made NIR seeds of tests/fuzz/nir/ (raw HDF5 inputs).

usage: /usr/bin/python3 tests/fuzz/make_nir_seeds.py tests/fuzz/nir
Each file is a valid NIR graph nmsim reads; the fuzz harness replays them as
raw HDF5 images (fuzz_nir.cpp, raw mode).
"""
import sys

import h5py
import numpy as np


def node(g, name, typ, **params):
    n = g.create_group(name)
    n["type"] = np.bytes_(typ)
    for k, v in params.items():
        n[k] = v
    return n


def graph(g, nodes, edges):
    g["type"] = np.bytes_("NIRGraph")
    ng = g.create_group("nodes")
    for name, (typ, params) in nodes.items():
        sub = params.pop("_graph", None)
        n = node(ng, name, typ, **params)
        if sub:
            graph_body(n, *sub)
    g["edges"] = np.array([[a.encode(), b.encode()] for a, b in edges], dtype="S")


def graph_body(g, nodes, edges):
    ng = g.create_group("nodes")
    for name, (typ, params) in nodes.items():
        node(ng, name, typ, **params)
    g["edges"] = np.array([[a.encode(), b.encode()] for a, b in edges], dtype="S")


def write(path, nodes, edges):
    with h5py.File(path, "w") as f:
        f["version"] = np.bytes_("0.5.0")
        graph(f.create_group("node"), nodes, edges)


def lif(shape, **extra):
    p = dict(tau=np.full(shape, 0.02), r=np.ones(shape), v_leak=np.zeros(shape),
             v_threshold=np.ones(shape), v_reset=np.zeros(shape))
    p.update(extra)
    return p


rng = np.random.default_rng(0)
out = sys.argv[1]
write(f"{out}/raw_affine_lif.nir",
      {"input": ("Input", {"shape": np.array([4])}),
       "fc": ("Affine", {"weight": rng.normal(size=(3, 4)), "bias": rng.normal(size=3)}),
       "lif": ("LIF", lif((3,))),
       "output": ("Output", {"shape": np.array([3])})},
      [("input", "fc"), ("fc", "lif"), ("lif", "output")])
write(f"{out}/raw_conv_pool.nir",
      {"input": ("Input", {"shape": np.array([1, 6, 6])}),
       "conv": ("Conv2d", {"weight": rng.normal(size=(2, 1, 3, 3)).astype(np.float32),
                           "bias": np.zeros(2, np.float32), "stride": np.array([1, 1]),
                           "padding": np.array([1, 1]), "dilation": np.array([1, 1]),
                           "groups": np.int64(1), "input_shape": np.array([6, 6])}),
       "if": ("IF", {"r": np.float64(1.0), "v_threshold": np.float64(1.0)}),
       "pool": ("SumPool2d", {"kernel_size": np.array([2, 2]), "stride": np.array([2, 2]),
                              "padding": np.array([0, 0])}),
       "flat": ("Flatten", {"start_dim": np.int64(0), "end_dim": np.int64(-1)}),
       "fc": ("Linear", {"weight": rng.normal(size=(2, 18))}),
       "li": ("LI", {"tau": np.float64(0.01), "r": np.float64(1.0), "v_leak": np.float64(0.0)}),
       "output": ("Output", {"shape": np.array([2])})},
      [("input", "conv"), ("conv", "if"), ("if", "pool"), ("pool", "flat"), ("flat", "fc"),
       ("fc", "li"), ("li", "output")])
write(f"{out}/raw_recurrent.nir",
      {"input": ("Input", {"shape": np.array([2])}),
       "w_in": ("Linear", {"weight": rng.normal(size=(3, 2))}),
       "cuba": ("CubaLIF", dict(tau_mem=np.float64(0.02), tau_syn=np.float64(0.01),
                                r=np.float64(1.0), v_leak=np.float64(0.0),
                                v_threshold=np.float64(1.0), v_reset=np.float64(0.0),
                                w_in=np.float64(1.0))),
       "w_rec": ("Linear", {"weight": rng.normal(size=(3, 3))}),
       "output": ("Output", {"shape": np.array([3])})},
      [("input", "w_in"), ("w_in", "cuba"), ("cuba", "w_rec"), ("w_rec", "cuba"),
       ("cuba", "output")])
write(f"{out}/raw_nested_conv1d.nir",
      {"input": ("Input", {"shape": np.array([2, 5])}),
       "conv": ("Conv1d", {"weight": rng.normal(size=(2, 1, 2)), "groups": np.int64(2),
                           # No padding key: an explicit Conv1d padding is read as padding
                           # the dummy height dimension too (being fixed separately).
                           "stride": np.int64(1), "dilation": np.int64(1),
                           "input_shape": np.int64(5)}),
       "sub": ("NIRGraph", {"_graph": (
           {"input": ("Input", {"shape": np.array([2, 4])}),
            "scale": ("Scale", {"scale": np.float64(0.5)}),
            "th": ("Threshold", {"threshold": np.ones((2, 4))}),
            "output": ("Output", {"shape": np.array([2, 4])})},
           [("input", "scale"), ("scale", "th"), ("th", "output")])}),
       "i": ("I", {"r": np.float64(2.0)}),
       "output": ("Output", {})},
      [("input", "conv"), ("conv", "sub"), ("sub", "i"), ("i", "output")])
