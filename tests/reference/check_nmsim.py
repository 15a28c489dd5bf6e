#!/usr/bin/python3
"""Runs `nmsim run --record v,spikes` on the hand-checked NIR cases (nir_cases.py) and on
the NIR paper's recurrent braille networks, and compares nmsim's traces with the
independent evaluator (nir_euler.py): spikes exactly, v within a float32 bound.

    /usr/bin/python3 check_nmsim.py NMSIM SHARED_DIR [--only SUBSTRING] [--keep DIR] [-v]

Per case and run setting it prints one line, PASS or FAIL with what differed. Every
hand-worked answer is first checked against the evaluator (a disagreement there is a bug
in the test, reported as REFERENCE and failing the run). Exit status 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nir_cases  # noqa: E402
import nir_euler  # noqa: E402

# v agrees when |v_nmsim - v_ref| <= V_REL * max(1, max|v_ref|, max|I_ref|) per population:
# the evaluator sums currents in float64 and rounds once, nmsim sums in float32, so the
# two differ by a few float32 ulps of the largest current, carried on in v.
V_REL = 2 ** -16     # ~1.5e-5; the braille networks differ by 1.5e-5 at currents ~200

BRAILLE = ["braille_noDelay_bias_zero.nir", "braille_noDelay_noBias_subtract.nir"]
BRAILLE_DT = 1e-4    # tau_syn 0.18-0.4 ms, tau_mem 0.22-1 ms: dt/tau between 0.1 and 0.55
BRAILLE_T = 256
BRAILLE_P = 0.05     # spike probability per input channel and step (denser input silences
                     # most of the recurrent layer: 0.3 leaves 2 of its neurons firing)


def run_nmsim(nmsim, model, x, dt, ld, reset, outdir):
    os.makedirs(outdir, exist_ok=True)
    xin = os.path.join(outdir, "x.npy")
    np.save(xin, x)
    run = os.path.join(outdir, "run")
    cmd = [nmsim, "run", "--set", "chip.core.datapath=float32", "--model", model, "--input", xin, "--timesteps", str(x.shape[0]),
           "--dt", repr(dt), "--layer-delay", str(ld), "--reset", reset,
           "--out", run, "--record", "v,spikes", "--jobs", "1", "-q"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timed out after 60 s", run
    return p.returncode, p.stderr, run


def load_traces(run, pops):
    got = {}
    for n in pops:
        fv = os.path.join(run, "traces", f"{n}_v.npy")
        fs = os.path.join(run, "traces", f"{n}_spikes.npy")
        if os.path.exists(fv):
            got[n] = {"v": np.load(fv)[0],
                      "spikes": np.load(fs)[0] if os.path.exists(fs) else None}
    return got


def rc_text(rc, err):
    line = err.strip().splitlines()[-1] if err.strip() else ""
    if rc is None:
        return err
    if rc < 0:
        return f"killed by signal {-rc} (crash) {line}"
    if rc >= 128:
        return f"exit {rc} (crash) {line}"
    return f"exit {rc}: {line}"


def first_diff(a, b):
    idx = np.argwhere(a != b)[0]
    return int(idx[0]), tuple(int(i) for i in idx[1:])


def compare(ref, got, pop_names, recurrent, diag):
    """Problems as strings (empty: agree), plus a per-population summary."""
    probs, summ = [], []
    for n in pop_names:
        r = ref[n]
        if n not in got:
            if r["type"] == "Output":
                continue      # an Output fed by one population is that population in nmsim
            probs.append(f"{n}: no trace written")
            continue
        g = got[n]
        if g["v"].shape != r["v"].shape:
            probs.append(f"{n}: trace shape {g['v'].shape}, want {r['v'].shape}")
            continue
        spiking = r["type"] in nir_euler.SPIKING
        if spiking:
            if g["spikes"] is None:
                probs.append(f"{n}: no spike trace")
                continue
            bad = int((g["spikes"] != r["spikes"]).sum())
            if bad:
                t, i = first_diff(g["spikes"], r["spikes"])
                msg = (f"{n}: {bad} spike(s) differ (nmsim {int(g['spikes'].sum())}, reference "
                       f"{int(r['spikes'].sum())}); first at t={t} neuron {i}: nmsim "
                       f"{int(g['spikes'][(t,) + i])}, reference {int(r['spikes'][(t,) + i])}")
                if recurrent and diag is not None and n in diag and \
                        np.array_equal(g["spikes"], diag[n]["spikes"]):
                    dd = float(np.abs(g["v"].astype(np.float64) - diag[n]["v"]).max())
                    msg += (" -- nmsim equals the reference with recurrent edges one step late"
                            f" (spikes exactly, max dv {dd:.2g})")
                probs.append(msg)
        scale = max(1.0, float(np.abs(r["v"]).max()), float(np.abs(r["I"]).max()))
        dv = float(np.abs(g["v"].astype(np.float64) - r["v"]).max())
        if not np.all(np.isfinite(g["v"])) or dv > V_REL * scale:
            probs.append(f"{n}: max |v - v_ref| = {dv:.3g} > {V_REL * scale:.2g}")
        summ.append(f"{n} {int(r['spikes'].sum()) if spiking else 'graded'}"
                    f"{' spikes' if spiking else ''} dv={dv:.2g}")
    return probs, summ


def check_hand(case, ref, hand):
    """Hand answer vs the evaluator (or vs nmsim's traces: same structure)."""
    probs = []
    for n, h in hand.items():
        if n not in ref:
            probs.append(f"{n}: missing")
            continue
        r = ref[n]
        if h.get("spikes") is not None:
            want = np.asarray(h["spikes"]).reshape(r["spikes"].shape if r["spikes"] is not None
                                                   else np.shape(h["spikes"]))
            if r["spikes"] is None or not np.array_equal(r["spikes"], want):
                have = r["spikes"]
                where = "" if have is None else \
                    " first at t=%d neuron %s" % first_diff(have, want)
                probs.append(f"{n}: spikes differ from the hand answer{where}")
        for (t, *i), val in h.get("spike_at", {}).items():
            if r["spikes"] is None or int(r["spikes"][(t, *i)]) != val:
                probs.append(f"{n}: spike at t={t} {i} should be {val}")
        tol = h.get("v_tol", 1e-6)
        for (t, *i), val in h.get("v", {}).items():
            have = float(r["v"][(t, *i)])
            if not abs(have - val) <= tol * max(1.0, abs(val)):
                probs.append(f"{n}: v[t={t}, {i}] = {have!r}, hand answer {val!r}")
                break
    return probs


def check_error(case, nmsim, tmp):
    rc, err, run = run_nmsim(nmsim, case.nir, case.x, case.dt, 0, "to_reset",
                             os.path.join(tmp, case.name))
    lines = err.strip().splitlines() if err else []
    probs = []
    if rc != 2:
        probs.append("accepted (exit 0)" if rc == 0 else f"want exit 2, got {rc_text(rc, err)}")
    else:
        if len(lines) != 1:
            probs.append(f"{len(lines)} lines on stderr, want 1")
        line = lines[0] if lines else ""
        if not line.startswith("nmsim: error:"):
            probs.append("stderr does not start with 'nmsim: error:'")
        for nd in case.error:
            if isinstance(nd, tuple):              # ("index", flat, tuple): either form
                _, flat, idx = nd
                forms = [rf"\b{flat}\b"] + \
                    [r"\D" + r"\D{1,3}".join(str(k) for k in idx) + r"\D"] * (len(idx) > 1)
                if not any(re.search(f, line) for f in forms):
                    probs.append(f"message lacks the index ({flat} or {list(idx)})")
            elif nd not in line:
                probs.append(f"message lacks '{nd}'")
        for nd in case.forbid:
            if nd in line:
                probs.append(f"refused for another reason ('{nd}')")
        if os.path.exists(run) or os.path.exists(run + ".partial"):
            probs.append("output directory left behind")
    return probs, (lines[0] if lines else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("nmsim")
    ap.add_argument("shared")
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    ap.add_argument("--keep", help="write the cases and runs here instead of a temp dir")
    a = ap.parse_args(argv)
    t0 = time.time()
    tmp = a.keep or tempfile.mkdtemp(prefix="nir_reference.")
    failed, passed, ref_broken = [], 0, []

    def report(label, probs, summary=""):
        nonlocal passed
        if probs:
            failed.append(label)
            print(f"FAIL {label}: " + "; ".join(probs))
        else:
            passed += 1
            print(f"PASS {label}{': ' + summary if summary else ''}")

    cases = nir_cases.make_cases(os.path.join(tmp, "cases"))
    for case in cases:
        if a.only not in case.name:
            continue
        if case.error is not None:
            probs, line = check_error(case, nmsim=a.nmsim, tmp=os.path.join(tmp, "runs"))
            report(f"{case.name} [{case.what}]", probs,
                   f"refused: {line}")
            continue
        g = nir_euler.read_nir(case.nir)
        for ld, reset in case.configs:
            label = f"{case.name} ld={ld} {reset}"
            ref = nir_euler.evaluate(g, case.x, case.dt, ld, reset)
            hand = case.hand(ld, reset) if case.hand else {}
            hp = check_hand(case, ref, hand)
            if hp:
                ref_broken.append(label)
                print(f"REFERENCE {label}: evaluator disagrees with the hand answer: "
                      + "; ".join(hp))
                continue
            rc, err, run = run_nmsim(a.nmsim, case.nir, case.x, case.dt, ld, reset,
                                     os.path.join(tmp, "runs", f"{case.name}_ld{ld}_{reset}"))
            if rc != 0:
                report(f"{label} [{case.what}]", [f"nmsim {rc_text(rc, err)}"])
                continue
            pops = [n for n in ref if ref[n]["type"] != "Input"]
            got = load_traces(run, pops)
            diag = nir_euler.evaluate(g, case.x, case.dt, ld, reset, back_extra=1) \
                if case.recurrent else None
            probs, summ = compare(ref, got, pops, case.recurrent, diag)
            # The hand answer against nmsim directly, so a report names what it expected.
            hn = check_hand(case, {n: {"spikes": got[n]["spikes"], "v": got[n]["v"]}
                                   for n in got}, hand) if not probs else []
            report(f"{label} [{case.what}]", probs + hn, ", ".join(summ))

    # The NIR paper's braille networks: recurrent CubaLIF layers, random spike input.
    npdir = os.path.join(a.shared, "external", "nir-paper")
    if "braille" in a.only or not a.only:
        if not os.path.isdir(npdir):
            print("braille: skipped: needs ../shared/external/nir-paper")
        else:
            for fn in BRAILLE:
                model = os.path.join(npdir, fn)
                g = nir_euler.read_nir(model)
                shape = tuple(int(s) for s in np.asarray(g.p(g.input, "shape")).reshape(-1))
                x = (np.random.default_rng(20240601).random((BRAILLE_T,) + shape)
                     < BRAILLE_P).astype(np.float32)
                for reset in ("to_reset", "subtract"):
                    label = f"{fn} ld=0 {reset} dt={BRAILLE_DT:g} T={BRAILLE_T}"
                    ref = nir_euler.evaluate(g, x, BRAILLE_DT, 0, reset)
                    rc, err, run = run_nmsim(a.nmsim, model, x, BRAILLE_DT, 0, reset,
                                             os.path.join(tmp, "runs", f"{fn}_{reset}"))
                    if rc != 0:
                        report(label, [f"nmsim {rc_text(rc, err)}"])
                        continue
                    pops = [n for n in ref if ref[n]["type"] != "Input"]
                    diag = nir_euler.evaluate(g, x, BRAILLE_DT, 0, reset, back_extra=1)
                    probs, summ = compare(ref, load_traces(run, pops), pops, True, diag)
                    report(label, probs, ", ".join(summ))

    if failed:
        per_case = {}
        for label in failed:
            name = label.split(" ")[0]
            per_case[name] = per_case.get(name, 0) + 1
        print("failed: " + ", ".join(f"{k} ({v})" for k, v in per_case.items()))
    print(f"nir_reference: {passed} passed, {len(failed)} failed"
          + (f", {len(ref_broken)} reference errors" if ref_broken else "")
          + f" ({time.time() - t0:.1f} s)" + (f", files kept in {tmp}" if a.keep else ""))
    if not a.keep:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed or ref_broken else 0


if __name__ == "__main__":
    sys.exit(main())
