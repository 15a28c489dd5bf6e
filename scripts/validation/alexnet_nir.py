#!/usr/bin/python3
"""Write AlexNet's five CONV layers as a NIR graph (nmsim's own generator, seeded
weights), for checking nmsim's ANN accelerator model against Eyeriss.

Shapes as Eyeriss ran them (Chen et al., JSSC 2017, Table III; Krizhevsky et al.,
NIPS 2012): a 3x227x227 input; CONV1 96 x 3x11x11 stride 4; max-pool 3x3 stride 2;
CONV2 256 x 48x5x5 pad 2 in 2 groups; max-pool 3x3/2; CONV3 384 x 256x3x3 pad 1;
CONV4 384 x 192x3x3 pad 1 in 2 groups; CONV5 256 x 192x3x3 pad 1 in 2 groups;
665.8 M MACs per image. NIR has no max pooling: the pools are average pools
(AvgPool2d). Each CONV is followed by an IF population, which the ANN twin
reads as a ReLU; local response normalisation is left out (Eyeriss does not
run it). Weights: He-normal (std sqrt(2 / fan-in)) from a seeded generator.
Also writes N seeded 227x227 images in [0, 1] as an nmsim --input tensor
[N, 1, 3, 227, 227].

Biases: random weights on random images do not have a trained AlexNet's
sparsity on ImageNet, which Eyeriss exploits (zero gating, run-length coding).
With --match-eyeriss-zeros (default) each CONV layer's bias (one value per
layer) is set so that the zeros in the next layer's input, over these images,
are those Eyeriss measured (JSSC 2017, Table V, "zeros in ifmaps": CONV2 38.7 %,
CONV3 72.5 %, CONV4 79.3 %, CONV5 77.6 %; CONV5's own bias stays 0): with
ReLU and a pool, an input is zero when the largest pre-activation of its window
is <= -bias, so the bias is minus that quantile. --no-match-eyeriss-zeros: 0.

    scripts/validation/alexnet_nir.py --out alexnet.nir --images x.npy --n 4
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "workloads", "python"))
from nir_export import write_graph  # noqa: E402

CONVS = [  # name, out, in/groups, k, stride, pad, groups
    ("conv1", 96, 3, 11, 4, 0, 1),
    ("conv2", 256, 48, 5, 1, 2, 2),
    ("conv3", 384, 256, 3, 1, 1, 1),
    ("conv4", 384, 192, 3, 1, 1, 2),
    ("conv5", 256, 192, 3, 1, 1, 2),
]
POOL_AFTER = {"conv1", "conv2"}


ZEROS_NEXT = {"conv1": 0.387, "conv2": 0.725, "conv3": 0.793, "conv4": 0.776}  # JSSC 2017 Table V


def graph(seed, images=None):
    import torch
    import torch.nn.functional as F
    rng = np.random.default_rng(seed)
    x = None if images is None else torch.from_numpy(images[:, 0])
    c, h, w = 3, 227, 227
    nodes = {"input": {"type": "Input", "shape": np.array([c, h, w], dtype=np.int64)}}
    edges, prev, macs = [], "input", 0
    for i, (name, cout, cin_g, k, s, p, g) in enumerate(CONVS, start=1):
        assert cin_g * g == c, (name, cin_g, g, c)
        wt = rng.normal(0.0, np.sqrt(2.0 / (cin_g * k * k)), (cout, cin_g, k, k)).astype(np.float32)
        bias = 0.0
        if x is not None:
            pre = F.conv2d(x, torch.from_numpy(wt), stride=s, padding=p, groups=g)
            window = F.max_pool2d(pre, 3, 2) if name in POOL_AFTER else pre
            if name in ZEROS_NEXT:
                bias = -float(torch.quantile(window.flatten()[::7], ZEROS_NEXT[name]))
            x = F.relu(pre + bias)
            if name in POOL_AFTER:
                x = F.avg_pool2d(x, 3, 2)
        nodes[name] = {"type": "Conv2d", "weight": wt,
                       "bias": np.full(cout, bias, dtype=np.float32),
                       "stride": np.array([s, s], dtype=np.int64),
                       "padding": np.array([p, p], dtype=np.int64),
                       "dilation": np.array([1, 1], dtype=np.int64),
                       "groups": np.int64(g), "input_shape": np.array([h, w], dtype=np.int64)}
        h = (h + 2 * p - k) // s + 1
        w = (w + 2 * p - k) // s + 1
        macs += cout * h * w * cin_g * k * k
        c = cout
        relu = f"relu{i}"
        nodes[relu] = {"type": "IF", "r": np.float32(1.0), "v_threshold": np.float32(1.0),
                       "v_reset": np.float32(0.0)}
        edges += [(prev, name), (name, relu)]
        prev = relu
        if name in POOL_AFTER:
            pool = f"pool{i}"
            nodes[pool] = {"type": "AvgPool2d", "kernel_size": np.array([3, 3], dtype=np.int64),
                           "stride": np.array([2, 2], dtype=np.int64),
                           "padding": np.array([0, 0], dtype=np.int64)}
            edges.append((prev, pool))
            prev = pool
            h = (h - 3) // 2 + 1
            w = (w - 3) // 2 + 1
    nodes["output"] = {"type": "Output", "shape": np.array([c, h, w], dtype=np.int64)}
    edges.append((prev, "output"))
    return nodes, edges, macs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="NIR file to write")
    ap.add_argument("--images", help="also write N seeded images here (.npy, [N, 1, 3, 227, 227])")
    ap.add_argument("--n", type=int, default=4, help="images (default 4, Eyeriss's batch)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--match-eyeriss-zeros", action=argparse.BooleanOptionalAction, default=True,
                    help="set biases so the inputs of CONV2-5 have Eyeriss's zero fractions")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed + 1)
    x = rng.random((a.n, 1, 3, 227, 227), dtype=np.float32)
    nodes, edges, macs = graph(a.seed, x if a.match_eyeriss_zeros else None)
    write_graph(a.out, nodes, edges, compress=False)
    print(f"{a.out}: AlexNet CONV1-5, {macs / 1e6:.1f} M MACs per image")
    if a.images:
        np.save(a.images, x)


if __name__ == "__main__":
    main()
