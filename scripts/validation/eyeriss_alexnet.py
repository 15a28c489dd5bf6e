#!/usr/bin/python3
"""nmsim's ANN accelerator model against Eyeriss's measured AlexNet figures.

Generates AlexNet CONV1-5 (scripts/validation/alexnet_nir.py: seeded weights,
biases set to Eyeriss's measured input sparsity, 4 seeded images), prices it
with `nmsim run --only ann --ann-hw eyeriss` (batch 4, 16-bit, 200 MHz, row
stationary) and prints nmsim beside Chen et al., IEEE JSSC 52(1), 2017:
the abstract (35 frames/s, 0.0029 DRAM accesses per MAC, 278 mW) and Table V
(per layer: power, latency, active PEs, zeros in ifmaps, buffer and DRAM
accesses in MB of 16-bit values; the table as transcribed, also in
cucapra/fodlam data/eyeriss-alexnet.csv).

    scripts/validation/eyeriss_alexnet.py [--nmsim build/nmsim] [--work DIR] [--tolerance 0.35]

Exit 1 when a compared figure is off by more than the tolerance (default 35 %).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Chen et al., JSSC 2017, Table V (AlexNet CONV layers, 1 V, batch 4, 200 MHz core,
# 60 MHz link): power mW, total latency ms, processing latency ms, MACs (G),
# active PEs, zeros in ifmaps %, buffer accesses MB, DRAM accesses MB.
TABLE_V = {
    "conv1": (332, 20.9, 16.5, 0.42, 154, 0.01, 18.5, 5.0),
    "conv2": (288, 41.9, 39.2, 0.90, 135, 38.7, 77.6, 4.0),
    "conv3": (266, 23.6, 21.3, 0.60, 156, 72.5, 50.2, 3.0),
    "conv4": (235, 18.4, 16.0, 0.45, 156, 79.3, 37.4, 2.1),
    "conv5": (236, 10.5, 10.0, 0.30, 156, 77.6, 24.9, 1.3),
    "total": (278, 115.3, 103.5, 2.66, 148, 57.53, 208.5, 15.4),
}
HEADLINE = {"frames_per_s": 34.7, "dram_accesses_per_mac": 0.0029, "power_mw": 278.0}


def layer_key(name):
    for k in TABLE_V:
        if name.endswith(k):
            return k
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nmsim", default=os.path.join(ROOT, "build", "nmsim"))
    ap.add_argument("--work", help="directory for the model and run (default: a temporary one)")
    ap.add_argument("--tolerance", type=float, default=0.35)
    ap.add_argument("--json", help="also write the comparison here")
    ap.add_argument("--exclude", action="append", default=[],
                    help="figure not held to the tolerance (printed all the same); repeatable")
    a = ap.parse_args()
    try:
        import torch  # noqa: F401  (the generator sets biases with it)
    except ImportError:
        print("SKIP: torch is not installed (the AlexNet generator needs it)")
        return 77
    work = a.work or tempfile.mkdtemp(prefix="nmsim_eyeriss_")
    os.makedirs(work, exist_ok=True)
    nir, x, out = (os.path.join(work, f) for f in ("alexnet_conv.nir", "images.npy", "run"))
    subprocess.run([sys.executable, os.path.join(HERE, "alexnet_nir.py"), "--out", nir,
                    "--images", x, "--n", "4"], check=True)
    subprocess.run([a.nmsim, "run", "--only", "ann", "--model", nir, "--input", x,
                    "--ann-hw", "eyeriss", "--out", out, "-q"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "run.json")) as f:
        run = json.load(f)
    layers = run["ann_layers"]["layers"] + [run["ann_layers"]["total"]]
    word = 2  # bytes per 16-bit access
    rows, bad = [], []

    def compare(what, ours, theirs, fmt="{:.3g}"):
        err = (ours - theirs) / theirs
        ok = abs(err) <= a.tolerance or what in a.exclude
        rows.append((what, fmt.format(ours), fmt.format(theirs), f"{100 * err:+.0f} %", "" if ok else "!"))
        if not ok:
            bad.append(what)

    total = run["ann_layers"]["total"]
    macs = total["macs"]
    dram_acc = (total["counts"]["dram_read"] + total["counts"]["dram_write"])
    compare("frames/s", 4 / total["latency_s"], HEADLINE["frames_per_s"])
    compare("DRAM accesses / MAC", dram_acc / macs, HEADLINE["dram_accesses_per_mac"], "{:.4f}")
    compare("chip power mW", 1e3 * total["energy_j"] / total["latency_s"], HEADLINE["power_mw"])
    for l in layers:
        k = layer_key(l["name"])
        if k not in TABLE_V:
            continue
        p_mw, lat, proc, gmacs, pes, zeros, glb_mb, dram_mb = TABLE_V[k]
        c = l["counts"]
        compare(f"{k} power mW", 1e3 * l["energy_j"] / l["latency_s"], p_mw)
        compare(f"{k} latency ms", 1e3 * l["latency_s"], lat)
        compare(f"{k} DRAM MB", (c["dram_read"] + c["dram_write"]) * word / 1e6, dram_mb)
        compare(f"{k} buffer MB", (c["sram_read"] + c["sram_write"]) * word / 1e6, glb_mb)
        if l.get("mapping"):
            compare(f"{k} active PEs", l["mapping"]["active_pes"], pes, "{:.0f}")
        if l.get("input_zero_fraction") is not None and zeros > 1:
            compare(f"{k} zeros in ifmaps %", 100 * l["input_zero_fraction"], zeros, "{:.1f}")
    w = max(len(r[0]) for r in rows)
    print(f"{'figure':<{w}}  {'nmsim':>10}  {'JSSC 2017':>10}  {'diff':>7}")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>10}  {r[2]:>10}  {r[3]:>7} {r[4]}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump([dict(zip(("figure", "nmsim", "jssc2017", "diff", "flag"), r)) for r in rows], f, indent=1)
    if bad:
        print(f"beyond {100 * a.tolerance:.0f} %: " + ", ".join(bad))
        return 1
    print(f"every figure within {100 * a.tolerance:.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
