#!/usr/bin/python3
"""Tables for scripts/bench_vs_pytorch and scripts/bench_dvs_sanafe.

usage:
  report.py pytorch WORKDIR   (nmsim.json, run/, torch_time.json, torch.json, torch_pred.npy)
  report.py dvs WORKDIR REFERENCE.json   (run1/ run2/ ... and time1.json time2.json ...)
  report.py dvs-input FRAME.npy T OUT.npy

Exit status 1 if a figure the table needs is missing or a run failed.
"""
import csv
import glob
import json
import os
import statistics
import sys

import numpy as np

GIB, MIB = 1024 ** 3, 1024 ** 2


def load(path):
    with open(path) as f:
        return json.load(f)


def mib(kib):
    return f"{kib * 1024 / MIB:,.1f} MiB"


def rate(x):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f} {unit}/s"
    return f"{x:.1f} /s"


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa
                              for i, (c, w) in enumerate(zip(r, widths)))
    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r))


def command(argv):
    """The nmsim command line as a user would type it (no temporary paths)."""
    out = ["nmsim"]
    for i, a in enumerate(argv[1:], 1):
        prev = argv[i - 1]
        out.append("<tmp>" if prev in ("--out", "--input") else
                   os.path.basename(a) if prev == "--model" else a)
    return " ".join(out)


def machine_line():
    load1, load5, _ = os.getloadavg()
    n = os.cpu_count()
    line = f"machine: {n} cores, load average {load1:.2f} (1 min) {load5:.2f} (5 min)"
    if load5 > n:
        line += ("\n  WARNING: more runnable processes than cores; wall times are inflated "
                 "by other work (CPU times are less affected)")
    return line


def pytorch(work):
    nm_t = load(os.path.join(work, "nmsim.json"))
    run = load(os.path.join(work, "run", "run.json"))
    perf = load(os.path.join(work, "run", "perf.json"))
    tt = load(os.path.join(work, "torch_time.json"))
    tr = load(os.path.join(work, "torch.json"))
    snn = run["summary"]["snn"]
    opt = run["options"]
    with open(os.path.join(work, "run", "samples.csv")) as f:
        rows = list(csv.DictReader(f))
    nm_pred = np.array([int(r["prediction"]) for r in rows])
    th_pred = np.load(os.path.join(work, "torch_pred.npy"))
    if len(nm_pred) != len(th_pred):
        sys.exit(f"report.py: nmsim has {len(nm_pred)} predictions, PyTorch {len(th_pred)}")
    nm_acc = snn["accuracy"]
    th_acc = tr["accuracy"]
    differ = int((nm_pred != th_pred).sum())

    nm_wall, th_wall, th_fwd = nm_t["wall_s"], tt["wall_s"], tr["forward_s"]
    # GNU time's wall has 10 ms steps; use the sampler's monotonic clock when it is finer.
    nm_wall = nm_t.get("elapsed_s", nm_wall)
    th_wall = tt.get("elapsed_s", th_wall)
    nm_syn, th_syn = snn["synops"], tr["synops"]
    print(f"model: {run['model']}")
    print(f"images: Fashion-MNIST test {opt['first_sample']}..{opt['first_sample'] + opt['samples'] - 1}"
          f", T = {opt['timesteps']}, dt = {opt['dt_s']} s, direct encoding")
    print(f"nmsim: {command(nm_t['command'])}")
    print(f"  {nm_t['processes_seen']} processes seen (parent + workers; -j {perf['jobs']})")
    print(f"PyTorch {tr['torch']}: {tr['threads']} threads, batch {tr['batch']}, LIF as "
          f"{', '.join(tr['lif_forms'])}; layer-1 current computed once per batch "
          f"(the image is the same at every timestep)")
    print("In-process timers: nmsim's perf.json wall_s; PyTorch's reading the NIR file and the")
    print("images plus the forward pass (the whole process adds interpreter start and imports).")
    print(machine_line())
    print()
    rows = [
        ["wall, whole process [s]", f"{nm_wall:.2f}", f"{th_wall:.2f}"],
        ["wall, in-process timer [s]", f"{perf['wall_s']:.2f}", f"{tr['load_s'] + th_fwd:.2f}"],
        ["wall, forward pass only [s]", "-", f"{th_fwd:.2f}"],
        ["CPU time, user + sys [s]", f"{nm_t['user_s'] + nm_t['sys_s']:.2f}",
         f"{tt['user_s'] + tt['sys_s']:.2f}"],
        ["peak RSS, largest process (GNU time)", mib(nm_t["max_rss_kib"]), mib(tt["max_rss_kib"])],
        ["peak RSS, process tree sum (sampled)", mib(nm_t["sampled_tree_rss_peak_kib"]),
         mib(tt["sampled_tree_rss_peak_kib"])],
        ["synaptic events", f"{nm_syn:,}", f"{th_syn:,}"],
        ["synaptic events / wall s (whole process)", rate(nm_syn / nm_wall), rate(th_syn / th_wall)],
        ["synaptic events / wall s (forward only)", "-", rate(th_syn / th_fwd)],
        ["accuracy", f"{nm_acc:.4f}", f"{th_acc:.4f}"],
    ]
    table(rows, ["", "nmsim", "PyTorch"])
    print()
    print("Peak RSS: GNU time reports ru_maxrss from wait4(), the max over the process and the")
    print("children it reaped (nmsim's workers), not their sum; the sampled sum is what the tree")
    print("held at once. Check, from /proc VmHWM sampled every 50 ms: nmsim parent "
          f"{mib(nm_t['sampled_main_hwm_kib'])}, workers "
          f"{', '.join(mib(k) for k in nm_t['sampled_other_hwm_kib']) or '-'}; "
          f"GNU time {mib(nm_t['max_rss_kib'])}.")
    print("Synaptic events: one per synapse of each spike (zero weights included), layer-1 input")
    print("currents excluded; nmsim's from run.json summary.snn.synops, PyTorch's counted alike.")
    print(f"Predictions differing between nmsim and PyTorch: {differ} of {len(nm_pred)} "
          f"(a neuron within float rounding of its threshold can flip)")
    print()
    r_whole, r_fwd = nm_wall / th_wall, nm_wall / th_fwd
    verdict = lambda r: "met" if r <= 2.0 else "NOT met"  # noqa
    print(f"ratio nmsim / PyTorch wall: {r_whole:.2f}x vs PyTorch's whole process, "
          f"{r_fwd:.2f}x vs its forward pass only")
    print(f"target nmsim <= 2x PyTorch's time: {verdict(r_whole)} (whole process), "
          f"{verdict(r_fwd)} (forward only)")
    if abs(nm_acc - th_acc) > 0.01:
        print("WARNING: accuracies differ by more than 1 point")


def dvs(work, ref_path):
    ref = load(ref_path)
    runs = sorted(glob.glob(os.path.join(work, "time*.json")))
    if not runs:
        sys.exit("report.py: no timed runs")
    times = [load(p) for p in runs]
    results = [load(os.path.join(work, "run" + os.path.basename(p)[4:-5], "run.json")) for p in runs]
    for r in results[1:]:
        if [l["spikes"] for l in r["layers"]] != [l["spikes"] for l in results[0]["layers"]]:
            sys.exit("report.py: spike counts differ between repeated runs")
    run = results[0]
    snn = run["summary"]["snn"]
    walls = [t.get("elapsed_s", t["wall_s"]) for t in times]
    wall = statistics.median(walls)
    rss = max(t["max_rss_kib"] for t in times)
    syn = snn["synops"]
    sw = ref["sanafe_wall_clock"]
    ref_wall = sw["detailed_median_s"]
    ref_rss = max(v["peak_rss_kib"] for v in sw["detailed_timing_model_1000_steps"].values())
    ref_syn = ref["totals"]["synaptic_events"]
    ref_rate = sw["synaptic_events_per_wall_second_detailed"]

    print(f"model: {run['model']} (SANA-FE's DVS-gesture CNN), {run['options']['timesteps']} "
          f"timesteps, dt = {run['options']['dt_s']} s, layer delay {run['options']['layer_delay']}")
    print(f"nmsim: {command(times[0]['command'])}")
    print(f"{len(runs)} runs: wall {', '.join(f'{w:.2f}' for w in walls)} s")
    print(machine_line())
    print()
    rows = [
        ["wall, median [s]", f"{wall:.2f}", f"{ref_wall:.2f}"],
        ["CPU time, user + sys, median [s]",
         f"{statistics.median(t['user_s'] + t['sys_s'] for t in times):.2f}", "-"],
        ["peak RSS (GNU time, max over runs)", f"{rss * 1024 / GIB:.3f} GiB ({mib(rss)})",
         f"{ref_rss * 1024 / GIB:.2f} GiB"],
        ["synaptic events", f"{syn:,}", f"{ref_syn:,}"],
        ["synaptic events / wall s", rate(syn / wall), rate(ref_rate)],
    ]
    table(rows, ["", "nmsim", "SANA-FE (recorded)"])
    print()
    ratio = (syn / wall) / ref_rate
    print(f"events/s ratio nmsim / SANA-FE: {ratio:.1f}x; target >= 10x: "
          f"{'met' if ratio >= 10 else 'NOT met'}")
    print()
    print("Spikes per layer (nmsim runs NIR float LIF: no 1/64 truncation, so it should equal")
    print("the NIR float reference, not SANA-FE's counts):")
    flt = ref["nir_float_semantics_reference_sim"]["one_step_delay_per_layer"]
    rows = []
    for l, rl, f in zip(run["layers"], ref["layers"], flt):
        rows.append([l["name"], f"{l['spikes']:,}", f"{f:,}", f"{rl['spikes']:,}"])
    rows.append(["total", f"{sum(l['spikes'] for l in run['layers']):,}", f"{sum(flt):,}",
                 f"{ref['totals']['neuron_firings']:,}"])
    table(rows, ["layer", "nmsim", "NIR float ref", "SANA-FE"])
    same = [l["spikes"] for l in run["layers"]] == flt
    print(f"nmsim equals the NIR float reference: {'yes' if same else 'NO'}")
    print()
    print("Energy and latency: different models of the same chip (nmsim's Loihi preset vs")
    print("SANA-FE's arch/loihi.yaml, with different per-action figures, timing and placement);")
    print("for context, not a like-for-like check:")
    rows = [
        ["energy [mJ]", f"{snn['energy_j'] * 1e3:.3f}", f"{ref['energy_j']['total'] * 1e3:.3f}"],
        ["latency [ms]", f"{snn['latency_s_per_sample'] * 1e3:.2f}",
         f"{ref['simulated_latency_s']['detailed_timing_model_default'] * 1e3:.2f}"],
        ["cores used", f"{snn['cores_used']}", sanafe_cores(ref_path)],
    ]
    table(rows, ["", "nmsim", "SANA-FE"])
    if not same:
        print("WARNING: nmsim's spike counts differ from the NIR float reference")
    return 0


def sanafe_cores(ref_path):
    path = os.path.join(os.path.dirname(ref_path), "sanafe_mapping.csv")
    try:
        with open(path) as f:
            return str(len({(r["tile"], r["core"]) for r in csv.DictReader(f)}))
    except (OSError, KeyError):
        return "-"


def dvs_input(frame, T, out):
    f = np.load(frame)
    np.save(out, np.ascontiguousarray(np.broadcast_to(f, (int(T),) + f.shape), dtype=np.float32))


def main(argv):
    if len(argv) >= 2 and argv[0] == "pytorch":
        return pytorch(argv[1]) or 0
    if len(argv) >= 3 and argv[0] == "dvs":
        return dvs(argv[1], argv[2])
    if len(argv) >= 4 and argv[0] == "dvs-input":
        return dvs_input(*argv[1:4]) or 0
    sys.exit(__doc__)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, KeyError, ValueError) as e:
        print(f"report.py: error: {e!r}", file=sys.stderr)
        sys.exit(1)
