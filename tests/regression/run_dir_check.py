#!/usr/bin/python3
"""Check an nmsim run directory against sim/OUTPUT.md.

- run.json has every key of OUTPUT.md's run.json example (the jsonc block is
  parsed from the document itself), recursively; list entries are checked
  against the example's first entry.
- summary.snn.energy_j is the sum of energy_breakdown_j (rel 1e-12).
- layers.csv, cores.csv, timesteps.csv: a header row, one row per entry of
  layers / cores / timesteps, and the same scalar fields with the same values.

usage: run_dir_check.py OUTPUT.md RUN_DIR   (exit 1 on any failure)
"""
import csv
import json
import math
import re
import sys

# wall_s is shown in OUTPUT.md's run.json, but wall time lives in perf.json so
# that run.json is byte-identical across -j (see determinism.sh).
NOT_IN_RUN_JSON = {("wall_s",)}

problems = []


def doc_example(md_path):
    text = open(md_path).read()
    m = re.search(r"## run\.json\s*```jsonc\n(.*?)```", text, re.S)
    if not m:
        raise SystemExit("run_dir_check.py: no ```jsonc block under '## run.json' in OUTPUT.md")
    src = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)     # block comments
    src = re.sub(r'("(?:[^"\\]|\\.)*")|//[^\n]*', lambda g: g.group(1) or "", src)  # line comments
    return json.loads(src)


def check_keys(doc, got, path):
    if isinstance(doc, dict):
        if not isinstance(got, dict):
            problems.append(f"{'.'.join(path)}: expected an object")
            return
        for k, v in doc.items():
            if k == "..." or tuple(path + [k]) in NOT_IN_RUN_JSON:
                continue
            if k not in got:
                msg = f"run.json lacks {'.'.join(path + [k])}"
                if msg not in problems:
                    problems.append(msg)
            else:
                check_keys(v, got[k], path + [k])
    elif isinstance(doc, list) and doc:
        if not isinstance(got, list) or not got:
            problems.append(f"{'.'.join(path)}: expected a non-empty list")
            return
        for g in got:
            check_keys(doc[0], g, path[:-1] + [path[-1] + "[*]"])


def same(cell, v):
    """A CSV cell holds the same value as the JSON field v."""
    if v is None:
        return cell == ""
    if isinstance(v, bool):
        return cell.lower() == str(v).lower()
    if isinstance(v, str):
        return cell == v
    x = float(cell)
    return x == v or math.isclose(x, v, rel_tol=1e-12, abs_tol=0.0)


def check_csv(run_dir, name, rows):
    with open(f"{run_dir}/{name}.csv", newline="") as f:
        table = list(csv.reader(f))
    if not table:
        problems.append(f"{name}.csv is empty")
        return
    header, body = table[0], table[1:]
    scalars = [k for k, v in rows[0].items() if not isinstance(v, (list, dict))]
    if header != scalars:
        problems.append(f"{name}.csv header {header} != scalar fields of run.json {scalars}")
        return
    if len(body) != len(rows):
        problems.append(f"{name}.csv has {len(body)} rows, run.json {len(rows)}")
        return
    for i, (cells, row) in enumerate(zip(body, rows)):
        for k, c in zip(header, cells):
            if not same(c, row[k]):
                problems.append(f"{name}.csv row {i} {k}: '{c}' vs run.json {row[k]!r}")
                return
    print(f"  {name}.csv: {len(header)} columns, {len(body)} rows, same values as run.json")


def main(md_path, run_dir):
    run = json.load(open(f"{run_dir}/run.json"))
    check_keys(doc_example(md_path), run, [])
    print(f"  run.json: keys of OUTPUT.md's example checked ({len(problems)} missing)")
    e = run["summary"]["snn"]["energy_j"]
    parts = run["energy_breakdown_j"]
    s = sum(parts.values())
    print(f"  summary.snn.energy_j {e!r}, sum of energy_breakdown_j ({len(parts)} parts) {s!r}")
    if not (e > 0 and math.isclose(e, s, rel_tol=1e-12)):
        problems.append(f"summary.snn.energy_j {e} != sum of energy_breakdown_j {s}")
    for name in ("layers", "cores", "timesteps"):
        check_csv(run_dir, name, run[name])
    for p in problems:
        print(f"  FAIL: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
