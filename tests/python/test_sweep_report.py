"""Tests of reports/sweep_report.py on a hand-made sweep directory (results.sqlite
as nmsim sweep writes it, sim/OUTPUT.md): the Pareto front keeps every
configuration nothing beats on both energy and latency (ties included),
pareto.csv holds its rows, and the report lists infeasible configurations
with their reasons. The script runs as `nmsim report` runs it."""

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
PYTHON = "/usr/bin/python3"

sys.path.insert(0, str(REPORTS))
import sweep_report  # noqa: E402

AXES = ["chip.core.neurons", "chip.mesh"]
# (index, neurons, mesh, status, energy, latency, cores)
ROWS = [
    (0, 256, "{width: 8, height: 4}", "ok", 5e-5, 2e-3, 90),    # front: least energy
    (1, 512, "{width: 8, height: 4}", "ok", 6e-5, 1e-3, 46),    # front
    (2, 1024, "{width: 8, height: 4}", "ok", 9e-5, 0.5e-3, 28),  # front: least latency
    (3, 512, "{width: 16, height: 8}", "ok", 6e-5, 1e-3, 46),   # tie with 1: on the front too
    (4, 1024, "{width: 16, height: 8}", "ok", 9.5e-5, 1.5e-3, 28),  # beaten by 1 and 2
    (5, 256, "{width: 4, height: 4}", "net.nir: network needs 90 cores but chip 'loihi' has 64",
     None, None, None),
]


def make_sweep(directory):
    directory.mkdir()
    con = sqlite3.connect(directory / "results.sqlite")
    con.execute("CREATE TABLE sweep (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.executemany("INSERT INTO sweep VALUES (?, ?)",
                    [("axes", json.dumps(AXES)), ("spec_file", "spec.yaml"), ("configurations", "6")])
    con.execute('CREATE TABLE results (config_index INTEGER, config_hash TEXT UNIQUE, '
                '"chip.core.neurons", "chip.mesh", status TEXT, energy_j_per_sample REAL, '
                "latency_s_per_sample REAL, accuracy REAL, cores_used INTEGER, synops INTEGER, "
                "spikes INTEGER)")
    for i, n, mesh, status, e, lat, cores in ROWS:
        ok = status == "ok"
        con.execute("INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (i, f"h{i}", n, mesh, status, e, lat, 0.9 if ok else None, cores,
                     1000 if ok else None, 100 if ok else None))
    con.commit()
    con.close()
    return directory


def test_front_keeps_ties_and_drops_dominated():
    rows = [{"config_index": r[0], "energy_j_per_sample": r[4], "latency_s_per_sample": r[5]}
            for r in ROWS]
    front = sweep_report.pareto(rows, "energy_j_per_sample", "latency_s_per_sample")
    assert sorted(r["config_index"] for r in front) == [0, 1, 2, 3]


def test_report_pareto_csv_and_infeasible(tmp_path):
    d = make_sweep(tmp_path / "sweep")
    r = subprocess.run([PYTHON, str(REPORTS / "sweep_report.py"), str(d)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open(d / "pareto.csv") as f:
        front = list(csv.DictReader(f))
    assert [int(x["config_index"]) for x in front] == [0, 1, 3, 2]  # by energy, then latency
    assert front[0]["chip.mesh"] == "{width: 8, height: 4}"
    html = (d / "report.html").read_text()
    assert "network needs 90 cores but chip &#x27;loihi&#x27; has 64" in html
    assert (d / "figures" / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    for k in range(len(AXES)):
        assert (d / "figures" / f"axis_{k}.png").is_file()


def test_not_a_sweep_directory(tmp_path):
    r = subprocess.run([PYTHON, str(REPORTS / "sweep_report.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "no results.sqlite" in r.stderr
