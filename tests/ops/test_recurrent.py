"""gru, gruCell, lstm, lstmCell: float64 references written from the spec's decompositions,
end-to-end numerics through ONNX Runtime, and every validation step."""

from __future__ import annotations

import itertools

import numpy as np
import onnx
import pytest

import webnn

# --------------------------------------------------------------------------------------
# float64 references (the spec's gruCell / gru / lstmCell / lstm emulation code)
# --------------------------------------------------------------------------------------

ACT = {
    "relu": lambda v: np.maximum(v, 0.0),
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "tanh": np.tanh,
}
GRU_OFFSETS = {"zrn": {"z": 0, "r": 1, "n": 2}, "rzn": {"r": 0, "z": 1, "n": 2}}
LSTM_OFFSETS = {"iofg": {"i": 0, "o": 1, "f": 2, "g": 3}, "ifgo": {"i": 0, "f": 1, "g": 2, "o": 3}}
PEEPHOLE_OFFSETS = {"i": 0, "o": 1, "f": 2}  # always i, o, f whatever the layout


def _gate(a, offsets, gate, hs):
    k = offsets[gate]
    return a[k * hs : (k + 1) * hs]


def ref_gru_cell(x, w, r, h, hs, bias=None, rbias=None, reset_after=True, layout="zrn", activations=("sigmoid", "tanh")):
    x, w, r, h = (np.asarray(v, np.float64) for v in (x, w, r, h))
    off = GRU_OFFSETS[layout]
    zero = np.zeros(hs)
    b = lambda g: zero if bias is None else _gate(np.asarray(bias, np.float64), off, g, hs)  # noqa: E731
    rb = lambda g: zero if rbias is None else _gate(np.asarray(rbias, np.float64), off, g, hs)  # noqa: E731
    W = lambda g: _gate(w, off, g, hs)  # noqa: E731
    R = lambda g: _gate(r, off, g, hs)  # noqa: E731
    f, g_ = ACT[activations[0]], ACT[activations[1]]
    z = f(b("z") + rb("z") + (x @ W("z").T + h @ R("z").T))
    rr = f(b("r") + rb("r") + (x @ W("r").T + h @ R("r").T))
    if reset_after:
        n = g_(b("n") + (x @ W("n").T + rr * (rb("n") + h @ R("n").T)))
    else:
        n = g_((b("n") + rb("n")) + (x @ W("n").T + (rr * h) @ R("n").T))
    return z * h + n * (1.0 - z)


def ref_gru(x, w, r, steps, hs, bias=None, rbias=None, h0=None, reset_after=True, return_sequence=False,
            direction="forward", layout="zrn", activations=("sigmoid", "tanh")):
    x = np.asarray(x, np.float64)
    batch = x.shape[1]
    nd = 2 if direction == "both" else 1
    h0 = np.zeros((nd, batch, hs)) if h0 is None else np.asarray(h0, np.float64)
    finals, seqs = [], []
    for d in range(nd):
        h = h0[d]
        seq = [None] * steps
        for step in range(steps):
            t = steps - step - 1 if (d == 1 or direction == "backward") else step
            h = ref_gru_cell(x[t], w[d], r[d], h, hs, None if bias is None else bias[d], None if rbias is None else rbias[d],
                             reset_after, layout, activations)
            seq[t] = h
        finals.append(h)
        seqs.append(np.stack(seq))  # [steps, batch, hs]
    out = [np.stack(finals)]
    if return_sequence:
        out.append(np.stack(seqs, axis=1))
    return out


def ref_lstm_cell(x, w, r, h, c, hs, bias=None, rbias=None, peephole=None, layout="iofg",
                  activations=("sigmoid", "tanh", "tanh")):
    x, w, r, h, c = (np.asarray(v, np.float64) for v in (x, w, r, h, c))
    off = LSTM_OFFSETS[layout]
    zero = np.zeros(hs)
    b = lambda g: zero if bias is None else _gate(np.asarray(bias, np.float64), off, g, hs)  # noqa: E731
    rb = lambda g: zero if rbias is None else _gate(np.asarray(rbias, np.float64), off, g, hs)  # noqa: E731
    p = lambda g: zero if peephole is None else _gate(np.asarray(peephole, np.float64), PEEPHOLE_OFFSETS, g, hs)  # noqa: E731
    W = lambda g: _gate(w, off, g, hs)  # noqa: E731
    R = lambda g: _gate(r, off, g, hs)  # noqa: E731
    f_, g_, h_ = (ACT[a] for a in activations)
    i = f_(c * p("i") + ((b("i") + rb("i")) + (x @ W("i").T + h @ R("i").T)))
    f = f_(c * p("f") + ((b("f") + rb("f")) + (x @ W("f").T + h @ R("f").T)))
    g = g_((b("g") + rb("g")) + (x @ W("g").T + h @ R("g").T))
    o = f_(c * p("o") + ((b("o") + rb("o")) + (x @ W("o").T + h @ R("o").T)))  # previous cell state
    ct = f * c + i * g
    return [o * h_(ct), ct]


def ref_lstm(x, w, r, steps, hs, bias=None, rbias=None, peephole=None, h0=None, c0=None, return_sequence=False,
             direction="forward", layout="iofg", activations=("sigmoid", "tanh", "tanh")):
    x = np.asarray(x, np.float64)
    batch = x.shape[1]
    nd = 2 if direction == "both" else 1
    h0 = np.zeros((nd, batch, hs)) if h0 is None else np.asarray(h0, np.float64)
    c0 = np.zeros((nd, batch, hs)) if c0 is None else np.asarray(c0, np.float64)
    fh, fc, seqs = [], [], []
    for d in range(nd):
        h, c = h0[d], c0[d]
        seq = [None] * steps
        for step in range(steps):
            t = steps - step - 1 if (d == 1 or direction == "backward") else step
            pick = lambda v, d=d: None if v is None else v[d]  # noqa: E731
            h, c = ref_lstm_cell(x[t], w[d], r[d], h, c, hs, pick(bias), pick(rbias), pick(peephole), layout, activations)
            seq[t] = h
        fh.append(h)
        fc.append(c)
        seqs.append(np.stack(seq))
    out = [np.stack(fh), np.stack(fc)]
    if return_sequence:
        out.append(np.stack(seqs, axis=1))
    return out


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float16": dict(rtol=8e-3, atol=4e-3)}


@pytest.fixture(scope="module")
def ctx():
    return webnn.MLContext(accelerated=False)


def _rand(rng, shape, dt, scale=1.0):
    return (rng.uniform(-1, 1, size=shape) * scale).astype(dt)


class Net:
    """Builds one graph from named numpy arrays: each is a graph input or a constant."""

    def __init__(self, ctx, arrays: dict, constants: set[str] = frozenset()):
        self.ctx = ctx
        self.b = webnn.MLGraphBuilder(ctx)
        self.arrays = arrays
        self.ops = {}
        self.feeds = {}
        for name, a in arrays.items():
            if a is None:
                self.ops[name] = None
            elif name in constants:
                self.ops[name] = self.b.constant(a)
            else:
                self.ops[name] = self.b.input(name, list(a.shape), a.dtype.name)
                self.feeds[name] = a

    def run(self, outputs):
        g = self.b.build({f"out{i}": o for i, o in enumerate(outputs)})
        res = self.ctx.compute(g, self.feeds)
        return [res[f"out{i}"] for i in range(len(outputs))]

    def onnx_model(self, outputs):
        info = self.b._graph_info({f"out{i}": o for i, o in enumerate(outputs)})
        return onnx.load_from_string(webnn.converters.default_registry().convert(info, "onnx").data)


def _compare(got, want, dt):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.dtype(dt)
        assert g.shape == w.shape
        np.testing.assert_allclose(g.astype(np.float64), w, **TOL[dt])


def _up(a):
    return None if a is None else a.astype(np.float64)


# --------------------------------------------------------------------------------------
# gruCell
# --------------------------------------------------------------------------------------

GRU_CELL_CASES = [
    dict(layout=layout, reset_after=ra, biases=bs, dt=dt)
    for layout, ra, bs, dt in itertools.product(("zrn", "rzn"), (True, False), ("none", "bias", "rbias", "both"), ("float32", "float16"))
]


def _gru_cell_case(ctx, rng, *, batch=3, isz=4, hs=5, dt="float32", layout="zrn", reset_after=True, biases="both",
                   activations=None, constants=("w", "r")):
    arrays = dict(
        x=_rand(rng, (batch, isz), dt), w=_rand(rng, (3 * hs, isz), dt, 0.6), r=_rand(rng, (3 * hs, hs), dt, 0.6),
        h=_rand(rng, (batch, hs), dt),
        b=_rand(rng, (3 * hs,), dt, 0.5) if biases in ("bias", "both") else None,
        rb=_rand(rng, (3 * hs,), dt, 0.5) if biases in ("rbias", "both") else None,
    )
    net = Net(ctx, arrays, set(constants))
    o = net.ops
    kw = dict(bias=o["b"], recurrent_bias=o["rb"], reset_after=reset_after, layout=layout)
    if activations is not None:
        kw["activations"] = activations
    out = net.b.gru_cell(o["x"], o["w"], o["r"], o["h"], hs, **kw)
    assert isinstance(out, webnn.MLOperand)
    assert out.shape == [batch, hs] and out.data_type == dt
    a = {k: _up(v) for k, v in arrays.items()}
    want = ref_gru_cell(a["x"], a["w"], a["r"], a["h"], hs, a["b"], a["rb"], reset_after, layout,
                        activations or ("sigmoid", "tanh"))
    return net, [out], [want]


@pytest.mark.parametrize("case", GRU_CELL_CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_gru_cell(ctx, case):
    rng = np.random.default_rng(1)
    net, outs, want = _gru_cell_case(ctx, rng, **case)
    _compare(net.run(outs), want, case["dt"])


@pytest.mark.parametrize("acts", [["relu", "relu"], ["tanh", "sigmoid"], ["sigmoid", "relu"], ["relu", "tanh"]])
@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_gru_cell_activations(ctx, acts, dt):
    rng = np.random.default_rng(2)
    net, outs, want = _gru_cell_case(ctx, rng, dt=dt, activations=acts, layout="rzn", reset_after=False)
    _compare(net.run(outs), want, dt)


def test_gru_cell_all_inputs_and_shapes(ctx):
    rng = np.random.default_rng(3)
    for batch, isz, hs in [(1, 1, 1), (2, 7, 3), (4, 2, 8)]:
        net, outs, want = _gru_cell_case(ctx, rng, batch=batch, isz=isz, hs=hs, constants=())
        _compare(net.run(outs), want, "float32")


def test_gru_cell_spec_example(ctx):
    # Hand-computed: all weights 0, biases 0 -> z = r = 0.5, n = tanh(0) = 0 -> h' = 0.5 * h.
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    h = b.input("h", [2, 2], "float32")
    out = b.gruCell(x, b.constant(np.zeros((6, 3), np.float32)), b.constant(np.zeros((6, 2), np.float32)), h, 2)
    g = b.build({"y": out})
    hv = np.array([[1, -2], [4, 0.5]], np.float32)
    res = ctx.compute(g, {"x": np.ones((2, 3), np.float32), "h": hv})
    np.testing.assert_allclose(res["y"], 0.5 * hv, rtol=1e-6)


# --------------------------------------------------------------------------------------
# gru
# --------------------------------------------------------------------------------------

GRU_CASES = (
    [dict(direction=d, layout=lay, return_sequence=rs, opts="all", dt="float32")
     for d, lay, rs in itertools.product(("forward", "backward", "both"), ("zrn", "rzn"), (False, True))]
    + [dict(direction=d, opts=o, dt="float32", return_sequence=True)
       for d, o in itertools.product(("forward", "backward", "both"), ("none", "bias", "rbias_h0"))]
    + [dict(direction=d, reset_after=False, return_sequence=True, dt=dt)
       for d, dt in itertools.product(("forward", "backward", "both"), ("float32", "float16"))]
    + [dict(direction=d, layout="rzn", return_sequence=rs, dt="float16")
       for d, rs in itertools.product(("forward", "backward", "both"), (False, True))]
    + [dict(direction="both", activations=["relu", "tanh"], return_sequence=True, dt="float32"),
       dict(direction="backward", activations=["tanh", "relu"], dt="float16"),
       dict(direction="forward", activations=["sigmoid", "sigmoid"], reset_after=False, dt="float32"),
       dict(direction="both", opts="none", steps=1, dt="float32"),
       dict(direction="forward", steps=6, batch=1, hs=2, isz=1, return_sequence=True, dt="float32", constants=())]
)


def _gru_case(ctx, rng, *, steps=4, batch=2, isz=3, hs=4, dt="float32", direction="forward", layout="zrn",
              reset_after=True, return_sequence=False, opts="all", activations=None, constants=("w", "r", "b")):
    nd = 2 if direction == "both" else 1
    has = dict(all={"b", "rb", "h0"}, none=set(), bias={"b"}, rbias_h0={"rb", "h0"})[opts]
    arrays = dict(
        x=_rand(rng, (steps, batch, isz), dt), w=_rand(rng, (nd, 3 * hs, isz), dt, 0.6),
        r=_rand(rng, (nd, 3 * hs, hs), dt, 0.6),
        b=_rand(rng, (nd, 3 * hs), dt, 0.5) if "b" in has else None,
        rb=_rand(rng, (nd, 3 * hs), dt, 0.5) if "rb" in has else None,
        h0=_rand(rng, (nd, batch, hs), dt) if "h0" in has else None,
    )
    net = Net(ctx, arrays, set(constants))
    o = net.ops
    kw = dict(bias=o["b"], recurrent_bias=o["rb"], initial_hidden_state=o["h0"], reset_after=reset_after,
              return_sequence=return_sequence, direction=direction, layout=layout)
    if activations is not None:
        kw["activations"] = activations
    outs = net.b.gru(o["x"], o["w"], o["r"], steps, hs, **kw)
    assert isinstance(outs, list) and len(outs) == (2 if return_sequence else 1)
    assert outs[0].shape == [nd, batch, hs] and outs[0].data_type == dt
    if return_sequence:
        assert outs[1].shape == [steps, nd, batch, hs] and outs[1].data_type == dt
    a = {k: _up(v) for k, v in arrays.items()}
    want = ref_gru(a["x"], a["w"], a["r"], steps, hs, a["b"], a["rb"], a["h0"], reset_after, return_sequence,
                   direction, layout, activations or ("sigmoid", "tanh"))
    return net, outs, want


@pytest.mark.parametrize("case", GRU_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_gru(ctx, case):
    rng = np.random.default_rng(4)
    net, outs, want = _gru_case(ctx, rng, **case)
    _compare(net.run(outs), want, case["dt"])


def test_gru_backward_differs_from_forward(ctx):
    # Guards the reference too: the direction must change the result for a non-symmetric sequence.
    rng = np.random.default_rng(5)
    fw = _gru_case(ctx, rng, direction="forward", return_sequence=True)
    rng = np.random.default_rng(5)
    bw = _gru_case(ctx, rng, direction="backward", return_sequence=True)
    got_f, got_b = fw[0].run(fw[1]), bw[0].run(bw[1])
    assert not np.allclose(got_f[0], got_b[0], atol=1e-3)
    # The backward sequence's entry 0 is its last step: the final hidden state.
    np.testing.assert_array_equal(got_b[1][0], got_b[0])
    np.testing.assert_array_equal(got_f[1][-1], got_f[0])


def test_gru_steps_one_equals_gru_cell(ctx):
    rng = np.random.default_rng(6)
    x, w, r = _rand(rng, (1, 2, 3), "float32"), _rand(rng, (1, 12, 3), "float32"), _rand(rng, (1, 12, 4), "float32")
    bias, h0 = _rand(rng, (1, 12), "float32"), _rand(rng, (1, 2, 4), "float32")
    b = webnn.MLGraphBuilder(ctx)
    [full] = b.gru(b.constant(x), b.constant(w), b.constant(r), 1, 4, bias=b.constant(bias), initial_hidden_state=b.constant(h0),
                   reset_after=False)
    cell = b.gru_cell(b.constant(x[0]), b.constant(w[0]), b.constant(r[0]), b.constant(h0[0]), 4, bias=b.constant(bias[0]),
                      reset_after=False)
    res = ctx.compute(b.build({"full": full, "cell": cell}), {})
    np.testing.assert_allclose(res["full"][0], res["cell"], rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------------------
# lstmCell
# --------------------------------------------------------------------------------------

LSTM_CELL_CASES = (
    [dict(layout=lay, opts=o, dt=dt)
     for lay, o, dt in itertools.product(("iofg", "ifgo"), ("none", "all", "bias", "rbias", "peephole"), ("float32", "float16"))]
    + [dict(activations=a, opts=o, dt=dt)
       for a, o, dt in itertools.product((["relu", "relu", "relu"], ["tanh", "sigmoid", "relu"], ["sigmoid", "relu", "sigmoid"]),
                                        ("all", "bias"), ("float32", "float16"))]
)


def _lstm_cell_case(ctx, rng, *, batch=3, isz=4, hs=5, dt="float32", layout="iofg", opts="all", activations=None,
                    constants=("w", "r", "p")):
    has = dict(all={"b", "rb", "p"}, none=set(), bias={"b"}, rbias={"rb"}, peephole={"p"})[opts]
    arrays = dict(
        x=_rand(rng, (batch, isz), dt), w=_rand(rng, (4 * hs, isz), dt, 0.6), r=_rand(rng, (4 * hs, hs), dt, 0.6),
        h=_rand(rng, (batch, hs), dt), c=_rand(rng, (batch, hs), dt, 1.5),
        b=_rand(rng, (4 * hs,), dt, 0.5) if "b" in has else None,
        rb=_rand(rng, (4 * hs,), dt, 0.5) if "rb" in has else None,
        p=_rand(rng, (3 * hs,), dt, 0.8) if "p" in has else None,
    )
    net = Net(ctx, arrays, set(constants))
    o = net.ops
    kw = dict(bias=o["b"], recurrent_bias=o["rb"], peephole_weight=o["p"], layout=layout)
    if activations is not None:
        kw["activations"] = activations
    outs = net.b.lstm_cell(o["x"], o["w"], o["r"], o["h"], o["c"], hs, **kw)
    assert isinstance(outs, list) and len(outs) == 2
    assert all(v.shape == [batch, hs] and v.data_type == dt for v in outs)
    a = {k: _up(v) for k, v in arrays.items()}
    want = ref_lstm_cell(a["x"], a["w"], a["r"], a["h"], a["c"], hs, a["b"], a["rb"], a["p"], layout,
                         activations or ("sigmoid", "tanh", "tanh"))
    return net, outs, want


@pytest.mark.parametrize("case", LSTM_CELL_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_lstm_cell(ctx, case):
    rng = np.random.default_rng(7)
    net, outs, want = _lstm_cell_case(ctx, rng, **case)
    _compare(net.run(outs), want, case["dt"])


def test_lstm_cell_inputs_not_constants(ctx):
    rng = np.random.default_rng(8)
    for batch, isz, hs in [(1, 1, 1), (2, 6, 3)]:
        for opts in ("all", "none"):
            net, outs, want = _lstm_cell_case(ctx, rng, batch=batch, isz=isz, hs=hs, opts=opts, constants=())
            _compare(net.run(outs), want, "float32")


def test_lstm_cell_peephole_uses_previous_cell_state(ctx):
    # Only the output-gate peephole is non-zero; weights/biases are 0 and hidden state is 0.
    # Spec: o = sigmoid(c_prev * p_o); c' = 0.5 * c_prev + 0.5 * tanh(0) = 0.5 * c_prev; h' = o * tanh(c').
    hs = 2
    b = webnn.MLGraphBuilder(ctx)
    cv = np.array([[2.0, -1.0]], np.float32)
    p = np.array([0, 0, 3, 3, 0, 0], np.float32)
    h, c = b.lstmCell(b.constant(np.ones((1, 3), np.float32)), b.constant(np.zeros((8, 3), np.float32)),
                      b.constant(np.zeros((8, 2), np.float32)), b.constant(np.zeros((1, 2), np.float32)),
                      b.input("c_in", [1, 2], "float32"), hs, peephole_weight=b.constant(p))
    res = ctx.compute(b.build({"h": h, "c": c}), {"c_in": cv})
    c_new = 0.5 * cv.astype(np.float64)
    o = 1 / (1 + np.exp(-3 * cv.astype(np.float64)))  # previous cell state, not c_new
    np.testing.assert_allclose(res["c"], c_new, rtol=1e-6)
    np.testing.assert_allclose(res["h"], o * np.tanh(c_new), rtol=1e-5)


# --------------------------------------------------------------------------------------
# lstm
# --------------------------------------------------------------------------------------

LSTM_CASES = (
    [dict(direction=d, layout=lay, return_sequence=rs, opts=o, dt="float32")
     for d, lay, rs, o in itertools.product(("forward", "backward", "both"), ("iofg", "ifgo"), (False, True), ("all", "no_peephole"))]
    + [dict(direction=d, opts=o, return_sequence=True, dt="float32")
       for d, o in itertools.product(("forward", "backward", "both"), ("none", "bias_c0", "rbias_h0_peephole"))]
    + [dict(direction=d, layout=lay, opts=o, return_sequence=True, dt="float16")
       for d, lay, o in itertools.product(("forward", "backward", "both"), ("iofg", "ifgo"), ("all", "no_peephole"))]
    + [dict(direction="both", activations=["relu", "tanh", "relu"], return_sequence=True, dt="float32"),
       dict(direction="both", activations=["relu", "tanh", "relu"], opts="no_peephole", return_sequence=True, dt="float32"),
       dict(direction="backward", activations=["tanh", "relu", "sigmoid"], dt="float16"),
       dict(direction="forward", activations=["sigmoid", "sigmoid", "tanh"], opts="no_peephole", dt="float16"),
       dict(direction="both", steps=1, return_sequence=True, dt="float32"),
       dict(direction="forward", steps=5, batch=1, hs=1, isz=2, return_sequence=True, dt="float32", constants=()),
       dict(direction="both", steps=3, opts="no_peephole", return_sequence=True, dt="float32", constants=())]
)


def _lstm_case(ctx, rng, *, steps=4, batch=2, isz=3, hs=4, dt="float32", direction="forward", layout="iofg",
               return_sequence=False, opts="all", activations=None, constants=("w", "r", "b", "p")):
    nd = 2 if direction == "both" else 1
    has = dict(all={"b", "rb", "p", "h0", "c0"}, no_peephole={"b", "rb", "h0", "c0"}, none=set(),
               bias_c0={"b", "c0"}, rbias_h0_peephole={"rb", "h0", "p"})[opts]
    arrays = dict(
        x=_rand(rng, (steps, batch, isz), dt), w=_rand(rng, (nd, 4 * hs, isz), dt, 0.6),
        r=_rand(rng, (nd, 4 * hs, hs), dt, 0.6),
        b=_rand(rng, (nd, 4 * hs), dt, 0.5) if "b" in has else None,
        rb=_rand(rng, (nd, 4 * hs), dt, 0.5) if "rb" in has else None,
        p=_rand(rng, (nd, 3 * hs), dt, 0.8) if "p" in has else None,
        h0=_rand(rng, (nd, batch, hs), dt) if "h0" in has else None,
        c0=_rand(rng, (nd, batch, hs), dt, 1.5) if "c0" in has else None,
    )
    net = Net(ctx, arrays, set(constants))
    o = net.ops
    kw = dict(bias=o["b"], recurrent_bias=o["rb"], peephole_weight=o["p"], initial_hidden_state=o["h0"],
              initial_cell_state=o["c0"], return_sequence=return_sequence, direction=direction, layout=layout)
    if activations is not None:
        kw["activations"] = activations
    outs = net.b.lstm(o["x"], o["w"], o["r"], steps, hs, **kw)
    assert isinstance(outs, list) and len(outs) == (3 if return_sequence else 2)
    assert outs[0].shape == outs[1].shape == [nd, batch, hs]
    if return_sequence:
        assert outs[2].shape == [steps, nd, batch, hs]
    assert all(v.data_type == dt for v in outs)
    a = {k: _up(v) for k, v in arrays.items()}
    want = ref_lstm(a["x"], a["w"], a["r"], steps, hs, a["b"], a["rb"], a["p"], a["h0"], a["c0"], return_sequence,
                    direction, layout, activations or ("sigmoid", "tanh", "tanh"))
    return net, outs, want


@pytest.mark.parametrize("case", LSTM_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_lstm(ctx, case):
    rng = np.random.default_rng(9)
    net, outs, want = _lstm_case(ctx, rng, **case)
    _compare(net.run(outs), want, case["dt"])


def test_lstm_peephole_path_is_unrolled_and_native_otherwise(ctx):
    rng = np.random.default_rng(10)
    net, outs, _ = _lstm_case(ctx, rng, opts="all")
    assert "LSTM" not in {n.op_type for n in net.onnx_model(outs).graph.node}
    rng = np.random.default_rng(10)
    net, outs, _ = _lstm_case(ctx, rng, opts="no_peephole")
    assert "LSTM" in {n.op_type for n in net.onnx_model(outs).graph.node}


# --------------------------------------------------------------------------------------
# ONNX model validity (one graph per op), support limits
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["gru_cell", "gru", "lstm_cell", "lstm", "lstm_peephole"])
def test_onnx_check_model(ctx, which):
    rng = np.random.default_rng(11)
    if which == "gru_cell":
        net, outs, _ = _gru_cell_case(ctx, rng, layout="rzn", dt="float16")
    elif which == "gru":
        net, outs, _ = _gru_case(ctx, rng, direction="both", layout="rzn", return_sequence=True)
    elif which == "lstm_cell":
        net, outs, _ = _lstm_cell_case(ctx, rng, layout="ifgo")
    elif which == "lstm":
        net, outs, _ = _lstm_case(ctx, rng, direction="both", opts="no_peephole", layout="ifgo", return_sequence=True, dt="float16")
    else:
        net, outs, _ = _lstm_case(ctx, rng, direction="both", return_sequence=True)
    onnx.checker.check_model(net.onnx_model(outs), full_check=True)


def test_op_support_limits(ctx):
    lim = ctx.op_support_limits()
    for name, operands in {
        "gru": {"input": 3, "weight": 3, "recurrentWeight": 3, "bias": 2, "recurrentBias": 2, "initialHiddenState": 3,
                "output0": 3, "output1": 4},
        "gruCell": {"input": 2, "weight": 2, "recurrentWeight": 2, "hiddenState": 2, "bias": 1, "recurrentBias": 1, "output": 2},
        "lstm": {"input": 3, "weight": 3, "recurrentWeight": 3, "bias": 2, "recurrentBias": 2, "peepholeWeight": 2,
                 "initialHiddenState": 3, "initialCellState": 3, "output0": 3, "output1": 3, "output2": 4},
        "lstmCell": {"input": 2, "weight": 2, "recurrentWeight": 2, "hiddenState": 2, "cellState": 2, "bias": 1,
                     "recurrentBias": 1, "peepholeWeight": 1, "output0": 2, "output1": 2},
    }.items():
        entry = lim[name]
        assert set(entry) == set(operands), name
        for operand, rank in operands.items():
            assert sorted(entry[operand]["dataTypes"]) == ["float16", "float32"], (name, operand)
            assert (entry[operand]["rankRange"]["min"], entry[operand]["rankRange"]["max"]) == (rank, rank), (name, operand)


# --------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------


def _ops(b, dt="float32", **shapes):
    return {k: b.input(k, list(v), dt) for k, v in shapes.items()}


def _expect_error(fn, op_name, arg):
    with pytest.raises(webnn.ValidationError) as ei:
        fn()
    msg = str(ei.value)
    assert msg.startswith(op_name), msg
    assert f"'{arg}'" in msg, msg


# steps=3 batch=2 input=4 hidden=5
def _gru_call(ctx, mutate):
    b = webnn.MLGraphBuilder(ctx)
    o = _ops(b, x=(3, 2, 4), w=(1, 15, 4), r=(1, 15, 5), b1=(1, 15), rb1=(1, 15), h0=(1, 2, 5),
             w2=(2, 15, 4), r2=(2, 15, 5), x2=(3, 4), w_bad=(1, 15, 3), r_bad=(1, 15, 4), b_bad=(15,), b_bad2=(1, 12),
             h0_bad=(1, 3, 5))
    o16 = _ops(b, "float16", w16=(1, 15, 4), b16=(1, 15), h016=(1, 2, 5))
    xi = b.input("xi", [3, 2, 4], "int32")
    other = webnn.MLGraphBuilder(ctx).input("x", [3, 2, 4], "float32")
    args = dict(input=o["x"], weight=o["w"], recurrent_weight=o["r"], steps=3, hidden_size=5)
    kw = dict(bias=o["b1"], recurrent_bias=o["rb1"], initial_hidden_state=o["h0"])
    env = dict(o, **o16, xi=xi, other=other)
    mutate(args, kw, env)
    return lambda: b.gru(args.pop("input"), args.pop("weight"), args.pop("recurrent_weight"), args.pop("steps"),
                         args.pop("hidden_size"), **kw)


GRU_BAD = [
    ("input", lambda a, k, e: a.update(input=e["x2"])),
    ("input", lambda a, k, e: a.update(input=e["xi"])),
    ("input", lambda a, k, e: a.update(input=e["other"])),
    ("input", lambda a, k, e: a.update(input=np.zeros((3, 2, 4), np.float32))),
    ("weight", lambda a, k, e: a.update(weight=e["w16"])),
    ("weight", lambda a, k, e: a.update(weight=e["w_bad"])),
    ("weight", lambda a, k, e: (k.clear(), k.update(direction="both"))),
    ("recurrent_weight", lambda a, k, e: a.update(recurrent_weight=e["r_bad"])),
    ("recurrent_weight", lambda a, k, e: (k.clear(), k.update(direction="both"), a.update(weight=e["w2"]))),
    ("steps", lambda a, k, e: a.update(steps=4)),
    ("steps", lambda a, k, e: a.update(steps=0)),
    ("steps", lambda a, k, e: a.update(steps=-3)),
    ("steps", lambda a, k, e: a.update(steps=3.0)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=0)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=2**31 // 6 + 1)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=2**32)),
    ("weight", lambda a, k, e: a.update(hidden_size=4)),
    ("bias", lambda a, k, e: k.update(bias=e["b_bad"])),
    ("bias", lambda a, k, e: k.update(bias=e["b_bad2"])),
    ("bias", lambda a, k, e: k.update(bias=e["b16"])),
    ("recurrent_bias", lambda a, k, e: k.update(recurrent_bias=e["b_bad2"])),
    ("recurrent_bias", lambda a, k, e: k.update(recurrent_bias=e["b16"])),
    ("initial_hidden_state", lambda a, k, e: k.update(initial_hidden_state=e["h0_bad"])),
    ("initial_hidden_state", lambda a, k, e: k.update(initial_hidden_state=e["h016"])),
    ("initial_hidden_state", lambda a, k, e: (k.update(direction="both"), a.update(weight=e["w2"], recurrent_weight=e["r2"]),
                                              k.pop("bias"), k.pop("recurrent_bias"))),
    ("direction", lambda a, k, e: k.update(direction="bidirectional")),
    ("layout", lambda a, k, e: k.update(layout="iofg")),
    ("layout", lambda a, k, e: k.update(layout="ZRN")),
    ("activations", lambda a, k, e: k.update(activations=["sigmoid"])),
    ("activations", lambda a, k, e: k.update(activations=["sigmoid", "tanh", "tanh"])),
    ("activations", lambda a, k, e: k.update(activations=["sigmoid", "gelu"])),
    ("activations", lambda a, k, e: k.update(activations="relu")),
    ("activations", lambda a, k, e: k.update(activations=[])),
    ("reset_after", lambda a, k, e: k.update(reset_after=1)),
    ("return_sequence", lambda a, k, e: k.update(return_sequence="yes")),
]


@pytest.mark.parametrize("arg,mutate", GRU_BAD, ids=[f"{a}-{i}" for i, (a, _) in enumerate(GRU_BAD)])
def test_gru_validation(ctx, arg, mutate):
    _expect_error(_gru_call(ctx, mutate), "gru", arg)


def test_gru_valid_base_and_unknown_option(ctx):
    _gru_call(ctx, lambda a, k, e: None)()  # the base call of the validation tests is valid
    with pytest.raises(webnn.ValidationError, match="gru"):
        _gru_call(ctx, lambda a, k, e: k.update(peephole_weight=e["b1"]))()
    b = webnn.MLGraphBuilder(ctx)
    o = _ops(b, x=(3, 2, 4), w=(1, 15, 4), r=(1, 15, 5))
    with pytest.raises(webnn.ValidationError, match=r"gru \(label 'enc'\): argument 'steps'"):
        b.gru(o["x"], o["w"], o["r"], 2, 5, label="enc")


# batch=2 input=4 hidden=5
def _gru_cell_call(ctx, mutate):
    b = webnn.MLGraphBuilder(ctx)
    o = _ops(b, x=(2, 4), w=(15, 4), r=(15, 5), h=(2, 5), b1=(15,), rb1=(15,), x3=(1, 2, 4), w_bad=(15, 3),
             r_bad=(12, 5), h_bad=(3, 5), h3=(1, 2, 5), b_bad=(12,), b2=(1, 15))
    o16 = _ops(b, "float16", x16=(2, 4), r16=(15, 5), h16=(2, 5), b16=(15,))
    args = dict(input=o["x"], weight=o["w"], recurrent_weight=o["r"], hidden_state=o["h"], hidden_size=5)
    kw = dict(bias=o["b1"], recurrent_bias=o["rb1"])
    mutate(args, kw, dict(o, **o16))
    return lambda: b.gru_cell(args["input"], args["weight"], args["recurrent_weight"], args["hidden_state"],
                              args["hidden_size"], **kw)


GRU_CELL_BAD = [
    ("input", lambda a, k, e: a.update(input=e["x3"])),
    ("weight", lambda a, k, e: a.update(input=e["x16"])),  # float16 input: weight no longer "same as input"
    ("weight", lambda a, k, e: a.update(weight=e["w_bad"])),
    ("recurrent_weight", lambda a, k, e: a.update(recurrent_weight=e["r_bad"])),
    ("recurrent_weight", lambda a, k, e: a.update(recurrent_weight=e["r16"])),
    ("hidden_state", lambda a, k, e: a.update(hidden_state=e["h_bad"])),
    ("hidden_state", lambda a, k, e: a.update(hidden_state=e["h3"])),
    ("hidden_state", lambda a, k, e: a.update(hidden_state=e["h16"])),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=0)),
    ("weight", lambda a, k, e: a.update(hidden_size=4)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=True)),
    ("bias", lambda a, k, e: k.update(bias=e["b_bad"])),
    ("bias", lambda a, k, e: k.update(bias=e["b2"])),
    ("bias", lambda a, k, e: k.update(bias=e["b16"])),
    ("recurrent_bias", lambda a, k, e: k.update(recurrent_bias=e["b_bad"])),
    ("layout", lambda a, k, e: k.update(layout="rnz")),
    ("activations", lambda a, k, e: k.update(activations=["relu"])),
    ("activations", lambda a, k, e: k.update(activations=["relu", "softmax"])),
    ("reset_after", lambda a, k, e: k.update(reset_after=None)),
]


@pytest.mark.parametrize("arg,mutate", GRU_CELL_BAD, ids=[f"{a}-{i}" for i, (a, _) in enumerate(GRU_CELL_BAD)])
def test_gru_cell_validation(ctx, arg, mutate):
    _expect_error(_gru_cell_call(ctx, mutate), "gru_cell", arg)


def test_gru_cell_valid_base(ctx):
    out = _gru_cell_call(ctx, lambda a, k, e: None)()
    assert out.shape == [2, 5]
    with pytest.raises(webnn.ValidationError, match="gru_cell"):
        _gru_cell_call(ctx, lambda a, k, e: k.update(direction="both"))()  # not a gruCell option


# steps=3 batch=2 input=4 hidden=5
def _lstm_call(ctx, mutate):
    b = webnn.MLGraphBuilder(ctx)
    o = _ops(b, x=(3, 2, 4), w=(1, 20, 4), r=(1, 20, 5), b1=(1, 20), rb1=(1, 20), p=(1, 15), h0=(1, 2, 5), c0=(1, 2, 5),
             w2=(2, 20, 4), r2=(2, 20, 5), x2=(3, 4), w_bad=(1, 15, 4), r_bad=(1, 20, 4), b_bad=(1, 15), p_bad=(1, 20),
             p1=(15,), s_bad=(1, 2, 4), s2=(2, 2, 5))
    o16 = _ops(b, "float16", r16=(1, 20, 5), p16=(1, 15), c016=(1, 2, 5))
    xu = b.input("xu", [3, 2, 4], "uint8")
    args = dict(input=o["x"], weight=o["w"], recurrent_weight=o["r"], steps=3, hidden_size=5)
    kw = dict(bias=o["b1"], recurrent_bias=o["rb1"], peephole_weight=o["p"], initial_hidden_state=o["h0"],
              initial_cell_state=o["c0"])
    mutate(args, kw, dict(o, **o16, xu=xu))
    return lambda: b.lstm(args["input"], args["weight"], args["recurrent_weight"], args["steps"], args["hidden_size"], **kw)


LSTM_BAD = [
    ("input", lambda a, k, e: a.update(input=e["x2"])),
    ("input", lambda a, k, e: a.update(input=e["xu"])),
    ("weight", lambda a, k, e: a.update(weight=e["w_bad"])),
    ("weight", lambda a, k, e: k.update(direction="both")),
    ("recurrent_weight", lambda a, k, e: a.update(recurrent_weight=e["r_bad"])),
    ("recurrent_weight", lambda a, k, e: a.update(recurrent_weight=e["r16"])),
    ("steps", lambda a, k, e: a.update(steps=0)),
    ("steps", lambda a, k, e: a.update(steps=2)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=0)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=2**31 // 8 + 1)),
    ("weight", lambda a, k, e: a.update(hidden_size=6)),
    ("bias", lambda a, k, e: k.update(bias=e["b_bad"])),
    ("recurrent_bias", lambda a, k, e: k.update(recurrent_bias=e["b_bad"])),
    ("peephole_weight", lambda a, k, e: k.update(peephole_weight=e["p_bad"])),
    ("peephole_weight", lambda a, k, e: k.update(peephole_weight=e["p1"])),
    ("peephole_weight", lambda a, k, e: k.update(peephole_weight=e["p16"])),
    ("initial_hidden_state", lambda a, k, e: k.update(initial_hidden_state=e["s_bad"])),
    ("initial_cell_state", lambda a, k, e: k.update(initial_cell_state=e["s_bad"])),
    ("initial_cell_state", lambda a, k, e: k.update(initial_cell_state=e["c016"])),
    ("initial_cell_state", lambda a, k, e: (k.update(direction="both", initial_hidden_state=e["s2"]),
                                            a.update(weight=e["w2"], recurrent_weight=e["r2"]),
                                            k.pop("bias"), k.pop("recurrent_bias"), k.pop("peephole_weight"))),
    ("direction", lambda a, k, e: k.update(direction="reverse")),
    ("layout", lambda a, k, e: k.update(layout="zrn")),
    ("layout", lambda a, k, e: k.update(layout="iofc")),
    ("activations", lambda a, k, e: k.update(activations=["sigmoid", "tanh"])),
    ("activations", lambda a, k, e: k.update(activations=["sigmoid", "tanh", "tanh", "tanh"])),
    ("activations", lambda a, k, e: k.update(activations=["sigmoid", "tanh", "elu"])),
    ("return_sequence", lambda a, k, e: k.update(return_sequence=0)),
]


@pytest.mark.parametrize("arg,mutate", LSTM_BAD, ids=[f"{a}-{i}" for i, (a, _) in enumerate(LSTM_BAD)])
def test_lstm_validation(ctx, arg, mutate):
    _expect_error(_lstm_call(ctx, mutate), "lstm", arg)


def test_lstm_valid_base(ctx):
    outs = _lstm_call(ctx, lambda a, k, e: None)()
    assert [o.shape for o in outs] == [[1, 2, 5], [1, 2, 5]]


# batch=2 input=4 hidden=5
def _lstm_cell_call(ctx, mutate):
    b = webnn.MLGraphBuilder(ctx)
    o = _ops(b, x=(2, 4), w=(20, 4), r=(20, 5), h=(2, 5), c=(2, 5), b1=(20,), rb1=(20,), p=(15,), x1=(8,),
             w_bad=(20, 5), r_bad=(15, 5), s_bad=(2, 4), b_bad=(15,), p_bad=(20,), p2=(1, 15))
    o16 = _ops(b, "float16", c16=(2, 5), b16=(20,), p16=(15,))
    args = dict(input=o["x"], weight=o["w"], recurrent_weight=o["r"], hidden_state=o["h"], cell_state=o["c"], hidden_size=5)
    kw = dict(bias=o["b1"], recurrent_bias=o["rb1"], peephole_weight=o["p"])
    mutate(args, kw, dict(o, **o16))
    return lambda: b.lstm_cell(args["input"], args["weight"], args["recurrent_weight"], args["hidden_state"],
                               args["cell_state"], args["hidden_size"], **kw)


LSTM_CELL_BAD = [
    ("input", lambda a, k, e: a.update(input=e["x1"])),
    ("weight", lambda a, k, e: a.update(weight=e["w_bad"])),
    ("recurrent_weight", lambda a, k, e: a.update(recurrent_weight=e["r_bad"])),
    ("hidden_state", lambda a, k, e: a.update(hidden_state=e["s_bad"])),
    ("cell_state", lambda a, k, e: a.update(cell_state=e["s_bad"])),
    ("cell_state", lambda a, k, e: a.update(cell_state=e["c16"])),
    ("hidden_size", lambda a, k, e: a.update(hidden_size=0)),
    ("hidden_size", lambda a, k, e: a.update(hidden_size="5")),
    ("bias", lambda a, k, e: k.update(bias=e["b_bad"])),
    ("bias", lambda a, k, e: k.update(bias=e["b16"])),
    ("recurrent_bias", lambda a, k, e: k.update(recurrent_bias=e["b_bad"])),
    ("peephole_weight", lambda a, k, e: k.update(peephole_weight=e["p_bad"])),
    ("peephole_weight", lambda a, k, e: k.update(peephole_weight=e["p2"])),
    ("peephole_weight", lambda a, k, e: k.update(peephole_weight=e["p16"])),
    ("layout", lambda a, k, e: k.update(layout="iogf")),
    ("activations", lambda a, k, e: k.update(activations=["relu", "relu"])),
    ("activations", lambda a, k, e: k.update(activations=("relu", "relu", "leakyRelu"))),
]


@pytest.mark.parametrize("arg,mutate", LSTM_CELL_BAD, ids=[f"{a}-{i}" for i, (a, _) in enumerate(LSTM_CELL_BAD)])
def test_lstm_cell_validation(ctx, arg, mutate):
    _expect_error(_lstm_cell_call(ctx, mutate), "lstm_cell", arg)


def test_lstm_cell_valid_base(ctx):
    outs = _lstm_cell_call(ctx, lambda a, k, e: None)()
    assert [o.shape for o in outs] == [[2, 5], [2, 5]]
    outs = _lstm_cell_call(ctx, lambda a, k, e: k.update(activations=("relu", "tanh", "sigmoid")))()  # any sequence
    assert len(outs) == 2
