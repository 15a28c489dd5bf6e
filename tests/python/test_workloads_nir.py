#!/usr/bin/python3
"""The shipped NIR files, read back by a minimal h5py reader written here (independent of
the exporter), reproduce the deployed PyTorch forward pass spike-for-spike on the
reference images, and carry the metadata the simulator relies on."""
import json
import os
import sys

import h5py
import numpy as np
import pytest
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "workloads", "python"))
import fmnist  # noqa: E402
from model import folded_forward  # noqa: E402

MODELS = os.path.join(ROOT, "workloads", "models")
# Accuracy target for every shipped model.
SHIPPED = {"fmnist_snn_t4": 0.90, "fmnist_snn_t4_rmp": 0.90}
JSON_KEYS = {"accuracy", "timesteps", "dt", "theta", "beta", "rmp_lambda", "seed",
             "train_seconds", "firing_rate_per_layer", "quantization_error_per_layer",
             "ann_twin_accuracy"}
NPZ_KEYS = {"indices", "labels", "layer_names", "spikes_per_step", "output_sum", "pred"}
REQUIRED = {  # what NIR's own reader needs per node type
    "Input": {"shape"}, "Output": {"shape"},
    "Conv2d": {"weight", "bias", "stride", "padding", "dilation", "groups", "input_shape"},
    "LIF": {"tau", "r", "v_leak", "v_reset", "v_threshold"},
    "Flatten": {"start_dim", "end_dim", "input_type"}, "Affine": {"weight", "bias"},
}


def _text(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def read_nir(path):
    """Minimal NIR reader: {name: {param: value}}, edges and version."""
    with h5py.File(path, "r") as f:
        version = _text(f["version"][()])
        graph = f["node"]
        assert _text(graph["type"][()]) == "NIRGraph"
        nodes = {name: {k: (_text(v[()]) if k == "type" else v[()]) for k, v in g.items()}
                 for name, g in graph["nodes"].items()}
        edges = [(_text(a), _text(b)) for a, b in graph["edges"][()]]
    return version, nodes, edges


def chain(edges):
    """Node names in order along the graph, which must be one path input -> output."""
    nxt = dict(edges)
    assert len(nxt) == len(edges), "graph is not a simple chain"
    order, name = ["input"], "input"
    while name in nxt:
        name = nxt[name]
        order.append(name)
    assert order[-1] == "output" and len(order) == len(edges) + 1
    return order


def simulate(nodes, order, images, timesteps, dt):
    """Run the graph for T steps, image as constant input. LIF by NIR's forward Euler,
    v += dt/tau * (v_leak - v + r*I), written as v*(1 - dt/tau) + (dt/tau)*(r*I + v_leak)
    with hard reset to v_reset after a spike. Returns per-layer spikes [T, B, ...] and
    the Output summed over time."""
    state, spikes, out_sum = {}, {}, 0
    for t in range(timesteps):
        x = images
        for name in order[1:-1]:
            n = nodes[name]
            if n["type"] == "Conv2d":
                x = F.conv2d(x, torch.from_numpy(n["weight"]), torch.from_numpy(n["bias"]),
                             stride=tuple(n["stride"]), padding=tuple(n["padding"]),
                             dilation=tuple(n["dilation"]), groups=int(n["groups"]))
            elif n["type"] == "LIF":
                k = torch.from_numpy(np.float32(dt) / n["tau"])
                decay, gain = 1 - k, k * torch.from_numpy(n["r"])
                leak = k * torch.from_numpy(n["v_leak"])
                v = state.get(name, torch.from_numpy(n["v_reset"]).expand_as(x))
                v = decay * v + gain * x + leak
                o = v > torch.from_numpy(n["v_threshold"])
                state[name] = torch.where(o, torch.from_numpy(n["v_reset"]), v)
                spikes.setdefault(name, []).append(o)
                x = o.float()
            elif n["type"] == "Flatten":
                assert tuple(n["input_type"]) == tuple(x.shape[1:])
                x = x.flatten(1)
            elif n["type"] == "Affine":
                x = F.linear(x, torch.from_numpy(n["weight"]), torch.from_numpy(n["bias"]))
            else:
                raise AssertionError(f"unexpected node type {n['type']}")
        out_sum = out_sum + x
    return {k: torch.stack(v) for k, v in spikes.items()}, out_sum


def params_from_nodes(nodes, order, beta, theta, timesteps):
    """The same network in the exporter's parameter form, for model.folded_forward."""
    convs = [{"weight": torch.from_numpy(nodes[n]["weight"]),
              "bias": torch.from_numpy(nodes[n]["bias"]),
              "stride": int(nodes[n]["stride"][0]), "padding": int(nodes[n]["padding"][0])}
             for n in order if nodes[n]["type"] == "Conv2d"]
    return {"convs": convs, "fc_weight": torch.from_numpy(nodes["fc"]["weight"]),
            "fc_bias": torch.from_numpy(nodes["fc"]["bias"]), "beta": beta, "theta": theta,
            "timesteps": timesteps}


def check_layout(path, meta):
    """Structure, dtypes and shapes as NIR writes them; LIF equivalent to the training
    update. Returns (nodes, order)."""
    version, nodes, edges = read_nir(path)
    assert version.count(".") == 2
    order = chain(edges)
    lifs = [n for n in order if nodes[n]["type"] == "LIF"]
    assert order[:3] == ["input", "conv1", "lif1"] and order[-3:] == ["flatten", "fc", "output"]
    assert lifs == [f"lif{i + 1}" for i in range(len(lifs))]
    for name in order:
        n = nodes[name]
        assert REQUIRED[n["type"]] <= set(n), f"{name} lacks {REQUIRED[n['type']] - set(n)}"
    assert nodes["input"]["shape"].dtype == np.int64
    assert nodes["input"]["shape"].tolist() == [1, 28, 28]
    assert nodes["output"]["shape"].tolist() == [10]
    dt, beta, theta = meta["dt"], meta["beta"], meta["theta"]
    shape = (1, 28, 28)
    for name in order:
        n = nodes[name]
        if n["type"] == "Conv2d":
            assert n["weight"].dtype == np.float32 and n["bias"].dtype == np.float32
            assert n["weight"].shape[1] == shape[0]
            assert n["input_shape"].tolist() == list(shape[1:])
            for k in ("stride", "padding", "dilation", "input_shape"):
                assert n[k].dtype == np.int64 and n[k].shape == (2,)
            s, p = n["stride"], n["padding"]
            kh, kw = n["weight"].shape[2:]
            shape = (n["weight"].shape[0], (shape[1] + 2 * p[0] - kh) // s[0] + 1,
                     (shape[2] + 2 * p[1] - kw) // s[1] + 1)
        elif n["type"] == "LIF":
            for k in REQUIRED["LIF"]:
                assert n[k].dtype == np.float32 and n[k].shape == shape, (name, k)
            k = np.float32(dt) / n["tau"]
            assert np.all(1 - k == np.float32(beta)), "dt/tau must be exactly 1 - beta"
            assert np.all(k * n["r"] == 1), "(dt/tau) * r must be exactly 1"
            assert np.all(n["v_leak"] == 0) and np.all(n["v_reset"] == 0)
            assert np.all(n["v_threshold"] == np.float32(theta))
        elif n["type"] == "Flatten":
            assert n["input_type"].tolist() == list(shape)
            assert int(n["start_dim"]) == 0 and int(n["end_dim"]) == -1
    assert nodes["fc"]["weight"].shape == (10, int(np.prod(shape)))
    return nodes, order


# Output sums are float32 dot products whose summation order belongs to the BLAS
# (the reference one adds left to right; OpenBLAS and others block and vectorize), so
# the last bits differ between machines: up to 4e-5 on these sums. They are checked
# against the exact value instead, computed here in float64 from the same spikes and
# weights. The sum over T steps of the classifier, sum_t (sum_i W[k,i] x_t[i] + b[k]),
# is one sum of n terms; float32 evaluation in any order (any tree of roundings, FMA
# or not) is within gamma_n * sum|terms| of the exact sum, gamma_n = n u / (1 - n u),
# u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., 3.1).
# An exact zero term (no spike) adds no rounding, so n counts the nonzero products plus
# one bias per step. The float64 value is itself within gamma_n(2^-53) * sum|terms|.
# Spikes, which are 0/1 and so exact, and predictions are compared exactly: on the
# shipped models the bound is at most 0.034 and the top two outputs are at least 0.43
# apart, so no correct BLAS changes an argmax.
U32, U64 = 2.0**-24, 2.0**-53


def gamma(n, u):
    assert np.all(n * u < 1)
    return n * u / (1 - n * u)


def exact_output_sum(nodes, last_spikes):
    """The classifier's output summed over T, in float64 from the spikes [T, B, ...] it
    reads, and the bound on any float32 evaluation's distance from it: ([B, 10], [B, 10])."""
    x = last_spikes.flatten(2).double().numpy()                  # [T, B, n]
    w, b = nodes["fc"]["weight"].astype(np.float64), nodes["fc"]["bias"].astype(np.float64)
    exact = (x @ w.T + b).sum(0)
    magnitude = (np.abs(x) @ np.abs(w).T + np.abs(b)).sum(0)    # sum |terms|
    terms = ((x != 0) @ (w != 0).T.astype(np.float64) + 1).sum(0)
    return exact, (gamma(terms, U32) + gamma(terms, U64)) * magnitude


def check_output_sum(name, got, exact, bound):
    err = np.abs(np.asarray(got, np.float64) - exact)
    assert np.all(err <= bound), (f"{name}: |output_sum - exact| up to {err.max():.3g}, "
                                  f"float32 bound {bound.min():.3g}..{bound.max():.3g}")


def check_reproduces(nir_path, meta, ref, images):
    """Simulated from the file == PyTorch deployed forward == stored reference."""
    nodes, order = check_layout(nir_path, meta)
    T = meta["timesteps"]
    spikes, out_sum = simulate(nodes, order, images, T, meta["dt"])
    params = params_from_nodes(nodes, order, meta["beta"], meta["theta"], T)
    torch_run = folded_forward(params, images, T, record=True)
    names = [str(n) for n in ref["layer_names"]]
    assert names == [n for n in order if nodes[n]["type"] == "LIF"]
    for i, name in enumerate(names):
        assert torch.equal(spikes[name].to(torch.uint8), torch_run["spikes"][i]), name
        counts = spikes[name].flatten(2).sum(2).T.numpy()  # [B, T]
        assert np.array_equal(counts, ref["spikes_per_step"][:, :, i]), name
    assert order[-4] == names[-1]  # the classifier reads the last LIF layer
    exact, bound = exact_output_sum(nodes, spikes[names[-1]])
    check_output_sum("read back from NIR", out_sum.numpy(), exact, bound)
    check_output_sum("PyTorch forward", torch_run["output_sum"].numpy(), exact, bound)
    check_output_sum("stored reference", ref["output_sum"], exact, bound)
    assert np.array_equal(out_sum.argmax(1).numpy(), ref["pred"])
    assert np.array_equal(torch_run["output_sum"].argmax(1).numpy(), ref["pred"])


def load_ref(prefix):
    with open(prefix + ".json") as f:
        meta = json.load(f)
    ref = dict(np.load(prefix + "_ref100.npz"))
    return meta, ref


@pytest.fixture(scope="module")
def test_images():
    images, labels = fmnist.load("test")
    return torch.from_numpy(images[:100].copy()).unsqueeze(1).float() / 255.0, labels[:100]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_model(name, test_images):
    prefix = os.path.join(MODELS, name)
    meta, ref = load_ref(prefix)
    assert JSON_KEYS <= set(meta)
    assert set(ref) == NPZ_KEYS
    assert os.path.getsize(prefix + ".nir") < 5 * 2**20
    assert meta["timesteps"] == 4 and meta["dt"] == 1e-3 and meta["test_images"] == 10000
    assert meta["accuracy"] >= SHIPPED[name]
    assert (meta["rmp_lambda"] > 0) == name.endswith("_rmp")
    images, labels = test_images
    assert ref["indices"].dtype == np.int64 and ref["indices"].tolist() == list(range(100))
    assert np.array_equal(ref["labels"], labels)
    assert ref["spikes_per_step"].dtype == np.int64
    assert ref["spikes_per_step"].shape == (100, 4, len(ref["layer_names"]))
    assert ref["output_sum"].dtype == np.float32 and ref["output_sum"].shape == (100, 10)
    assert ref["pred"].dtype == np.int64 and ref["layer_names"].dtype.kind == "U"
    check_reproduces(prefix + ".nir", meta, ref, images)


def float32_output_sum(nodes, last_spikes, lanes, reverse):
    """The classifier's output summed over T in float32, products added in `lanes`
    interleaved partial sums (as SIMD BLAS kernels do), in reverse order if asked, the
    lanes then added pairwise."""
    x = last_spikes.flatten(2).numpy().astype(np.float32)        # [T, B, n]
    w, b = nodes["fc"]["weight"], nodes["fc"]["bias"]
    n = w.shape[1]
    assert n % lanes == 0
    acc = np.zeros(x.shape[:2] + (w.shape[0], lanes), np.float32)
    starts = range(0, n, lanes)
    for j in (reversed(starts) if reverse else starts):
        acc += x[:, :, None, j:j + lanes] * w[None, None, :, j:j + lanes]
    while acc.shape[-1] > 1:
        acc = acc[..., 0::2] + acc[..., 1::2]
    out = np.zeros(acc.shape[1:3], np.float32)
    for step in acc[..., 0] + b:
        out += step
    return out


def test_output_sum_bound_holds_for_other_summation_orders(test_images):
    """What another BLAS does to the output sums: other float32 orders stay within the
    derived bound of the exact sum (the old rtol = atol = 1e-6 against the stored
    reference does not hold for them: 6.5e-5 measured for the reversed order)."""
    prefix = os.path.join(MODELS, "fmnist_snn_t4")
    meta, ref = load_ref(prefix)
    nodes, order = check_layout(prefix + ".nir", meta)
    spikes, _ = simulate(nodes, order, test_images[0], meta["timesteps"], meta["dt"])
    last = spikes[order[-4]]
    exact, bound = exact_output_sum(nodes, last)
    for lanes, reverse in ((1, False), (1, True), (8, False), (8, True)):
        got = float32_output_sum(nodes, last, lanes, reverse)
        check_output_sum(f"{lanes} lanes, reverse={reverse}", got, exact, bound)
        assert np.array_equal(got.argmax(1), ref["pred"])
