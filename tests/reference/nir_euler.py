#!/usr/bin/python3
"""Independent forward-Euler evaluator of NIR graphs, the reference nmsim is checked against.

Written from the NIR file format and the semantics nmsim documents (README.md next to this
file lists them); it shares no code with nmsim and never reads nmsim's outputs.

    g = read_nir("model.nir")
    res = evaluate(g, x, dt=1e-3, layer_delay=0, reset="to_reset")   # x: [T, *input_shape]
    res["lif1"]["spikes"]   # uint8 [T, *shape]
    res["lif1"]["v"]        # float32 [T, *shape], after the reset

Arithmetic:
  - Linear nodes (Affine, Linear, Scale, Conv1d/2d, pools, Flatten, Delay) run in float64
    on float64 copies of the parameters as stored in the file; the summed input current
    of a population is rounded once to float32.
  - Neuron state, parameters and updates are float32, every operation rounded to float32
    in the order written below; dt/tau is computed in float64 from the float32 tau and
    rounded once to float32.

Command line (prints spike counts per population):
    /usr/bin/python3 nir_euler.py MODEL.nir INPUT.npy --dt 1e-3 [--layer-delay 0|1]
"""
import argparse
import sys
from collections import defaultdict

import h5py
import numpy as np

NEURONS = {"IF", "LIF", "LI", "CubaLIF", "CubaLI", "I", "Threshold"}
SPIKING = {"IF", "LIF", "CubaLIF", "Threshold"}
LINEAR = {"Affine", "Linear", "Scale", "Conv1d", "Conv2d", "Flatten", "SumPool2d",
          "AvgPool2d", "Delay", "PassThrough"}
F32 = np.float32


class NirError(Exception):
    """The file is not a graph this evaluator can run."""


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf8")
    if isinstance(v, np.ndarray) and v.dtype.kind in "SO" and v.size == 1:
        return _text(v.reshape(-1)[0])
    return v if isinstance(v, str) else None


class Graph:
    """A flattened NIR graph: nodes[name] = (type, {param: value}), edges in file order."""

    def __init__(self):
        self.nodes = {}
        self.edges = []
        self.input = None

    def type(self, n):
        return self.nodes[n][0]

    def p(self, n, key, default=None):
        return self.nodes[n][1].get(key, default)


def read_nir(path):
    """Reads a NIR HDF5 file. Nested NIRGraph nodes are flattened: an inner node is named
    "outer.inner"; the inner graph's Input/Output nodes become pass-throughs, and an edge
    naming the subgraph itself goes to its Input nodes (as destination) or from its Output
    nodes (as source). Edges are kept in file order, a subgraph's edges before those of
    the graph containing it (the subgraph is read when its node is met)."""
    g = Graph()
    ports = {}

    def read_graph(grp, prefix, depth):
        ins, outs = [], []
        for name in grp["nodes"]:                 # h5py lists members by name
            ng = grp["nodes"][name]
            full = prefix + name
            t = _text(ng["type"][()])
            if t == "NIRGraph":
                ports[full] = read_graph(ng, full + ".", depth + 1)
                continue
            params = {}
            for k in ng:
                if k == "type" or not isinstance(ng[k], h5py.Dataset):
                    continue
                v = ng[k][()]
                s = _text(v)
                params[k] = s if s is not None else np.asarray(v)
            if depth > 0 and t in ("Input", "Output"):
                (ins if t == "Input" else outs).append(full)
                t = "PassThrough"
            g.nodes[full] = (t, params)
        if "edges" in grp:
            e = grp["edges"][()]
            for a, b in np.asarray(e).reshape(-1, 2) if np.size(e) else []:
                a, b = prefix + _text(a), prefix + _text(b)
                srcs = ports[a][1] if a in ports else [a]
                dsts = ports[b][0] if b in ports else [b]
                for s in srcs:
                    for d in dsts:
                        if s not in g.nodes or d not in g.nodes:
                            raise NirError(f"edge {a} -> {b}: no such node")
                        g.edges.append((s, d))
        return ins, outs

    with h5py.File(path, "r") as f:
        root = f["node"]
        if _text(root["type"][()]) != "NIRGraph":
            raise NirError("root node is not a NIRGraph")
        read_graph(root, "", 0)
    inputs = [n for n, (t, _) in g.nodes.items() if t == "Input"]
    if len(inputs) != 1:
        raise NirError(f"{len(inputs)} Input nodes, want 1")
    g.input = inputs[0]
    for n, (t, _) in g.nodes.items():
        if t not in NEURONS | LINEAR | {"Input", "Output"}:
            raise NirError(f"node {n}: unsupported type {t}")
    return g


# ----------------------------------------------------------------------------- structure

def back_edges(g):
    """Indices of the edges that close a cycle in a depth-first walk from the Input that
    follows each node's outgoing edges in file order."""
    out = defaultdict(list)
    for i, (a, _) in enumerate(g.edges):
        out[a].append(i)
    state = {g.input: 1}          # 1 on the stack, 2 done
    back = set()
    stack = [(g.input, iter(out[g.input]))]
    while stack:
        n, it = stack[-1]
        e = next(it, None)
        if e is None:
            state[n] = 2
            stack.pop()
            continue
        d = g.edges[e][1]
        if state.get(d) == 1:
            back.add(e)
        elif d not in state:
            state[d] = 1
            stack.append((d, iter(out[d])))
    missing = [n for n in g.nodes if n not in state]
    if missing:
        raise NirError(f"nodes not reachable from the Input: {missing}")
    return back


def topo_order(g, back):
    """Kahn's algorithm over the forward edges (ties: the order nodes were first met in a
    breadth-first sense; any topological order gives the same results)."""
    indeg = {n: 0 for n in g.nodes}
    succ = defaultdict(list)
    for i, (a, b) in enumerate(g.edges):
        if i not in back:
            indeg[b] += 1
            succ[a].append(b)
    ready = [n for n in g.nodes if indeg[n] == 0]
    order = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for d in succ[n]:
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    if len(order) != len(g.nodes):
        raise NirError("cycle without a back edge")
    return order


def is_population(g, n):
    return g.type(n) in NEURONS or g.type(n) in ("Input", "Output")


# ----------------------------------------------------------------------------- linear ops

def _ints(v, n):
    """An int or a sequence of n ints (NIR stores both)."""
    a = np.asarray(v).reshape(-1).astype(np.int64)
    if a.size == 1:
        return [int(a[0])] * n
    if a.size != n:
        raise NirError(f"expected {n} integers, got {a.tolist()}")
    return [int(x) for x in a]


def _conv_padding(pad, k, dil, stride, n):
    """(left, right) zero padding per spatial dim, as PyTorch's conv."""
    if isinstance(pad, str):
        if pad == "valid":
            return [(0, 0)] * n
        if pad == "same":
            if any(s != 1 for s in stride):
                raise NirError("padding 'same' needs stride 1")
            tot = [d * (kk - 1) for d, kk in zip(dil, k)]
            return [(t // 2, t - t // 2) for t in tot]   # PyTorch puts the odd one right
        raise NirError(f"padding {pad!r}")
    p = _ints(0 if pad is None else pad, n)
    return [(x, x) for x in p]


def conv_nd(x, w, bias, stride, pad, dil, groups):
    """PyTorch-style cross-correlation of x (C, *spatial) with w (Cout, C/groups, *k),
    float64, by explicit loops over the kernel taps."""
    n = w.ndim - 2
    C = x.shape[0]
    cout, cin_g = w.shape[0], w.shape[1]
    k = w.shape[2:]
    if C != cin_g * groups or cout % groups:
        raise NirError(f"conv: input channels {C}, weight {w.shape}, groups {groups}")
    xp = np.pad(x, [(0, 0)] + list(pad))
    out_sz = [(xp.shape[1 + d] - dil[d] * (k[d] - 1) - 1) // stride[d] + 1 for d in range(n)]
    if min(out_sz) < 1:
        raise NirError("conv: kernel larger than the padded input")
    y = np.zeros([cout] + out_sz)
    cout_g = cout // groups
    for gi in range(groups):
        xs = xp[gi * cin_g:(gi + 1) * cin_g]
        ws = w[gi * cout_g:(gi + 1) * cout_g]
        for tap in np.ndindex(*k):
            sl = tuple(slice(tap[d] * dil[d], tap[d] * dil[d] + stride[d] * (out_sz[d] - 1) + 1,
                             stride[d]) for d in range(n))
            patch = xs[(slice(None),) + sl]                       # (cin_g, *out)
            wt = ws[(slice(None), slice(None)) + tap]             # (cout_g, cin_g)
            y[gi * cout_g:(gi + 1) * cout_g] += np.tensordot(wt, patch, axes=(1, 0))
    if bias is not None:
        y += np.asarray(bias, np.float64).reshape([-1] + [1] * n)
    return y


def pool2d(x, k, s, p, avg):
    C, H, W = x.shape
    xp = np.pad(x, [(0, 0), (p[0], p[0]), (p[1], p[1])])
    Ho = (H + 2 * p[0] - k[0]) // s[0] + 1
    Wo = (W + 2 * p[1] - k[1]) // s[1] + 1
    y = np.zeros((C, Ho, Wo))
    for a in range(k[0]):
        for b in range(k[1]):
            y += xp[:, a:a + s[0] * (Ho - 1) + 1:s[0], b:b + s[1] * (Wo - 1) + 1:s[1]]
    return y / (k[0] * k[1]) if avg else y


def delay_steps(delay, dt, name="Delay"):
    """Delay (seconds) as whole steps of dt; NirError when it is not a whole number
    (relative tolerance 1e-4: float32-stored delays like 1e-3 are not exact multiples)."""
    r = np.asarray(delay, np.float64) / dt
    steps = np.rint(r)
    if not np.all(np.isfinite(r)) or np.any(np.abs(r - steps) > 1e-4 * np.maximum(1.0, steps)) \
            or np.any(steps < 0):
        raise NirError(f"{name}: delay {np.asarray(delay).tolist()} s is not a whole number of "
                       f"dt = {dt} s steps")
    return steps.astype(np.int64)


class Linear:
    """One linear node with its geometry: y = op(x), x of shape `in_shape`."""

    def __init__(self, g, n, in_shape, dt):
        self.name, self.t = n, g.type(n)
        self.in_shape = tuple(in_shape)
        t, p = self.t, (lambda k, d=None: g.p(n, k, d))
        f64 = lambda a: None if a is None else np.asarray(a, np.float64)
        if t in ("Affine", "Linear"):
            self.w = f64(p("weight"))
            self.b = f64(p("bias")) if t == "Affine" else None
            if self.w.ndim != 2 or self.in_shape[-1] != self.w.shape[1]:
                raise NirError(f"{n}: weight {self.w.shape} for input {self.in_shape}")
            self.out_shape = self.in_shape[:-1] + (self.w.shape[0],)
        elif t == "Scale":
            self.w = f64(p("scale"))
            self.out_shape = self.in_shape
        elif t in ("Conv1d", "Conv2d"):
            nd = 1 if t == "Conv1d" else 2
            self.w = f64(p("weight"))
            self.b = f64(p("bias"))
            k = self.w.shape[2:]
            self.stride = _ints(p("stride", 1), nd)
            self.dil = _ints(p("dilation", 1), nd)
            self.groups = int(np.asarray(p("groups", 1)).reshape(-1)[0])
            self.pad = _conv_padding(p("padding", 0), k, self.dil, self.stride, nd)
            self.out_shape = conv_nd(np.zeros(self.in_shape), self.w, None, self.stride,
                                     self.pad, self.dil, self.groups).shape
        elif t in ("SumPool2d", "AvgPool2d"):
            self.k = _ints(p("kernel_size"), 2)
            self.s = _ints(p("stride"), 2)
            self.pd = _ints(p("padding", 0), 2)
            self.out_shape = pool2d(np.zeros(self.in_shape), self.k, self.s, self.pd,
                                    False).shape
        elif t == "Flatten":
            r = len(self.in_shape)
            s = int(np.asarray(p("start_dim", 1)).reshape(-1)[0])
            e = int(np.asarray(p("end_dim", -1)).reshape(-1)[0])
            s, e = s + r if s < 0 else s, e + r if e < 0 else e
            if not 0 <= s <= e < r:
                raise NirError(f"{n}: start_dim/end_dim do not fit {self.in_shape}")
            self.out_shape = (self.in_shape[:s] + (int(np.prod(self.in_shape[s:e + 1])),)
                              + self.in_shape[e + 1:])
        elif t == "Delay":
            self.steps = np.broadcast_to(delay_steps(p("delay"), dt, n), self.in_shape)
            self.out_shape = self.in_shape
        elif t == "PassThrough":
            self.out_shape = self.in_shape
        else:
            raise NirError(f"{n}: {t} is not linear")
        self.out_shape = tuple(int(d) for d in self.out_shape)

    def __call__(self, x):
        t = self.t
        if t in ("Affine", "Linear"):
            y = x @ self.w.T
            return y + self.b if self.b is not None else y
        if t == "Scale":
            return x * self.w
        if t in ("Conv1d", "Conv2d"):
            return conv_nd(x, self.w, self.b, self.stride, self.pad, self.dil, self.groups)
        if t in ("SumPool2d", "AvgPool2d"):
            return pool2d(x, self.k, self.s, self.pd, t == "AvgPool2d")
        if t == "Flatten":
            return x.reshape(self.out_shape)
        return x                                   # PassThrough (Delay is handled by time)


# ----------------------------------------------------------------------------- neurons

class Population:
    """State and float32 update of one neuron node (or the Input / Output)."""

    PARAMS = {
        "LIF": ["tau", "r", "v_leak", "v_threshold", "v_reset"],
        "LI": ["tau", "r", "v_leak"],
        "CubaLIF": ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"],
        "CubaLI": ["tau_syn", "tau_mem", "r", "v_leak", "w_in"],
        "IF": ["r", "v_threshold", "v_reset"],
        "I": ["r"],
        "Threshold": ["threshold"],
        "Input": [], "Output": [],
    }
    DEFAULTS = {"v_reset": 0.0, "w_in": 1.0}

    def __init__(self, g, n, shape, dt, reset):
        self.name, self.t, self.shape = n, g.type(n), tuple(shape)
        self.spiking = self.t in SPIKING
        self.reset_mode = reset
        self.q = {}
        for k in self.PARAMS[self.t]:
            v = g.p(n, k, self.DEFAULTS.get(k))
            if v is None:
                raise NirError(f"{n}: missing parameter {k}")
            self.q[k] = np.broadcast_to(np.asarray(v, np.float64).astype(F32), self.shape)
        dt64 = np.float64(dt)
        for tau, a in (("tau", "a"), ("tau_mem", "a"), ("tau_syn", "a_syn")):
            if tau in self.q:
                self.q[a] = (dt64 / self.q[tau].astype(np.float64)).astype(F32)
        leaky = self.t in ("LIF", "LI", "CubaLIF", "CubaLI")
        self.rest = self.q["v_leak"].copy() if leaky else np.zeros(self.shape, F32)
        self.v = self.rest.copy()
        self.i = np.zeros(self.shape, F32)

    def step(self, I):
        """One step on the float32 input current I; returns (spikes bool, v after reset)."""
        q, v, t = self.q, self.v, self.t
        I = I.astype(F32)
        if t in ("LIF", "LI"):
            v = v + q["a"] * ((q["v_leak"] - v) + q["r"] * I)
        elif t in ("CubaLIF", "CubaLI"):
            self.i = self.i + q["a_syn"] * (-self.i + q["w_in"] * I)
            v = v + q["a"] * ((q["v_leak"] - v) + q["r"] * self.i)
        elif t in ("IF", "I"):
            v = v + q["r"] * I
        elif t == "Threshold":
            v = I
            self.v = v
            return I > q["threshold"], v
        else:                                   # Input, Output: value = I
            self.v = I
            return np.zeros(self.shape, bool), I
        s = np.zeros(self.shape, bool)
        if self.spiking:
            s = v > q["v_threshold"]
            if self.reset_mode == "to_reset":
                v = np.where(s, q["v_reset"], v).astype(F32)
            else:
                v = np.where(s, v - q["v_threshold"], v).astype(F32)
        self.v = v
        return s, v


# ----------------------------------------------------------------------------- evaluation

def evaluate(g, x, dt, layer_delay=0, reset="to_reset", back_extra=0):
    """Runs the graph on x [T, *input_shape] from rest. Returns {population name:
    {"type", "spikes" uint8 [T,*shape], "v" float32 [T,*shape] (after the reset),
    "I" float32 [T,*shape] (the summed input current)}} for every population (Input,
    neuron nodes, Output).

    back_extra (diagnosis only, not NIR semantics): extra steps added to every projection
    that crosses a back edge, to recognise a simulator that delivers recurrence late."""
    if layer_delay not in (0, 1) or reset not in ("to_reset", "subtract"):
        raise ValueError("layer_delay 0|1, reset to_reset|subtract")
    x = np.asarray(x, F32)
    T = x.shape[0]
    back = back_edges(g)
    order = topo_order(g, back)
    ins = defaultdict(list)                       # node -> [(src, is_back)]
    for i, (a, b) in enumerate(g.edges):
        ins[b].append((a, i in back))

    # Shapes along the forward edges.
    shape, lin, pops = {}, {}, {}
    in_shape = tuple(int(d) for d in np.asarray(g.p(g.input, "shape",
                                                    g.p(g.input, "input_type"))).reshape(-1))
    if x.shape[1:] != in_shape:
        raise NirError(f"input is {x.shape}, want [T, {in_shape}]")
    for n in order:
        t = g.type(n)
        if n == g.input:
            shape[n] = in_shape
            pops[n] = Population(g, n, in_shape, dt, reset)
            continue
        fwd = [shape[a] for a, b in ins[n] if not b]
        if any(s != fwd[0] for s in fwd):
            raise NirError(f"{n}: inputs differ in shape {fwd}")
        if t in LINEAR:
            lin[n] = Linear(g, n, fwd[0], dt)
            shape[n] = lin[n].out_shape
        else:
            shape[n] = fwd[0]
            pops[n] = Population(g, n, fwd[0], dt, reset)
    for n in g.nodes:                            # back edges carry the same shape
        want = lin[n].in_shape if n in lin else shape[n]
        for a, b in ins[n]:
            if b and shape[a] != want:
                raise NirError(f"{n}: recurrent input {a} has shape {shape[a]}, want {want}")
    pop_order = [n for n in order if n in pops]

    sent = {n: np.zeros((T,) + shape[n], np.float64) for n in pops}
    done = {n: -1 for n in pops}                  # last step evaluated
    res = {n: {"type": g.type(n), "spikes": np.zeros((T,) + shape[n], np.uint8),
               "v": np.zeros((T,) + shape[n], F32), "I": np.zeros((T,) + shape[n], F32)}
           for n in pops}

    def value(n, t, crossed_back, shifted):
        """Output of node n at step t (explicit delays already subtracted) along a path that
        may cross a back edge (crossed_back) and may contain a nonzero Delay (shifted)."""
        if n in pops:
            if n != g.input and layer_delay == 1:
                base = 1
            else:
                base = 1 if (crossed_back and not shifted) else 0
            if crossed_back:
                base += back_extra
            tau = t - base
            if tau < 0 or tau >= T:
                return np.zeros(shape[n])
            if done[n] < tau:
                raise NirError(f"{n} is read at step {tau} before it is evaluated "
                               "(a zero-delay cycle)")
            return sent[n][tau]
        op = lin[n]
        if op.t == "Delay":
            y = np.zeros(shape[n])
            for k in np.unique(op.steps):
                m = op.steps == k
                y[m] = inputs(n, t - int(k), crossed_back, shifted or k > 0)[m]
            return y
        return op(inputs(n, t, crossed_back, shifted))

    def inputs(n, t, crossed_back, shifted):
        tot = None
        for a, b in ins[n]:
            v = value(a, t, crossed_back or b, shifted)
            tot = v if tot is None else tot + v
        return tot

    for t in range(T):
        for n in pop_order:
            p = pops[n]
            I = x[t] if n == g.input else inputs(n, t, False, False)
            I = np.asarray(I).astype(F32)         # the one rounding of the current
            s, v = p.step(I)
            res[n]["I"][t] = I
            res[n]["spikes"][t] = s
            res[n]["v"][t] = v
            sent[n][t] = s.astype(np.float64) if p.spiking else v.astype(np.float64)
            done[n] = t
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("input", help=".npy [T, *input_shape]")
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--layer-delay", type=int, default=0)
    ap.add_argument("--reset", default="to_reset")
    a = ap.parse_args(argv)
    res = evaluate(read_nir(a.model), np.load(a.input), a.dt, a.layer_delay, a.reset)
    for n, r in res.items():
        print(f"{n} ({r['type']}): {int(r['spikes'].sum())} spikes, "
              f"v range [{r['v'].min():.4g}, {r['v'].max():.4g}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
