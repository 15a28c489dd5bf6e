#!/usr/bin/python3
"""The reference evaluator on its own (no nmsim): it must give every hand-worked answer of
nir_cases.py, PyTorch's convolutions and pooling, and Norse's LIF trace from the NIR paper.

    /usr/bin/python3 -m pytest -q tests/reference
"""
import atexit
import os
import shutil
import sys
import tempfile

import numpy as np
import pytest
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_nmsim  # noqa: E402
import nir_cases  # noqa: E402
import nir_euler  # noqa: E402

NIR_PAPER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "external",
                         "nir-paper")
_TMP = tempfile.mkdtemp(prefix="nir_euler_test.")
atexit.register(shutil.rmtree, _TMP, True)
CASES = nir_cases.make_cases(_TMP)           # needed at collection, hence not tmp_path


@pytest.mark.parametrize("case", [c for c in CASES if c.error is None], ids=lambda c: c.name)
def test_hand_answers(case):
    g = nir_euler.read_nir(case.nir)
    for ld, reset in case.configs:
        ref = nir_euler.evaluate(g, case.x, case.dt, ld, reset)
        assert check_nmsim.check_hand(case, ref, case.hand(ld, reset)) == [], (ld, reset)


@pytest.mark.parametrize("case", [c for c in CASES if c.error is not None and "delay" in c.name],
                         ids=lambda c: c.name)
def test_fractional_delay_refused(case):
    with pytest.raises(nir_euler.NirError, match="whole number"):
        nir_euler.evaluate(nir_euler.read_nir(case.nir), case.x, case.dt)


def test_delay_steps_tolerates_float_storage():
    # 3e-3 / 1e-3 is 2.9999999999999996 in float64; float32 1e-3 is 1.00000005e-3.
    assert nir_euler.delay_steps(np.array([1e-3, 3e-3, 0.0]), 1e-3).tolist() == [1, 3, 0]
    assert nir_euler.delay_steps(np.array([1e-3, 3e-3], np.float32), 1e-3).tolist() == [1, 3]
    with pytest.raises(nir_euler.NirError):
        nir_euler.delay_steps(np.array([1.5e-3]), 1e-3)


@pytest.mark.parametrize("spec", [
    # (C, L), weight, padding, stride, dilation, groups
    ((2, 8), (4, 2, 3), 1, 1, 1, 1),
    ((4, 9), (4, 2, 3), 2, 2, 1, 2),
    ((2, 9), (2, 2, 3), 2, 1, 2, 1),
    ((2, 8), (3, 2, 4), "same", 1, 1, 1),
    ((2, 11), (3, 2, 5), "same", 1, 2, 1),
    ((3, 7), (3, 1, 2), "valid", 3, 1, 3),
])
def test_conv1d_matches_torch(spec):
    (C, L), wsh, pad, stride, dil, groups = spec
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(C, L)), rng.normal(size=wsh), rng.normal(size=wsh[0])
    padding = nir_euler._conv_padding(pad, wsh[2:], [dil], [stride], 1)
    got = nir_euler.conv_nd(x, w, b, [stride], padding, [dil], groups)
    want = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w), torch.from_numpy(b),
                    stride=stride, padding=pad, dilation=dil, groups=groups)[0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("spec", [
    ((2, 6, 7), (4, 2, 3, 3), (1, 2), (1, 1), (1, 1), 1),
    ((4, 9, 8), (6, 2, 3, 2), (2, 0), (2, 1), (1, 2), 2),
])
def test_conv2d_matches_torch(spec):
    shape, wsh, pad, stride, dil, groups = spec
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=shape), rng.normal(size=wsh), rng.normal(size=wsh[0])
    got = nir_euler.conv_nd(x, w, b, list(stride), [(p, p) for p in pad], list(dil), groups)
    want = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(w), torch.from_numpy(b),
                    stride=stride, padding=pad, dilation=dil, groups=groups)[0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("avg", [False, True])
def test_pool2d_matches_torch(avg):
    x = np.random.default_rng(3).normal(size=(3, 7, 6))
    got = nir_euler.pool2d(x, [3, 2], [2, 2], [1, 0], avg)
    t = torch.from_numpy(x)[None]
    want = F.avg_pool2d(t, (3, 2), (2, 2), (1, 0), count_include_pad=True)[0].numpy()
    np.testing.assert_allclose(got, want if avg else want * 6, rtol=1e-12, atol=1e-12)


def test_back_edges_follow_the_depth_first_walk():
    g = nir_euler.read_nir(next(c.nir for c in CASES if c.name == "b_cycle_ab"))
    back = nir_euler.back_edges(g)
    assert [g.edges[i] for i in back] == [("fba", "a")]


@pytest.mark.skipif(not os.path.isdir(NIR_PAPER), reason="needs ../shared/external/nir-paper")
def test_lif_norse_trace():
    """The NIR paper's single Norse LIF neuron: spikes exactly, v within 1e-6 of Norse."""
    d = np.loadtxt(os.path.join(NIR_PAPER, "lif_norse.csv"), delimiter=",")
    g = nir_euler.read_nir(os.path.join(NIR_PAPER, "lif_norse.nir"))
    r = nir_euler.evaluate(g, d[:, :1].astype(np.float32), 1e-4)["1"]
    assert np.array_equal(r["spikes"][:, 0], d[:, 2].astype(np.uint8))
    assert np.abs(r["v"][:, 0] - d[:, 1]).max() < 1e-6
