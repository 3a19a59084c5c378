"""matmul, gemm and triangular against float64 / exact numpy references written from the WebNN
specification, plus every validation step."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import webnn
import webnn.converters

ALL_TYPES = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8")


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def onnx_ok(graph) -> None:
    data = webnn.converters.default_registry().convert(graph.info, "onnx").data
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)


def compute(ctx, build, feeds: dict[str, np.ndarray]) -> np.ndarray:
    b = webnn.MLGraphBuilder(ctx)
    ins = {n: b.input(n, list(a.shape), a.dtype.name) for n, a in feeds.items()}
    y = build(b, ins)
    out = ctx.compute(b.build({"y": y}), feeds)["y"]
    assert out.dtype.name == y.data_type and list(out.shape) == y.shape
    return out


def rand(shape, data_type="float32", seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape).astype(data_type)


def check(out, ref, data_type, k):
    """Dot products of k terms of magnitude <= 1: float16 output rounding plus float32 accumulation."""
    tol = 2e-3 if data_type == "float16" else 2e-6
    np.testing.assert_allclose(out.astype(np.float64), ref, rtol=tol, atol=tol * k)


# ----------------------------------------------------------------------------------------
# matmul
# ----------------------------------------------------------------------------------------
def ref_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per the spec: batch dims broadcast (numpy rules), each matrix pair multiplied conventionally."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.zeros(batch + (a.shape[-2], b.shape[-1]))
    for idx in np.ndindex(*batch):
        m, n = a[idx], b[idx]
        for i in range(m.shape[0]):
            for j in range(n.shape[1]):
                out[idx + (i, j)] = sum(m[i, t] * n[t, j] for t in range(m.shape[1]))
    return out


MATMUL_SHAPES = [
    ([3, 4], [4, 5]),
    ([1, 7], [7, 1]),
    ([2, 3, 4], [4, 2]),
    ([3, 4], [2, 4, 5]),
    ([2, 1, 3, 4], [3, 4, 5]),
    ([2, 1, 2, 3], [1, 4, 3, 2]),
    ([1, 2, 1, 1, 3, 2], [2, 1, 2, 1]),
]


@pytest.mark.parametrize("data_type", ["float32", "float16"])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(ctx, data_type, sa, sb):
    a, b = rand(sa, data_type, 1), rand(sb, data_type, 2)
    out = compute(ctx, lambda bl, i: bl.matmul(i["a"], i["b"]), {"a": a, "b": b})
    check(out, ref_matmul(a, b), data_type, sa[-1])


def test_matmul_constants(ctx):
    b = webnn.MLGraphBuilder(ctx)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    w = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    g = b.build({"y": b.matmul(b.constant(a), b.constant(w))})
    np.testing.assert_array_equal(ctx.compute(g, {})["y"], ref_matmul(a, w).astype(np.float32))


def test_matmul_shapes_and_validation(ctx):
    b = webnn.MLGraphBuilder(ctx)
    assert b.matmul(b.input("a", [2, 1, 3, 4], "float32"), b.input("b", [5, 4, 6], "float32")).shape == [2, 5, 3, 6]
    bad = [
        (([4], "float32"), ([4, 5], "float32"), "a", r"expected rank in \[2, 8\]"),
        (([3, 4], "float32"), ([4], "float32"), "b", r"expected rank in \[2, 8\]"),
        (([3, 4], "float32"), ([5, 6], "float32"), "b", "must equal the columns of a"),
        (([2, 3, 4], "float32"), ([3, 4, 5], "float32"), "b", "not broadcastable"),
        (([3, 4], "int32"), ([4, 5], "int32"), "a", "not allowed"),
        (([3, 4], "float32"), ([4, 5], "float16"), "b", "must match a's data type"),
        (([], "float32"), ([4, 5], "float32"), "a", "expected rank"),
    ]
    for k, ((sa, ta), (sb, tb), arg, msg) in enumerate(bad):
        a, c = b.input(f"a{k}", sa, ta), b.input(f"b{k}", sb, tb)
        with pytest.raises(webnn.ValidationError, match=rf"^matmul: argument '{arg}': .*{msg}"):
            b.matmul(a, c)
    limits = ctx.op_support_limits()["matmul"]
    assert set(limits["a"]["dataTypes"]) == {"float32", "float16"} and limits["a"]["rankRange"]["min"] == 2


def test_matmul_onnx_model_checks(ctx):
    b = webnn.MLGraphBuilder(ctx)
    g = b.build({"y": b.matmul(b.input("a", [2, 3, 4], "float16"), b.input("b", [4, 5], "float16"))})
    onnx_ok(g)


# ----------------------------------------------------------------------------------------
# gemm
# ----------------------------------------------------------------------------------------
def ref_gemm(a, b, c=None, alpha=1.0, beta=1.0, ta=False, tb=False, data_type="float32"):
    """alpha * A' B' + beta * C, with alpha and beta cast to the data type first (spec steps)."""
    alpha = float(np.asarray(alpha).astype(data_type))
    beta = float(np.asarray(beta).astype(data_type))
    a = a.astype(np.float64).T if ta else a.astype(np.float64)
    b = b.astype(np.float64).T if tb else b.astype(np.float64)
    out = alpha * ref_matmul(a, b)
    if c is not None:
        out = out + beta * np.broadcast_to(c.astype(np.float64), out.shape)
    return out


GEMM_CASES = [
    # (a shape, b shape, c shape or None, alpha, beta, aTranspose, bTranspose)
    ([3, 4], [4, 5], None, 1.0, 1.0, False, False),
    ([3, 4], [4, 5], [3, 5], 1.0, 1.0, False, False),
    ([4, 3], [4, 5], [5], 0.5, 2.0, True, False),
    ([3, 4], [5, 4], [3, 1], -1.25, 0.0, False, True),
    ([4, 3], [5, 4], [], 2.0, -3.0, True, True),
    ([2, 2], [2, 6], [1, 6], 1.0, 0.1, False, False),
    ([1, 1], [1, 1], [1], 3.0, 0.3, True, True),
    ([6, 7], [7, 2], [2], 0.0, 1.0, False, False),
]


@pytest.mark.parametrize("data_type", ["float32", "float16"])
@pytest.mark.parametrize("sa,sb,sc,alpha,beta,ta,tb", GEMM_CASES)
def test_gemm(ctx, data_type, sa, sb, sc, alpha, beta, ta, tb):
    a, b = rand(sa, data_type, 3), rand(sb, data_type, 4)
    feeds = {"a": a, "b": b}
    c = None
    if sc is not None:
        c = rand(sc, data_type, 5)
        feeds["c"] = c
    kw = dict(alpha=alpha, beta=beta, a_transpose=ta, b_transpose=tb)

    def build(bl, i):
        return bl.gemm(i["a"], i["b"], c=i.get("c"), **kw)

    out = compute(ctx, build, feeds)
    k = sa[0] if ta else sa[1]
    check(out, ref_gemm(a, b, c, alpha, beta, ta, tb, data_type), data_type, k * 3 + 3)


def test_gemm_defaults_and_alpha_cast(ctx):
    a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    w = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    out = compute(ctx, lambda bl, i: bl.gemm(i["a"], i["b"]), {"a": a, "b": w})
    np.testing.assert_array_equal(out, a)
    # alpha is cast to float16 first: 1/3 in float16 is 0.333251953125.
    a16 = np.array([[3.0]], np.float16)
    out = compute(ctx, lambda bl, i: bl.gemm(i["a"], i["b"], alpha=1 / 3), {"a": a16, "b": np.array([[1.0]], np.float16)})
    assert float(out[0, 0]) == float(np.float16(3 * float(np.float16(1 / 3))))


def test_gemm_recorded_attributes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    a = b.input("a", [2, 3], "float16")
    y = b.gemm(a, b.input("b", [3, 4], "float16"), alpha=0.1)
    attrs = b._ops[-1].attributes
    assert attrs == {"alpha": float(np.float16(0.1)), "beta": 1.0, "a_transpose": False, "b_transpose": False}
    assert y.shape == [2, 4] and y.data_type == "float16"


def test_gemm_validation(ctx):
    bl = webnn.MLGraphBuilder(ctx)
    a = bl.input("a", [3, 4], "float32")
    b = bl.input("b", [4, 5], "float32")
    cases = [
        ((bl.input("a3", [1, 3, 4], "float32"), b), {}, "a", "expected rank 2"),
        ((a, bl.input("b1", [4], "float32")), {}, "b", "expected rank 2"),
        ((a, bl.input("b2", [3, 5], "float32")), {}, "b", "must equal K of a"),
        ((a, b), {"a_transpose": True}, "b", "must equal K of a"),
        ((a, bl.input("b3", [5, 4], "float32")), {}, "b", "must equal K of a"),
        ((bl.input("ai", [3, 4], "int32"), bl.input("bi", [4, 5], "int32")), {}, "a", "not allowed"),
        ((a, bl.input("bh", [4, 5], "float16")), {}, "b", "must match a's data type"),
        ((a, b), {"c": bl.input("c1", [5, 3], "float32")}, "c", "not unidirectionally broadcastable"),
        ((a, b), {"c": bl.input("c2", [3], "float32")}, "c", "not unidirectionally broadcastable"),
        ((a, b), {"c": bl.input("c3", [1, 3, 5], "float32")}, "c", r"expected rank in \[0, 2\]"),
        ((a, b), {"c": bl.input("c4", [3, 5], "float16")}, "c", "must match a's data type"),
        ((a, b), {"c": np.zeros((3, 5), np.float32)}, "c", "expected an MLOperand"),
        ((a, b), {"alpha": float("nan")}, "alpha", "finite"),
        ((a, b), {"beta": float("inf")}, "beta", "finite"),
        ((a, b), {"alpha": "2"}, "alpha", "expected a number"),
        ((a, b), {"a_transpose": 1}, "a_transpose", "boolean"),
        ((a, b), {"b_transpose": None}, "b_transpose", "boolean"),
    ]
    for args, kwargs, arg, msg in cases:
        with pytest.raises(webnn.ValidationError, match=rf"^gemm: argument '{arg}': .*{msg}"):
            bl.gemm(*args, **kwargs)
    assert bl.gemm(a, bl.input("bt", [5, 4], "float32"), b_transpose=True, c=bl.input("cs", [], "float32")).shape == [3, 5]
    limits = ctx.op_support_limits()["gemm"]
    assert limits["c"]["rankRange"]["min"] == 0 and limits["c"]["rankRange"]["max"] == 2
    assert set(limits["b"]["dataTypes"]) == {"float32", "float16"}


def test_gemm_onnx_model_checks(ctx):
    b = webnn.MLGraphBuilder(ctx)
    y = b.gemm(b.input("a", [4, 3], "float32"), b.input("b", [5, 4], "float32"), c=b.input("c", [5], "float32"), alpha=0.5, a_transpose=True, b_transpose=True)
    onnx_ok(b.build({"y": y}))


# ----------------------------------------------------------------------------------------
# triangular
# ----------------------------------------------------------------------------------------
def ref_triangular(x: np.ndarray, upper: bool, diagonal: int) -> np.ndarray:
    """Keep element (i, j) of each matrix where j - i >= diagonal (upper) or j - i <= diagonal (lower)."""
    out = np.zeros_like(x)
    rows, cols = x.shape[-2:]
    for i in range(rows):
        for j in range(cols):
            if (j - i >= diagonal) if upper else (j - i <= diagonal):
                out[..., i, j] = x[..., i, j]
    return out


def tri_sample(data_type, shape, seed=0):
    rng = np.random.default_rng(seed)
    if data_type in ("float32", "float16"):
        return rng.uniform(-5, 5, shape).astype(data_type)
    info = np.iinfo(np.dtype(data_type))
    lo, hi = info.min, info.max
    return rng.integers(lo, hi, shape, dtype=np.dtype(data_type), endpoint=True)


@pytest.mark.parametrize("data_type", ALL_TYPES)
@pytest.mark.parametrize("shape", [[3, 3], [2, 4, 3], [2, 1, 3, 5]])
@pytest.mark.parametrize("upper", [True, False])
def test_triangular(ctx, data_type, shape, upper):
    x = tri_sample(data_type, shape, seed=len(shape))
    for diagonal in (0, 1, -1, 2, -3, 7, -7):
        out = compute(ctx, lambda bl, i, diagonal=diagonal: bl.triangular(i["x"], upper=upper, diagonal=diagonal), {"x": x})
        np.testing.assert_array_equal(out, ref_triangular(x, upper, diagonal))


def test_triangular_spec_examples(ctx):
    x = np.array([[7, 1, 2], [9, 4, 8], [2, 6, 3]], np.float32)
    expect = {
        (True, 0): [[7, 1, 2], [0, 4, 8], [0, 0, 3]],
        (True, 1): [[0, 1, 2], [0, 0, 8], [0, 0, 0]],
        (True, -1): [[7, 1, 2], [9, 4, 8], [0, 6, 3]],
        (False, 0): [[7, 0, 0], [9, 4, 0], [2, 6, 3]],
        (False, 1): [[7, 1, 0], [9, 4, 8], [2, 6, 3]],
        (False, -1): [[0, 0, 0], [9, 0, 0], [2, 6, 0]],
    }
    for (upper, d), e in expect.items():
        kw = {} if (upper, d) == (True, 0) else {"upper": upper, "diagonal": d}
        out = compute(ctx, lambda bl, i, kw=kw: bl.triangular(i["x"], **kw), {"x": x})
        np.testing.assert_array_equal(out, np.array(e, np.float32))


def test_triangular_validation(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [3, 3], "float32")
    for kwargs, arg in [
        ({"upper": 1}, "upper"),
        ({"diagonal": 0.5}, "diagonal"),
        ({"diagonal": 2**31}, "diagonal"),
        ({"diagonal": -(2**31) - 1}, "diagonal"),
        ({"diagonal": True}, "diagonal"),
    ]:
        with pytest.raises(webnn.ValidationError, match=rf"^triangular: argument '{arg}'"):
            b.triangular(x, **kwargs)
    with pytest.raises(webnn.ValidationError, match=r"^triangular: argument 'input': expected rank in \[2, 8\]"):
        b.triangular(b.input("v", [3], "float32"))
    y = b.triangular(b.input("u", [2, 3, 4], "uint64"), diagonal=-(2**31))
    assert y.shape == [2, 3, 4] and y.data_type == "uint64"
    assert set(ctx.op_support_limits()["triangular"]["input"]["dataTypes"]) == set(ALL_TYPES)


def test_triangular_onnx_model_checks(ctx):
    b = webnn.MLGraphBuilder(ctx)
    outs = {f"y_{dt}": b.triangular(b.input(dt, [2, 3, 3], dt), upper=False, diagonal=1) for dt in ("float32", "float16", "uint64", "int8")}
    onnx_ok(b.build(outs))
