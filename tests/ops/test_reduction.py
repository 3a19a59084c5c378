"""Reductions, argMin/argMax and cumulativeSum against float64 / exact-integer numpy references
written from the WebNN specification's definitions, plus every validation step."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import webnn
import webnn.converters

ALL_TYPES = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8")
FLOATS = ("float32", "float16")
NUMERIC = FLOATS + ("int32", "uint32", "int64", "uint64")
ALLOWED = {
    "reduce_l1": NUMERIC,
    "reduce_l2": FLOATS,
    "reduce_log_sum": FLOATS,
    "reduce_log_sum_exp": FLOATS,
    "reduce_max": ALL_TYPES,
    "reduce_mean": FLOATS,
    "reduce_min": ALL_TYPES,
    "reduce_product": NUMERIC,
    "reduce_sum": NUMERIC,
    "reduce_sum_square": NUMERIC,
}


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def run(ctx, opname, x, *args, constant=False, **kwargs):
    b = webnn.MLGraphBuilder(ctx)
    xi = b.constant(x) if constant else b.input("x", list(x.shape), x.dtype.name)
    y = getattr(b, opname)(xi, *args, **kwargs)
    g = b.build({"y": y})
    out = ctx.compute(g, {} if constant else {"x": x})["y"]
    assert out.dtype.name == y.data_type and list(out.shape) == y.shape
    return out


def onnx_ok(graph) -> None:
    data = webnn.converters.default_registry().convert(graph.info, "onnx").data
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)


def wrap(values, data_type: str) -> np.ndarray:
    """Python integers (object array) reduced modulo 2^bits into ``data_type``."""
    info = np.iinfo(np.dtype(data_type))
    bits = info.bits
    flat = [int(v) % (1 << bits) for v in np.asarray(values, dtype=object).ravel()]
    if info.min < 0:
        flat = [v - (1 << bits) if v > info.max else v for v in flat]
    return np.array(flat, dtype=data_type).reshape(np.shape(values))


# ----------------------------------------------------------------------------------------
# Reference definitions (spec "Reduction types"), in float64 or exact Python integers.
# ----------------------------------------------------------------------------------------
def _np_axes(axes, rank):
    return tuple(range(rank)) if axes is None else tuple(axes)


def ref_reduce(kind: str, x: np.ndarray, axes, keep: bool) -> np.ndarray:
    ax = _np_axes(axes, x.ndim)
    integer = x.dtype.kind in "iu"
    v = x.astype(object) if integer else x.astype(np.float64)

    def s(a):
        if not ax:  # no dimension reduced: the function applies to each value
            return a
        return np.sum(a, axis=ax, keepdims=keep)

    if kind == "reduce_l1":
        r = s(np.abs(v))
    elif kind == "reduce_l2":
        r = np.sqrt(s(v * v))
    elif kind == "reduce_log_sum":
        r = np.log(s(v))
    elif kind == "reduce_log_sum_exp":
        r = np.log(s(np.exp(v)))
    elif kind == "reduce_max":
        r = v if not ax else np.max(v, axis=ax, keepdims=keep)
    elif kind == "reduce_min":
        r = v if not ax else np.min(v, axis=ax, keepdims=keep)
    elif kind == "reduce_mean":
        n = int(np.prod([x.shape[i] for i in ax])) if ax else 1
        r = s(v) / n
    elif kind == "reduce_product":
        r = v if not ax else np.prod(v, axis=ax, keepdims=keep)
    elif kind == "reduce_sum":
        r = s(v)
    elif kind == "reduce_sum_square":
        r = s(v * v)
    else:  # pragma: no cover
        raise AssertionError(kind)
    r = np.asarray(r, dtype=object if integer else np.float64)
    return wrap(r, x.dtype.name) if integer else r


def sample(data_type: str, shape, kind: str = "", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if data_type in FLOATS:
        if kind == "reduce_log_sum":
            v = rng.uniform(0.25, 2.0, shape)
        elif kind == "reduce_product":
            v = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)
        else:
            v = rng.uniform(-3.0, 3.0, shape)
        return np.asarray(v, dtype=data_type)
    info = np.iinfo(np.dtype(data_type))
    if kind == "reduce_product":
        lo, hi = (-3, 4) if info.min < 0 else (0, 4)
    else:
        lo, hi = max(info.min, -100), min(info.max, 100)
    return np.asarray(rng.integers(lo, hi, shape), dtype=data_type)


def check_float(out: np.ndarray, ref: np.ndarray, data_type: str, scale: float) -> None:
    tol = 2e-3 if data_type == "float16" else 2e-6
    np.testing.assert_allclose(out.astype(np.float64), ref, rtol=tol, atol=tol * scale)


# (shape, axes, keep_dimensions)
CASES = [
    ([], None, False),
    ([], [], True),
    ([5], None, False),
    ([5], [0], True),
    ([5], [], False),
    ([2, 3, 4], None, True),
    ([2, 3, 4], [1], False),
    ([2, 3, 4], [2, 0], False),
    ([2, 3, 4], [0, 2], True),
    ([2, 1, 3, 5], [1, 3], False),
    ([3, 2, 1, 2, 3], [0, 1, 2, 3, 4], False),
]


@pytest.mark.parametrize("kind", list(ALLOWED))
@pytest.mark.parametrize("data_type", FLOATS)
@pytest.mark.parametrize("shape,axes,keep", CASES)
def test_reduce_float(ctx, kind, data_type, shape, axes, keep):
    x = sample(data_type, shape, kind, seed=len(shape))
    kw = {} if axes is None else {"axes": axes}
    out = run(ctx, kind, x, keep_dimensions=keep, **kw)
    ref = ref_reduce(kind, x, axes, keep)
    assert out.shape == ref.shape
    n = x.size if axes is None else int(np.prod([shape[i] for i in axes])) if axes else 1
    scale = {"reduce_sum_square": 9.0 * n, "reduce_product": 2.0**n, "reduce_l2": 3.0 * np.sqrt(n)}.get(kind, 3.0 * n)
    if kind in ("reduce_mean", "reduce_log_sum", "reduce_log_sum_exp"):
        scale = 3.0
    check_float(out, ref, data_type, scale)


INT_KINDS = [k for k, types in ALLOWED.items() if "int32" in types]


@pytest.mark.parametrize("kind,data_type", [(k, t) for k in INT_KINDS for t in ALLOWED[k] if t not in FLOATS])
@pytest.mark.parametrize("shape,axes,keep", [c for c in CASES if c[0] != [3, 2, 1, 2, 3]])
def test_reduce_int(ctx, kind, data_type, shape, axes, keep):
    x = sample(data_type, shape, kind, seed=len(shape) + 7)
    kw = {} if axes is None else {"axes": axes}
    out = run(ctx, kind, x, keep_dimensions=keep, **kw)
    np.testing.assert_array_equal(out, ref_reduce(kind, x, axes, keep))


BIG = {
    # Values where float64 accumulation would be wrong: sums beyond 2^53, wrap-around, order of
    # unsigned values above 2^63.
    "int64": np.array([[2**53 + 1, 2, -7, 4], [2**62, 2**62 - 1, 3, -(2**63)], [-1, -(2**40) - 3, 2**33 + 1, 5]], dtype=np.int64),
    "uint64": np.array([[2**64 - 1, 5, 2**63, 0], [2**53 + 1, 2, 2**63 - 1, 2**63 + 9], [3, 1, 4, 2**40 + 7]], dtype=np.uint64),
    "uint32": np.array([[2**32 - 1, 5, 2**31, 0], [7, 2**31 - 1, 3, 2**31 + 9], [3, 1, 4, 2**20 + 7]], dtype=np.uint32),
    "int32": np.array([[2**30, -(2**31), 7, 2**31 - 1], [-1, 2, -3, 4], [100000, 20000, -5, 0]], dtype=np.int32),
    "int8": np.array([[127, -128, 3, -1], [5, 6, -7, 8], [0, 0, 1, -1]], dtype=np.int8),
    "uint8": np.array([[255, 0, 128, 127], [5, 6, 7, 8], [1, 1, 1, 254]], dtype=np.uint8),
}


# int32 overflow is left out: ONNX Runtime's int32 kernels saturate, the spec does not define it.
_EXACT = [
    (k, t)
    for k in ("reduce_sum", "reduce_l1", "reduce_sum_square", "reduce_product", "reduce_max", "reduce_min")
    for t in BIG
    if t in ALLOWED[k] and not (t == "int32" and k not in ("reduce_max", "reduce_min"))
]


@pytest.mark.parametrize("kind,data_type", _EXACT)
@pytest.mark.parametrize("axes", [None, [1], [0]])
def test_reduce_int_exact_large_values(ctx, data_type, kind, axes):
    """Integer reductions are exact (wrapping modulo 2^bits) over the whole range of the type."""
    x = BIG[data_type]
    kw = {} if axes is None else {"axes": axes}
    np.testing.assert_array_equal(run(ctx, kind, x, **kw), ref_reduce(kind, x, axes, False))


def test_reduce_int64_beyond_2_53(ctx):
    x = np.array([2**53 + 1, 2, 2**60, -(2**60)], dtype=np.int64)
    assert run(ctx, "reduce_sum", x)[()] == 2**53 + 3
    assert run(ctx, "reduce_l1", x)[()] == 2**53 + 3 + 2**61
    assert run(ctx, "reduce_product", np.array([2**31 + 1, 2**31 - 1], np.int64))[()] == 2**62 - 1


def test_reduce_uint64_max_min_above_2_63(ctx):
    x = np.array([[2**63, 2**64 - 1, 1], [2**63 - 1, 0, 2**63 + 1]], np.uint64)
    np.testing.assert_array_equal(run(ctx, "reduce_max", x, axes=[1]), np.array([2**64 - 1, 2**63 + 1], np.uint64))
    np.testing.assert_array_equal(run(ctx, "reduce_min", x, axes=[0]), np.array([2**63 - 1, 0, 1], np.uint64))


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_reduce_rank0_constant_and_empty_axes(ctx, kind):
    """A scalar input (or empty axes) applies the reduction function to each value on its own."""
    v = np.array(0.75 if kind == "reduce_log_sum" else -1.5, dtype=np.float32)
    expect = {
        "reduce_l1": 1.5, "reduce_l2": 1.5, "reduce_log_sum": np.log(0.75), "reduce_log_sum_exp": -1.5,
        "reduce_max": -1.5, "reduce_mean": -1.5, "reduce_min": -1.5, "reduce_product": -1.5,
        "reduce_sum": -1.5, "reduce_sum_square": 2.25,
    }[kind]
    out = run(ctx, kind, v, constant=True)
    assert out.shape == () and abs(float(out) - expect) <= 1e-6
    m = np.array([[v, -v], [2 * v, 0.5]], np.float32) if kind != "reduce_log_sum" else np.array([[0.75, 2.0]], np.float32)
    out = run(ctx, kind, m, axes=[], keep_dimensions=True)
    check_float(out, ref_reduce(kind, m, [], True), "float32", 3.0)


def test_reduce_output_shapes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3, 4, 5], "float32")
    assert b.reduce_sum(x).shape == []
    assert b.reduce_sum(x, keep_dimensions=True).shape == [1, 1, 1, 1]
    assert b.reduce_sum(x, axes=[3, 1]).shape == [2, 4]
    assert b.reduce_sum(x, axes=[3, 1], keep_dimensions=True).shape == [2, 1, 4, 1]
    assert b.reduce_sum(x, axes=[]).shape == [2, 3, 4, 5]
    assert b.reduce_max(b.input("s", [], "int8")).shape == []


def test_reduce_support_limits(ctx):
    limits = ctx.op_support_limits()
    for kind, types in ALLOWED.items():
        entry = limits[kind]
        assert set(entry["input"]["dataTypes"]) == set(types), kind
        assert entry["input"]["rankRange"]["min"] == 0


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_reduce_rejects_data_types(ctx, kind):
    b = webnn.MLGraphBuilder(ctx)
    for dt in ALL_TYPES:
        x = b.input(f"x_{dt}", [2, 3], dt)
        if dt in ALLOWED[kind]:
            assert getattr(b, kind)(x).data_type == dt
        else:
            with pytest.raises(webnn.ValidationError, match=rf"^{kind}: argument 'input': data type {dt} is not allowed"):
                getattr(b, kind)(x)


@pytest.mark.parametrize("kind", list(ALLOWED))
@pytest.mark.parametrize(
    "kwargs,arg",
    [
        ({"axes": [3]}, "axes"),  # out of range for rank 3
        ({"axes": [0, 0]}, "axes"),  # duplicate
        ({"axes": [1, 2, 1]}, "axes"),
        ({"axes": [-1]}, "axes"),  # unsigned
        ({"axes": [0.5]}, "axes"),
        ({"axes": 1}, "axes"),  # not a sequence
        ({"axes": [True]}, "axes"),
        ({"keep_dimensions": 1}, "keep_dimensions"),
        ({"keep_dimensions": "yes"}, "keep_dimensions"),
    ],
)
def test_reduce_validation(ctx, kind, kwargs, arg):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3, 4], "float32")
    with pytest.raises(webnn.ValidationError, match=rf"^{kind}: argument '{arg}'"):
        getattr(b, kind)(x, **kwargs)


def test_reduce_validation_rank0_axes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [], "float32")
    with pytest.raises(webnn.ValidationError, match=r"^reduce_mean: argument 'axes'"):
        b.reduce_mean(x, axes=[0])


def test_reduce_operand_from_other_builder(ctx):
    other = webnn.MLGraphBuilder(ctx).input("x", [2], "float32")
    with pytest.raises(webnn.ValidationError, match=r"^reduce_sum: argument 'input'"):
        webnn.MLGraphBuilder(ctx).reduce_sum(other)


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_reduce_onnx_model_checks(ctx, kind):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3, 4], "float32")
    g = b.build({"y": getattr(b, kind)(x, axes=[0, 2])})
    onnx_ok(g)


@pytest.mark.parametrize("data_type", ["float16", "uint64", "int64", "uint32", "int8"])
def test_reduce_onnx_model_checks_decompositions(ctx, data_type):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3, 5], data_type)
    outs = {"mx": b.reduce_max(x, axes=[1]), "mn": b.reduce_min(x, keep_dimensions=True)}
    if data_type in NUMERIC:
        outs.update(s=b.reduce_sum(x, axes=[2, 0]), p=b.reduce_product(x), q=b.reduce_sum_square(x, axes=[]), l1=b.reduce_l1(x, axes=[1]))
    onnx_ok(b.build(outs))


# ----------------------------------------------------------------------------------------
# argMin / argMax
# ----------------------------------------------------------------------------------------
def ref_arg(kind: str, x: np.ndarray, axis: int, keep: bool) -> np.ndarray:
    """First index of the min/max along ``axis`` (exact comparison of the values as Python numbers)."""
    v = x.astype(object) if x.dtype.kind in "iu" else x.astype(np.float64)
    moved = np.moveaxis(v, axis, -1)
    out = np.empty(moved.shape[:-1], dtype=np.int64)
    for idx in np.ndindex(*moved.shape[:-1]):
        row = list(moved[idx])
        best = min(row) if kind == "arg_min" else max(row)
        out[idx] = row.index(best)
    return np.expand_dims(out, axis) if keep else out


ARG_DATA = {
    "float32": np.array([[[1.5, -2.0, 7.0], [3.0, 3.0, -1.0]], [[0.0, -0.5, -0.5], [9.0, 9.0, 9.0]]], np.float32),
    "float16": np.array([[[1.5, -2.0, 7.0], [3.0, 3.0, -1.0]], [[0.0, -0.5, -0.5], [9.0, 9.0, 9.0]]], np.float16),
    "int32": np.array([[[5, -(2**31), 2**31 - 1], [4, 4, 4]], [[0, 1, 0], [-3, 8, 8]]], np.int32),
    "uint32": np.array([[[5, 2**32 - 1, 2**31], [4, 4, 4]], [[0, 1, 0], [3, 8, 8]]], np.uint32),
    "int64": np.array([[[2**53 + 1, 2**53, 2**53 + 1], [-(2**63), 2**63 - 1, 0]], [[0, 1, 0], [-3, 8, 8]]], np.int64),
    "uint64": np.array([[[2**63, 2**64 - 1, 2**63 + 1], [2**63 - 1, 2**63, 0]], [[0, 1, 0], [3, 8, 8]]], np.uint64),
    "int8": np.array([[[127, -128, 3], [4, 4, 4]], [[0, 1, 0], [-3, 8, 8]]], np.int8),
    "uint8": np.array([[[255, 0, 128], [4, 4, 4]], [[0, 1, 0], [3, 8, 8]]], np.uint8),
}


@pytest.mark.parametrize("kind", ["arg_min", "arg_max"])
@pytest.mark.parametrize("data_type", ALL_TYPES)
@pytest.mark.parametrize("axis,keep,out_type", [(0, False, "int32"), (1, True, "int64"), (2, False, "int64"), (2, True, "int32")])
def test_arg_min_max(ctx, kind, data_type, axis, keep, out_type):
    x = ARG_DATA[data_type]
    out = run(ctx, kind, x, axis, keep_dimensions=keep, output_data_type=out_type)
    assert out.dtype == np.dtype(out_type)
    np.testing.assert_array_equal(out, ref_arg(kind, x, axis, keep))


@pytest.mark.parametrize("kind", ["arg_min", "arg_max"])
def test_arg_min_max_defaults_and_random(ctx, kind):
    x = np.random.default_rng(3).integers(-4, 4, (3, 4, 5)).astype(np.float32)  # many ties
    for axis in range(3):
        out = run(ctx, kind, x, axis)
        assert out.dtype == np.int32  # default outputDataType
        np.testing.assert_array_equal(out, ref_arg(kind, x, axis, False))
    out = run(ctx, kind, np.array([2.0, 7.0, 7.0, -1.0], np.float32), 0)
    assert out.shape == () and int(out) == (3 if kind == "arg_min" else 1)


@pytest.mark.parametrize("kind", ["arg_min", "arg_max"])
def test_arg_min_max_validation(ctx, kind):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    bad = [
        ((2,), {}, "axis"),
        ((-1,), {}, "axis"),
        ((0.0,), {}, "axis"),
        ((0,), {"output_data_type": "float32"}, "output_data_type"),
        ((0,), {"output_data_type": "uint32"}, "output_data_type"),
        ((0,), {"output_data_type": "int8"}, "output_data_type"),
        ((0,), {"output_data_type": "int"}, "output_data_type"),
        ((0,), {"keep_dimensions": 0}, "keep_dimensions"),
    ]
    for args, kwargs, arg in bad:
        with pytest.raises(webnn.ValidationError, match=rf"^{kind}: argument '{arg}'"):
            getattr(b, kind)(x, *args, **kwargs)
    with pytest.raises(webnn.ValidationError, match=rf"^{kind}: argument 'input': expected rank in \[1, 8\]"):
        getattr(b, kind)(b.input("s", [], "float32"), 0)
    assert getattr(b, kind)(x, 1).shape == [2]
    assert getattr(b, kind)(x, 0, keep_dimensions=True).shape == [1, 3]
    limits = ctx.op_support_limits()[kind.replace("_m", "M")]
    assert set(limits["output"]["dataTypes"]) == {"int32", "int64"}
    assert limits["input"]["rankRange"]["min"] == 1


@pytest.mark.parametrize("kind", ["arg_min", "arg_max"])
def test_arg_min_max_onnx_model_checks(ctx, kind):
    b = webnn.MLGraphBuilder(ctx)
    outs = {f"y_{dt}": getattr(b, kind)(b.input(dt, [2, 3], dt), 1) for dt in ("float32", "float16", "uint32", "uint64")}
    onnx_ok(b.build(outs))


# ----------------------------------------------------------------------------------------
# cumulativeSum
# ----------------------------------------------------------------------------------------
def ref_cumsum(x: np.ndarray, axis: int, exclusive: bool, reversed_: bool) -> np.ndarray:
    """out[..., i, ...] = sum of x[..., j, ...] over j < i (exclusive) or j <= i (inclusive);
    reversed: j > i / j >= i."""
    integer = x.dtype.kind in "iu"
    v = np.moveaxis(x.astype(object) if integer else x.astype(np.float64), axis, -1)
    out = np.zeros(v.shape, dtype=object if integer else np.float64)
    n = v.shape[-1]
    for i in range(n):
        if reversed_:
            js = range(i + 1, n) if exclusive else range(i, n)
        else:
            js = range(0, i) if exclusive else range(0, i + 1)
        acc = 0
        for j in js:
            acc = acc + v[..., j]
        out[..., i] = acc
    out = np.moveaxis(out, -1, axis)
    return wrap(out, x.dtype.name) if integer else out


@pytest.mark.parametrize("data_type", ALL_TYPES)
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reversed_", [False, True])
def test_cumulative_sum(ctx, data_type, exclusive, reversed_):
    shape = [2, 5, 3]
    x = sample(data_type, shape, seed=11)
    for axis in range(3):
        out = run(ctx, "cumulative_sum", x, axis, exclusive=exclusive, reversed=reversed_)
        ref = ref_cumsum(x, axis, exclusive, reversed_)
        if data_type in FLOATS:
            check_float(out, ref, data_type, 15.0)
        else:
            np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("data_type", ["int64", "uint64", "uint32", "int8", "uint8"])
def test_cumulative_sum_exact_wrap(ctx, data_type):
    x = BIG[data_type]
    for excl in (False, True):
        np.testing.assert_array_equal(run(ctx, "cumulative_sum", x, 1, exclusive=excl), ref_cumsum(x, 1, excl, False))


def test_cumulative_sum_spec_examples(ctx):
    x = np.array([1, 2, 3, 4], np.float32)
    np.testing.assert_array_equal(run(ctx, "cumulative_sum", x, 0), [1, 3, 6, 10])
    np.testing.assert_array_equal(run(ctx, "cumulative_sum", x, 0, exclusive=True), [0, 1, 3, 6])
    np.testing.assert_array_equal(run(ctx, "cumulative_sum", x, 0, reversed=True), [10, 9, 7, 4])


def test_cumulative_sum_validation(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    for args, kwargs, arg in [
        ((2,), {}, "axis"),
        ((-1,), {}, "axis"),
        ((1.0,), {}, "axis"),
        ((0,), {"exclusive": 1}, "exclusive"),
        ((0,), {"reversed": "no"}, "reversed"),
    ]:
        with pytest.raises(webnn.ValidationError, match=rf"^cumulative_sum: argument '{arg}'"):
            b.cumulative_sum(x, *args, **kwargs)
    with pytest.raises(webnn.ValidationError, match=r"^cumulative_sum: argument 'input': expected rank"):
        b.cumulative_sum(b.input("s", [], "float32"), 0)
    y = b.cumulative_sum(x, 1)
    assert y.shape == [2, 3] and y.data_type == "float32"
    assert set(ctx.op_support_limits()["cumulativeSum"]["input"]["dataTypes"]) == set(ALL_TYPES)


def test_cumulative_sum_onnx_model_checks(ctx):
    b = webnn.MLGraphBuilder(ctx)
    outs = {f"y_{dt}": b.cumulative_sum(b.input(dt, [2, 3], dt), 1, exclusive=True, reversed=True) for dt in ("float32", "float16", "uint64", "int8")}
    onnx_ok(b.build(outs))
