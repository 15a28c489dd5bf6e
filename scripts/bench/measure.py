#!/usr/bin/python3
"""Run a command under GNU time -v and record wall time, CPU time and memory as JSON.

usage: measure.py OUT.json -- COMMAND [ARGS...]

GNU time's "Maximum resident set size" is ru_maxrss from wait4(): on Linux the larger
of the process itself and every descendant it reaped, i.e. the largest single process,
not the sum. nmsim forks one worker per core and reaps them, so this is the peak of the
largest worker or the parent. To check that and to see what the process tree needs at
once, /proc is also sampled every 50 ms: the largest VmHWM of any process seen and the
largest sum of VmRSS over the tree at one instant (a sampled lower bound; shared pages
are counted once per process).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

POLL_S = 0.05


def children(pid):
    # /proc/PID/task/TID/children: far cheaper than scanning all of /proc, which
    # matters on a 2-core machine where the sampler shares the cores being measured.
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(k) for k in f.read().split())
    except OSError:
        pass
    return kids


def tree(root):
    out, stack = [], [root]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children(p))
    return out


def status_kib(pid):
    """(VmRSS, VmHWM) in KiB, or None once the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    rss = re.search(r"^VmRSS:\s+(\d+)", text, re.M)
    hwm = re.search(r"^VmHWM:\s+(\d+)", text, re.M)
    if not rss or not hwm:
        return None
    return int(rss.group(1)), int(hwm.group(1))


def parse_time_v(text):
    def field(name):
        m = re.search(r"^\s*" + re.escape(name) + r":\s*(.+)$", text, re.M)
        if not m:
            raise ValueError(f"GNU time output has no '{name}'")
        return m.group(1).strip()

    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    return {
        "wall_s": wall,
        "user_s": float(field("User time (seconds)")),
        "sys_s": float(field("System time (seconds)")),
        "cpu_percent": field("Percent of CPU this job got"),
        "max_rss_kib": int(field("Maximum resident set size (kbytes)")),
        "exit_status": int(field("Exit status")),
    }


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__.split("\n\n")[1])
    out, cmd = sys.argv[1], sys.argv[3:]
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        # Monotonic wall around the whole thing too: GNU time prints only 10 ms steps.
        t0 = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + cmd)
        hwm, tree_peak, by_pid, main_pid = 0, 0, {}, None
        while proc.poll() is None:
            total = 0
            procs = tree(proc.pid)[1:]  # [0] is GNU time itself, [1] the command
            if procs and main_pid is None:
                main_pid = procs[0]
            for pid in procs:
                s = status_kib(pid)
                if s:
                    by_pid[pid] = max(by_pid.get(pid, 0), s[1])
                    total += s[0]
                    hwm = max(hwm, s[1])
            tree_peak = max(tree_peak, total)
            time.sleep(POLL_S)
        elapsed = time.perf_counter() - t0
        r = parse_time_v(tf.read())
    r.update({
        "elapsed_s": elapsed,
        "sampled_max_process_hwm_kib": hwm,
        "sampled_tree_rss_peak_kib": tree_peak,
        "processes_seen": len(by_pid),
        "sampled_main_hwm_kib": by_pid.get(main_pid, 0),
        "sampled_other_hwm_kib": [v for k, v in sorted(by_pid.items()) if k != main_pid],
        "command": cmd,
    })
    with open(out, "w") as f:
        json.dump(r, f, indent=1)
    sys.exit(proc.returncode if proc.returncode else r["exit_status"])


if __name__ == "__main__":
    main()
