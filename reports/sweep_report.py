#!/usr/bin/python3
"""Turns one nmsim sweep directory into DIR/report.html, DIR/figures/*.png and
DIR/pareto.csv.

Reads only DIR/results.sqlite as `nmsim sweep` wrote it (table `results`: one
row per configuration, a column per axis named as the key, `status`, the
figures; table `sweep`: the spec). Shows each metric against each axis, the
Pareto front of energy per inference against latency per inference (and of
energy and latency against cores used) with its configurations, and every
configuration that cannot run with its reason. `nmsim report DIR` calls this
script on a sweep directory.

    /usr/bin/python3 reports/sweep_report.py SWEEP_DIR
"""

import argparse
import csv
import json
import math
import os
import sqlite3
import sys

import matplotlib

matplotlib.use("Agg")  # headless: reports run on build machines and clusters
import matplotlib.pyplot as plt  # noqa: E402

import page  # noqa: E402
import units  # noqa: E402
from figures import DPI, save, scale_for  # noqa: E402

PROG = "sweep_report.py"
ENERGY, LATENCY = "energy_j_per_sample", "latency_s_per_sample"
# Metrics plotted against every axis: (column, label, unit for SI scaling or None).
METRICS = [
    (ENERGY, "energy / inference", "J"),
    (LATENCY, "latency / inference", "s"),
    ("accuracy", "accuracy", None),
    ("cores_used", "cores used", None),
    ("synops", "synaptic ops (run)", None),
    ("spikes", "spikes (run)", None),
]
FRONT_COLOR, OTHER_COLOR = "#d62728", "#9aa7b4"


class SweepError(Exception):
    pass


def load(directory):
    """(axes, columns, rows as dicts, meta) from DIR/results.sqlite."""
    path = os.path.join(directory, "results.sqlite")
    if not os.path.exists(path):
        raise SweepError(f"{directory}: no results.sqlite (not a sweep directory)")
    con = sqlite3.connect(path)  # read only; a normal connection tidies the WAL files on close
    try:
        meta = dict(con.execute("SELECT key, value FROM sweep"))
        cur = con.execute("SELECT * FROM results ORDER BY config_index")
        columns = [d[0] for d in cur.description]
        rows = [dict(zip(columns, r)) for r in cur.fetchall()]
    except sqlite3.Error as e:
        raise SweepError(f"{path}: {e}") from e
    finally:
        con.close()
    axes = json.loads(meta.get("axes", "[]"))
    return axes, columns, rows, meta


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def pareto(rows, x, y):
    """The rows no other row beats on both x and y (smaller is better); ties all stay."""
    pts = sorted((r for r in rows if _num(r.get(x)) and _num(r.get(y))), key=lambda r: (r[x], r[y]))
    front, best = [], math.inf  # best: smallest y among points before the current (x, y) group
    i = 0
    while i < len(pts):
        j = i
        while j < len(pts) and (pts[j][x], pts[j][y]) == (pts[i][x], pts[i][y]):
            j += 1
        if pts[i][y] < best:
            front.extend(pts[i:j])
        best = min(best, pts[i][y])
        i = j
    return front


def axis_values(rows, axis):
    """The axis's distinct values in a readable order (numbers ascending, else as first seen)."""
    seen = []
    for r in rows:
        if r[axis] not in seen:
            seen.append(r[axis])
    if all(_num(v) for v in seen):
        return sorted(seen)
    return seen


def metric_vs_axes(rows, axes, out_dir):
    """One figure per axis: every metric against that axis's values, every configuration a dot."""
    paths = []
    ok = [r for r in rows if r["status"] == "ok"]
    metrics = [m for m in METRICS if any(_num(r.get(m[0])) for r in ok)]
    if not ok or not metrics:
        return paths
    for k, axis in enumerate(axes):
        values = axis_values(ok, axis)
        cols = min(3, len(metrics))
        nrows = math.ceil(len(metrics) / cols)
        fig, grid = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.0 * nrows), squeeze=False)
        for ax, (col, label, unit) in zip(grid.flat, metrics):
            ys = [r[col] for r in ok if _num(r.get(col))]
            factor, ulabel = scale_for(ys, unit) if unit else (1.0, "")
            xs, yv, med = [], [], []
            for i, v in enumerate(values):
                here = [r[col] * factor for r in ok if r[axis] == v and _num(r.get(col))]
                n = len(here)
                xs += [i + (j - (n - 1) / 2) * min(0.5 / max(n, 1), 0.08) for j in range(n)]
                yv += here
                med.append(sorted(here)[n // 2] if here else float("nan"))
            ax.scatter(xs, yv, s=14, color=OTHER_COLOR, edgecolor="none")
            ax.plot(range(len(values)), med, color=FRONT_COLOR, lw=1.2, marker="_", ms=14,
                    label="median")
            ax.set_xticks(range(len(values)))
            ax.set_xticklabels([str(v) for v in values], rotation=30 if len(values) > 4 else 0,
                               fontsize=8)
            ax.set_title(label + (f" [{ulabel}]" if ulabel else ""), fontsize=9)
            ax.set_xlabel(axis, fontsize=8)
            ax.tick_params(axis="y", labelsize=8)
        for ax in list(grid.flat)[len(metrics):]:
            ax.axis("off")
        path = os.path.join(out_dir, f"axis_{k}.png")
        save(fig, path)
        paths.append((path, axis))
    return paths


def front_plot(ax, rows, front, x, y, xunit, yunit, xlabel, ylabel):
    fx, xl = scale_for([r[x] for r in rows], xunit) if xunit else (1.0, "")
    fy, yl = scale_for([r[y] for r in rows], yunit) if yunit else (1.0, "")
    ax.scatter([r[x] * fx for r in rows], [r[y] * fy for r in rows], s=16, color=OTHER_COLOR,
               edgecolor="none", label="configuration")
    f = sorted(front, key=lambda r: (r[x], r[y], r["config_index"]))
    ax.step([r[x] * fx for r in f], [r[y] * fy for r in f], where="post", color=FRONT_COLOR, lw=1)
    ax.scatter([r[x] * fx for r in f], [r[y] * fy for r in f], s=30, color=FRONT_COLOR,
               label="Pareto front", zorder=3)
    # One label per point: the configuration indices there.
    at = {}
    for r in f:
        at.setdefault((r[x], r[y]), []).append(str(r["config_index"]))
    for (vx, vy), ids in at.items():
        text = ",".join(ids) if len(ids) <= 3 else f"{ids[0]},… ({len(ids)})"
        ax.annotate(text, (vx * fx, vy * fy), textcoords="offset points", xytext=(4, 3),
                    fontsize=7, color=FRONT_COLOR)
    ax.set_xlabel(xlabel + (f" [{xl}]" if xl else ""))
    ax.set_ylabel(ylabel + (f" [{yl}]" if yl else ""))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def pareto_figure(ok, front, out_dir):
    """pareto.png: energy vs latency per inference, and each against cores used, fronts in red."""
    if not front:
        return None
    cores = any(_num(r.get("cores_used")) for r in ok)
    fig, axes = plt.subplots(1, 3 if cores else 1, figsize=(14.5 if cores else 5.5, 4.2),
                             squeeze=False)
    a = axes[0]
    front_plot(a[0], ok, front, LATENCY, ENERGY, "s", "J", "latency / inference", "energy / inference")
    a[0].set_title("energy vs latency", fontsize=10)
    if cores:
        front_plot(a[1], ok, pareto(ok, "cores_used", ENERGY), "cores_used", ENERGY, None, "J",
                   "cores used", "energy / inference")
        a[1].set_title("energy vs cores used", fontsize=10)
        front_plot(a[2], ok, pareto(ok, "cores_used", LATENCY), "cores_used", LATENCY, None, "s",
                   "cores used", "latency / inference")
        a[2].set_title("latency vs cores used", fontsize=10)
    fig.suptitle("Pareto fronts (labels: configuration index)", fontsize=10)
    path = os.path.join(out_dir, "pareto.png")
    save(fig, path)
    return path


def fmt(col, v):
    if v is None:
        return units.MISSING
    if col == ENERGY or col.endswith("energy_j_per_sample"):
        return units.energy(v)
    if col == LATENCY or col.endswith("latency_s_per_sample"):
        return units.time(v)
    if col in ("accuracy", "ann_accuracy"):
        return units.percent(v)
    return str(v)


def write_pareto_csv(path, columns, front):
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in sorted(front, key=lambda r: (r[ENERGY], r[LATENCY], r["config_index"])):
            w.writerow(["" if r[c] is None else (repr(r[c]) if isinstance(r[c], float) else r[c])
                        for c in columns])
    os.replace(path + ".tmp", path)


def build(directory):
    axes, columns, rows, meta = load(directory)
    fig_dir = os.path.join(directory, "figures")
    os.makedirs(fig_dir, exist_ok=True)
    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] != "ok"]
    front = pareto(ok, ENERGY, LATENCY)
    write_pareto_csv(os.path.join(directory, "pareto.csv"), columns, front)

    total = meta.get("configurations", "?")
    parts = [page.heading(f"nmsim sweep — {os.path.basename(meta.get('spec_file', '?'))}", 1),
             page.meta([f"sweep directory: {directory}", f"spec: {meta.get('spec_file', '?')}",
                        f"axes: {', '.join(axes) if axes else '(none)'}",
                        f"configurations: {len(rows)} of {total} done, {len(ok)} ok, "
                        f"{len(bad)} cannot run"])]
    if len(rows) < int(total if str(total).isdigit() else len(rows)):
        parts.append(page.note("The sweep is not complete: rerun nmsim sweep to finish it."))

    parts.append(page.heading("Pareto front: energy vs latency per inference"))
    fig = pareto_figure(ok, front, fig_dir)
    if fig:
        parts.append(page.figure(os.path.relpath(fig, directory),
                                 "Every configuration that runs (grey) and the Pareto front (red): on "
                                 "the left, no other configuration has both lower energy and lower "
                                 "latency per inference; in the middle and on the right, the fewest "
                                 "cores for a given energy or latency."))
        shown = [c for c in [ENERGY, LATENCY, "accuracy", "cores_used"] if c in columns]
        parts.append(page.table(["config"] + axes + shown,
                                [[r["config_index"]] + [r[a] for a in axes] + [fmt(c, r[c]) for c in shown]
                                 for r in sorted(front, key=lambda r: r[ENERGY])]))
        parts.append(page.paragraph("The energy/latency front's rows, every column, are in pareto.csv."))
    else:
        parts.append(page.note("No configuration ran, so there is no front."))

    parts.append(page.heading("Each metric against each axis"))
    for path, axis in metric_vs_axes(rows, axes, fig_dir):
        parts.append(page.figure(os.path.relpath(path, directory),
                                 f"Metrics against {axis}: each dot a configuration (the other axes "
                                 "vary), the line their median."))

    parts.append(page.heading("Configurations that cannot run"))
    if bad:
        parts.append(page.table(["config"] + axes + ["reason"],
                                [[r["config_index"]] + [r[a] for a in axes] + [r["status"]] for r in bad]))
    else:
        parts.append(page.paragraph("None: every configuration fits the chip."))

    parts.append(page.heading("All configurations"))
    shown = [c for c in [ENERGY, LATENCY, "accuracy", "cores_used", "synops", "spikes",
                         "ann_energy_j_per_sample", "ann_latency_s_per_sample"] if c in columns]
    parts.append(page.table(["config"] + axes + ["status"] + shown,
                            [[r["config_index"]] + [r[a] for a in axes]
                             + ["ok" if r["status"] == "ok" else "cannot run"]
                             + [fmt(c, r[c]) for c in shown] for r in rows]))
    html = page.document(f"nmsim sweep report — {os.path.basename(meta.get('spec_file', '?'))}", parts)
    out = os.path.join(directory, "report.html")
    with open(out + ".tmp", "w") as f:
        f.write(html)
    os.replace(out + ".tmp", out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", help="sweep directory written by nmsim sweep")
    args = ap.parse_args(argv)
    try:
        print(build(args.directory))
    except SweepError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
