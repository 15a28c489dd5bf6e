#!/usr/bin/python3
"""RMP-Loss (Guo et al., ICCV 2023): pull membrane potentials towards the spike they emit.

L_RMP = mean over layers l of [ mean over timesteps t, samples and neurons of (u - o)^2 ]
where u is the membrane potential before firing and o in {0, 1} its spike. Each layer
weighs equally whatever its size. The spike o is a constant in this loss (detached), so
dL/du = 2 (u - o) / N_l / L: the gradient moves u towards the spike value it produced
instead of through the surrogate derivative of the firing function.
"""
import math

import torch

SCHEDULES = ("constant", "linear", "cosine")


def rmp_loss(potentials, spikes):
    """potentials, spikes: equal-length lists of tensors, one pair per spiking layer."""
    if len(potentials) != len(spikes) or not potentials:
        raise ValueError("rmp_loss needs one (potential, spike) pair per spiking layer")
    per_layer = [((u - o.detach()) ** 2).mean() for u, o in zip(potentials, spikes)]
    return torch.stack(per_layer).mean()


def rmp_lambda(base, schedule, progress):
    """Weight of the RMP term at training progress in [0, 1].

    constant: base throughout; linear: ramps 0 -> base (lets the network find a
    solution before the potentials are squeezed); cosine: base -> 0 (regularise early,
    let CE fine-tune at the end).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown RMP schedule {schedule!r}; use one of {', '.join(SCHEDULES)}")
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "constant":
        return base
    if schedule == "linear":
        return base * progress
    return base * 0.5 * (1.0 + math.cos(math.pi * progress))
