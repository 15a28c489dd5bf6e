#!/usr/bin/python3
"""Matplotlib figures of one run. Each function saves one PNG and returns its
path, or returns None when the run holds no data for it (the caller then
notes the skipped section). Values are plotted as written by the simulator;
only the axis scale is chosen for readability."""

import math

import matplotlib

matplotlib.use("Agg")  # headless: reports run on build machines and clusters
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import units  # noqa: E402

DPI = 110
SNN_COLOR, ANN_COLOR, PAPER_COLOR = "#1f77b4", "#ff7f0e", "#7f7f7f"
# Membrane histograms look at most at this many values per layer: enough for
# a smooth histogram, small enough that a 1000-sample trace stays fast.
MAX_TRACE_VALUES = 2_000_000


def _num(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def scale_for(values, unit):
    """(factor, label) so that the largest |value| reads in [1, 1000) of an SI prefix."""
    finite = [abs(v) for v in values if _num(v) is not None and math.isfinite(v) and v != 0]
    if not finite:
        return 1.0, unit
    exp3 = units.prefix_exponent(max(finite))
    return 1000.0 ** -exp3, units.PREFIXES[exp3] + unit


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def bar_labels(ax, bars, texts):
    for bar, text in zip(bars, texts):
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")


def energy_by_action(breakdown, path, title="SNN energy by action"):
    items = [(k, v) for k, v in (breakdown or {}).items() if _num(v) is not None]
    if not items:
        return None
    items.sort(key=lambda kv: -kv[1])
    factor, unit = scale_for([v for _, v in items], "J")
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(items) + 2), 3.8))
    bars = ax.bar([k for k, _ in items], [v * factor for _, v in items], color=SNN_COLOR)
    total = sum(v for _, v in items)
    bar_labels(ax, bars, [units.percent(v / total) if total else "" for _, v in items])
    ax.set_ylabel(f"energy over the run [{unit}]")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return save(fig, path)


def energy_by_layer(layers, path):
    names = [l.get("name", "?") for l in layers]
    snn = [_num(l.get("energy_j")) for l in layers]
    ann = [_num(l.get("ann_energy_j")) for l in layers]
    if not layers or all(v is None for v in snn + ann):
        return None
    factor, unit = scale_for(snn + ann, "J")
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.8 * len(names) + 2), 3.8))
    ax.bar(x - 0.2, [(v or 0) * factor for v in snn], 0.4, label="SNN (simulated)", color=SNN_COLOR)
    ax.bar(x + 0.2, [(v or 0) * factor for v in ann], 0.4, label="ANN (accelerator)", color=ANN_COLOR)
    ax.set_xticks(x, names, rotation=30 if len(names) > 6 else 0)
    ax.set_ylabel(f"energy over the run [{unit}]")
    ax.set_title("Energy by layer")
    ax.legend()
    return save(fig, path)


def _grouped_per_inference(ax, labels, values, colors, unit, title):
    factor, prefix = scale_for(values, unit)
    shown = [(l, v, c) for l, v, c in zip(labels, values, colors) if _num(v) is not None]
    if not shown:
        ax.set_axis_off()
        ax.set_title(f"{title}\n(not reported)")
        return
    bars = ax.bar([l for l, _, _ in shown], [v * factor for _, v, _ in shown],
                  color=[c for _, _, c in shown])
    bar_labels(ax, bars, [units.eng(v, unit) for _, v, _ in shown])
    ax.set_ylabel(f"per inference [{prefix}]")
    ax.set_title(title)
    ax.margins(y=0.15)


def per_inference(run, path):
    """SNN (simulated) vs ANN vs paper-convention energy, and SNN vs ANN latency."""
    energies = [run.summary("snn", "energy_j_per_sample"), run.summary("ann", "energy_j_per_sample"),
                run.summary("paper_convention", "snn_energy_j_per_sample"),
                run.summary("paper_convention", "ann_energy_j_per_sample")]
    latencies = [run.summary("snn", "latency_s_per_sample"), run.summary("ann", "latency_s_per_sample")]
    if all(_num(v) is None for v in energies + latencies):
        return None
    fig, (ax_e, ax_l) = plt.subplots(1, 2, figsize=(9.5, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    _grouped_per_inference(ax_e, ["SNN\nsimulated", "ANN\naccelerator", "SNN\npaper conv.", "ANN\npaper conv."],
                           energies, [SNN_COLOR, ANN_COLOR, PAPER_COLOR, PAPER_COLOR], "J",
                           "Energy per inference")
    _grouped_per_inference(ax_l, ["SNN", "ANN"], latencies, [SNN_COLOR, ANN_COLOR], "s",
                           "Latency per inference")
    return save(fig, path)


def firing_rate(layers, path):
    rows = [(l.get("name", "?"), _num(l.get("firing_rate"))) for l in layers]
    rows = [(n, r) for n, r in rows if r is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(max(5.0, 0.8 * len(rows) + 2), 3.5))
    bars = ax.bar([n for n, _ in rows], [r for _, r in rows], color=SNN_COLOR)
    bar_labels(ax, bars, [f"{r:.3f}" for _, r in rows])
    ax.set_ylabel("spikes per neuron per timestep")
    ax.set_title("Firing rate by layer")
    ax.margins(y=0.15)
    return save(fig, path)


def _mesh_grid(cores, key, width, height):
    """Sums `key` over cores at each (x, y); cells without a core stay NaN."""
    grid = np.full((height, width), np.nan)
    for c in cores:
        x, y, v = c.get("x"), c.get("y"), _num(c.get(key))
        if isinstance(x, int) and isinstance(y, int) and v is not None and 0 <= x < width and 0 <= y < height:
            grid[y, x] = v if np.isnan(grid[y, x]) else grid[y, x] + v
    return grid


def _annotate_cells(ax, grid, unit):
    lo, hi = np.nanmin(grid), np.nanmax(grid)
    for (y, x), v in np.ndenumerate(grid):
        if np.isnan(v):
            continue
        text = units.eng(v, unit) if unit else units.count(v)
        dark = hi > lo and (v - lo) / (hi - lo) < 0.5  # viridis is dark at the low end
        ax.text(x, y, text.replace(" ", "\n", 1) if unit else text, ha="center", va="center",
                fontsize=7, color="white" if dark else "black")


def core_heatmaps(cores, mesh_size, path):
    width, height = mesh_size
    panels = [("synops", "synaptic ops", ""), ("busy_s", "busy time", "s")]
    panels = [p for p in panels if any(_num(c.get(p[0])) is not None for c in cores)]
    if not cores or not panels or width == 0 or height == 0:
        return None
    cell = min(0.6, 5.0 / max(width, height))
    fig, axes = plt.subplots(1, len(panels), squeeze=False,
                             figsize=(len(panels) * (width * cell + 2.2), height * cell + 1.6))
    for ax, (key, title, unit) in zip(axes[0], panels):
        grid = _mesh_grid(cores, key, width, height)
        factor, prefix = scale_for(grid[~np.isnan(grid)].tolist(), unit) if unit else (1.0, "count")
        cmap = matplotlib.colormaps["viridis"].copy()
        cmap.set_bad("#eeeeee")  # mesh positions with no mapped core
        im = ax.imshow(grid * factor, cmap=cmap, origin="lower", interpolation="nearest")
        fig.colorbar(im, ax=ax, label=f"{title} [{prefix}]")
        if width * height <= 64:  # small meshes: print each core's value in its cell
            _annotate_cells(ax, grid, unit)
        ax.set_title(f"{title} per core")
        ax.set_xlabel("mesh x")
        ax.set_ylabel("mesh y")
        if width <= 16 and height <= 16:
            ax.set_xticks(range(width))
            ax.set_yticks(range(height))
    return save(fig, path)


def per_timestep(timesteps, path):
    rows = sorted((r for r in timesteps if _num(r.get("t")) is not None), key=lambda r: r["t"])
    if not rows:
        return None
    t = [r["t"] for r in rows]
    series = [("spikes", "spikes", ""), ("synops", "synaptic ops", ""), ("latency_s", "latency", "s")]
    series = [s for s in series if any(_num(r.get(s[0])) is not None for r in rows)]
    fig, axes = plt.subplots(1, len(series), squeeze=False, figsize=(3.6 * len(series), 3.3))
    for ax, (key, title, unit) in zip(axes[0], series):
        values = [_num(r.get(key)) for r in rows]
        factor, prefix = scale_for(values, unit) if unit else (1.0, "count")
        ax.plot(t, [np.nan if v is None else v * factor for v in values], marker="o", color=SNN_COLOR)
        ax.set_xlabel("timestep")
        ax.set_ylabel(f"{prefix} (sum over samples)")
        ax.set_title(f"{title} per timestep")
        ax.margins(y=0.1)
        ax.set_ylim(bottom=0)
        if len(t) <= 20:
            ax.set_xticks(t)
    return save(fig, path)


def load_membrane(path, max_values=MAX_TRACE_VALUES):
    """Flattened float32 potentials of a `[N, T, *shape]` trace and how many of
    the N samples they cover (leading samples, so the choice is deterministic)."""
    v = np.load(path, mmap_mode="r")
    if v.ndim < 2 or v.shape[0] == 0:
        return np.empty(0, np.float32), 0, 0
    per_sample = int(np.prod(v.shape[1:]))
    used = max(1, min(v.shape[0], max_values // max(per_sample, 1)))
    flat = np.asarray(v[:used], dtype=np.float32).ravel()
    return flat[np.isfinite(flat)], used, v.shape[0]


def _threshold_of(layer):
    th = _num((layer or {}).get("v_threshold"))
    return th if th not in (None, 0) else None


def membrane_values(trace_path, layer):
    """(values, x label, sample note); values are threshold-relative when the
    run states the layer's threshold, otherwise raw model units."""
    values, used, total = load_membrane(trace_path)
    th = _threshold_of(layer)
    if th is not None:
        values = values / th
    label = "v / v_threshold" if th is not None else "v (model units; threshold not in run files)"
    note = f"{used} of {total} samples" if used < total else f"{total} samples"
    return values, label, note


def membrane_histograms(series_by_layer, path, title="Membrane potential by layer"):
    """series_by_layer: {layer: [(legend, values, xlabel, note), ...]} — one panel per layer,
    several overlaid series when comparing runs."""
    layers = [l for l, s in series_by_layer.items() if any(len(v) for _, v, _, _ in s)]
    if not layers:
        return None
    cols = min(3, len(layers))
    rows = math.ceil(len(layers) / cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False, figsize=(4.2 * cols, 3.2 * rows))
    for ax, layer in zip(axes.ravel(), layers):
        series = [s for s in series_by_layer[layer] if len(s[1])]
        # Bins span the central 99.8 %: a few outliers would squash the shape RMP-Loss changes.
        lo = min(float(np.percentile(v, 0.1)) for _, v, _, _ in series)
        hi = max(float(np.percentile(v, 99.9)) for _, v, _, _ in series)
        bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 61)
        for legend, values, _, note in series:
            ax.hist(values, bins=bins, density=True,
                    histtype="step" if len(series) > 1 else "stepfilled",
                    alpha=1.0 if len(series) > 1 else 0.8, linewidth=1.4,
                    label=f"{legend} ({note})" if legend else note)
        if "v_threshold" in series[0][2]:
            for ref in (0.0, 1.0):  # the values RMP-Loss pulls potentials towards
                ax.axvline(ref, color="k", linestyle=":", linewidth=0.8)
        ax.set_title(layer)
        ax.set_xlabel(series[0][2] if "threshold not" not in series[0][2] else "v (model units)")
        ax.set_ylabel("density")
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(layers):]:
        ax.set_axis_off()
    fig.suptitle(title)
    return save(fig, path)
