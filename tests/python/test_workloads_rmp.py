#!/usr/bin/python3
"""RMP-Loss value and gradient, its lambda schedules, and the LIF update, on tensors
small enough to check by hand."""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "workloads", "python"))
import rmp  # noqa: E402
from model import SpikeFn, lif_multistep  # noqa: E402

THETA = 0.5


def _layers():
    u1 = torch.tensor([[0.2, 0.7], [1.5, -0.3]], requires_grad=True)
    u2 = torch.tensor([0.5, 0.9], requires_grad=True)
    return u1, u2


def test_value_is_mean_over_layers_of_mean_squared_quantization_error():
    u1, u2 = _layers()
    o1 = (u1 > THETA).float()  # [[0, 1], [1, 0]]
    o2 = (u2 > THETA).float()  # [0, 1]: 0.5 is not above the threshold
    # layer 1: (0.04 + 0.09 + 0.25 + 0.09) / 4 = 0.1175; layer 2: (0.25 + 0.01) / 2 = 0.13
    loss = rmp.rmp_loss([u1, u2], [o1, o2])
    assert loss.item() == pytest.approx((0.1175 + 0.13) / 2, abs=1e-7)


def test_gradient_pulls_potential_towards_its_spike_not_through_the_surrogate():
    u1, u2 = _layers()
    # Spikes made by the surrogate function stay in the graph: the loss must detach them.
    o1 = SpikeFn.apply(u1 - THETA, 4.0)
    o2 = SpikeFn.apply(u2 - THETA, 4.0)
    rmp.rmp_loss([u1, u2], [o1, o2]).backward()
    # d/du mean_l mean_n (u - o)^2 = 2 (u - o) / n_l / L
    expected1 = torch.tensor([[0.2, -0.3], [0.5, -0.3]]) * 2 / 4 / 2
    expected2 = torch.tensor([0.5, -0.1]) * 2 / 2 / 2
    assert torch.allclose(u1.grad, expected1, atol=1e-7)
    assert torch.allclose(u2.grad, expected2, atol=1e-7)


def test_loss_is_zero_when_potentials_equal_spikes():
    u = torch.tensor([0.0, 1.0, 1.0, 0.0])
    assert rmp.rmp_loss([u], [(u > THETA).float()]).item() == 0.0


def test_mismatched_layer_lists_are_rejected():
    with pytest.raises(ValueError, match="one .* pair per spiking layer"):
        rmp.rmp_loss([torch.zeros(2)], [])


def test_schedules():
    assert rmp.rmp_lambda(0.4, "constant", 0.7) == 0.4
    assert rmp.rmp_lambda(0.4, "linear", 0.0) == 0.0
    assert rmp.rmp_lambda(0.4, "linear", 0.5) == pytest.approx(0.2)
    assert rmp.rmp_lambda(0.4, "cosine", 0.0) == pytest.approx(0.4)
    assert rmp.rmp_lambda(0.4, "cosine", 1.0) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="use one of"):
        rmp.rmp_lambda(0.4, "step", 0.5)


def test_lif_hard_reset_update():
    # u1 = 0.4 (no spike); u2 = 0.5*0.4 + 0.4 = 0.6 (spike); u3 = 0.5*0.6*(1-1) + 0.4 = 0.4
    current = torch.full((3, 1), 0.4)
    spikes, potentials = lif_multistep(current, beta=0.5, theta=THETA)
    assert spikes.flatten().tolist() == [0.0, 1.0, 0.0]
    assert torch.allclose(potentials.flatten(), torch.tensor([0.4, 0.6, 0.4]))
