"""TensorRT-RTX legalization: every rewrite is exact and lets the real build pass; what cannot be exact is refused.

Each check runs the legalized ONNX (what the engine is built from) on ONNX Runtime with the
engine's I/O types (uint32/uint64 reinterpreted as int32/int64, as the runners do) and compares
it with an independent numpy reference of the original op (or the original model on ONNX
Runtime), bit for bit; then TensorRT-RTX builds it.
"""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

from webnn.backends.trtx.engines import get_engine
from webnn.backends.trtx.legalize import legalize
from webnn.backends.trtx.loaders import inspect_onnx, network_from_onnx
from webnn.errors import TrtxRuntimeFailed

from . import models
from .models import _model

T = TensorProto
NP = {
    T.UINT8: np.uint8, T.INT8: np.int8, T.UINT32: np.uint32, T.UINT64: np.uint64, T.INT32: np.int32, T.INT64: np.int64,
    T.FLOAT: np.float32, T.FLOAT16: np.float16, T.BOOL: np.bool_,
}  # fmt: skip
EDGES = {
    np.uint8: [0, 1, 2, 127, 128, 200, 254, 255],
    np.int8: [-128, -127, -1, 0, 1, 2, 126, 127],
    np.uint32: [0, 1, 3, 2**31 - 1, 2**31, 2**31 + 7, 2**32 - 2, 2**32 - 1],
    np.uint64: [0, 1, 5, 2**32, 2**63 - 1, 2**63, 2**63 + 9, 2**64 - 1],
    np.int32: [-(2**31), -(2**31) + 1, -1, 0, 1, 300, 2**31 - 2, 2**31 - 1],
    np.int64: [-(2**63), -(2**40), -1, 0, 1, 2**32 + 5, 2**62, 2**63 - 1],
}


def vi(name: str, t: int, shape: list) -> object:
    return helper.make_tensor_value_info(name, t, shape)


def run_legal(model: bytes, feed: dict) -> tuple[dict, list[str]]:
    """The legalized model on ONNX Runtime with the engine's I/O types; outputs in the model's types."""
    legal, changes = legalize(model)
    orig, eng = inspect_onnx(model), inspect_onnx(legal)
    types = {s.name: np.dtype(s.dtype) for s in eng.inputs}
    sess = ort.InferenceSession(legal, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    out = sess.run(None, {n: (a.view(types[n]) if a.dtype != types[n] else a) for n, a in feed.items() if n in names})
    want = {s.name: np.dtype(s.dtype) for s in orig.outputs}
    return {s.name: (r.view(want[s.name]) if r.dtype != want[s.name] else r) for s, r in zip(eng.outputs, out, strict=True)}, changes


def assert_exact(model: bytes, feed: dict, expected: dict, *, build: bool = True) -> list[str]:
    got, changes = run_legal(model, feed)
    for k, exp in expected.items():
        exp = np.asarray(exp)
        assert got[k].dtype == exp.dtype and got[k].shape == exp.shape, (k, got[k].dtype, got[k].shape, exp.dtype, exp.shape)
        np.testing.assert_array_equal(got[k], exp, err_msg=k)
    if build:
        rec = get_engine(model, progress=False)  # legalized inside the build, built in the worker
        assert rec.meta["legalized"] == changes
    return changes


def test_untouched_when_nothing_applies() -> None:
    m = models.tiny()
    assert legalize(m) == (m, [])


def test_relu_int32_cast_of_constant_unused_initializer() -> None:
    m = _model(
        [
            helper.make_node("Relu", ["i"], ["ri"], name="relu_i32"),
            helper.make_node("Cast", ["k64"], ["k32"], name="cast_k", to=T.INT32),
            helper.make_node("Add", ["ri", "k32"], ["y"], name="add"),
        ],
        [vi("i", T.INT32, [4])],
        [vi("y", T.INT32, [4])],
        [numpy_helper.from_array(np.array([-7, -1, 0, 9], np.int64), "k64"), numpy_helper.from_array(np.array([1, 2], np.uint32), "unused_u32")],
    )
    with pytest.raises(TrtxRuntimeFailed):
        network_from_onnx(m)
    i = np.array([-5, 0, 7, -(2**31)], np.int32)
    changes = assert_exact(m, {"i": i}, {"y": np.maximum(i, 0) + np.array([-7, -1, 0, 9], np.int32)})
    text = "\n".join(changes)
    for what in ("Relu 'relu_i32' on int32 -> Max", "folded Cast of constant 'k64'", "dropped"):
        assert what in text, text


def _binary_model(op: str, t: int, out_t: int | None = None, opset: int = 17) -> bytes:
    node = helper.make_node(op, ["a", "b"], ["y"], name=f"{op.lower()}_0")
    return _model([node], [vi("a", t, [8]), vi("b", t, [8])], [vi("y", out_t or t, [8])], opset=opset)


def _pairs(dt: type) -> tuple[np.ndarray, np.ndarray]:
    e = EDGES[dt]
    return np.array(e, dt), np.array(e[::-1], dt)


def _wrap(values: list[int], dt: type) -> np.ndarray:
    bits = np.dtype(dt).itemsize * 8
    lo = int(np.iinfo(dt).min)
    return np.array([((v - lo) % (1 << bits)) + lo for v in values], dt)


EMULATED = [T.UINT8, T.INT8, T.UINT32, T.UINT64]


@pytest.mark.parametrize("t", EMULATED, ids=lambda t: T.DataType.Name(t).lower())
def test_emulated_arithmetic_wraps_like_the_type(t: int) -> None:
    dt = NP[t]
    a, b = _pairs(dt)
    ia, ib = [int(x) for x in a], [int(x) for x in b]
    ops = {"Add": lambda x, y: x + y, "Sub": lambda x, y: x - y, "Mul": lambda x, y: x * y, "Max": max, "Min": min}
    nodes = [helper.make_node(op, ["a", "b"], [op], name=op.lower()) for op in ops]
    nodes += [helper.make_node(op, ["a", "b"], [op], name=op.lower()) for op in ("Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Equal")]
    nodes += [helper.make_node("Abs", ["a"], ["Abs"], name="abs"), helper.make_node("Sign", ["a"], ["Sign"], name="sign")]
    outs = [vi(op, t, [8]) for op in (*ops, "Abs", "Sign")] + [vi(op, T.BOOL, [8]) for op in ("Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Equal")]
    if t != T.UINT64:  # uint64 division is refused (test below)
        nodes += [helper.make_node("Div", ["a", "nz"], ["Div"], name="div"), helper.make_node("Mod", ["a", "nz"], ["Mod"], name="mod", fmod=int(t == T.INT8))]
        outs += [vi("Div", t, [8]), vi("Mod", t, [8])]
    if t == T.INT8:
        nodes.append(helper.make_node("Neg", ["a"], ["Neg"], name="neg"))
        outs.append(vi("Neg", t, [8]))
    nz = np.where(b == 0, 1, b).astype(dt)
    m = _model(nodes, [vi("a", t, [8]), vi("b", t, [8]), vi("nz", t, [8])], outs)
    exp = {op: _wrap([f(x, y) for x, y in zip(ia, ib, strict=True)], dt) for op, f in ops.items()}
    exp |= {"Less": a < b, "Greater": a > b, "LessOrEqual": a <= b, "GreaterOrEqual": a >= b, "Equal": a == b}
    exp["Abs"] = _wrap([abs(x) for x in ia], dt)
    exp["Sign"] = np.array([(x > 0) - (x < 0) for x in ia], dt)
    if t != T.UINT64:
        inz = [int(x) for x in nz]
        exp["Div"] = _wrap([int(x / y) if abs(x) < 2**53 else x // y for x, y in zip(ia, inz, strict=True)], dt)  # truncation toward zero
        exp["Mod"] = np.array([int(np.fmod(x, y)) if t == T.INT8 else x % y for x, y in zip(ia, inz, strict=True)], dt)
    if t == T.INT8:
        exp["Neg"] = _wrap([-x for x in ia], dt)
    changes = assert_exact(m, {"a": a, "b": b, "nz": nz}, exp)
    assert any("emulated in int32/int64" in c for c in changes)


@pytest.mark.parametrize("t", EMULATED, ids=lambda t: T.DataType.Name(t).lower())
def test_emulated_reductions_ordering_and_data_movement(t: int) -> None:
    dt = NP[t]
    x = np.array(EDGES[dt], dt).reshape(2, 4)
    lo, hi = np.array(EDGES[dt][2], dt), np.array(EDGES[dt][5], dt)
    ax = numpy_helper.from_array(np.array([1], np.int64), "ax")
    nodes = [
        helper.make_node("ReduceSum", ["x", "ax"], ["rsum"], keepdims=0, name="rsum"),
        helper.make_node("ReduceMax", ["x", "ax"], ["rmax"], keepdims=0, name="rmax"),
        helper.make_node("ReduceMin", ["x", "ax"], ["rmin"], keepdims=0, name="rmin"),
        helper.make_node("ReduceL1", ["x", "ax"], ["rl1"], keepdims=0, name="rl1"),
        helper.make_node("ReduceProd", ["x", "ax"], ["rprod"], keepdims=0, name="rprod"),
        helper.make_node("ArgMax", ["x"], ["amax"], axis=1, keepdims=0, name="amax"),
        helper.make_node("ArgMin", ["x"], ["amin"], axis=1, keepdims=0, name="amin"),
        helper.make_node("CumSum", ["x", "one"], ["csum"], name="csum"),
        helper.make_node("Clip", ["x", "lo", "hi"], ["clip"], name="clip"),
        helper.make_node("Transpose", ["x"], ["tr"], perm=[1, 0], name="tr"),
        helper.make_node("Concat", ["x", "x"], ["cat"], axis=0, name="cat"),
        helper.make_node("Where", ["c", "x", "k"], ["where"], name="where"),
        helper.make_node("Gather", ["x", "idx"], ["gather"], axis=1, name="gather"),
        helper.make_node("Tile", ["x", "rep"], ["tile"], name="tile"),
    ]
    inits = [
        ax,
        numpy_helper.from_array(np.array(1, np.int64), "one"),
        numpy_helper.from_array(lo, "lo"),
        numpy_helper.from_array(hi, "hi"),
        numpy_helper.from_array(x[::-1].copy(), "k"),
        numpy_helper.from_array(np.array([3, 0], np.int64), "idx"),
        numpy_helper.from_array(np.array([1, 2], np.int64), "rep"),
    ]
    shapes = {"rsum": [2], "rmax": [2], "rmin": [2], "rl1": [2], "rprod": [2], "csum": [2, 4], "clip": [2, 4], "tr": [4, 2], "cat": [4, 4], "where": [2, 4]}
    outs = [vi(n, t, s) for n, s in (shapes | {"gather": [2, 2], "tile": [2, 8]}).items()]
    outs += [vi("amax", T.INT64, [2]), vi("amin", T.INT64, [2])]
    m = _model(nodes, [vi("x", t, [2, 4]), vi("c", T.BOOL, [2, 4])], outs, inits, opset=18)
    ix = [[int(v) for v in row] for row in x]
    c = np.array([[True, False, True, False], [False, True, True, False]])
    exp = {
        "rsum": _wrap([sum(r) for r in ix], dt),
        "rmax": x.max(axis=1),
        "rmin": x.min(axis=1),
        "rl1": _wrap([sum(abs(v) for v in r) for r in ix], dt),
        "rprod": _wrap([math.prod(r) for r in ix], dt),
        "amax": np.argmax(x, axis=1).astype(np.int64),
        "amin": np.argmin(x, axis=1).astype(np.int64),
        "csum": np.array([_wrap(list(np.cumsum(np.array(r, dtype=object))), dt) for r in ix], dt),
        "clip": np.clip(x, lo, hi),
        "tr": x.T,
        "cat": np.concatenate([x, x]),
        "where": np.where(c, x, x[::-1]),
        "gather": x[:, [3, 0]],
        "tile": np.tile(x, (1, 2)),
    }
    assert_exact(m, {"x": x, "c": c}, exp)


INTS = [T.UINT8, T.INT8, T.INT32, T.UINT32, T.INT64, T.UINT64]


@pytest.mark.parametrize("s", INTS + [T.BOOL], ids=lambda t: T.DataType.Name(t).lower())
def test_casts_from_an_integer_type_follow_the_webnn_cast_table(s: int) -> None:
    """Integer -> integer keeps the target's low bits; -> float is the nearest value; -> bool is != 0."""
    sdt = NP[s]
    x = np.array([0, 1, 0, 1, 1, 0, 1, 1], sdt) if s == T.BOOL else np.array(EDGES[sdt], sdt)
    targets = [d for d in INTS + [T.FLOAT, T.FLOAT16, T.BOOL] if d != s]
    nodes = [helper.make_node("Cast", ["x"], [f"to_{d}"], to=d, name=f"cast_{d}") for d in targets]
    m = _model(nodes, [vi("x", s, [8])], [vi(f"to_{d}", d, [8]) for d in targets])
    exp = {}
    for d in targets:
        ddt = NP[d]
        if d == T.BOOL:
            exp[f"to_{d}"] = x != 0
        elif ddt in (np.float32, np.float16):
            with np.errstate(over="ignore"):
                exp[f"to_{d}"] = x.astype(ddt)
        else:
            exp[f"to_{d}"] = x.astype(ddt)  # numpy integer casts keep the low bits
    assert_exact(m, {"x": x}, exp)


def test_uint64_to_float32_rounds_to_nearest_even_once() -> None:
    two63 = 2**63
    vals = [0, 2**53 + 1, two63 - 1, two63, two63 + 2**39, two63 + 2**39 + 1, two63 + 3 * 2**39, two63 + 2**40 - 1, 2**64 - 2**39, 2**64 - 1]
    x = np.array(vals, np.uint64)
    n = len(vals)
    casts = [helper.make_node("Cast", ["x"], ["y"], to=T.FLOAT, name="c"), helper.make_node("Cast", ["x"], ["h"], to=T.FLOAT16, name="h")]
    m = _model(casts, [vi("x", T.UINT64, [n])], [vi("y", T.FLOAT, [n]), vi("h", T.FLOAT16, [n])])

    def to_f32(v: int) -> np.float32:  # correctly rounded, in integers (int -> double -> float32 can round twice)
        if v < 2**24:
            return np.float32(v)
        shift = v.bit_length() - 24
        q, r = divmod(v, 1 << shift)
        half = 1 << (shift - 1)
        if r > half or (r == half and q % 2):
            q += 1
        return np.float32(q * 2.0**shift)

    exact = np.array([to_f32(v) for v in vals], np.float32)
    with np.errstate(over="ignore"):
        assert_exact(m, {"x": x}, {"y": exact, "h": exact.astype(np.float16)})


def test_float_to_uint64_covers_values_above_2_to_63() -> None:
    f = np.array([0.0, 1.5, 2.0**40 + 0.5, 2.0**63 - 2**39, 2.0**63, 2.0**63 * 1.5, 2.0**64 - 2**40, 7.9], np.float32)
    casts = [helper.make_node("Cast", ["f"], ["u"], to=T.UINT64, name="c"), helper.make_node("Cast", ["f"], ["w"], to=T.UINT32, name="w")]
    m = _model(casts, [vi("f", T.FLOAT, [8])], [vi("u", T.UINT64, [8]), vi("w", T.UINT32, [8])])
    u = np.array([int(v) for v in f.astype(np.float64)], dtype=object).astype(np.uint64)
    ok = f < 2**32  # float -> uint32 is implementation-defined beyond its range
    got, _ = run_legal(m, {"f": f})
    np.testing.assert_array_equal(got["u"], u)
    np.testing.assert_array_equal(got["w"][ok], f[ok].astype(np.uint32))
    get_engine(m, progress=False)


def test_emulated_io_keeps_the_model_types_and_bytes() -> None:
    """uint32/uint64 inputs and outputs: the engine holds the same bytes in int32/int64 (a view), uint8/int8 stay as they are."""
    m = _model(
        [helper.make_node("Identity", [n], [f"{n}_out"], name=f"id_{n}") for n in ("u8", "i8", "u32", "u64")],
        [vi(n, t, [3]) for n, t in (("u8", T.UINT8), ("i8", T.INT8), ("u32", T.UINT32), ("u64", T.UINT64))],
        [vi(f"{n}_out", t, [3]) for n, t in (("u8", T.UINT8), ("i8", T.INT8), ("u32", T.UINT32), ("u64", T.UINT64))],
    )
    rec = get_engine(m, progress=False)
    io = {s.name: (s.dtype, s.model_dtype) for s in rec.inputs + rec.outputs}
    assert io == {"u8": ("uint8", ""), "i8": ("int8", ""), "u32": ("int32", "uint32"), "u64": ("int64", "uint64"),
                  "u8_out": ("uint8", ""), "i8_out": ("int8", ""), "u32_out": ("int32", "uint32"), "u64_out": ("int64", "uint64")}  # fmt: skip
    assert rec.views == {"u32": "uint32", "u64": "uint64", "u32_out": "uint32", "u64_out": "uint64"}
    feed = {
        "u8": np.array([0, 128, 255], np.uint8),
        "i8": np.array([-128, 0, 127], np.int8),
        "u32": np.array([0, 2**31, 2**32 - 1], np.uint32),
        "u64": np.array([0, 2**63, 2**64 - 1], np.uint64),
    }
    assert_exact(m, feed, {f"{n}_out": a for n, a in feed.items()}, build=False)


@pytest.mark.parametrize(
    "op,t,match",
    [
        ("Div", T.UINT64, r"node 'div_0' \(Div\): TensorRT-RTX has no uint64 tensors, and uint64 division needs unsigned 64-bit arithmetic"),
        ("Mod", T.UINT64, r"node 'mod_0' \(Mod\): .*unsigned 64-bit"),
        ("Pow", T.UINT8, r"node 'pow_0' \(Pow\): TensorRT-RTX has no uint8 tensors, and an exact Pow on them is not implemented"),
        ("BitwiseAnd", T.INT32, r"node 'bitwiseand_0' \(BitwiseAnd\): TensorRT-RTX has no bitwise operations"),
        ("BitwiseXor", T.INT64, r"node 'bitwisexor_0' \(BitwiseXor\): TensorRT-RTX has no bitwise operations"),
    ],
)
def test_what_cannot_be_exact_is_refused_naming_the_node_and_the_limit(op: str, t: int, match: str) -> None:
    m = _binary_model(op, t, opset=18)
    with pytest.raises(TrtxRuntimeFailed, match=match):
        legalize(m)
    with pytest.raises(TrtxRuntimeFailed, match=match):
        get_engine(m, progress=False)


def test_sign_bit_xor_becomes_add() -> None:
    m = _model(
        [helper.make_node("BitwiseXor", ["x", "s"], ["y"], name="flip")],
        [vi("x", T.INT64, [4])],
        [vi("y", T.INT64, [4])],
        [numpy_helper.from_array(np.array(-(2**63), np.int64), "s")],
    )
    x = np.array([-(2**63), -1, 0, 2**63 - 1], np.int64)
    changes = assert_exact(m, {"x": x}, {"y": x ^ np.int64(-(2**63))})
    assert any("sign bit -> Add" in c for c in changes)


def test_small_rewrites_argmax_1d_tile_pad_reduce_0d() -> None:
    m = _model(
        [
            helper.make_node("ArgMax", ["v"], ["am"], axis=0, keepdims=0, name="am"),
            helper.make_node("ArgMin", ["v"], ["an"], axis=-1, keepdims=1, name="an"),
            helper.make_node("Tile", ["s", "r0"], ["ts"], name="tile0d"),
            helper.make_node("Relu", ["ts"], ["tr"], name="relu"),
            helper.make_node("Pad", ["v", "p0"], ["pv"], name="pad0"),
            helper.make_node("ReduceSumSquare", ["s"], ["rs"], name="rs"),
            helper.make_node("ReduceL2", ["s"], ["rl"], name="rl"),
        ],
        [vi("v", T.FLOAT, [5]), vi("s", T.FLOAT, [])],
        [vi("am", T.INT64, []), vi("an", T.INT64, [1]), vi("tr", T.FLOAT, []), vi("pv", T.FLOAT, [5]), vi("rs", T.FLOAT, []), vi("rl", T.FLOAT, [])],
        [numpy_helper.from_array(np.array([], np.int64), "r0"), numpy_helper.from_array(np.zeros(2, np.int64), "p0")],
    )
    v, s = np.array([3, -1, 7, 7, 0], np.float32), np.array(-2.5, np.float32)
    exp = {"am": np.array(2, np.int64), "an": np.array([1], np.int64), "tr": np.array(0, np.float32), "pv": v}
    exp |= {"rs": np.array(6.25, np.float32), "rl": np.array(2.5, np.float32)}
    changes = "\n".join(assert_exact(m, {"v": v, "s": s}, exp))
    expected = ("ArgMax 'am' of a 1-D tensor", "ArgMin 'an'", "Tile 'tile0d' repeating nothing", "Pad 'pad0' adding nothing", "ReduceSumSquare 'rs' of a 0-D")
    for what in expected:
        assert what in changes, changes


def _pool_ref(x: np.ndarray, op: str, k: list, s: list, d: list, pads: list, ceil: bool, include_pad: bool, p: int) -> np.ndarray:
    """ONNX pooling by definition, one window at a time (padding never takes part; ``include_pad`` counts it)."""
    n, c, hh, ww = x.shape
    sizes = []
    for i, size in enumerate((hh, ww)):
        span = size + pads[i] + pads[i + 2] - (k[i] - 1) * d[i] - 1
        o = (-(-span // s[i]) if ceil else span // s[i]) + 1
        if ceil and (o - 1) * s[i] >= size + pads[i]:
            o -= 1
        sizes.append(o)
    out = np.zeros((n, c, *sizes), np.float64)
    xf = x.astype(np.float64)
    for oh in range(sizes[0]):
        for ow in range(sizes[1]):
            vals, declared = [], 0
            for jh in range(k[0]):
                for jw in range(k[1]):
                    ih, iw = oh * s[0] - pads[0] + jh * d[0], ow * s[1] - pads[1] + jw * d[1]
                    if -pads[0] <= ih < hh + pads[2] and -pads[1] <= iw < ww + pads[3]:
                        declared += 1
                    if 0 <= ih < hh and 0 <= iw < ww:
                        vals.append(xf[:, :, ih, iw])
            v = np.stack(vals)
            if op == "MaxPool":
                out[:, :, oh, ow] = v.max(axis=0)
            elif op == "AveragePool":
                out[:, :, oh, ow] = v.sum(axis=0) / (declared if include_pad else len(vals))
            else:
                out[:, :, oh, ow] = (np.abs(v) ** p).sum(axis=0) ** (1.0 / p)
    return out.astype(x.dtype)


@pytest.mark.parametrize(
    "op,t,attrs",
    [
        ("MaxPool", T.FLOAT, dict(kernel_shape=[2, 3], dilations=[2, 2], strides=[1, 2], pads=[1, 0, 1, 2])),
        ("MaxPool", T.FLOAT16, dict(kernel_shape=[3, 3], dilations=[3, 1])),
        ("MaxPool", T.INT32, dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1])),
        ("MaxPool", T.UINT8, dict(kernel_shape=[3, 2], dilations=[1, 3], ceil_mode=1, strides=[2, 2])),
        ("AveragePool", T.FLOAT, dict(kernel_shape=[2, 2], dilations=[2, 3], pads=[1, 1, 1, 1], count_include_pad=0)),
        ("AveragePool", T.FLOAT16, dict(kernel_shape=[3, 2], dilations=[2, 2], count_include_pad=1, pads=[0, 1, 0, 1])),
        ("LpPool", T.FLOAT, dict(kernel_shape=[2, 2], dilations=[2, 2], p=2, pads=[1, 1, 0, 0])),
        ("LpPool", T.FLOAT, dict(kernel_shape=[3, 1], dilations=[2, 1], p=3)),
    ],
)
def test_pooling_decomposition(op: str, t: int, attrs: dict) -> None:
    shape = [1, 2, 7, 8]
    m = _model([helper.make_node(op, ["x"], ["y"], name="pool", **attrs)], [vi("x", t, shape)], [vi("y", t, None)], opset=21)
    rng = np.random.default_rng(3)
    dt = NP[t]
    x = rng.integers(0, 250, shape).astype(dt) if np.dtype(dt).kind in "iu" else rng.standard_normal(shape).astype(dt)
    legal, changes = legalize(m)
    assert any(c.startswith(f"{op} 'pool'") for c in changes), changes
    k = attrs["kernel_shape"]
    ref = _pool_ref(x, op, k, attrs.get("strides", [1, 1]), attrs.get("dilations", [1, 1]), attrs.get("pads", [0, 0, 0, 0]),
                    bool(attrs.get("ceil_mode", 0)), bool(attrs.get("count_include_pad", 0)), int(attrs.get("p", 2)))  # fmt: skip
    got = ort.InferenceSession(legal, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert got.dtype == ref.dtype and got.shape == ref.shape
    if op == "MaxPool":
        np.testing.assert_array_equal(got, ref)
    else:  # the same terms, summed in another order
        tol = dict(rtol=2e-3, atol=2e-3) if t == T.FLOAT16 else dict(rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got.astype(np.float32), ref.astype(np.float32), **tol)
    with pytest.raises(TrtxRuntimeFailed):
        network_from_onnx(m)
    get_engine(m, progress=False)
