#!/usr/bin/python3
"""Reads an nmsim run directory (format: sim/OUTPUT.md) without interpreting it.

Reports only display what the simulator wrote; this module loads those files
and records, as human-readable notes, what was missing, so that each report
section can be skipped with a reason instead of failing.

    run = load("out/fmnist_loihi")
    run.summary("snn", "energy_j_per_sample")   # -> float or None
    run.layers                                  # list of dicts, numbers parsed
    run.traces_v                                # {"lif1": Path(".../lif1_v.npy")}
"""

import csv
import json
from pathlib import Path


class RunError(Exception):
    """A run directory that cannot be reported on at all (message is one line)."""


def _parse_cell(text):
    """CSV cell -> int, float, None (empty) or the text itself."""
    if text is None or text == "":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: _parse_cell(v) for k, v in row.items()} for row in csv.DictReader(f)]


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise RunError(f"{path}: not found; is this an nmsim run directory?") from None
    except json.JSONDecodeError as e:
        raise RunError(f"{path}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise RunError(f"{path}: top level must be a JSON object, got {type(data).__name__}")
    return data


class Run:
    """One run directory: run.json plus the optional CSVs and traces."""

    def __init__(self, directory):
        self.dir = Path(directory)
        if not self.dir.is_dir():
            raise RunError(f"{self.dir}: not a directory")
        self.json = _read_json(self.dir / "run.json")
        self.notes = []  # what was missing, shown in the report
        self.layers = self._table("layers")
        self.cores = self._table("cores")
        self.timesteps = self._table("timesteps")
        self.traces_v = self._traces("v")

    def _table(self, name):
        """Rows of NAME.csv; falls back to run.json's NAME array, which holds the same fields."""
        path = self.dir / f"{name}.csv"
        if path.is_file():
            try:
                return read_csv(path)
            except (OSError, csv.Error, UnicodeDecodeError) as e:
                self.notes.append(f"{path.name} could not be read ({e}); using run.json")
        else:
            self.notes.append(f"{path.name} is missing; using the `{name}` array of run.json")
        rows = self.json.get(name)
        if isinstance(rows, list) and rows:
            return [r for r in rows if isinstance(r, dict)]
        self.notes.append(f"no {name} data in this run")
        return []

    def _traces(self, kind):
        tdir = self.dir / "traces"
        suffix = f"_{kind}.npy"
        if not tdir.is_dir():
            return {}
        return {p.name[: -len(suffix)]: p for p in sorted(tdir.glob(f"*{suffix}"))}

    # --- accessors that tolerate absent keys (older or partial runs) ---

    def get(self, *keys, default=None):
        node = self.json
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def summary(self, side, key):
        return self.get("summary", side, key)

    def option(self, key):
        return self.get("options", key)

    @property
    def name(self):
        return self.dir.resolve().name  # "." has no name of its own

    @property
    def samples(self):
        n = self.option("samples")
        return n if isinstance(n, int) and n > 0 else None

    def layer_order(self):
        """Layer names in network order (run.json's order is authoritative)."""
        names = [l.get("name") for l in self.json.get("layers", []) if isinstance(l, dict)]
        names = [n for n in names if n] or [l.get("name") for l in self.layers]
        return [n for n in names if n]

    def chip_config(self):
        """The resolved chip tree; tolerates it being nested under `chip` or not."""
        cfg = self.get("config", default={}) or {}
        return cfg.get("chip", cfg) if isinstance(cfg, dict) else {}

    def energy_table(self):
        """Per-action energy entries {action: {value, unit?, source?}} from the config."""
        cfg = self.get("config", default={}) or {}
        for node in (cfg.get("energy"), self.chip_config().get("energy")):
            if isinstance(node, dict) and node:
                return node
        return {}

    def mesh_size(self):
        """(width, height) from the config, else from the cores' coordinates."""
        mesh = self.chip_config().get("mesh", {})
        w, h = (mesh.get("width"), mesh.get("height")) if isinstance(mesh, dict) else (None, None)
        xs = [c["x"] for c in self.cores if isinstance(c.get("x"), int)]
        ys = [c["y"] for c in self.cores if isinstance(c.get("y"), int)]
        w = max(w if isinstance(w, int) else 0, max(xs, default=-1) + 1)
        h = max(h if isinstance(h, int) else 0, max(ys, default=-1) + 1)
        return w, h


def load(directory):
    return Run(directory)
