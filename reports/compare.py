#!/usr/bin/python3
"""Side-by-side comparison of several nmsim runs, e.g. the same SNN trained
with and without RMP-Loss, or one model on two chip presets.

    compare.py out/base out/rmp --labels baseline,RMP-Loss --out out/cmp

writes out/cmp/compare.html and out/cmp/figures/*.png. Like make_report.py it
only reads what the runs wrote; differences are shown relative to the first run.
"""

import argparse
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import figures
import page
import rundir
import units
from make_report import membrane_series, write_atomically

PROG = "compare.py"
COLORS = plt.get_cmap("tab10").colors


def unique_labels(runs, given):
    """User labels, else directory names made unique by their parent directory."""
    if given:
        return given
    labels = [r.name for r in runs]
    for i, r in enumerate(runs):
        if labels.count(r.name) > 1:
            labels[i] = f"{r.dir.parent.name}/{r.name}"
    return [l if labels.count(l) == 1 else f"{l} #{i + 1}" for i, l in enumerate(labels)]


def spikes_per_sample(run):
    """Spikes per inference, so runs over different sample counts compare; None if unknown."""
    spikes, n = run.summary("snn", "spikes"), run.samples
    return spikes / n if isinstance(spikes, (int, float)) and n else None


# (row label, getter, formatter, compare to the first run?)
METRICS = [
    ("SNN accuracy", lambda r: r.summary("snn", "accuracy"), units.percent, False),
    ("ANN accuracy", lambda r: r.summary("ann", "accuracy"), units.percent, False),
    ("SNN energy / inference", lambda r: r.summary("snn", "energy_j_per_sample"), units.energy, True),
    ("ANN energy / inference", lambda r: r.summary("ann", "energy_j_per_sample"), units.energy, True),
    ("SNN paper conv. / inference", lambda r: r.summary("paper_convention", "snn_energy_j_per_sample"),
     units.energy, True),
    ("SNN latency / inference", lambda r: r.summary("snn", "latency_s_per_sample"), units.time, True),
    ("ANN latency / inference", lambda r: r.summary("ann", "latency_s_per_sample"), units.time, True),
    ("spikes / inference", spikes_per_sample, units.count, True),
    ("spikes (run total)", lambda r: r.summary("snn", "spikes"), units.count, False),
    ("synops (run total)", lambda r: r.summary("snn", "synops"), units.count, False),
    ("NoC packets (run total)", lambda r: r.summary("snn", "noc_packets"), units.count, False),
    ("cores used", lambda r: r.summary("snn", "cores_used"), units.count, False),
]


def _relative(value, base):
    if not all(isinstance(v, (int, float)) for v in (value, base)) or base == 0:
        return ""
    change = value / base - 1.0
    return "" if abs(change) < 5e-4 else f" ({100 * change:+.1f} %)".replace("-", "−")


def comparison_table(runs, labels):
    rows = [["model"] + [Path(r.get("model") or "?").name for r in runs],
            ["hw"] + [Path(r.get("hw") or "?").name for r in runs],
            ["samples × timesteps"] + [f"{r.option('samples')} × {r.option('timesteps')}" for r in runs]]
    for name, get, fmt, relative in METRICS:
        values = [get(r) for r in runs]
        if all(v is None for v in values):
            continue
        rows.append([name] + [fmt(v) + (_relative(v, values[0]) if relative and i else "")
                              for i, v in enumerate(values)])
    return page.table([""] + labels, rows)


def _bar_panel(ax, labels, values, unit, title, formatter):
    factor, prefix = figures.scale_for(values, unit) if unit else (1.0, "")
    x = np.arange(len(labels))
    bars = ax.bar(x, [(v or 0) * factor for v in values], color=COLORS[: len(labels)] * 10)
    figures.bar_labels(ax, bars, [formatter(v) for v in values])
    ax.set_xticks(x, labels, rotation=20 if len(labels) > 3 else 0)
    ax.set_title(title + (f" [{prefix}]" if prefix else ""))
    ax.margins(y=0.15)


def metrics_figure(runs, labels, path):
    panels = [
        ("SNN accuracy", [r.summary("snn", "accuracy") for r in runs], "", units.percent),
        ("SNN energy / inference", [r.summary("snn", "energy_j_per_sample") for r in runs], "J", units.energy),
        ("SNN latency / inference", [r.summary("snn", "latency_s_per_sample") for r in runs], "s", units.time),
        ("spikes / inference", [spikes_per_sample(r) for r in runs], "", units.count),
    ]
    panels = [p for p in panels if any(isinstance(v, (int, float)) for v in p[1])]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), squeeze=False,
                             figsize=(max(3.2, 0.9 * len(runs) + 1.4) * len(panels), 3.6))
    for ax, (title, values, unit, fmt) in zip(axes[0], panels):
        _bar_panel(ax, labels, values, unit, title, fmt)
    return figures.save(fig, path)


def firing_rate_figure(runs, labels, path):
    """Grouped bars: firing rate of each layer in each run (layers by name)."""
    rates = [{l.get("name"): l.get("firing_rate") for l in r.layers} for r in runs]
    layers = []
    for r in runs:
        layers += [n for n in r.layer_order() if n not in layers]
    layers = [n for n in layers if any(isinstance(rt.get(n), (int, float)) for rt in rates)]
    if not layers:
        return None
    width = 0.8 / len(runs)
    x = np.arange(len(layers))
    fig, ax = plt.subplots(figsize=(max(5.0, len(layers) * (0.5 + 0.3 * len(runs)) + 2), 3.6))
    for i, (label, rt) in enumerate(zip(labels, rates)):
        ax.bar(x + (i - (len(runs) - 1) / 2) * width, [rt.get(n) or 0 for n in layers], width,
               label=label, color=COLORS[i % len(COLORS)])
    ax.set_xticks(x, layers)
    ax.set_ylabel("spikes per neuron per timestep")
    ax.set_title("Firing rate by layer")
    ax.legend(fontsize=8)
    return figures.save(fig, path)


def membrane_figure(runs, labels, path):
    """One panel per layer, the runs' histograms overlaid on common bins."""
    merged = {}
    for run, label in zip(runs, labels):
        for layer, series in membrane_series(run).items():
            merged.setdefault(layer, []).extend((label, v, x, n) for _, v, x, n in series)
    if not merged:
        return None
    return figures.membrane_histograms(merged, path, title="Membrane potential by layer, runs overlaid")


FIGURES = [
    ("compare_metrics.png", metrics_figure, "Accuracy, energy, latency and spikes per inference of each run.",
     "no summary figures in these runs"),
    ("compare_firing_rate.png", firing_rate_figure, "Firing rate of each layer in each run.",
     "no per-layer firing rates"),
    ("compare_membrane.png", membrane_figure, "Membrane potential histograms, runs overlaid per layer.",
     "no run has membrane traces (record them with --record v)"),
]


def write_comparison(runs, labels, out_dir):
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    parts = [page.heading("nmsim comparison — " + ", ".join(labels), 1),
             page.meta([f"{label}: {run.dir}" for label, run in zip(labels, runs)]),
             page.heading("Summary"),
             page.paragraph(f"Percentages compare each run with the first ({labels[0]})."),
             comparison_table(runs, labels), page.heading("Figures")]
    for name, draw, caption, reason in FIGURES:
        (fig_dir / name).unlink(missing_ok=True)
        if draw(runs, labels, fig_dir / name):
            parts.append(page.figure(f"figures/{name}", caption))
        else:
            parts.append(page.note(f"{name} skipped: {reason}"))
    notes = [f"{label}: {n}" for label, run in zip(labels, runs) for n in run.notes]
    if notes:
        parts += [page.heading("Notes on the input")] + [page.note(n) for n in notes]
    out = out_dir / "compare.html"
    write_atomically(out, page.document("nmsim comparison", parts))
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Compare several nmsim run directories side by side: a table of accuracy, energy, "
                    "latency and spikes per inference (each relative to the first run), bar charts of "
                    "the same, firing rate per layer, and overlaid membrane-potential histograms when "
                    "the runs recorded traces. Writes OUT/compare.html and OUT/figures/*.png.",
        epilog="Exit status: 0 on success, 2 when a RUN_DIR has no readable run.json or the "
               "arguments are wrong.")
    ap.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories (two or more); "
                    "the first is the reference for relative changes")
    ap.add_argument("--out", required=True, metavar="DIR", help="directory for compare.html and figures/")
    ap.add_argument("--labels", metavar="A,B,...",
                    help="comma-separated names for the runs, in order (default: directory names)")
    args = ap.parse_args(argv)
    if len(args.runs) < 2:
        ap.error("give at least two run directories")
    if args.labels is not None:
        args.labels = [l.strip() for l in args.labels.split(",")]
        if len(args.labels) != len(args.runs):
            ap.error(f"--labels has {len(args.labels)} names for {len(args.runs)} runs")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        runs = [rundir.load(d) for d in args.runs]
    except rundir.RunError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    out = write_comparison(runs, unique_labels(runs, args.labels), Path(args.out))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
