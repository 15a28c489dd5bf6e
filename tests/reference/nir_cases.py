#!/usr/bin/python3
"""Small NIR test cases with answers worked out by hand, for nmsim and for the evaluator.

Each case writes a .nir file with h5py in the layout NIR's own writer (and nmsim's
NirGraphBuilder) uses: root dataset `version`; group `node` with `type` = "NIRGraph",
`nodes/<name>/{type, params...}` and `edges` (E, 2) variable-length strings.

    for case in make_cases(tmpdir):
        case.name, case.nir, case.x, case.dt, case.configs
        case.hand(layer_delay, reset)  -> {population: {"spikes": [T,*shape] | None,
                                                       "v": {(t, *index): value}}}
        case.error                     -> needles nmsim's one-line error must contain

The hand answers are derived in the comments next to each case (not computed by the
evaluator); the conv cases compare against torch.nn.functional.conv1d instead.
"""
import os
import warnings

import h5py
import numpy as np

STR = h5py.string_dtype("utf-8")
F32 = np.float32


# ----------------------------------------------------------------------------- writing

def _put(grp, key, v):
    if isinstance(v, str):
        grp.create_dataset(key, data=v, dtype=STR)
    else:
        grp.create_dataset(key, data=np.asarray(v))


def _write_graph(grp, nodes, edges):
    _put(grp, "type", "NIRGraph")
    ng = grp.create_group("nodes")
    for name, (typ, params) in nodes.items():
        g = ng.create_group(name)
        if typ == "NIRGraph":
            _write_graph(g, *params)
            continue
        _put(g, "type", typ)
        for k, v in params.items():
            _put(g, k, v)
    e = np.array(edges, dtype=object).reshape(-1, 2)
    grp.create_dataset("edges", data=e, dtype=STR)


def write_nir(path, nodes, edges, version="0.2.0"):
    """nodes: {name: (type, {param: value})}; a nested graph is ("NIRGraph", (nodes, edges))."""
    with h5py.File(path, "w") as f:
        _put(f, "version", version)
        _write_graph(f.create_group("node"), nodes, edges)
    return path


def f32(*a):
    return np.array(a, F32)


def inp(*shape):
    return ("Input", {"shape": np.array(shape, np.int64)})


def out(*shape):
    return ("Output", {"shape": np.array(shape, np.int64)})


def linear(w):
    return ("Linear", {"weight": np.asarray(w, F32)})


def affine(w, b):
    return ("Affine", {"weight": np.asarray(w, F32), "bias": np.asarray(b, F32)})


def if_(n, th=0.5, r=1.0):
    return ("IF", {"r": np.full(n, r, F32), "v_threshold": np.full(n, th, F32),
                   "v_reset": np.zeros(n, F32)})


def pulse(T, shape, t=0, value=1.0):
    x = np.zeros((T,) + tuple(shape), F32)
    x[t] = value
    return x


def trains(T, n, fire):
    """[T, n] uint8 with fire[j] = the steps at which neuron j spikes."""
    s = np.zeros((T, n), np.uint8)
    for j, ts in enumerate(fire):
        s[[t for t in ts if t < T], j] = 1
    return s


# ----------------------------------------------------------------------------- cases

class Case:
    def __init__(self, name, what, nir, x=None, dt=1e-3, configs=(), hand=None, error=None,
                 recurrent=False, forbid=()):
        self.name, self.what, self.nir, self.x, self.dt = name, what, nir, x, dt
        self.configs = list(configs)         # [(layer_delay, reset)]
        self.hand = hand                     # (layer_delay, reset) -> expectations
        self.error = error                   # needles for an expected refusal
        self.forbid = list(forbid)           # words the refusal must not contain
        self.recurrent = recurrent


ALL = [(ld, r) for ld in (0, 1) for r in ("to_reset", "subtract")]


def selfloop_cases(d):
    """(a) IF (r=1, threshold 0.5) with a self-loop of weight 0.75 through a Linear node,
    one input pulse of 1 at t=0.
    to_reset: t=0 I=1 -> v=1 > 0.5 fires, v=0. From t=1 on only the loop drives it:
    I=0.75 > 0.5 fires every step, v=0 -> spikes at every step, v=0 throughout.
    subtract: v after reset = 1-0.5 = 0.5 at t=0, then v_t = 0.5 + 0.25 t (v+0.75-0.5),
    still a spike every step. The loop is a back edge: its spike of t arrives at t+1 for
    layer_delay 0 and 1 alike (the input edge is never delayed)."""
    T = 12
    nodes = {"input": inp(1), "fc": linear([[1.0]]), "lif": if_(1),
             "rec": linear([[0.75]]), "output": out(1)}
    fwd = [("input", "fc"), ("fc", "lif"), ("lif", "output")]
    loop = [("lif", "rec"), ("rec", "lif")]

    def hand(ld, reset):
        v = np.zeros((T, 1), F32) if reset == "to_reset" else \
            (0.5 + 0.25 * np.arange(T, dtype=F32))[:, None]
        return {"lif": {"spikes": np.ones((T, 1), np.uint8),
                        "v": {(t, 0): float(v[t, 0]) for t in range(T)}}}

    cases = []
    for tag, edges in (("loop_after_input", fwd + loop), ("loop_before_input", loop + fwd)):
        cases.append(Case(f"a_selfloop_{tag}", "IF self-loop w=0.75, one pulse",
                          write_nir(f"{d}/a_selfloop_{tag}.nir", nodes, edges),
                          pulse(T, (1,)), 1e-3, ALL, hand, recurrent=True))
    # The same loop inside a nested NIRGraph (as NIR's RNN exports write it): the inner
    # node is "rnn.lif", its Input/Output are pass-throughs.
    sub = ({"input": inp(1), "lif": if_(1), "rec": linear([[0.75]]), "output": out(1)},
           [("input", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")])
    nodes_n = {"input": inp(1), "fc": linear([[1.0]]), "rnn": ("NIRGraph", sub),
               "output": out(1)}
    edges_n = [("input", "fc"), ("fc", "rnn"), ("rnn", "output")]
    cases.append(Case("a_selfloop_nested", "IF self-loop inside a nested NIRGraph",
                      write_nir(f"{d}/a_selfloop_nested.nir", nodes_n, edges_n),
                      pulse(T, (1,)), 1e-3, ALL,
                      lambda ld, r: {"rnn.lif": hand(ld, r)["lif"]}, recurrent=True))
    return cases


def cycle_case(d):
    """(b) a -> b -> a, IF threshold 0.5, all weights 1, one pulse into a at t=0 (to_reset).
    layer_delay 0: a fires at t=0, b sees it in the same step and fires at t=0; b -> a is
    the back edge, so a fires again at t=1, b at t=1, ...: both fire at every step.
    layer_delay 1: a fires at 0 (the Input edge is not delayed), b one step later at 1,
    a at 2 (back edge: one step), b at 3 ...: they alternate, a on even and b on odd steps.
    subtract, layer_delay 0: v = 0.5 after the first spike and every later step adds 1 and
    takes 0.5: still a spike at every step. (subtract with layer_delay 1 leaves v = 1 > 0.5
    after a's second spike, so a fires without input: evaluator only.)"""
    T = 10
    nodes = {"input": inp(1), "fa": linear([[1.0]]), "a": if_(1), "fab": linear([[1.0]]),
             "b": if_(1), "fba": linear([[1.0]]), "output": out(1)}
    edges = [("input", "fa"), ("fa", "a"), ("a", "fab"), ("fab", "b"), ("b", "fba"),
             ("fba", "a"), ("b", "output")]

    def hand(ld, reset):
        if ld == 1 and reset == "subtract":
            return {}
        if ld == 0:
            return {"a": {"spikes": np.ones((T, 1), np.uint8), "v": {}},
                    "b": {"spikes": np.ones((T, 1), np.uint8), "v": {}}}
        return {"a": {"spikes": trains(T, 1, [range(0, T, 2)]), "v": {}},
                "b": {"spikes": trains(T, 1, [range(1, T, 2)]), "v": {}}}

    return [Case("b_cycle_ab", "two-population cycle a->b->a, one pulse",
                 write_nir(f"{d}/b_cycle_ab.nir", nodes, edges), pulse(T, (1,)), 1e-3, ALL,
                 hand, recurrent=True)]


def conv_cases(d):
    """(c) Conv1d with integer padding, checked against torch.nn.functional.conv1d: the
    hand answer is a forward pass with torch's conv and the IF update (v += I, spike if
    v > 1, v = 0 after a spike) written out in the test."""
    rng = np.random.default_rng(6)
    specs = [
        # name, in (C, L), weight (Cout, Cin/g, k), padding, stride, groups, dilation
        ("c_conv1d_pad1", (2, 8), (4, 2, 3), np.int64(1), np.int64(1), np.int64(1),
         np.int64(1)),
        ("c_conv1d_pad2_s2_g2", (4, 9), (4, 2, 3), np.int64(2), np.int64(2), np.int64(2),
         np.int64(1)),
        ("c_conv1d_pad_array_dil2", (2, 9), (2, 2, 3), np.array([2], np.int64),
         np.array([1], np.int64), np.int64(1), np.array([2], np.int64)),
        ("c_conv1d_same", (2, 8), (3, 2, 4), "same", np.array([1], np.int64), np.int64(1),
         np.array([1], np.int64)),
    ]
    cases = []
    for name, ins, wsh, pad, stride, groups, dil in specs:
        T = 10
        w = rng.uniform(-0.6, 1.0, wsh).astype(F32)
        b = rng.uniform(-0.1, 0.2, wsh[0]).astype(F32)
        x = rng.uniform(0, 1, (T,) + ins).astype(F32)
        nodes = {"input": inp(*ins),
                 "conv": ("Conv1d", {"weight": w, "bias": b, "padding": pad, "stride": stride,
                                     "groups": groups, "dilation": dil,
                                     "input_shape": np.array(ins[1:], np.int64)}),
                 "lif": ("IF", {"r": F32(1.0), "v_threshold": F32(1.0), "v_reset": F32(0.0)}),
                 "output": ("Output", {})}
        edges = [("input", "conv"), ("conv", "lif"), ("lif", "output")]

        def hand(ld, reset, w=w, b=b, x=x, pad=pad, stride=stride, groups=groups, dil=dil):
            import torch
            import torch.nn.functional as F
            kw = dict(stride=int(np.asarray(stride).reshape(-1)[0]),
                      dilation=int(np.asarray(dil).reshape(-1)[0]), groups=int(groups))
            kw["padding"] = pad if isinstance(pad, str) else int(np.asarray(pad).reshape(-1)[0])
            with warnings.catch_warnings():    # 'same' with an even kernel: a copy, fine
                warnings.simplefilter("ignore")
                cur = F.conv1d(torch.from_numpy(x.astype(np.float64)),
                               torch.from_numpy(w.astype(np.float64)),
                               torch.from_numpy(b.astype(np.float64)), **kw).numpy()
            cur = cur.astype(F32)                  # the summed current, rounded once
            v = np.zeros(cur.shape[1:], F32)
            s = np.zeros(cur.shape, np.uint8)
            vs = {}
            for t in range(T):
                v = v + cur[t]
                s[t] = v > F32(1.0)
                v = np.where(s[t] == 1, F32(0.0) if reset == "to_reset" else v - F32(1.0),
                             v).astype(F32)
                for idx in np.ndindex(*v.shape):
                    vs[(t,) + idx] = float(v[idx])
            return {"lif": {"spikes": s, "v": vs, "v_tol": 1e-5}}

        cases.append(Case(name, f"Conv1d padding={pad!r} stride={stride!r} groups={groups!r}",
                          write_nir(f"{d}/{name}.nir", nodes, edges), x, 1e-3,
                          [(0, "to_reset"), (0, "subtract"), (1, "to_reset")], hand))
    return cases


def delay_cases(d):
    """(d) Delay nodes. dt = 1 ms; one pulse of 1 on every input at t=0; IF threshold 0.5.
    chain: input -> fc0 (identity) -> d0 (Delay [1, 2, 3] ms, float32) -> if1 -> fc1
    (identity) -> d1 (Delay [2, 0, 1] ms, float64) -> if2.
      if1 fires at 1, 2, 3 (the Input's path has no layer delay, so for both settings).
      if2: layer_delay 0: 1+2, 2+0, 3+1 = 3, 2, 4; layer_delay 1: one more: 4, 3, 5.
    recurrent: input -> fc -> if (threshold 0.5) -> rec (weight 1) -> dr (Delay 3 ms) -> if.
      A back edge with an explicit delay takes exactly that delay: fires at 0, 3, 6, 9 for
      layer_delay 0; layer_delay 1 adds its step: 0, 4, 8.
    fractional: Delay 1.5 ms at dt = 1 ms cannot be run: nmsim must refuse it."""
    T = 10
    eye = np.eye(3, dtype=F32)
    nodes = {"input": inp(3), "fc0": linear(eye),
             "d0": ("Delay", {"delay": np.array([1e-3, 2e-3, 3e-3], F32)}), "if1": if_(3),
             "fc1": linear(eye), "d1": ("Delay", {"delay": np.array([2e-3, 0.0, 1e-3])}),
             "if2": if_(3), "output": out(3)}
    edges = [("input", "fc0"), ("fc0", "d0"), ("d0", "if1"), ("if1", "fc1"), ("fc1", "d1"),
             ("d1", "if2"), ("if2", "output")]

    def hand_chain(ld, reset):
        return {"if1": {"spikes": trains(T, 3, [[1], [2], [3]]), "v": {}},
                "if2": {"spikes": trains(T, 3, [[3 + ld], [2 + ld], [4 + ld]]), "v": {}}}

    Tr = 12
    nodes_r = {"input": inp(1), "fc": linear([[1.0]]), "lif": if_(1), "rec": linear([[1.0]]),
               "dr": ("Delay", {"delay": np.array([3e-3])}), "output": out(1)}
    edges_r = [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "dr"), ("dr", "lif"),
               ("lif", "output")]

    def hand_rec(ld, reset):
        if reset != "to_reset":
            return {}
        return {"lif": {"spikes": trains(Tr, 1, [range(0, Tr, 3 + ld)]),
                        "v": {(t, 0): 0.0 for t in range(Tr)}}}

    frac = dict(nodes)
    frac["d0"] = ("Delay", {"delay": np.array([1e-3, 1.5e-3, 3e-3], F32)})
    path_frac = write_nir(f"{d}/d_delay_fractional.nir", frac, edges)
    return [
        Case("d_delay_chain", "Delay [1,2,3] ms then [2,0,1] ms",
             write_nir(f"{d}/d_delay_chain.nir", nodes, edges), pulse(T, (3,)), 1e-3, ALL,
             hand_chain),
        Case("d_delay_recurrent", "IF self-loop through a 3 ms Delay",
             write_nir(f"{d}/d_delay_recurrent.nir", nodes_r, edges_r), pulse(Tr, (1,)), 1e-3,
             ALL, hand_rec, recurrent=True),
        Case("d_delay_fractional", "Delay of 1.5 steps", path_frac, pulse(T, (3,)), 1e-3,
             [(0, "to_reset")], error=[path_frac, "d0"],
             # Refusing every Delay ("unsupported node type") is not the check asked for.
             forbid=["unsupported"]),
    ]


def cubali_case(d):
    """(e) input(4) -> fc0 -> LIF(5) -> fc1 -> CubaLI(3) -> output, dt = 1 ms.
    LIF: tau 2 ms (dt/tau = 0.5), r 1, v_leak 0, threshold 0.4. CubaLI: tau_syn 2 ms
    (a_syn = 0.5), tau_mem 4 ms (a = 0.25), r 2, v_leak 0, w_in 1.
    x[0] = [1, 0, 0, 0], x[1] = x[2] = 0 (random spikes from t = 3 on); fc0[:, 0] =
    e_0, so LIF neuron 0 gets v = 0.5*1 = 0.5 > 0.4 at t=0, fires, resets to 0; nothing else
    fires before t = 3. fc1[:, 0] = [1, 2, -1], so CubaLI gets I = [1, 2, -1] at t=0
    (layer_delay 0) and nothing after, until t = 3:
      t0: i = 0.5*I = [.5, 1, -.5];        v = 0.25*(2 i) = [.25, .5, -.25]
      t1: i = i - 0.5 i = [.25, .5, -.25]; v = v + 0.25(-v + 2i) = [.3125, .625, -.3125]
      t2: i = [.125, .25, -.125];          v = [.296875, .59375, -.296875]
    layer_delay 1: the same one step later (v = 0 at t0), so t1..t3 hold the values above."""
    T = 20
    rng = np.random.default_rng(5)
    w0 = rng.uniform(0, 0.6, (5, 4)).astype(F32)
    w0[:, 0] = [1, 0, 0, 0, 0]
    w1 = rng.uniform(-1, 1, (3, 5)).astype(F32)
    w1[:, 0] = [1, 2, -1]
    nodes = {"input": inp(4), "fc0": linear(w0),
             "lif": ("LIF", {"tau": np.full(5, 2e-3, F32), "r": np.ones(5, F32),
                             "v_leak": np.zeros(5, F32), "v_threshold": np.full(5, 0.4, F32),
                             "v_reset": np.zeros(5, F32)}),
             "fc1": linear(w1),
             "li": ("CubaLI", {"tau_syn": np.full(3, 2e-3, F32), "tau_mem": np.full(3, 4e-3, F32),
                               "r": np.full(3, 2.0, F32), "v_leak": np.zeros(3, F32),
                               "w_in": np.ones(3, F32)}),
             "output": out(3)}
    edges = [("input", "fc0"), ("fc0", "lif"), ("lif", "fc1"), ("fc1", "li"), ("li", "output")]
    x = np.zeros((T, 4), F32)
    x[0, 0] = 1
    x[3:] = rng.random((T - 3, 4)) < 0.4
    vals = [[.25, .5, -.25], [.3125, .625, -.3125], [.296875, .59375, -.296875]]

    def hand(ld, reset):
        v = {}
        if ld == 1:
            v.update({(0, j): 0.0 for j in range(3)})
        for k, row in enumerate(vals):
            v.update({(k + ld, j): row[j] for j in range(3)})
        # LIF neuron 0 after its spike: 0 (to_reset) or 0.5 - 0.4 (exact in float32),
        # then halved every step; the other neurons stay at 0.
        v0 = 0.0 if reset == "to_reset" else float(F32(0.5) - F32(0.4))
        lif_v = {(t, j): (v0 * 0.5 ** t if j == 0 else 0.0) for t in range(3) for j in range(5)}
        return {"li": {"spikes": None, "v": v},
                "lif": {"spikes": None, "v": lif_v,
                        "spike_at": {(0, 0): 1, (1, 0): 0, (2, 0): 0, (0, 1): 0}}}

    return [Case("e_cubali_output", "LIF -> Affine -> CubaLI -> Output",
                 write_nir(f"{d}/e_cubali_output.nir", nodes, edges), x, 1e-3, ALL, hand)]


def graded_cases(d):
    """(f) Graded values between populations (dt = 1 ms, one pulse x[0] = [1, 0, 0]).
    LI: input(3) -> fc0 -> LI(4) (tau 2 ms: a = 0.5, r 1, v_leak 0) -> fc1 -> IF(2)
    (threshold 0.6) -> output. fc0[:, 0] = [1, .5, 0, 0]: LI v_t = 0.5^(t+1) [1, .5, 0, 0].
    fc1 = [[1,0,0,0], [0,2,0,0]], so both IF neurons get I_t = 0.5^(t+1):
    layer_delay 0: v = .5, then .75 > 0.6 fires at t=1 (to_reset -> 0), then the rest sums
    to at most .25: no more spikes. layer_delay 1: one step later, t = 2.
    I: input(3) -> fc0 -> I(4) (r 1) -> fc1 -> IF(2): the integrator holds v = [1, .5, 0, 0]
    from t=0 on; fc1 = [[.25,0,0,0], [0,1,0,0]]: IF 0 gets .25 per step (v .25, .5, .75
    fires at t = 2, 5, 8), IF 1 gets .5 per step (fires at t = 1, 3, 5, ...); layer_delay 1
    shifts both by one step."""
    T = 10
    w0 = np.zeros((4, 3), F32)
    w0[:, 0] = [1, .5, 0, 0]
    w0[2:, 1:] = 0.3
    x0 = f32(1, 0, 0)                          # the pulse reaches input 0 only
    cases = []
    li = ("LI", {"tau": np.full(4, 2e-3, F32), "r": np.ones(4, F32), "v_leak": np.zeros(4, F32)})
    integ = ("I", {"r": np.ones(4, F32)})
    for name, node, w1, fire in (
            ("f_graded_li", li, [[1, 0, 0, 0], [0, 2, 0, 0]], [[1], [1]]),
            ("f_graded_i", integ, [[.25, 0, 0, 0], [0, 1, 0, 0]],
             [range(2, T, 3), range(1, T, 2)])):
        nodes = {"input": inp(3), "fc0": linear(w0), "mid": node, "fc1": linear(w1),
                 "lif": if_(2, th=0.6), "output": out(2)}
        edges = [("input", "fc0"), ("fc0", "mid"), ("mid", "fc1"), ("fc1", "lif"),
                 ("lif", "output")]

        def hand(ld, reset, fire=fire, kind=node[0]):
            if reset != "to_reset":
                return {}
            mid_v = {}
            for t in range(T):
                a = 0.5 ** (t + 1) if kind == "LI" else 1.0
                mid_v.update({(t, 0): a, (t, 1): 0.5 * a, (t, 2): 0.0, (t, 3): 0.0})
            return {"mid": {"spikes": None, "v": mid_v},
                    "lif": {"spikes": trains(T, 2, [[t + ld for t in f] for f in fire]),
                            "v": {}}}

        cases.append(Case(name, f"Input -> Affine -> {node[0]} -> Affine -> IF (graded)",
                          write_nir(f"{d}/{name}.nir", nodes, edges), pulse(T, (3,)) * x0,
                          1e-3, ALL, hand))
    return cases


def nonfinite_cases(d):
    """(g) NaN / Inf in a weight, a bias and neuron parameters of
    input(3) -> fc (Affine (4, 3)) -> lif (LIF (4,)) -> output: nmsim must exit 2 with one
    line naming the file, the node, the parameter and the index."""
    def base():
        return {"input": inp(3),
                "fc": affine(np.full((4, 3), 0.5, F32), np.zeros(4, F32)),
                "lif": ("LIF", {"tau": np.full(4, 2e-3, F32), "r": np.ones(4, F32),
                                "v_leak": np.zeros(4, F32), "v_threshold": np.ones(4, F32),
                                "v_reset": np.zeros(4, F32)}),
                "output": out(4)}
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "output")]
    # (tag, node, param, index, value); the index is given flat and as a tuple.
    variants = [("weight_nan", "fc", "weight", (3, 1), np.nan),
                ("weight_inf", "fc", "weight", (2, 2), np.inf),
                ("bias_nan", "fc", "bias", (3,), np.nan),
                ("bias_neginf", "fc", "bias", (2,), -np.inf),
                ("tau_nan", "lif", "tau", (3,), np.nan),
                ("threshold_inf", "lif", "v_threshold", (2,), np.inf)]
    cases = []
    for tag, node, param, index, value in variants:
        nodes = base()
        arr = nodes[node][1][param].copy()
        arr[index] = value
        nodes[node][1][param] = arr
        path = write_nir(f"{d}/g_{tag}.nir", nodes, edges)
        flat = int(np.ravel_multi_index(index, arr.shape))
        cases.append(Case(f"g_{tag}", f"{value} in {node}.{param}{list(index)}", path,
                          pulse(4, (3,)), 1e-3, [(0, "to_reset")],
                          error=[path, node, param, ("index", flat, index)]))
    return cases


def control_case(d):
    """(h) A feed-forward network of the node types nmsim already runs, so the harness is
    seen to pass where nmsim is right: input(2, 6, 6) -> Conv2d (padding 1) -> LIF ->
    SumPool2d 2x2 -> Flatten -> Affine -> CubaLIF -> Affine -> Output (an Output population:
    value = its input current). Hand answer: LIF v at t=0 is dt/tau * r * I0 (v_leak 0, from
    rest) with I0 = torch.nn.functional.conv2d of x[0]."""
    T = 16
    rng = np.random.default_rng(8)
    wc = rng.uniform(-0.3, 0.6, (4, 2, 3, 3)).astype(F32)
    bc = rng.uniform(-0.1, 0.1, 4).astype(F32)
    nodes = {"input": inp(2, 6, 6),
             "conv": ("Conv2d", {"weight": wc, "bias": bc, "padding": np.array([1, 1], np.int64),
                                 "stride": np.array([1, 1], np.int64),
                                 "dilation": np.array([1, 1], np.int64), "groups": np.int64(1)}),
             "lif": ("LIF", {"tau": np.full((4, 6, 6), 4e-3, F32), "r": np.ones((4, 6, 6), F32),
                             "v_leak": np.zeros((4, 6, 6), F32),
                             "v_threshold": np.full((4, 6, 6), 0.3, F32),
                             "v_reset": np.zeros((4, 6, 6), F32)}),
             "pool": ("SumPool2d", {"kernel_size": np.array([2, 2], np.int64),
                                    "stride": np.array([2, 2], np.int64),
                                    "padding": np.array([0, 0], np.int64)}),
             "flat": ("Flatten", {"start_dim": np.int64(0), "end_dim": np.int64(-1)}),
             "fc": affine(rng.uniform(-0.2, 0.5, (5, 36)), rng.uniform(0, 0.1, 5)),
             "cuba": ("CubaLIF", {"tau_syn": np.full(5, 2e-3, F32), "tau_mem": np.full(5, 5e-3, F32),
                                  "r": np.full(5, 2.0, F32), "v_leak": np.full(5, 0.1, F32),
                                  "v_threshold": np.full(5, 0.5, F32), "w_in": np.ones(5, F32)}),
             "fc2": affine(rng.uniform(-1, 1, (3, 5)), rng.uniform(-0.1, 0.1, 3)),
             "output": out(3)}
    edges = [("input", "conv"), ("conv", "lif"), ("lif", "pool"), ("pool", "flat"),
             ("flat", "fc"), ("fc", "cuba"), ("cuba", "fc2"), ("fc2", "output")]
    x = (rng.random((T, 2, 6, 6)) < 0.5).astype(F32)

    def hand(ld, reset):
        import torch
        import torch.nn.functional as F
        i0 = F.conv2d(torch.from_numpy(x[:1].astype(np.float64)),
                      torch.from_numpy(wc.astype(np.float64)),
                      torch.from_numpy(bc.astype(np.float64)), padding=1).numpy()[0].astype(F32)
        a = F32(1e-3 / float(F32(4e-3)))
        v0 = a * ((F32(0) - F32(0)) + F32(1) * i0)
        v0 = np.where(v0 > F32(0.3), F32(0) if reset == "to_reset" else v0 - F32(0.3), v0)
        return {"lif": {"spikes": None, "v": {(0,) + i: float(v0[i]) for i in np.ndindex(*v0.shape)},
                        "v_tol": 1e-6}}

    return [Case("h_feedforward_control", "Conv2d/LIF/SumPool2d/Flatten/CubaLIF/Output",
                 write_nir(f"{d}/h_feedforward_control.nir", nodes, edges), x, 1e-3, ALL, hand)]


def make_cases(d):
    os.makedirs(d, exist_ok=True)
    return (selfloop_cases(d) + cycle_case(d) + conv_cases(d) + delay_cases(d)
            + cubali_case(d) + graded_cases(d) + nonfinite_cases(d) + control_case(d))
