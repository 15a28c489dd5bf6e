#!/usr/bin/python3
"""Turns one nmsim run directory into DIR/report.html and DIR/figures/*.png.

Reads only what the run wrote (run.json, layers.csv, cores.csv, timesteps.csv,
traces/*_v.npy; format in sim/OUTPUT.md) and shows it; nothing the simulator
measured is recomputed here. `nmsim report DIR` calls this script.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import breakeven
import figures
import page
import rundir
import units

PROG = "make_report.py"

# (file name, caption). The order is the order in the report.
FIGURES = [
    ("per_inference.png", "Energy and latency per inference: simulated SNN on the chip, the ANN on the "
                          "accelerator, and the paper convention (operations × energy per AC / MAC) beside them."),
    ("energy_by_action.png", "SNN energy over the whole run by hardware action (share of the total above each bar)."),
    ("energy_by_layer.png", "Energy over the whole run by layer, SNN on the chip vs ANN on the accelerator."),
    ("firing_rate.png", "Firing rate by layer (spikes per neuron per timestep)."),
    ("cores_mesh.png", "Synaptic operations and busy time of each core at its mesh position (grey: no core mapped)."),
    ("timesteps.png", "Spikes, synaptic operations and latency per timestep index, summed over samples."),
    ("membrane_hist.png", "Membrane potential distribution by layer over all recorded timesteps. RMP-Loss "
                          "concentrates it near 0 and the threshold."),
]

# Summary rows shown per inference; every other summary field goes in the totals table.
PER_INFERENCE_KEYS = ("accuracy", "energy_j_per_sample", "latency_s_per_sample")


def _basename(path):
    return Path(path).name if isinstance(path, str) and path else "?"


def title_of(run):
    return f"nmsim report — {_basename(run.get('model'))} on {_basename(run.get('hw'))}"


def perf_wall_s(directory):
    """Wall time from perf.json, kept apart from run.json because it varies."""
    try:
        with open(os.path.join(directory, "perf.json")) as f:
            return json.load(f).get("wall_s")
    except (OSError, ValueError):
        return None


def header(run):
    opts = run.get("options", default={}) or {}
    lines = [f"run directory: {run.dir}"]
    for key in ("model", "hw", "ann_hw"):
        if run.get(key):
            lines.append(f"{key}: {run.get(key)}")
    if opts:
        lines.append("options: " + ", ".join(f"{k}={v}" for k, v in opts.items()))
    if run.get("command"):
        lines.append(f"command: {run.get('command')}")
    version, wall = run.get("nmsim_version"), perf_wall_s(run.dir)
    lines.append(f"nmsim {version or '?'}, wall time {units.time(wall)}")
    return [page.heading(title_of(run), 1), page.meta(lines)]


def per_inference_table(run):
    s = lambda side, key: run.summary(side, key)  # noqa: E731
    rows = [
        ["accuracy", units.percent(s("snn", "accuracy")), units.percent(s("ann", "accuracy")), "", ""],
        ["energy per inference", units.energy(s("snn", "energy_j_per_sample")),
         units.energy(s("ann", "energy_j_per_sample")),
         units.energy(s("paper_convention", "snn_energy_j_per_sample")),
         units.energy(s("paper_convention", "ann_energy_j_per_sample"))],
        ["latency per inference", units.time(s("snn", "latency_s_per_sample")),
         units.time(s("ann", "latency_s_per_sample")), "", ""],
    ]
    return page.table(["", "SNN (simulated)", "ANN (accelerator)", "SNN (paper conv.)", "ANN (paper conv.)"], rows)


def paper_convention_note(run):
    ac, mac = run.summary("paper_convention", "snn_ac_pj"), run.summary("paper_convention", "ann_mac_pj")
    if ac is None and mac is None:
        return []
    return [page.paragraph(f"Paper convention: synaptic operations × {ac} pJ per accumulate (SNN), "
                           f"MACs × {mac} pJ per multiply-accumulate (ANN). Shown beside the simulated "
                           "figures, not instead of them.")]


def totals_table(run):
    snn = run.get("summary", "snn", default={}) or {}
    ann = run.get("summary", "ann", default={}) or {}
    keys = [k for k in list(snn) + [k for k in ann if k not in snn] if k not in PER_INFERENCE_KEYS]
    rows = [[k, units.by_suffix(k, snn.get(k)) if k in snn else "",
             units.by_suffix(k, ann.get(k)) if k in ann else ""] for k in keys]
    return page.table(["run total", "SNN", "ANN"], rows) if rows else page.note("summary has no totals")


def breakeven_section(run):
    """Spikes per synapse at which SNN and ANN cost the same (reports/breakeven.py)."""
    raw = getattr(run, "raw", None) or getattr(run, "data", None)
    try:
        b = breakeven.breakeven(raw if isinstance(raw, dict) else json.load(open(os.path.join(run.dir, "run.json"))))
    except (KeyError, TypeError, ValueError, OSError, ZeroDivisionError):
        b = None
    if b is None:
        return []
    return [page.heading("Break-even"), page.paragraph(breakeven.text(b).replace("\n", ". ")),
            page.note("Model and definitions: reports/breakeven.py.")]


def summary_section(run):
    if not isinstance(run.get("summary"), dict):
        return [page.heading("Summary"), page.note("run.json has no `summary`; section skipped")]
    samples = run.samples
    return ([page.heading("Summary"), per_inference_table(run)] + paper_convention_note(run)
            + [page.paragraph(f"Totals over the whole run ({samples if samples else '?'} samples)."),
               totals_table(run)])


def _energy_entry(entry):
    """(value text, source) of one config.energy entry, whatever form the chip config used."""
    if not isinstance(entry, dict):
        return (str(entry), "") if entry is not None else ("", "")
    value, unit = entry.get("value"), entry.get("unit")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = units.eng(value, unit) if unit in ("J", "W", "s") else f"{value:g} {unit or ''}".strip()
    else:
        text = "" if value is None else str(value)
    return text, str(entry.get("source") or "")


def breakdown_table(breakdown, energy_table):
    total = sum(v for v in breakdown.values() if isinstance(v, (int, float)))
    rows = []
    for action, joules in breakdown.items():
        per_action, source = _energy_entry(energy_table.get(action))
        share = units.percent(joules / total) if total and isinstance(joules, (int, float)) else ""
        rows.append([action, units.energy(joules), share, per_action, source])
    return page.table(["action", "energy over the run", "share", "energy per action", "source"], rows)


def breakdown_sum_note(run, breakdown):
    """Flags a run whose breakdown and total disagree (sim/OUTPUT.md says they are equal)."""
    total = run.summary("snn", "energy_j")
    parts = [v for v in breakdown.values() if isinstance(v, (int, float))]
    if not isinstance(total, (int, float)) or not parts:
        return []
    if abs(sum(parts) - total) <= 1e-9 * max(abs(total), 1e-30):
        return []
    return [page.note(f"energy_breakdown_j sums to {units.energy(sum(parts))} "
                      f"but summary.snn.energy_j is {units.energy(total)}")]


def energy_section(run):
    parts = [page.heading("Energy breakdown")]
    snn = run.get("energy_breakdown_j")
    table = run.energy_table()
    if isinstance(snn, dict) and snn:
        parts += [page.paragraph("SNN on the chip, by action:"), breakdown_table(snn, table)]
        parts += breakdown_sum_note(run, snn)
        if not table:
            parts.append(page.note("config.energy is absent: per-action values and sources not shown"))
    else:
        parts.append(page.note("run.json has no energy_breakdown_j; SNN breakdown skipped"))
    ann = run.get("ann_energy_breakdown_j")
    if isinstance(ann, dict) and ann:
        parts += [page.paragraph("ANN on the accelerator, by action:"), breakdown_table(ann, {})]
    return parts


LAYER_COLUMNS = ["name", "kind", "shape", "neurons", "spikes", "firing_rate", "synops", "input_synops",
                 "neuron_updates", "cores", "energy_j", "ann_macs", "ann_energy_j"]


def _column_header(key):
    """Field name with the unit the table shows it in."""
    return {"energy_j": "energy (SNN)", "ann_energy_j": "energy (ANN)"}.get(key, key)


def layer_section(run):
    if not run.layers:
        return [page.heading("Layers"), page.note("no per-layer data (layers.csv and run.json layers absent)")]
    # The CSV holds only scalar fields; list fields such as `shape` come from run.json.
    from_json = {l.get("name"): l for l in run.get("layers", default=[]) if isinstance(l, dict)}
    rows = [{**from_json.get(l.get("name"), {}), **l} for l in run.layers]
    extra = [k for k in rows[0] if k not in LAYER_COLUMNS and not isinstance(rows[0][k], (dict, list))]
    columns = [c for c in LAYER_COLUMNS if any(c in r for r in rows)] + extra

    def cell(key, value):
        if key == "shape" and isinstance(value, list):
            return "×".join(str(d) for d in value)
        if key in ("name", "kind") or isinstance(value, str):
            return value
        return units.by_suffix(key, value)

    table = page.table([_column_header(c) for c in columns],
                       [[cell(c, r.get(c)) for c in columns] for r in rows])
    return [page.heading("Layers"), page.paragraph("Counts are totals over all samples and timesteps."), table]


def membrane_series(run):
    layer_info = {l.get("name"): l for l in run.get("layers", default=[]) if isinstance(l, dict)}
    order = run.layer_order()
    names = sorted(run.traces_v, key=lambda n: (order.index(n) if n in order else len(order), n))
    series = {}
    for name in names:
        values, xlabel, note = figures.membrane_values(run.traces_v[name], layer_info.get(name))
        series[name] = [("", values, xlabel, note)]
    return series


def draw_figures(run, fig_dir):
    """Draws every figure the run has data for; returns {file name: path or skip reason}."""
    fig_dir.mkdir(parents=True, exist_ok=True)
    for name, _ in FIGURES:  # a figure from an earlier report must not outlive its data
        (fig_dir / name).unlink(missing_ok=True)
    p = lambda name: fig_dir / name  # noqa: E731
    drawn = {
        "per_inference.png": figures.per_inference(run, p("per_inference.png")),
        "energy_by_action.png": figures.energy_by_action(run.get("energy_breakdown_j"), p("energy_by_action.png")),
        "energy_by_layer.png": figures.energy_by_layer(run.layers, p("energy_by_layer.png")),
        "firing_rate.png": figures.firing_rate(run.layers, p("firing_rate.png")),
        "cores_mesh.png": figures.core_heatmaps(run.cores, run.mesh_size(), p("cores_mesh.png")),
        "timesteps.png": figures.per_timestep(run.timesteps, p("timesteps.png")),
    }
    if run.traces_v:
        drawn["membrane_hist.png"] = figures.membrane_histograms(membrane_series(run), p("membrane_hist.png"))
    else:
        drawn["membrane_hist.png"] = None
    return drawn


SKIP_REASONS = {
    "per_inference.png": "summary has no per-inference energy or latency",
    "energy_by_action.png": "run.json has no energy_breakdown_j",
    "energy_by_layer.png": "no per-layer energy",
    "firing_rate.png": "no per-layer firing rate",
    "cores_mesh.png": "no per-core data with mesh coordinates",
    "timesteps.png": "no per-timestep data",
    "membrane_hist.png": "no membrane traces (run with --record v to get traces/*_v.npy)",
}


def figures_section(run, drawn):
    parts = [page.heading("Figures")]
    for name, caption in FIGURES:
        if drawn.get(name):
            parts.append(page.figure(f"figures/{name}", caption))
        else:
            parts.append(page.note(f"{name} skipped: {SKIP_REASONS[name]}"))
    return parts


def notes_section(run):
    if not run.notes:
        return []
    return [page.heading("Notes on the input")] + [page.note(n) for n in run.notes]


def write_atomically(path, text):
    """A reader never sees a half-written report."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def make_report(run_dir):
    """Writes RUN_DIR/report.html and RUN_DIR/figures/; returns the HTML path."""
    run = rundir.load(run_dir)
    drawn = draw_figures(run, run.dir / "figures")
    parts = (header(run) + summary_section(run) + breakeven_section(run) + figures_section(run, drawn)
             + energy_section(run)
             + layer_section(run) + notes_section(run))
    out = run.dir / "report.html"
    write_atomically(out, page.document(title_of(run), parts))
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Write RUN_DIR/report.html and RUN_DIR/figures/*.png from an nmsim run directory "
                    "(the output of `nmsim run --out RUN_DIR`). Shows energy and latency per inference "
                    "(SNN simulated, ANN baseline, paper convention), energy by action and by layer, "
                    "firing rates, per-core load on the mesh, per-timestep activity and, when the run "
                    "recorded traces, membrane-potential histograms.",
        epilog="Exit status: 0 on success, 2 when RUN_DIR is not a readable run directory "
               "(missing or malformed run.json). Missing optional files only skip their section.")
    ap.add_argument("run_dir", metavar="RUN_DIR", help="run directory containing run.json")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        out = make_report(args.run_dir)
    except rundir.RunError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
