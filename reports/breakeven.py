#!/usr/bin/python3
"""Break-even spike rate of a run: the spikes per synapse per inference at which
the SNN on the chip and the ANN on the accelerator cost the same energy.

    reports/breakeven.py RUN_DIR [--json]

Model (linear in activity, from the run's own energy breakdown, run.json):
  E_snn(s) = E_fixed + E_spike * s / s_run
where s = synaptic events per synapse per inference (spike-driven synops over
the synapses that carry spikes, i.e. all but the Input population's), s_run the
run's measured value, E_spike the energy of the actions driven by spikes
(synop, spike_within_tile, hop_ew, hop_ns) and E_fixed everything else (neuron
updates, the input layer's graded inputs, static power over the run's simulated
time — held at the run's value, though a sparser network would also finish
sooner). The ANN's energy does not depend on s. Break-even:
  s* = (E_ann - E_fixed) / (E_spike / s_run)
none when E_fixed >= E_ann (the SNN costs more at any spike rate). Also given:
the break-even counting spike-driven energy only (E_fixed = 0), the form closest
to Dampfhoffer et al., IEEE TETCI 2023, who find 0.15-1.38 spikes per synapse
with memory accesses counted.
"""
import argparse
import json
import os
import sys

SPIKE_ACTIONS = ("synop", "spike_within_tile", "hop_ew", "hop_ns")
DAMPFHOFFER = (0.15, 1.38)


def breakeven(run):
    s = run["summary"]
    if s.get("ann") is None or s.get("snn") is None:
        return None
    n = run["options"]["samples"]
    e_ann = s["ann"]["energy_j_per_sample"]
    bd = {k: v / n for k, v in run["energy_breakdown_j"].items()}
    e_spike = sum(bd.get(k, 0.0) for k in SPIKE_ACTIONS)
    e_snn = sum(bd.values())
    e_fixed = e_snn - e_spike
    synapses = sum(l.get("synapses", 0) - l.get("input_synapses", 0) for l in run["layers"])
    s_run = s["snn"]["synops"] / n / synapses if synapses else 0.0
    per_s = e_spike / s_run if s_run > 0 else 0.0
    full = (e_ann - e_fixed) / per_s if per_s > 0 and e_ann > e_fixed else None
    spike_only = e_ann / per_s if per_s > 0 else None
    return {
        "snn_energy_j_per_sample": e_snn,
        "snn_fixed_j_per_sample": e_fixed,
        "snn_spike_driven_j_per_sample": e_spike,
        "ann_energy_j_per_sample": e_ann,
        "spiking_synapses": synapses,
        "spikes_per_synapse_run": s_run,
        "joules_per_spike_per_synapse": per_s,
        "breakeven_spikes_per_synapse": full,
        "breakeven_spike_driven_only": spike_only,
        "snn_over_ann": e_snn / e_ann if e_ann > 0 else None,
        "ann": f'{s["ann"].get("accelerator", "?")} ({s["ann"].get("process_node", "?")}, '
               f'{s["ann"].get("datatype", "?")})',
        "snn": f'{run.get("config", {}).get("name", "?")} ({s["snn"].get("process_node", "?")}, '
               f'{s["snn"].get("datatype", "?")})',
        "dampfhoffer_2023": list(DAMPFHOFFER),
    }


def text(b):
    if b is None:
        return "break-even: needs both the SNN and the ANN side (a run without --only)"
    lines = [
        f"SNN on {b['snn']}: {b['snn_energy_j_per_sample'] * 1e6:.3g} uJ/inference "
        f"({b['snn_fixed_j_per_sample'] * 1e6:.3g} uJ fixed + "
        f"{b['snn_spike_driven_j_per_sample'] * 1e6:.3g} uJ spike-driven) at "
        f"{b['spikes_per_synapse_run']:.3g} spikes per synapse",
        f"ANN on {b['ann']}: {b['ann_energy_j_per_sample'] * 1e6:.3g} uJ/inference "
        f"(SNN / ANN = {b['snn_over_ann']:.3g})",
    ]
    if b["breakeven_spikes_per_synapse"] is None:
        lines.append("break-even: none - the SNN's fixed cost alone exceeds the ANN's energy")
    else:
        lines.append(f"break-even: {b['breakeven_spikes_per_synapse']:.3g} spikes per synapse")
    if b["breakeven_spike_driven_only"] is not None:
        lines.append(f"break-even counting spike-driven energy only: "
                     f"{b['breakeven_spike_driven_only']:.3g} spikes per synapse "
                     f"(Dampfhoffer et al., TETCI 2023: {DAMPFHOFFER[0]}-{DAMPFHOFFER[1]})")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    with open(os.path.join(a.run_dir, "run.json")) as f:
        b = breakeven(json.load(f))
    print(json.dumps(b, indent=2) if a.json else text(b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
