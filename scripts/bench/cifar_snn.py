#!/usr/bin/python3
"""The RMP-Loss paper's CIFAR-shaped architectures as NIR spiking networks, for
scale benchmarks: VGG-11 and ResNet-19 on 3x32x32 inputs, seeded random weights,
per-layer thresholds calibrated so that each layer fires a target fraction of its
neurons.

  scripts/bench/cifar_snn.py vgg11    --out vgg11.nir    [--seed 0] [--rate 0.15]
  scripts/bench/cifar_snn.py resnet19 --out resnet19.nir [--seed 0] [--rate 0.15]
  scripts/bench/cifar_snn.py resnet19 --out r.nir --inputs x.npy --samples 2 --timesteps 4
  scripts/bench/cifar_snn.py time resnet19.nir --inputs x.npy   # dense PyTorch CPU time

Architectures (the RMP-Loss paper, Guo et al., ICCV 2023, after Zheng et al. 2021):
- VGG-11: conv 64, pool, 128, pool, 256, 256, pool, 512, 512, pool, 512, 512, pool
  (3x3 convs, padding 1; 2x2 average pools folded into the next projection), FC 10.
- ResNet-19: conv 128; stage 1: 3 basic blocks of 128 channels; stage 2: 3 blocks of
  256 (the first with stride 2); stage 3: 2 blocks of 512 (the first with stride 2);
  residual adds through an identity edge, or a 1x1 convolution where the shape
  changes; 8x8 average pool; FC 256; FC 10.
Neurons are NIR LIFs with beta = 0.5 (dt/tau = 0.5, r = tau/dt: v = 0.5 v + I),
reset to 0. Thresholds: for each layer in order, the (1 - rate) quantile of its input
current at t = 0 over the calibration inputs, given the spikes the earlier layers
actually emit — so every layer fires about `rate` of its neurons at the first step.
The calibration inputs are seeded uniform [0, 1) images unless --inputs is given;
they are written next to the model as <out>.inputs.npy, shape [N, T, 3, 32, 32].
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "workloads", "python"))
from nir_export import write_graph  # noqa: E402

BETA = 0.5


def conv_node(w, stride, padding, h, wd):
    return {"type": "Conv2d", "weight": w.astype(np.float32),
            "bias": np.zeros(w.shape[0], np.float32),
            "stride": np.array([stride, stride], np.int64),
            "padding": np.array([padding, padding], np.int64),
            "dilation": np.array([1, 1], np.int64), "groups": np.int64(1),
            "input_shape": np.array([h, wd], np.int64)}


class Builder:
    """Nodes and edges of a NIR graph plus a torch forward for calibration/timing."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes = {"input": {"type": "Input", "shape": np.array([3, 32, 32], np.int64)}}
        self.edges = []
        self.layers = []  # (lif name, [(src pop, [ops])]) in evaluation order
        self.shapes = {"input": (3, 32, 32)}

    def kaiming(self, cout, cin, k):
        std = np.sqrt(2.0 / (cin * k * k))
        return self.rng.normal(0.0, std, size=(cout, cin, k, k)).astype(np.float32)

    def conv(self, name, src, cout, k=3, stride=1, padding=1, pool=False):
        """src -> [avgpool 2] -> conv -> returns (node name of conv, out shape, ops)."""
        c, h, w = self.shapes[src]
        ops, prev = [], src
        if pool:
            self.nodes[name + "_pool"] = {"type": "AvgPool2d",
                                          "kernel_size": np.array([2, 2], np.int64),
                                          "stride": np.array([2, 2], np.int64),
                                          "padding": np.array([0, 0], np.int64)}
            self.edges.append((prev, name + "_pool"))
            prev, h, w = name + "_pool", h // 2, w // 2
            ops.append(("pool", 2))
        wt = self.kaiming(cout, c, k)
        self.nodes[name] = conv_node(wt, stride, padding, h, w)
        self.edges.append((prev, name))
        ops.append(("conv", torch.from_numpy(wt), stride, padding))
        ho, wo = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
        return name, (cout, ho, wo), ops

    def lif(self, name, shape, inputs):
        """A LIF population fed by [(linear node or population, src pop, ops)]."""
        for node, _, _ in inputs:
            self.edges.append((node, name))
        self.shapes[name] = shape
        self.nodes[name] = {"type": "LIF", "shape_": shape}
        self.layers.append((name, [(src, ops) for _, src, ops in inputs]))

    def fc(self, name, src, n_out, pool=None):
        c, h, w = self.shapes[src] if len(self.shapes[src]) == 3 else (self.shapes[src][0], 1, 1)
        ops, prev = [], src
        if pool:
            self.nodes[name + "_pool"] = {"type": "AvgPool2d",
                                          "kernel_size": np.array([pool, pool], np.int64),
                                          "stride": np.array([pool, pool], np.int64),
                                          "padding": np.array([0, 0], np.int64)}
            self.edges.append((prev, name + "_pool"))
            prev, h, w = name + "_pool", h // pool, w // pool
            ops.append(("pool", pool))
        if len(self.shapes[src]) == 3:
            self.nodes[name + "_flat"] = {"type": "Flatten", "start_dim": np.int64(0),
                                          "end_dim": np.int64(-1),
                                          "input_type": np.array([c, h, w], np.int64)}
            self.edges.append((prev, name + "_flat"))
            prev = name + "_flat"
            ops.append(("flatten",))
        n_in = c * h * w
        wt = self.rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)).astype(np.float32)
        self.nodes[name] = {"type": "Affine", "weight": wt, "bias": np.zeros(n_out, np.float32)}
        self.edges.append((prev, name))
        ops.append(("fc", torch.from_numpy(wt)))
        return name, (n_out,), ops


def apply_ops(x, ops):
    for op in ops:
        if op[0] == "pool":
            x = F.avg_pool2d(x, op[1])
        elif op[0] == "conv":
            x = F.conv2d(x, op[1], stride=op[2], padding=op[3])
        elif op[0] == "flatten":
            x = x.flatten(1)
        elif op[0] == "fc":
            x = x @ op[1].T
    return x


def vgg11(b):
    cfg = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    src, pool, k = "input", False, 0
    for v in cfg:
        if v == "M":
            pool = True
            continue
        k += 1
        node, shape, ops = b.conv(f"conv{k}", src, v, pool=pool)
        b.lif(f"lif{k}", shape, [(node, src, ops)])
        src, pool = f"lif{k}", False
    node, shape, ops = b.fc("fc", src, 10, pool=2)
    return node


def resnet19(b):
    node, shape, ops = b.conv("conv1", "input", 128)
    b.lif("lif1", shape, [(node, "input", ops)])
    src = "lif1"
    for s, (ch, blocks) in enumerate([(128, 3), (256, 3), (512, 2)], start=1):
        for k in range(blocks):
            stride = 2 if (s > 1 and k == 0) else 1
            name = f"s{s}b{k + 1}"
            na, sa, oa = b.conv(name + "_conva", src, ch, stride=stride)
            b.lif(name + "_a", sa, [(na, src, oa)])
            nb, sb, ob = b.conv(name + "_convb", name + "_a", ch)
            if stride == 1 and b.shapes[src][0] == ch:
                shortcut = (src, src, [])  # identity edge
            else:
                ns, _, os_ = b.conv(name + "_short", src, ch, k=1, stride=stride, padding=0)
                shortcut = (ns, src, os_)
            b.lif(name + "_b", sb, [(nb, name + "_a", ob), shortcut])
            src = name + "_b"
    node, shape, ops = b.fc("fc1", src, 256, pool=8)
    b.lif("lif_fc1", shape, [(node, src, ops)])
    node, shape, ops = b.fc("fc2", "lif_fc1", 10)
    return node


def calibrate_and_run(b, x, rate, thresholds=None):
    """Runs the network on x [N, T, 3, 32, 32]; sets thresholds (if None) layer by
    layer; returns thresholds, firing rate per layer, output sum."""
    n, T = x.shape[0], x.shape[1]
    thr = dict(thresholds or {})
    v = {name: None for name, _ in b.layers}
    rates = {name: 0.0 for name, _ in b.layers}
    out_sum = None
    with torch.no_grad():
        for t in range(T):
            s = {"input": torch.from_numpy(x[:, t])}
            for name, ins in b.layers:
                cur = sum(apply_ops(s[src], ops) for src, ops in ins)
                if name not in thr:
                    thr[name] = float(torch.quantile(cur.flatten()[:1_000_000], 1.0 - rate))
                    thr[name] = max(thr[name], 1e-3)
                v[name] = cur if v[name] is None else BETA * v[name] + cur
                spk = (v[name] > thr[name]).float()
                v[name] = v[name] * (1.0 - spk)
                s[name] = spk
                rates[name] += float(spk.mean()) / T
            out = apply_ops(s[b.layers[-1][0]], b.out_ops)
            out_sum = out if out_sum is None else out_sum + out
    return thr, rates, out_sum


def write(b, path, thr, dt):
    tau = np.float32(dt / (1.0 - BETA))
    nodes = {}
    for name, node in b.nodes.items():
        if node["type"] == "LIF":
            shape = node["shape_"]
            full = lambda val: np.full(shape, val, np.float32)
            nodes[name] = {"type": "LIF", "tau": full(tau),
                           "r": full(np.float32(tau / np.float32(dt))), "v_leak": full(0.0),
                           "v_reset": full(0.0), "v_threshold": full(thr[name])}
        else:
            nodes[name] = node
    write_graph(path, nodes, b.edges, compress=False)


def build(arch, seed):
    b = Builder(np.random.default_rng(seed))
    last = {"vgg11": vgg11, "resnet19": resnet19}[arch](b)
    b.nodes["output"] = {"type": "Output", "shape": np.array([10], np.int64)}
    b.edges.append((last, "output"))
    # The output projection (from the last population through pool/flatten/fc).
    src = b.layers[-1][0]
    ops, node = [], last
    # Rebuild the ops of the final linear chain from the graph.
    chain = []
    cur = last
    parents = {d: s for s, d in b.edges}
    while cur != src:
        chain.append(cur)
        cur = parents[cur]
    for name in reversed(chain):
        nd = b.nodes[name]
        if nd["type"] == "AvgPool2d":
            ops.append(("pool", int(nd["kernel_size"][0])))
        elif nd["type"] == "Flatten":
            ops.append(("flatten",))
        elif nd["type"] == "Affine":
            ops.append(("fc", torch.from_numpy(nd["weight"])))
    b.out_ops = ops
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", choices=["vgg11", "resnet19", "time"])
    ap.add_argument("model", nargs="?", help="with 'time': the NIR file written before")
    ap.add_argument("--out", help="NIR file to write")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0.15, help="target firing fraction per layer")
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--timesteps", type=int, default=4)
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--inputs", help="calibration/benchmark inputs [N, T, 3, 32, 32] .npy")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.arch == "time":
        meta = json.load(open(args.model + ".json"))
        b = build(meta["arch"], meta["seed"])
        x = np.load(args.inputs or args.model + ".inputs.npy")
        t0 = time.perf_counter()
        _, rates, out = calibrate_and_run(b, x, meta["rate"], meta["thresholds"])
        wall = time.perf_counter() - t0
        print(json.dumps({"torch_forward_s": wall, "samples": int(x.shape[0]),
                          "timesteps": int(x.shape[1]), "firing": rates}))
        return
    if not args.out:
        ap.error("--out is required")
    b = build(args.arch, args.seed)
    if args.inputs:
        x = np.load(args.inputs).astype(np.float32)
    else:
        x = np.random.default_rng(args.seed + 1).random(
            (args.samples, args.timesteps, 3, 32, 32), dtype=np.float32)
        np.save(args.out + ".inputs.npy", x)
    thr, rates, _ = calibrate_and_run(b, x, args.rate)
    write(b, args.out, thr, args.dt)
    neurons = sum(int(np.prod(b.shapes[n])) for n, _ in b.layers)
    params = sum(int(nd["weight"].size) for nd in b.nodes.values() if "weight" in nd)
    meta = {"arch": args.arch, "seed": args.seed, "rate": args.rate, "thresholds": thr,
            "firing_rate_per_layer": rates, "neurons": neurons, "parameters": params}
    json.dump(meta, open(args.out + ".json", "w"), indent=1)
    lo, hi = min(rates.values()), max(rates.values())
    print(f"{args.arch}: {neurons:,} neurons, {params:,} parameters, "
          f"firing {lo:.3f}..{hi:.3f} per layer -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
