#!/usr/bin/python3
"""The PyTorch side of scripts/bench_vs_pytorch: a NIR spiking network run on the CPU.

Reads the NIR file with h5py alone, walks its graph from the Input node along the edges,
and runs Fashion-MNIST test images through it in batches. Neuron arithmetic is NIR's
forward Euler in float32:

    v = v + dt/tau * ((v_leak - v) + r * I);  spike if v > v_threshold;  then v = v_reset

When a layer's parameters are uniform with v_leak = v_reset = 0 and r = tau/dt (the
shipped models), it runs the training form instead, as a PyTorch user would write it:
v = beta * v * (1 - o_prev) + I, beta = 1 - dt/tau. The two can differ in the last
bit (nmsim computes the Euler form), so a neuron sitting within rounding of the
threshold may flip; --lif euler forces the literal form.

Prints one JSON object: accuracy, wall times, synaptic events counted as nmsim counts
them (one per synapse of each spike, zero weights included), spikes per layer.
"""
import argparse
import json
import os
import sys
import time

T_START = time.perf_counter()

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "workloads", "python"))
import fmnist  # noqa: E402


def _text(x):
    if isinstance(x, bytes):
        return x.decode()
    if isinstance(x, np.ndarray):
        return _text(x[()])
    return str(x)


def read_nir(path):
    """(nodes {name: {"type": str, param: np.ndarray}}, edges [(src, dst)])."""
    with h5py.File(path, "r") as f:
        g = f["node"]
        nodes = {}
        for name, grp in g["nodes"].items():
            if not isinstance(grp, h5py.Group):
                continue
            node = {"type": _text(grp["type"][()])}
            for key, ds in grp.items():
                if key != "type" and isinstance(ds, h5py.Dataset):
                    node[key] = ds[()]
            nodes[name] = node
        edges = [(_text(a), _text(b)) for a, b in g["edges"][()]]
    return nodes, edges


def topo_order(nodes, edges):
    """Node names from the Input node(s) on, each after all of its predecessors."""
    preds = {n: [] for n in nodes}
    succs = {n: [] for n in nodes}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise ValueError(f"edge {a}->{b} names a node that is not in the graph")
        preds[b].append(a)
        succs[a].append(b)
    ready = [n for n in nodes if nodes[n]["type"] == "Input"]
    if len(ready) != 1:
        raise ValueError(f"expected one Input node, found {len(ready)}")
    order, waiting = [], {n: len(p) for n, p in preds.items()}
    while ready:
        n = ready.pop(0)
        order.append(n)
        for s in succs[n]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    unreached = [n for n in nodes if n not in order]
    if unreached:
        raise ValueError(f"nodes not reachable from the input or in a cycle: {unreached}")
    return order, preds


class NirSnn:
    """A NIR graph as per-timestep torch ops (no autograd, float32, batch first)."""

    SPIKING = {"LIF", "IF"}

    def __init__(self, path, dt, lif_form="auto"):
        self.lif_form = lif_form
        nodes, edges = read_nir(path)
        self.order, self.preds = topo_order(nodes, edges)
        self.nodes, self.ops, self.fanout = nodes, {}, {}
        for name in self.order:
            self.ops[name] = self._compile(name, nodes[name], dt)
        outs = [n for n in self.order if nodes[n]["type"] == "Output"]
        if len(outs) != 1:
            raise ValueError(f"expected one Output node, found {len(outs)}")
        self.output = outs[0]
        self.spiking = [n for n in self.order if nodes[n]["type"] in self.SPIKING]
        # Nodes whose value is the same at every timestep (the input is presented
        # unchanged, direct encoding): computed once per batch, not T times.
        self.static = set()
        for n in self.order:
            t = nodes[n]["type"]
            if t == "Input" or (t in ("Conv2d", "Affine", "Linear", "Flatten") and
                                all(p in self.static for p in self.preds[n])):
                self.static.add(n)
        self._synapse_counts(nodes)

    def _compile(self, name, p, dt):
        t = p["type"]
        f32 = lambda k: torch.from_numpy(np.ascontiguousarray(p[k], dtype=np.float32))  # noqa
        if t in ("Input", "Output"):
            return ("id",)
        if t == "Conv2d":
            pad = p["padding"]
            if isinstance(pad, (bytes, str)):
                raise ValueError(f"{name}: string padding {pad!r} not supported")
            bias = f32("bias") if "bias" in p else None
            return ("conv", f32("weight"), bias, tuple(int(s) for s in p["stride"]),
                    tuple(int(s) for s in pad), tuple(int(s) for s in p["dilation"]),
                    int(p["groups"]))
        if t in ("Affine", "Linear"):
            return ("linear", f32("weight"), f32("bias") if t == "Affine" else None)
        if t == "Flatten":
            # NIR dims exclude the batch dimension.
            start, end = int(p["start_dim"]), int(p["end_dim"])
            return ("flatten", start + 1 if start >= 0 else start,
                    end + 1 if end >= 0 else end)
        if t in ("LIF", "IF"):
            zeros = lambda: torch.zeros(p["v_threshold"].shape)  # noqa
            r = f32("r")
            if t == "LIF":
                # dt/tau rounded once to float32 from double, as nmsim does.
                a = torch.from_numpy((dt / p["tau"].astype(np.float64)).astype(np.float32))
                v_leak = f32("v_leak") if "v_leak" in p else zeros()
            else:
                a, v_leak = None, zeros()
            v_reset = f32("v_reset") if "v_reset" in p else zeros()
            v_th = f32("v_threshold")
            beta = self._training_form(a, r, v_leak, v_th, v_reset)
            if beta is not None:
                return ("beta_lif", beta, float(v_th.flatten()[0]))
            return ("lif", a, r, v_leak, v_th, v_reset)
        raise ValueError(f"{name}: NIR node type {t} not supported by this benchmark")

    def _training_form(self, a, r, v_leak, v_th, v_reset):
        """beta if the layer can run as v = beta * v + I (see the module doc)."""
        if self.lif_form == "euler" or a is None:
            return None
        uniform = all(bool((t == t.flatten()[0]).all()) for t in (a, r, v_th))
        if not uniform or bool(v_leak.any()) or bool(v_reset.any()):
            return None
        a0, r0 = float(a.flatten()[0]), float(r.flatten()[0])
        if abs(a0 * r0 - 1.0) > 1e-6:
            return None
        return 1.0 - a0

    def _synapse_counts(self, nodes):
        """Per spiking node: synapses per neuron (its fan-out), [C, H, W] or [N]."""
        shapes = {}
        inp = [n for n in self.order if nodes[n]["type"] == "Input"][0]
        shapes[inp] = tuple(int(s) for s in nodes[inp]["shape"])
        x = {inp: torch.zeros((1,) + shapes[inp])}
        with torch.no_grad():
            for n in self.order[1:]:
                x[n] = self._apply(n, sum(x[p] for p in self.preds[n]), {}, first=True)
        for n in self.spiking:
            ones = torch.ones_like(x[n], requires_grad=True)
            total = 0
            for s in self._succ_projections(n):
                op = self.ops[s]
                if op[0] == "conv":
                    w = torch.ones_like(op[1])
                    y = F.conv2d(ones, w, None, op[3], op[4], op[5], op[6])
                else:
                    src = ones
                    if self._flatten_between(n, s):
                        src = ones.flatten(1)
                    y = F.linear(src, torch.ones_like(op[1]))
                total = total + y.sum()
            if isinstance(total, int):
                self.fanout[n] = torch.zeros(x[n].shape[1:])
                continue
            (g,) = torch.autograd.grad(total, ones)
            self.fanout[n] = g[0].detach()

    def _succ_projections(self, n):
        """Weighted nodes reached from n through Flatten nodes only."""
        found, stack = [], [n]
        while stack:
            m = stack.pop()
            for a, b in ((a, b) for b, ps in self.preds.items() for a in ps):
                if a != m:
                    continue
                t = self.nodes[b]["type"]
                if t == "Flatten":
                    stack.append(b)
                elif t in ("Conv2d", "Affine", "Linear"):
                    found.append(b)
        return found

    def _flatten_between(self, n, s):
        return any(self.nodes[p]["type"] == "Flatten" for p in self.preds[s])

    def _apply(self, n, x, state, first=False):
        op = self.ops[n]
        kind = op[0]
        if kind == "id":
            return x
        if kind == "conv":
            return F.conv2d(x, op[1], op[2], op[3], op[4], op[5], op[6])
        if kind == "linear":
            return F.linear(x, op[1], op[2])
        if kind == "flatten":
            return x.flatten(op[1], op[2])
        if first:
            return torch.zeros_like(x)
        if kind == "beta_lif":
            _, beta, th = op
            v = state.get(n)
            v = x.clone() if v is None else v.mul_(beta).add_(x)
            o = v > th
            state[n] = v.masked_fill_(o, 0.0)
            return o.to(torch.float32)
        _, a, r, v_leak, v_th, v_reset = op
        v = state.get(n)
        if v is None:
            v = v_leak.expand_as(x).clone()
        if a is None:
            v = v + r * x
        else:
            v = v + a * ((v_leak - v) + r * x)
        o = v > v_th
        state[n] = torch.where(o, v_reset, v)
        return o.to(torch.float32)

    @torch.no_grad()
    def run(self, images, timesteps, counts):
        """images float32 [B, C, H, W]; returns the Output node's value summed over T.
        counts[name] accumulates spikes per neuron over batch and time."""
        state, static = {}, {}
        out_sum = None
        for _ in range(timesteps):
            val = {}
            for n in self.order:
                if n in static:
                    val[n] = static[n]
                    continue
                if self.nodes[n]["type"] == "Input":
                    x = images
                else:
                    ins = [val[p] for p in self.preds[n]]
                    x = ins[0] if len(ins) == 1 else sum(ins)
                val[n] = self._apply(n, x, state)
                if n in self.static:
                    static[n] = val[n]
                if n in counts:
                    counts[n] += val[n].sum(0)
            y = val[self.output]
            out_sum = y if out_sum is None else out_sum + y
        return out_sum


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--timesteps", type=int, default=4)
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lif", choices=["auto", "euler"], default="auto",
                    help="auto: training form beta*v+I where exact up to rounding")
    ap.add_argument("--predictions", help="write predictions here (.npy)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    t_load = time.perf_counter()
    net = NirSnn(a.model, a.dt, a.lif)
    images, labels = fmnist.load("test")
    if not 0 < a.samples <= len(images):
        raise ValueError(f"--samples must be in 1..{len(images)}")
    x = torch.from_numpy(images[:a.samples].copy()).to(torch.float32).div_(255.0)
    x = x.unsqueeze(1)  # [N, 1, 28, 28]
    y = labels[:a.samples]
    t_fwd = time.perf_counter()

    counts = {n: torch.zeros(net.fanout[n].shape) for n in net.spiking}
    preds = []
    for part in x.split(a.batch):
        preds.append(net.run(part, a.timesteps, counts).argmax(1))
    pred = torch.cat(preds).numpy()
    t_end = time.perf_counter()

    spikes = {n: int(c.sum().item()) for n, c in counts.items()}
    synops = int(sum((counts[n].double() * net.fanout[n].double()).sum().item()
                     for n in net.spiking))
    if a.predictions:
        np.save(a.predictions, pred.astype(np.int64))
    print(json.dumps({
        "accuracy": float((pred == y).mean()),
        "forward_s": t_end - t_fwd,
        "load_s": t_fwd - t_load,
        "in_process_s": t_end - T_START,
        "synops": synops,
        "spikes": spikes,
        "batch": a.batch,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "lif_forms": sorted({net.ops[n][0] for n in net.spiking}),
    }))


if __name__ == "__main__":
    try:
        main()
    except (ValueError, OSError, KeyError) as e:
        print(f"torch_snn.py: error: {e}", file=sys.stderr)
        sys.exit(1)
