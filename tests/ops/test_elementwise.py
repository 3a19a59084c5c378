"""Element-wise family: unary math, comparisons, logical ops, isNaN/isInfinite, cast, clamp, where.

Numeric references are computed independently in float64 / Python integers from the spec's
definitions; validation tests check each spec step raises ValidationError naming op and argument.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
import pytest

import webnn
from webnn.converters import default_registry

DTYPES = list(webnn.DATA_TYPES)
FLOATS = ["float32", "float16"]
INTS = ["int32", "uint32", "int64", "uint64", "int8", "uint8"]
SIGNED = ["float32", "float16", "int64", "int32", "int8"]


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def run(ctx: webnn.MLContext, build, *arrays: np.ndarray) -> np.ndarray:
    """Build ``build(builder, *inputs)`` over graph inputs for ``arrays`` and compute it."""
    b = webnn.MLGraphBuilder(ctx)
    ins = [b.input(f"x{i}", list(a.shape), a.dtype.name) for i, a in enumerate(arrays)]
    g = b.build({"y": build(b, *ins)})
    return ctx.compute(g, {f"x{i}": a for i, a in enumerate(arrays)})["y"]


def ordered(a: np.ndarray) -> np.ndarray:
    """Float bit patterns mapped to integers that order like the values (for ULP distances)."""
    if a.dtype == np.float32:
        bits, mask = a.view(np.int32).astype(np.int64), 0x7FFFFFFF
    else:
        bits, mask = a.view(np.int16).astype(np.int64), 0x7FFF
    mag = bits & mask
    return np.where(bits < 0, -mag, mag)


def assert_ulp(actual: np.ndarray, ref64: np.ndarray, ulps: int) -> None:
    """``actual`` within ``ulps`` of the float64 reference rounded to actual's type; NaNs must match."""
    exp = np.asarray(ref64, dtype=np.float64).astype(actual.dtype)
    assert actual.shape == exp.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(exp))
    ok = ~np.isnan(exp)
    a, e = actual[ok], exp[ok]
    a = np.where(a == 0, np.zeros_like(a), a)
    e = np.where(e == 0, np.zeros_like(e), e)
    d = np.abs(ordered(a) - ordered(e))
    assert d.max(initial=0) <= ulps, f"max ULP distance {d.max()} > {ulps}: got {a[d.argmax()]!r}, expected {e[d.argmax()]!r}"


def onnx_model_ok(graph: webnn.MLGraph) -> None:
    data = default_registry().convert(graph.info, "onnx").data
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)


def expect_error(fn, *fragments: str) -> None:
    with pytest.raises(webnn.ValidationError) as ei:
        fn()
    for f in fragments:
        assert f in str(ei.value), f"{f!r} not in {str(ei.value)!r}"


# ---------------------------------------------------------------------------------------------
# element-wise unary
# ---------------------------------------------------------------------------------------------
_erf = np.vectorize(math.erf, otypes=[np.float64])

# op -> (float64 reference, input generator(rng, shape), allowed ULP error for float32)
UNARY = {
    "abs": (np.abs, lambda r, s: r.uniform(-10, 10, s), 0),
    "ceil": (np.ceil, lambda r, s: r.uniform(-10, 10, s), 0),
    "cos": (np.cos, lambda r, s: r.uniform(-6, 6, s), 4),
    "erf": (_erf, lambda r, s: r.uniform(-3, 3, s), 4),
    "exp": (np.exp, lambda r, s: r.uniform(-10, 10, s), 4),
    "floor": (np.floor, lambda r, s: r.uniform(-10, 10, s), 0),
    "identity": (lambda x: x, lambda r, s: r.uniform(-10, 10, s), 0),
    "log": (np.log, lambda r, s: r.uniform(0.01, 100, s), 4),
    "neg": (np.negative, lambda r, s: r.uniform(-10, 10, s), 0),
    "reciprocal": (lambda x: 1.0 / x, lambda r, s: r.uniform(0.1, 10, s) * r.choice([-1, 1], s), 1),
    "round_even": (np.rint, lambda r, s: r.uniform(-10, 10, s), 0),
    "sin": (np.sin, lambda r, s: r.uniform(-6, 6, s), 4),
    "sign": (lambda v: np.nan_to_num(np.sign(v), nan=0.0), lambda r, s: r.uniform(-10, 10, s) * r.integers(0, 2, s), 0),
    "sqrt": (np.sqrt, lambda r, s: r.uniform(0, 100, s), 1),
    "tan": (np.tan, lambda r, s: r.uniform(-1.4, 1.4, s), 8),
}
UNARY_TYPES = {n: ["float32", "float16"] for n in UNARY}
UNARY_TYPES.update(abs=SIGNED, neg=SIGNED, sign=SIGNED, identity=DTYPES)


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", [[], [7], [2, 3, 4], [1, 2, 1, 3, 2]])
def test_unary_float(ctx, name: str, shape: list[int]) -> None:
    ref, gen, ulps = UNARY[name]
    rng = np.random.default_rng(len(shape) * 31 + len(name))
    for dt in FLOATS:
        x = np.asarray(gen(rng, shape)).astype(dt)
        y = run(ctx, lambda b, a, name=name: getattr(b, name)(a), x)
        assert y.dtype == np.dtype(dt) and y.shape == tuple(shape)
        # float16 is computed in float32 and rounded once: within 1 ULP of the exact result.
        assert_ulp(y, ref(x.astype(np.float64)), ulps if dt == "float32" else 1)


def test_unary_special_values(ctx) -> None:
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 2.5, -2.5, 0.5, -1.5], np.float32)
    with np.errstate(all="ignore"):
        for name in ("abs", "ceil", "floor", "neg", "round_even", "sign", "exp", "sqrt", "log", "reciprocal", "identity"):
            ref = UNARY[name][0]
            y = run(ctx, lambda b, a, name=name: getattr(b, name)(a), x)
            assert_ulp(y, ref(x.astype(np.float64)), 0 if name not in ("exp", "log") else 4)
    # roundEven: halves to even, per the spec's example.
    x = np.array([0.1, 0.9, 1.1, 1.9, -3.5, -2.5, -1.5, 1.5, 2.5, 3.5], np.float32)
    y = run(ctx, lambda b, a: b.round_even(a), x)
    np.testing.assert_array_equal(y, [0.0, 1.0, 1.0, 2.0, -4.0, -2.0, -2.0, 2.0, 2.0, 4.0])
    # sign: 1 if > 0, -1 if < 0, 0 otherwise (zeros and NaN)
    y = run(ctx, lambda b, a: b.sign(a), np.array([-0.0, 0.0, -3, 7, np.inf, -np.inf], np.float16))
    np.testing.assert_array_equal(y, np.array([0, 0, -1, 1, 1, -1], np.float16))


@pytest.mark.parametrize("name", ["abs", "neg", "sign", "identity"])
def test_unary_integers(ctx, name: str) -> None:
    ref = {"abs": abs, "neg": lambda v: -v, "sign": lambda v: (v > 0) - (v < 0), "identity": lambda v: v}[name]
    for dt in [t for t in UNARY_TYPES[name] if t in INTS]:
        info = np.iinfo(dt)
        # avoid the most negative value (abs/neg of it does not fit)
        vals = [info.min + 1, -5, -1, 0, 1, 7, info.max] if info.min < 0 else [0, 1, 7, info.max]
        x = np.array(vals, dtype=dt).reshape(-1, 1) * np.ones((1, 2), dtype=dt)
        y = run(ctx, lambda b, a, name=name: getattr(b, name)(a), x)
        assert y.dtype == np.dtype(dt)
        np.testing.assert_array_equal(y, np.array([[ref(int(v))] * 2 for v in vals], dtype=dt))


def test_identity_all_types_large_values(ctx) -> None:
    for dt in DTYPES:
        info = np.iinfo(dt) if dt in INTS else np.finfo(dt)
        x = np.array([info.min, info.max, 0], dtype=dt)
        np.testing.assert_array_equal(run(ctx, lambda b, a: b.identity(a), x), x)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_rejects_types(ctx, name: str) -> None:
    b = webnn.MLGraphBuilder(ctx)
    for dt in DTYPES:
        x = b.input(f"x_{dt}", [2], dt)
        if dt in UNARY_TYPES[name]:
            y = getattr(b, name)(x)
            assert y.data_type == dt and y.shape == [2]
        else:
            expect_error(lambda name=name, x=x: getattr(b, name)(x), name, "'input'", dt)


def test_unary_spec_names_and_limits(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [3], "float16")
    assert b.roundEven(x).data_type == "float16"
    limits = ctx.op_support_limits()
    assert sorted(limits["abs"]["input"]["dataTypes"]) == sorted(SIGNED)
    assert sorted(limits["roundEven"]["input"]["dataTypes"]) == sorted(FLOATS)
    assert sorted(limits["identity"]["output"]["dataTypes"]) == sorted(DTYPES)


# ---------------------------------------------------------------------------------------------
# element-wise logical
# ---------------------------------------------------------------------------------------------
COMPARE = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "greater": np.greater,
    "greater_or_equal": np.greater_equal,
    "lesser": np.less,
    "lesser_or_equal": np.less_equal,
}


def _compare_inputs(dt: str) -> tuple[np.ndarray, np.ndarray]:
    if dt in FLOATS:
        a = np.array([[1.5, -2.0, np.nan, np.inf, 0.0, -0.0], [3.0, 3.0, 1.0, -np.inf, np.nan, 7.0]], dtype=dt)
        b = np.array([1.5, 3.0, np.nan, np.inf, -0.0, 0.0], dtype=dt)
        return a, b
    info = np.iinfo(dt)
    big = int(info.max)
    # values that differ only in the lowest bit at the top of the range (no float detour allowed)
    a = np.array([[big, big - 1, 0, 5, int(info.min), 3], [1, 2, 3, 4, 5, 6]], dtype=dt)
    b = np.array([big - 1, big - 1, 1, 5, int(info.min), 2], dtype=dt)
    return a, b


@pytest.mark.parametrize("name", list(COMPARE))
def test_compare_all_types(ctx, name: str) -> None:
    for dt in DTYPES:
        a, b = _compare_inputs(dt)
        y = run(ctx, lambda bb, x0, x1: getattr(bb, name)(x0, x1), a, b)
        assert y.dtype == np.uint8 and y.shape == (2, 6)
        wide = (lambda v: v.astype(object)) if dt in INTS else (lambda v: v.astype(np.float64))
        np.testing.assert_array_equal(y, COMPARE[name](wide(a), wide(b)).astype(np.uint8))


def test_compare_broadcast_shapes(ctx) -> None:
    rng = np.random.default_rng(3)
    for sa, sb in [([], [3]), ([2, 1, 4], [3, 1]), ([5], [1]), ([1, 3, 1], [2, 1, 1, 4])]:
        a = rng.integers(0, 3, sa).astype(np.float32)
        b = rng.integers(0, 3, sb).astype(np.float32)
        for name, ref in COMPARE.items():
            y = run(ctx, lambda bb, x0, x1, name=name: getattr(bb, name)(x0, x1), a, b)
            np.testing.assert_array_equal(y, ref(a, b).astype(np.uint8))


LOGICAL = {"logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor}


@pytest.mark.parametrize("name", list(LOGICAL))
def test_logical_binary(ctx, name: str) -> None:
    a = np.array([[0, 1, 2, 255], [0, 0, 128, 7]], np.uint8)
    for b in (np.array([0, 3, 0, 255], np.uint8), np.array(9, np.uint8), np.zeros((3, 1, 1), np.uint8)):
        y = run(ctx, lambda bb, x0, x1: getattr(bb, name)(x0, x1), a, b)
        assert y.dtype == np.uint8
        np.testing.assert_array_equal(y, LOGICAL[name](a != 0, b != 0).astype(np.uint8))


def test_logical_not(ctx) -> None:
    a = np.array([[0, 1, 2, 255], [128, 0, 0, 7]], np.uint8)
    y = run(ctx, lambda b, x: b.logical_not(x), a)
    np.testing.assert_array_equal(y, (a == 0).astype(np.uint8))
    assert y.dtype == np.uint8


def test_is_nan_is_infinite(ctx) -> None:
    for dt in FLOATS:
        x = np.array([[np.nan, np.inf, -np.inf, 0.0], [-np.nan, 65504, -1e-7, 3]], dtype=dt)
        np.testing.assert_array_equal(run(ctx, lambda b, a: b.is_nan(a), x), np.isnan(x).astype(np.uint8))
        np.testing.assert_array_equal(run(ctx, lambda b, a: b.is_infinite(a), x), np.isinf(x).astype(np.uint8))
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2], "float32")
    assert b.isNaN(x).data_type == "uint8" and b.isInfinite(x).data_type == "uint8"
    limits = ctx.op_support_limits()
    assert sorted(limits["isNaN"]["a"]["dataTypes"]) == sorted(FLOATS)
    assert limits["isInfinite"]["output"]["dataTypes"] == ["uint8"]
    assert limits["logicalAnd"]["b"]["dataTypes"] == ["uint8"]


def test_logical_validation(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    f32 = b.input("f32", [2, 3], "float32")
    i32 = b.input("i32", [2, 3], "int32")
    u8 = b.input("u8", [2, 3], "uint8")
    u8_bad = b.input("u8b", [4], "uint8")
    for name in COMPARE:
        expect_error(lambda name=name: getattr(b, name)(f32, i32), name, "'b'", "int32", "float32")
        expect_error(lambda name=name: getattr(b, name)(u8, u8_bad), name, "'b'", "broadcast")
        assert getattr(b, name)(i32, i32).data_type == "uint8"
    for name in LOGICAL:
        expect_error(lambda name=name: getattr(b, name)(f32, f32), name, "'a'", "float32")
        expect_error(lambda name=name: getattr(b, name)(u8, i32), name, "'b'", "int32")
        expect_error(lambda name=name: getattr(b, name)(u8, u8_bad), name, "'b'", "broadcast")
    expect_error(lambda: b.logical_not(i32), "logical_not", "'a'", "int32")
    expect_error(lambda: b.is_nan(i32), "is_nan", "'a'", "int32")
    expect_error(lambda: b.is_infinite(u8), "is_infinite", "'a'", "uint8")
    other = webnn.MLGraphBuilder(ctx).input("o", [2, 3], "float32")
    expect_error(lambda: b.equal(f32, other), "equal", "'b'", "different MLGraphBuilder")
    expect_error(lambda: b.greater(f32, 1.0), "greater", "'b'", "MLOperand")
    y = b.lesser(b.input("s", [], "float16"), b.input("t", [4, 1, 3], "float16"))
    assert y.shape == [4, 1, 3] and y.data_type == "uint8"


# ---------------------------------------------------------------------------------------------
# cast
# ---------------------------------------------------------------------------------------------
_FMT = {"float32": (24, 128), "float16": (11, 16)}


def nearest_float(v: int, dt: str) -> float:
    """Exact round-to-nearest-even of an integer to float32/float16 (independent of numpy casts)."""
    prec, emax = _FMT[dt]
    if v == 0:
        return 0.0
    m, e = abs(v), abs(v).bit_length() - prec
    if e > 0:
        q, r = divmod(m, 1 << e)
        h = 1 << (e - 1)
        q += r > h or (r == h and q % 2 == 1)
        m = q << e
    if m >= 2**emax:
        return math.copysign(math.inf, v)
    return math.copysign(float(m), v)


def wrap(v: int, dt: str) -> int:
    bits = np.dtype(dt).itemsize * 8
    v %= 2**bits
    return v - 2**bits if dt.startswith("int") and v >= 2 ** (bits - 1) else v


def cast_input(src: str, dst: str) -> np.ndarray:
    """In-range (per the spec's table) values of ``src`` for a cast to ``dst``."""
    if src in FLOATS:
        if dst in INTS:
            info = np.iinfo(dst)
            lo, hi = max(int(info.min), -1000), min(int(info.max), 1000)
            if src == "float32" and dst in ("int32", "uint32", "int64", "uint64"):
                lo, hi = max(int(info.min), -(2**24)), min(int(info.max), 2**24)
            vals = [lo + 0.75, lo, hi, hi - 0.5, 0.0, -0.0, 0.3, 0.99]
            vals += [v for v in (-0.75, -1.5, -2.999, 12.5, 99.99) if lo < v < hi]
            return np.array(vals, dtype=src)
        with np.errstate(over="ignore"):
            return np.array([0.1, -2.5e-6, 65504, 65520, -70000, 1e-8, np.nan, np.inf, -np.inf, 3.14159265], dtype=src)
    info = np.iinfo(src)
    vals = [int(info.min), int(info.max), 0, 1, -1, 127, 128, 255, 256, -129, 65519, 65520, 2049, 2**24 + 1, 2**31, 2**53 + 1, 2**63 - 2**39 - 1]
    return np.array([v for v in vals if info.min <= v <= info.max], dtype=src)


@pytest.mark.parametrize("src", DTYPES)
def test_cast_all_pairs(ctx, src: str) -> None:
    for dst in DTYPES:
        x = cast_input(src, dst).reshape(-1, 1)
        y = run(ctx, lambda b, a, dst=dst: b.cast(a, dst), x)
        assert y.dtype == np.dtype(dst) and y.shape == x.shape
        flat = x.ravel()
        if src in FLOATS and dst in INTS:
            exp = np.array([int(math.trunc(float(v))) for v in flat], dtype=dst)  # truncation
        elif src in INTS and dst in INTS:
            exp = np.array([wrap(int(v), dst) for v in flat], dtype=dst)  # low bits, two's complement
        elif src in INTS:
            exp = np.array([nearest_float(int(v), dst) for v in flat], dtype=dst)
        else:  # float -> float: nearest, out of range -> +/-Infinity
            with np.errstate(over="ignore"):
                exp = flat.astype(np.float64).astype(dst)
        np.testing.assert_array_equal(y.ravel(), exp, err_msg=f"cast {src} -> {dst}")


def test_cast_float_to_int_truncates_toward_zero(ctx) -> None:
    x = np.array([[2.9, -2.9, 0.5, -0.5, 126.9, -127.9]], np.float16)  # 126.875, -127.875 in float16
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.cast(a, "int8"), x), [[2, -2, 0, 0, 126, -127]])
    x = np.array([2**31 - 128, -(2**31), 16777217.0], np.float32)
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.cast(a, "int64"), x), [2**31 - 128, -(2**31), 16777216])


def test_cast_spec_example_int8_to_uint8(ctx) -> None:
    y = run(ctx, lambda b, a: b.cast(a, "uint8"), np.array([-1, -128, 127], np.int8))
    np.testing.assert_array_equal(y, np.array([255, 128, 127], np.uint8))


def test_cast_validation_and_attrs(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    for bad in ("float64", "int4", "bool", 3, None):
        expect_error(lambda bad=bad: b.cast(x, bad), "cast", "'data_type'", repr(bad) if bad is not None else "None")
    expect_error(lambda: b.cast(np.zeros(3, np.float32), "int32"), "cast", "'input'")
    y = b.cast(x, data_type="int64")
    assert y.data_type == "int64" and y.shape == [2, 3]
    assert b.cast(x, np.dtype("uint8")).data_type == "uint8"
    g = b.build({"y": y})
    assert g.info.operations[-1].attributes == {"to": "int64"}
    assert sorted(ctx.op_support_limits()["cast"]["output"]["dataTypes"]) == sorted(DTYPES)


# ---------------------------------------------------------------------------------------------
# clamp
# ---------------------------------------------------------------------------------------------
def clamp_ref(x: np.ndarray, lo, hi) -> np.ndarray:
    """min(max(x, lo), hi) element-wise with NaN inputs kept; lo/hi None = no bound."""
    out = []
    for v in x.ravel().tolist():
        if isinstance(v, float) and math.isnan(v):
            out.append(v)
            continue
        if lo is not None and v < lo:
            v = lo
        if hi is not None and v > hi:
            v = hi
        out.append(v)
    return np.array(out, dtype=x.dtype).reshape(x.shape)


@pytest.mark.parametrize("dt", DTYPES)
def test_clamp_all_types(ctx, dt: str) -> None:
    if dt in FLOATS:
        x = np.array([[-np.inf, -7.5, -1.0, 0.0], [0.25, 3.0, np.inf, np.nan]], dtype=dt)
        cases = [(None, None), (-1.0, None), (None, 2), (-3, 0.5), (1, 1), (-np.inf, np.inf), (np.inf, None), (None, -np.inf)]
    else:
        info = np.iinfo(dt)
        x = np.array([[int(info.min), int(info.min) + 1, 0, 1], [5, 100, int(info.max) - 1, int(info.max)]], dtype=dt)
        cases = [(None, None), (1, None), (None, 99), (0, 100), (5, 5), (int(info.min), int(info.max))]
    for lo, hi in cases:
        opts = {k: v for k, v in (("min_value", lo), ("max_value", hi)) if v is not None}
        y = run(ctx, lambda b, a, opts=opts: b.clamp(a, **opts), x)
        assert y.dtype == np.dtype(dt)
        np.testing.assert_array_equal(y, clamp_ref(x, lo, hi), err_msg=f"{dt} {opts}")


def test_clamp_shapes_and_float16_bounds(ctx) -> None:
    rng = np.random.default_rng(5)
    for shape in ([], [5], [2, 3, 4], [1, 2, 1, 2, 3]):
        x = rng.uniform(-10, 10, shape).astype(np.float32)
        np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, min_value=-2.5, max_value=6), x), np.clip(x, -2.5, 6))
    # bounds are cast to float16 (nearest): 0.1 -> 0.0999755859375
    x = np.array([0.0, 0.09997, 0.1, 0.2], np.float16)
    y = run(ctx, lambda b, a: b.clamp(a, min_value=0.1), x)
    np.testing.assert_array_equal(y, np.maximum(x, np.float16(0.1)))
    # a float32 bound beyond float16's range becomes +Infinity: no clamping from above
    x = np.array([65504, -65504, np.inf], np.float16)
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, max_value=1e6), x), x)


def test_clamp_bounds_cast_to_integer_type(ctx) -> None:
    # ConvertToInt: clamp to the type's range, then round half to even.
    x = np.array([-128, -3, 0, 2, 3, 4, 127], np.int8)
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, min_value=-1000, max_value=2.5), x), [-128, -3, 0, 2, 2, 2, 2])
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, min_value=2.5, max_value=3.5), x), [2, 2, 2, 2, 3, 4, 4])
    x = np.array([0, 5, 2**32 - 1], np.uint32)
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, min_value=-5, max_value=2**40), x), x)
    # 64-bit bounds keep full precision (no trip through float64)
    x = np.array([2**63 - 1, 2**53 + 1, 2**53 + 3, -(2**63)], np.int64)
    y = run(ctx, lambda b, a: b.clamp(a, min_value=-(2**53) - 1, max_value=2**53 + 2), x)
    np.testing.assert_array_equal(y, np.array([2**53 + 2, 2**53 + 1, 2**53 + 2, -(2**53) - 1], np.int64))
    x = np.array([0, 2**64 - 1, 2**63], np.uint64)
    y = run(ctx, lambda b, a: b.clamp(a, min_value=1, max_value=2**64 - 2), x)
    np.testing.assert_array_equal(y, np.array([1, 2**64 - 2, 2**63], np.uint64))
    # NaN cast to an integer type is 0
    x = np.array([-5, 0, 5], np.int32)
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, min_value=float("nan")), x), [0, 0, 5])


def test_clamp_nan_bound_on_float_is_no_bound(ctx) -> None:
    x = np.array([-np.inf, -2, 0, 3, np.inf, np.nan], np.float32)
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, min_value=float("nan"), max_value=1), x), np.minimum(x, 1))
    np.testing.assert_array_equal(run(ctx, lambda b, a: b.clamp(a, max_value=float("nan")), x), x)


def test_clamp_validation_and_attrs(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    expect_error(lambda: b.clamp(x, min_value=3.0, max_value=1.0), "clamp", "'min_value'", "greater than maxValue")
    expect_error(lambda: b.clamp(x, min_value="1"), "clamp", "'min_value'", "number")
    expect_error(lambda: b.clamp(x, max_value=True), "clamp", "'max_value'", "number")
    expect_error(lambda: b.clamp(x, max_value=[1.0]), "clamp", "'max_value'", "number")
    expect_error(lambda: b.clamp(x, 0.0), "clamp")  # options are keyword-only
    xi = b.input("xi", [3], "uint8")
    expect_error(lambda: b.clamp(xi, min_value=10, max_value=-5), "clamp", "'min_value'", "uint8")
    # compared after casting: 300 and 280 both become 255 for uint8, so this is valid
    assert b.clamp(xi, min_value=300, max_value=280).shape == [3]
    xh = b.input("xh", [3], "float16")
    assert b.clamp(xh, min_value=1.0001, max_value=1.0).data_type == "float16"  # both cast to 1.0
    y1 = b.clamp(x, min_value=-1)
    y2 = b.clamp(xi, max_value=7.5)
    g = b.build({"y1": y1, "y2": y2})
    attrs = [o.attributes for o in g.info.operations]
    assert {"min_value": -1.0, "max_value": None} in attrs
    assert {"min_value": None, "max_value": 8} in attrs  # 7.5 rounds half to even
    assert sorted(ctx.op_support_limits()["clamp"]["input"]["dataTypes"]) == sorted(DTYPES)


# ---------------------------------------------------------------------------------------------
# where
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", DTYPES)
def test_where_all_types(ctx, dt: str) -> None:
    info = np.iinfo(dt) if dt in INTS else np.finfo(dt)
    cond = np.array([[0, 1, 2, 255]], np.uint8)
    t = np.array([[info.max], [1], [0]], dtype=dt)
    f = np.array([info.min, 3, 0, 7], dtype=dt)
    y = run(ctx, lambda b, c, a, d: b.where(c, a, d), cond, t, f)
    assert y.dtype == np.dtype(dt) and y.shape == (3, 4)
    np.testing.assert_array_equal(y, np.where(cond != 0, t, f))


def test_where_broadcast_shapes(ctx) -> None:
    rng = np.random.default_rng(9)
    for sc, st, sf in [([], [3], [2, 1]), ([2, 1, 4], [3, 1], [4]), ([5], [1], []), ([2, 3], [2, 3], [2, 3]), ([1, 1, 1, 3], [2, 1], [1, 2, 1])]:
        c = rng.integers(0, 3, sc).astype(np.uint8)
        t = rng.standard_normal(st).astype(np.float16)
        f = rng.standard_normal(sf).astype(np.float16)
        y = run(ctx, lambda b, x0, x1, x2: b.where(x0, x1, x2), c, t, f)
        np.testing.assert_array_equal(y, np.where(c != 0, t, f))


def test_where_validation(ctx) -> None:
    b = webnn.MLGraphBuilder(ctx)
    c = b.input("c", [2, 3], "uint8")
    cf = b.input("cf", [2, 3], "float32")
    t = b.input("t", [2, 3], "float32")
    ti = b.input("ti", [2, 3], "int32")
    f4 = b.input("f4", [4], "float32")
    c4 = b.input("c4", [4, 1, 1], "uint8")
    expect_error(lambda: b.where(cf, t, t), "where", "'condition'", "float32")
    expect_error(lambda: b.where(c, t, ti), "where", "'false_value'", "int32")
    expect_error(lambda: b.where(c, t, f4), "where", "'false_value'", "broadcast")
    expect_error(lambda: b.where(b.input("c3", [3, 1], "uint8"), t, t), "where", "'condition'", "broadcast")
    expect_error(lambda: b.where(c, t, 1.0), "where", "'false_value'", "MLOperand")
    y = b.where(c4, t, b.input("f1", [1], "float32"))
    assert y.shape == [4, 2, 3] and y.data_type == "float32"
    limits = ctx.op_support_limits()["where"]
    assert limits["condition"]["dataTypes"] == ["uint8"]
    assert sorted(limits["trueValue"]["dataTypes"]) == sorted(DTYPES)


# ---------------------------------------------------------------------------------------------
# ONNX model validity (one graph per op)
# ---------------------------------------------------------------------------------------------
ALL_OPS = list(UNARY) + list(COMPARE) + list(LOGICAL) + ["logical_not", "is_nan", "is_infinite", "cast", "clamp", "clamp_default", "where", "where_u64"]


@pytest.mark.parametrize("name", ALL_OPS)
def test_onnx_model_checks(ctx, name: str) -> None:
    b = webnn.MLGraphBuilder(ctx)
    h = b.input("h", [2, 3], "float16")
    u = b.input("u", [2, 3], "uint8")
    if name in UNARY:
        y = getattr(b, name)(h)
    elif name in COMPARE:
        y = getattr(b, name)(h, b.constant(np.ones(3, np.float16)))
    elif name in LOGICAL:
        y = getattr(b, name)(u, b.constant(np.ones(3, np.uint8)))
    elif name == "logical_not":
        y = b.logical_not(u)
    elif name in ("is_nan", "is_infinite"):
        y = getattr(b, name)(h)
    elif name == "cast":
        y = b.cast(h, "int64")
    elif name == "clamp":
        y = b.clamp(h, min_value=0, max_value=6)
    elif name == "clamp_default":
        y = b.clamp(u)
    elif name == "where":
        y = b.where(u, h, b.constant(np.zeros(3, np.float16)))
    else:
        y = b.where(u, b.input("q", [3], "uint64"), b.constant(np.array(2**64 - 1, np.uint64)))
    onnx_model_ok(b.build({"y": y}))
