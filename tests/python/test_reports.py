"""Tests of reports/make_report.py and reports/compare.py on a hand-made run
directory (fixtures/run_small, format of sim/OUTPUT.md). The scripts run as
`nmsim report` runs them: /usr/bin/python3 reports/<script>.py in a subprocess."""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run_small"
PYTHON = "/usr/bin/python3"  # the interpreter with Debian's matplotlib, as nmsim uses
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORT_FIGURES = ["per_inference.png", "energy_by_action.png", "energy_by_layer.png", "firing_rate.png",
                  "cores_mesh.png", "timesteps.png", "membrane_hist.png"]

sys.path.insert(0, str(REPORTS))
import units  # noqa: E402


def run_script(script, *args):
    return subprocess.run([PYTHON, str(REPORTS / script), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def copy_fixture(dest):
    shutil.copytree(FIXTURE, dest)
    return dest


def assert_valid_png(path):
    assert path.is_file(), path
    assert path.read_bytes()[:8] == PNG_SIGNATURE, path
    import matplotlib.image
    assert matplotlib.image.imread(str(path)).ndim == 3  # decodes as an image


def table_row(html, first_cell):
    """Cell texts of the table row whose first cell is `first_cell`."""
    m = re.search(rf"<tr><td>{re.escape(first_cell)}</td>(.*?)</tr>", html)
    assert m, f"no row {first_cell!r}"
    return re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    run_dir = copy_fixture(tmp_path_factory.mktemp("report") / "run_small")
    result = run_script("make_report.py", run_dir)
    assert result.returncode == 0, result.stderr
    return run_dir, (run_dir / "report.html").read_text(encoding="utf-8"), result


# --- the fixture itself must obey sim/OUTPUT.md, or the tests prove nothing ---

def _csv(name):
    with open(FIXTURE / name, newline="") as f:
        return list(csv.DictReader(f))


def test_fixture_is_self_consistent():
    run = json.loads((FIXTURE / "run.json").read_text())
    snn, n, t = run["summary"]["snn"], run["options"]["samples"], run["options"]["timesteps"]
    assert sum(run["energy_breakdown_j"].values()) == pytest.approx(snn["energy_j"], rel=1e-12)
    assert snn["energy_j_per_sample"] * n == pytest.approx(snn["energy_j"], rel=1e-12)
    assert sum(l["energy_j"] for l in run["layers"]) == pytest.approx(snn["energy_j"], rel=1e-12)
    assert sum(c["energy_j"] for c in run["cores"]) == pytest.approx(snn["energy_j"], rel=1e-12)
    ann_total = sum(run["ann_energy_breakdown_j"].values())
    assert run["summary"]["ann"]["energy_j_per_sample"] * n == pytest.approx(ann_total, rel=1e-12)
    assert sum(l["ann_energy_j"] for l in run["layers"]) == pytest.approx(ann_total, rel=1e-12)
    assert sum(l["ann_macs"] for l in run["layers"]) == run["summary"]["ann"]["macs"]
    for key in ("spikes", "synops", "noc_packets"):
        assert sum(s[key] for s in run["timesteps"]) == snn[key], key
    assert sum(s["latency_s"] for s in run["timesteps"]) / n == pytest.approx(snn["latency_s_per_sample"])
    assert sum(l["spikes"] for l in run["layers"]) == snn["spikes"]
    assert sum(l["synops"] + l["input_synops"] for l in run["layers"]) == snn["synops"]
    assert sum(c["packets_out"] for c in run["cores"]) == snn["noc_packets"]
    assert len(run["cores"]) == snn["cores_used"] == sum(l["cores"] for l in run["layers"])
    for layer in run["layers"]:
        assert layer["firing_rate"] == pytest.approx(layer["spikes"] / (layer["neurons"] * n * t))
        assert sum(c["spikes"] for c in run["cores"] if c["layer"] == layer["name"]) == layer["spikes"]
        spikes = np.load(FIXTURE / "traces" / f"{layer['name']}_spikes.npy")
        v = np.load(FIXTURE / "traces" / f"{layer['name']}_v.npy")
        assert spikes.shape == v.shape == (n, t, *layer["shape"])
        assert (spikes.dtype, v.dtype) == (np.uint8, np.float32)
        assert int(spikes.sum()) == layer["spikes"]
    paper = run["summary"]["paper_convention"]
    assert paper["snn_energy_j_per_sample"] == pytest.approx(snn["synops"] / n * paper["snn_ac_pj"] * 1e-12)
    for name in ("layers", "cores", "timesteps"):
        rows = _csv(f"{name}.csv")
        assert [r[next(iter(r))] for r in rows] == [str(x[next(iter(rows[0]))]) for x in run[name]], name


# --- units ---

@pytest.mark.parametrize("value, text", [
    (2.36e-11, "23.6 pJ"), (1.0753395e-07, "108 nJ"), (9.9996e-10, "1.00 nJ"), (4.8e-06, "4.80 µJ"),
    (0.0, "0 J"), (None, "—"), (-3.3e-09, "-3.30 nJ")])
def test_energy_format(value, text):
    assert units.energy(value) == text


def test_other_formats():
    assert units.time(2.4e-06) == "2.40 µs"
    assert units.time(0.012) == "12.0 ms"
    assert units.count(1234567) == "1,234,567"
    assert units.nbytes(131072) == "128 KiB"
    assert units.percent(0.875) == "87.5 %"


# --- make_report.py ---

def test_report_files_exist(report):
    run_dir, html, result = report
    assert result.stdout.strip().endswith("report.html")
    for name in REPORT_FIGURES:
        assert_valid_png(run_dir / "figures" / name)
        assert f'src="figures/{name}"' in html


def test_report_title_and_options(report):
    _, html, _ = report
    assert "<h1>nmsim report — tiny_snn_t4_rmp.nir on loihi.yaml</h1>" in html
    assert "samples=8, timesteps=4" in html


def test_report_summary_numbers(report):
    _, html, _ = report
    # 860.27 nJ over 8 samples; ANN 219.96 nJ / 8; paper: 28,676 synops / 8 x 0.9 pJ, 1,664 MACs x 4.6 pJ.
    assert table_row(html, "energy per inference") == ["108 nJ", "27.5 nJ", "3.23 nJ", "7.65 nJ"]
    assert table_row(html, "latency per inference") == ["2.40 µs", "1.20 µs", "", ""]
    assert table_row(html, "accuracy")[:2] == ["87.5 %", "100.0 %"]
    assert table_row(html, "spikes") == ["458", ""]
    assert table_row(html, "synops") == ["28,676", ""]
    assert table_row(html, "noc_hops") == ["615", ""]
    assert table_row(html, "cores_used") == ["3", ""]
    assert table_row(html, "macs") == ["", "13,312"]
    assert table_row(html, "dram_bytes") == ["0 B", "13 KiB"]


def test_report_energy_breakdown_with_sources(report):
    _, html, _ = report
    synop = table_row(html, "synop")
    assert synop[:3] == ["677 nJ", "78.7 %", "23.6 pJ"]
    assert synop[3].startswith("Davies et al., IEEE Micro 38(1) 2018")
    assert table_row(html, "static")[2] == "1.20 mW"
    assert "sums to" not in html  # breakdown agrees with summary.snn.energy_j


def test_report_layer_table(report):
    _, html, _ = report
    assert table_row(html, "lif1") == ["LIF", "64", "64", "410", "0.2002", "0", "24,576", "2,048", "2",
                                        "735 nJ", "8,192", "135 nJ"]


def test_missing_run_json_is_one_line_error(tmp_path):
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "run.json").unlink()
    result = run_script("make_report.py", run_dir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "run.json" in lines[0] and "not found" in lines[0]
    assert not (run_dir / "report.html").exists()


def test_malformed_run_json_is_one_line_error(tmp_path):
    run_dir = copy_fixture(tmp_path / "run")
    (run_dir / "run.json").write_text('{"summary": ')
    result = run_script("make_report.py", run_dir)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "invalid JSON" in result.stderr


def test_missing_optional_files_skip_sections(tmp_path):
    run_dir = copy_fixture(tmp_path / "run")
    assert run_script("make_report.py", run_dir).returncode == 0
    shutil.rmtree(run_dir / "traces")
    (run_dir / "timesteps.csv").unlink()
    (run_dir / "cores.csv").unlink()
    run = json.loads((run_dir / "run.json").read_text())
    del run["cores"], run["config"]["energy"]
    run["summary"]["ann"]["accuracy"] = None  # allowed by sim/OUTPUT.md
    (run_dir / "run.json").write_text(json.dumps(run))

    result = run_script("make_report.py", run_dir)
    assert result.returncode == 0, result.stderr
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert not (run_dir / "figures" / "membrane_hist.png").exists()  # stale figure removed
    assert not (run_dir / "figures" / "cores_mesh.png").exists()
    assert "membrane_hist.png skipped" in html and "cores_mesh.png skipped" in html
    assert_valid_png(run_dir / "figures" / "timesteps.png")  # from run.json's timesteps array
    assert "timesteps.csv is missing" in html
    assert "config.energy is absent" in html
    assert table_row(html, "accuracy")[:2] == ["87.5 %", "—"]


def test_help_explains():
    result = run_script("make_report.py", "--help")
    assert result.returncode == 0 and "run.json" in result.stdout and "Exit status" in result.stdout


# --- compare.py ---

def test_compare_two_runs(tmp_path):
    a = copy_fixture(tmp_path / "rmp")
    b = copy_fixture(tmp_path / "base")
    run = json.loads((b / "run.json").read_text())
    run["summary"]["snn"]["energy_j_per_sample"] *= 1.25
    (b / "run.json").write_text(json.dumps(run))
    out = tmp_path / "cmp"
    result = run_script("compare.py", a, b, "--labels", "RMP-Loss,baseline", "--out", out)
    assert result.returncode == 0, result.stderr
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "<th>RMP-Loss</th><th>baseline</th>" in html
    assert table_row(html, "SNN energy / inference") == ["108 nJ", "134 nJ (+25.0 %)"]
    assert table_row(html, "SNN accuracy") == ["87.5 %", "87.5 %"]
    for name in ("compare_metrics.png", "compare_firing_rate.png", "compare_membrane.png"):
        assert_valid_png(out / "figures" / name)


def test_compare_errors(tmp_path):
    a = copy_fixture(tmp_path / "a")
    missing = tmp_path / "missing"
    missing.mkdir()
    result = run_script("compare.py", a, missing, "--out", tmp_path / "cmp")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    result = run_script("compare.py", a, a, "--labels", "only-one", "--out", tmp_path / "cmp")
    assert result.returncode == 2 and "--labels" in result.stderr
