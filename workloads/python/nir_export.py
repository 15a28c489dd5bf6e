#!/usr/bin/python3
"""Write the deployed SNN as a NIR graph in NIR's HDF5 layout, using h5py only.

Layout (as nir/serialization.py writes it): root dataset `version` (string); group
`node` with `type` = "NIRGraph", `nodes/<name>/` holding `type` and one dataset per
parameter, and `edges`, an (E, 2) string dataset. Shapes carry no batch dimension.
"""
import h5py
import numpy as np

NIR_VERSION = "1.0.0"
_STR = h5py.string_dtype()


def lif_params(beta, theta, dt, shape):
    """NIR LIF parameters whose forward-Euler step at dt,
    v += dt/tau * (v_leak - v + r*I), equals the trained v = beta*v + I:
    dt/tau = 1 - beta and (dt/tau) * r = 1. Every array has the node's full shape."""
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must be in [0, 1) to map onto a LIF with finite tau, got {beta}")
    dt32 = np.float32(dt)
    tau = np.float32(dt32 / np.float32(1.0 - beta))
    r = np.float32(tau / dt32)
    full = lambda v: np.full(shape, v, dtype=np.float32)
    return {"tau": full(tau), "r": full(r), "v_leak": full(0.0), "v_reset": full(0.0),
            "v_threshold": full(theta)}


def graph_nodes(params, dt, image_shape=(1, 28, 28)):
    """Ordered {name: {param: value}} and edge list for the folded network `params`
    (see model.folded_params)."""
    nodes = {"input": {"type": "Input", "shape": np.array(image_shape, dtype=np.int64)}}
    edges, prev, (c, h, w) = [], "input", image_shape
    for i, layer in enumerate(params["convs"], start=1):
        weight = np.asarray(layer["weight"], dtype=np.float32)
        stride = layer["stride"]
        nodes[f"conv{i}"] = {
            "type": "Conv2d",
            "weight": weight,
            "bias": np.asarray(layer["bias"], dtype=np.float32),
            "stride": np.array([stride, stride], dtype=np.int64),
            "padding": np.array([layer["padding"]] * 2, dtype=np.int64),
            "dilation": np.array([1, 1], dtype=np.int64),
            "groups": np.int64(1),
            "input_shape": np.array([h, w], dtype=np.int64),
        }
        kh = weight.shape[2]
        h = (h + 2 * layer["padding"] - kh) // stride + 1
        w = (w + 2 * layer["padding"] - weight.shape[3]) // stride + 1
        c = weight.shape[0]
        nodes[f"lif{i}"] = {"type": "LIF",
                            **lif_params(params["beta"], params["theta"], dt, (c, h, w))}
        edges += [(prev, f"conv{i}"), (f"conv{i}", f"lif{i}")]
        prev = f"lif{i}"
    nodes["flatten"] = {"type": "Flatten", "start_dim": np.int64(0), "end_dim": np.int64(-1),
                        "input_type": np.array([c, h, w], dtype=np.int64)}
    fc_w = np.asarray(params["fc_weight"], dtype=np.float32)
    if fc_w.shape[1] != c * h * w:
        raise ValueError(f"fc expects {fc_w.shape[1]} inputs but the last layer has {c * h * w}")
    nodes["fc"] = {"type": "Affine", "weight": fc_w,
                   "bias": np.asarray(params["fc_bias"], dtype=np.float32)}
    nodes["output"] = {"type": "Output", "shape": np.array([fc_w.shape[0]], dtype=np.int64)}
    edges += [(prev, "flatten"), ("flatten", "fc"), ("fc", "output")]
    return nodes, edges


def write_graph(path, nodes, edges, compress=True):
    """Writes {name: {"type": str, param: value}} and [(src, dst)] as a NIR file;
    array parameters gzip-compressed unless compress=False."""
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=NIR_VERSION, dtype=_STR)
        graph = f.create_group("node")
        graph.create_dataset("type", data="NIRGraph", dtype=_STR)
        group = graph.create_group("nodes")
        for name, node in nodes.items():
            g = group.create_group(name)
            for key, value in node.items():
                if isinstance(value, str):
                    g.create_dataset(key, data=value, dtype=_STR)
                elif compress and isinstance(value, np.ndarray) and value.ndim > 0:
                    g.create_dataset(key, data=value, compression="gzip")
                else:
                    g.create_dataset(key, data=value)
        graph.create_dataset("edges", data=np.array(edges, dtype=object), dtype=_STR)


def write_nir(path, params, dt):
    nodes, edges = graph_nodes(params, dt)
    write_graph(path, nodes, edges)
    return nodes, edges
