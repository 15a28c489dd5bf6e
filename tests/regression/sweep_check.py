#!/usr/bin/python3
"""Checks on nmsim sweep directories, for the sweep_*.sh regression scripts.

    sweep_check.py standalone DIR NMSIM -- RUN_ARGS...
        every ok row's figures equal, exactly, those `nmsim run RUN_ARGS --set
        <axis>=<value>...` writes in run.json (the row's own --set values)
    sweep_check.py same DIR_A DIR_B
        the two results tables hold the same rows, every column equal
    sweep_check.py complete DIR N
        N rows, each configuration once, and the database passes integrity_check
    sweep_check.py methods DIR METHOD...
        run_log shows every METHOD (record, replay, full, infeasible) at least once
    sweep_check.py interrupt DIR WHEN WHAT -- CMD...
        starts CMD (a sweep into DIR) in a session of its own and kills it with
        SIGKILL once WHEN holds ("rows>=K" or "after=SECONDS"): the whole session
        (WHAT = group) or only CMD's process (WHAT = coordinator, whose workers
        must die with it); fails if any process of the session outlives it
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

# Row column -> run.json summary path (sim/sweep_store.cpp kSweepFigures).
FIGURES = {
    "energy_j_per_sample": ("snn", "energy_j_per_sample"),
    "latency_s_per_sample": ("snn", "latency_s_per_sample"),
    "accuracy": ("snn", "accuracy"),
    "cores_used": ("snn", "cores_used"),
    "synops": ("snn", "synops"),
    "spikes": ("snn", "spikes"),
    "messages": ("snn", "messages"),
    "hops": ("snn", "noc_hops"),
    "energy_j": ("snn", "energy_j"),
    "simulated_time_s": ("snn", "simulated_time_s"),
    "ann_energy_j_per_sample": ("ann", "energy_j_per_sample"),
    "ann_latency_s_per_sample": ("ann", "latency_s_per_sample"),
    "ann_accuracy": ("ann", "accuracy"),
}


def rows(directory):
    con = sqlite3.connect(os.path.join(directory, "results.sqlite"))
    cur = con.execute("SELECT * FROM results ORDER BY config_index")
    cols = [d[0] for d in cur.description]
    out = [dict(zip(cols, r)) for r in cur.fetchall()]
    axes = json.loads(dict(con.execute("SELECT key, value FROM sweep"))["axes"])
    con.close()
    return axes, out


def standalone(directory, nmsim, run_args):
    axes, rs = rows(directory)
    bad = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in rs:
            if r["status"] != "ok":
                continue
            sets = []
            for a in axes:
                sets += ["--set", f"{a}={r[a]}"]
            out = os.path.join(tmp, f"run{r['config_index']}")
            subprocess.run([nmsim, "run"] + run_args + sets + ["-q", "--out", out], check=True,
                           stdout=subprocess.DEVNULL)
            with open(os.path.join(out, "run.json")) as f:
                summary = json.load(f)["summary"]
            checked += 1
            for col, (side, key) in FIGURES.items():
                if summary[side][key] != r[col]:
                    bad += 1
                    print(f"  FAIL: configuration {r['config_index']} {col}: sweep {r[col]!r}, "
                          f"nmsim run {summary[side][key]!r}")
            if r["chips_used"] != 1:
                bad += 1
                print(f"  FAIL: configuration {r['config_index']} chips_used {r['chips_used']}")
    print(f"  {checked} configurations compared with nmsim run, {bad} differences")
    return 1 if bad or not checked else 0


def same(a, b):
    _, ra = rows(a)
    _, rb = rows(b)
    if ra == rb:
        print(f"  {len(ra)} rows identical")
        return 0
    print(f"  FAIL: {a} and {b} differ ({len(ra)} vs {len(rb)} rows)")
    for x, y in zip(ra, rb):
        if x != y:
            print(f"    first difference: {x} vs {y}")
            break
    return 1


def complete(directory, n):
    _, rs = rows(directory)
    con = sqlite3.connect(os.path.join(directory, "results.sqlite"))
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    hashes = [r["config_hash"] for r in rs]
    indices = [r["config_index"] for r in rs]
    ok = len(rs) == n and len(set(hashes)) == n and sorted(indices) == list(range(n)) and integrity == "ok"
    print(f"  {len(rs)} rows, {len(set(hashes))} distinct configurations, integrity {integrity}"
          + ("" if ok else f"  FAIL: expected {n}"))
    return 0 if ok else 1


def methods(directory, wanted):
    con = sqlite3.connect(os.path.join(directory, "results.sqlite"))
    got = dict(con.execute("SELECT method, COUNT(*) FROM run_log GROUP BY method"))
    con.close()
    missing = [m for m in wanted if not got.get(m)]
    print(f"  computed by: {got}" + (f"  FAIL: no {missing}" if missing else ""))
    return 1 if missing else 0


def count_rows(directory):
    try:
        con = sqlite3.connect(os.path.join(directory, "results.sqlite"), timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def session_pids(sid):
    """Processes of session `sid` still alive (zombies excepted)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state ppid pgrp session ...
            pids.append(int(d))
    return pids


def interrupt(directory, when, what, cmd):
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while p.poll() is None:
        if when.startswith("rows>=") and count_rows(directory) >= int(when[6:]):
            break
        if when.startswith("after=") and time.monotonic() - t0 >= float(when[6:]):
            break
        time.sleep(0.005)
    if what == "group":
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        p.kill()
    p.wait()
    left = session_pids(p.pid)
    for _ in range(400):
        if not left:
            break
        time.sleep(0.005)
        left = session_pids(p.pid)
    print(f"  killed ({what}, {when}) with {count_rows(directory)} rows")
    if left:
        print(f"  FAIL: {len(left)} process(es) of the sweep outlived it: {left}")
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        return 1
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "standalone":
        sep = argv.index("--")
        return standalone(argv[2], argv[3], argv[sep + 1:])
    if cmd == "same":
        return same(argv[2], argv[3])
    if cmd == "complete":
        return complete(argv[2], int(argv[3]))
    if cmd == "methods":
        return methods(argv[2], argv[3:])
    if cmd == "interrupt":
        sep = argv.index("--")
        return interrupt(argv[2], argv[3], argv[4], argv[sep + 1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
