"""gather gather_elements gather_nd scatter_elements scatter_nd: numerics against numpy, validation.

References follow the spec: indices must lie in [-N, N) with negative values counting from
the end; values outside are clamped into that range (the spec's notes), so a bad index
never fails. Indices are tested both as graph inputs (clamped at run time) and constants.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from .test_shape import ALL_TYPES, CTX, assert_same, builder, check_onnx, compute, raises, rand

INDEX_TYPES = ("int32", "uint32", "int64")


def fix(idx: np.ndarray, n) -> np.ndarray:
    """Clamp to [-n, n-1], then count negatives from the end (n broadcast over idx)."""
    i = np.clip(idx.astype(np.int64), -np.asarray(n), np.asarray(n) - 1)
    return np.where(i < 0, i + n, i)


def run(fn, inputs: dict, const: dict | None = None, check: bool = False) -> np.ndarray:
    """Like ``compute`` but the arrays in ``const`` become graph constants."""
    const = const or {}
    b = builder()
    ops = {n: b.input(n, list(a.shape), a.dtype.name) for n, a in inputs.items()}
    ops.update({n: b.constant(a) for n, a in const.items()})
    g = b.build({"y": fn(b, **ops)})
    if check:
        check_onnx(g)
    return CTX.compute(g, inputs)["y"]


def feed(idx_as_const: bool, data: dict, indices: np.ndarray):
    if idx_as_const:
        return data, {"i": indices}
    return {**data, "i": indices}, {}


# -- gather ------------------------------------------------------------------------------
def gather_ref(x, idx, axis):
    return np.take(x, fix(idx, x.shape[axis]), axis=axis)


@pytest.mark.parametrize("dt", ALL_TYPES)
def test_gather_input_types(dt):
    x = rand([4, 3], dt)
    i = np.array([3, 0, 1, 3], np.int32)
    assert_same(compute(lambda b, x, i: b.gather(x, i), {"x": x, "i": i})[0], gather_ref(x, i, 0))


@pytest.mark.parametrize("it", INDEX_TYPES)
@pytest.mark.parametrize("as_const", [False, True])
def test_gather_index_types(it, as_const):
    x = rand([3, 5], "float32", 1)
    vals = [4, 0, 2] if it == "uint32" else [4, -1, -5]
    i = np.array(vals, it)
    ins, cs = feed(as_const, {"x": x}, i)
    assert_same(run(lambda b, x, i: b.gather(x, i, axis=1), ins, cs), gather_ref(x, i, 1))


@pytest.mark.parametrize(
    "shape,ishape,axis",
    [([5], [], 0), ([5], [2, 3], 0), ([2, 3, 4], [2], 1), ([2, 3, 4], [3, 2], 2), ([2, 3, 4, 5], [1, 2, 2], 0), ([1, 2, 1, 2, 3], [4], 4)],
)
def test_gather_shapes(shape, ishape, axis):
    x = rand(shape, "float16", 2)
    i = np.random.default_rng(3).integers(-shape[axis], shape[axis], ishape).astype(np.int64)
    assert_same(run(lambda b, x, i: b.gather(x, i, axis=axis), {"x": x, "i": i}), gather_ref(x, i, axis))


@pytest.mark.parametrize("it", INDEX_TYPES)
@pytest.mark.parametrize("as_const", [False, True])
def test_gather_out_of_range_is_clamped(it, as_const):
    x = rand([3, 4], "float32", 4)
    big = np.iinfo(np.dtype(it)).max
    vals = [3, 100, big] if it == "uint32" else [3, 100, big, -4, -100, np.iinfo(np.dtype(it)).min]
    i = np.array(vals, it)
    ins, cs = feed(as_const, {"x": x}, i)
    y = run(lambda b, x, i: b.gather(x, i), ins, cs)
    assert_same(y, gather_ref(x, i, 0))
    assert_same(y[0], x[2])  # 3 -> clamped to N-1
    if it != "uint32":
        assert_same(y[3], x[0])  # -4 -> clamped to -N -> 0


def test_gather_onnx_valid():
    b = builder()
    x = b.input("x", [3, 4], "float16")
    i = b.input("i", [2], "uint32")
    check_onnx(b.build({"y": b.gather(x, i, axis=1)}))


def test_gather_validation():
    b = builder()
    x = b.input("x", [3, 4], "float32")
    i = b.input("i", [2], "int32")
    raises(lambda: b.gather(x, i, axis=2), "gather", "axis")
    raises(lambda: b.gather(x, b.input("f", [2], "float32")), "gather", "indices")
    raises(lambda: b.gather(x, b.input("u8", [2], "uint8")), "gather", "indices")
    raises(lambda: b.gather(x, b.input("u64", [2], "uint64")), "gather", "indices")
    raises(lambda: b.gather(b.input("s", [], "float32"), i), "gather", "input")
    raises(lambda: b.gather(x, i, axis=-1), "gather", "axis")


# -- gatherElements ----------------------------------------------------------------------
def gather_elements_ref(x, idx, axis):
    return np.take_along_axis(x, fix(idx, x.shape[axis]), axis=axis)


@pytest.mark.parametrize("dt", ALL_TYPES)
def test_gather_elements_input_types(dt):
    x = rand([4, 3], dt)
    i = np.array([[3, 1, 1], [2, 0, 3]], np.uint32)
    assert_same(compute(lambda b, x, i: b.gather_elements(x, i), {"x": x, "i": i})[0], gather_elements_ref(x, i, 0))


@pytest.mark.parametrize("it", INDEX_TYPES)
@pytest.mark.parametrize("as_const", [False, True])
@pytest.mark.parametrize("shape,ishape,axis", [([4, 3], [4, 1], 1), ([4, 2, 2], [1, 2, 2], 0), ([2, 3, 4], [2, 5, 4], 1), ([6], [9], 0)])
def test_gather_elements(it, as_const, shape, ishape, axis):
    x = rand(shape, "float16", 5)
    n = shape[axis]
    lo = 0 if it == "uint32" else -n - 3
    i = np.random.default_rng(6).integers(lo, n + 3, ishape).astype(it)  # includes out-of-range values
    ins, cs = feed(as_const, {"x": x}, i)
    assert_same(run(lambda b, x, i: b.gather_elements(x, i, axis=axis), ins, cs), gather_elements_ref(x, i, axis))


def test_gather_elements_spec_example():
    x = np.array([[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]], np.float32)
    i = np.array([[2], [1], [0], [2]], np.uint32)
    y = run(lambda b, x, i: b.gather_elements(x, i, axis=1), {"x": x}, {"i": i}, check=True)
    assert_same(y, np.array([[2], [11], [20], [32]], np.float32))


def test_gather_elements_validation():
    b = builder()
    x = b.input("x", [4, 3], "float32")
    raises(lambda: b.gather_elements(x, b.input("a", [2, 2], "int32")), "gather_elements", "indices")
    raises(lambda: b.gather_elements(x, b.input("b", [2, 3, 1], "int32")), "gather_elements", "indices")
    raises(lambda: b.gather_elements(x, b.input("c", [2, 3], "float16")), "gather_elements", "indices")
    raises(lambda: b.gather_elements(x, b.input("d", [4, 3], "int32"), axis=2), "gather_elements", "axis")
    raises(lambda: b.gather_elements(b.input("s", [], "float32"), b.input("e", [], "int32")), "gather_elements", "input")


# -- gatherND ----------------------------------------------------------------------------
def gather_nd_ref(x, idx):
    k = idx.shape[-1]
    fixed = fix(idx, np.array(x.shape[:k]))
    out = np.empty(idx.shape[:-1] + x.shape[k:], x.dtype)
    for pos in itertools.product(*[range(d) for d in idx.shape[:-1]]):
        out[pos] = x[tuple(fixed[pos])]
    return out


@pytest.mark.parametrize("dt", ALL_TYPES)
def test_gather_nd_input_types(dt):
    x = rand([2, 3, 4], dt)
    i = np.array([[0, 1], [1, 2], [1, 0]], np.int64)
    assert_same(compute(lambda b, x, i: b.gather_nd(x, i), {"x": x, "i": i})[0], gather_nd_ref(x, i))


@pytest.mark.parametrize("it", INDEX_TYPES)
@pytest.mark.parametrize("as_const", [False, True])
@pytest.mark.parametrize("shape,ishape", [([2, 2], [3, 2]), ([2, 2], [2, 1]), ([2, 2, 2], [3, 1]), ([2, 2, 2], [5, 3]), ([3, 4, 5], [2, 2, 2]), ([5], [1])])
def test_gather_nd(it, as_const, shape, ishape):
    x = rand(shape, "float32", 7)
    k = ishape[-1]
    n = np.array(shape[:k])
    rng = np.random.default_rng(8)
    lo = np.zeros_like(n) if it == "uint32" else -n - 2
    i = rng.integers(lo, n + 2, ishape).astype(it)  # includes out-of-range values
    ins, cs = feed(as_const, {"x": x}, i)
    assert_same(run(lambda b, x, i: b.gather_nd(x, i), ins, cs), gather_nd_ref(x, i))


def test_gather_nd_spec_example_and_onnx():
    x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    i = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]], np.uint32)
    y = run(lambda b, x, i: b.gather_nd(x, i), {"x": x, "i": i}, check=True)
    assert_same(y, np.array([1, 2, 4, 6, 7], np.float32))


def test_gather_nd_spec_name():
    b = builder()
    x = b.input("x", [2, 2], "float32")
    assert b.gatherND(x, b.input("i", [2], "int32")).shape == []
    assert b.gatherND(x, b.input("j", [3, 1], "int32")).shape == [3, 2]
    assert "gatherND" in CTX.op_support_limits()


def test_gather_nd_validation():
    b = builder()
    x = b.input("x", [2, 3], "float32")
    raises(lambda: b.gather_nd(x, b.input("a", [2, 3], "int32")), "gather_nd", "indices")
    raises(lambda: b.gather_nd(x, b.input("b", [], "int32")), "gather_nd", "indices")
    raises(lambda: b.gather_nd(x, b.input("c", [2, 1], "int8")), "gather_nd", "indices")
    raises(lambda: b.gather_nd(b.input("s", [], "float32"), b.input("d", [1], "int32")), "gather_nd", "input")


# -- scatterElements ---------------------------------------------------------------------
def scatter_elements_ref(x, idx, upd, axis):
    out = x.copy()
    fixed = fix(idx, x.shape[axis])
    for pos in itertools.product(*[range(d) for d in idx.shape]):
        tgt = list(pos)
        tgt[axis] = fixed[pos]
        out[tuple(tgt)] = upd[pos]
    return out


def _unique_along(rng, shape, ishape, axis, it, *, out_of_range: bool):
    """Indices with distinct targets along ``axis`` (duplicates have no defined result)."""
    n = shape[axis]
    idx = np.empty(ishape, np.int64)
    for pos in itertools.product(*[range(d) for j, d in enumerate(ishape) if j != axis]):
        perm = rng.permutation(n)[: ishape[axis]]
        sl = list(pos)
        sl.insert(axis, slice(None))
        idx[tuple(sl)] = perm
    if it != "uint32":
        neg = rng.random(ishape) < 0.5
        idx = np.where(neg, idx - n, idx)
    if out_of_range:  # push values at the ends of the range further out: they clamp to the same target
        hi = idx == n - 1
        idx = np.where(hi, idx + 5, idx)
        if it != "uint32":
            idx = np.where(idx == -n, idx - 7, idx)
    return idx.astype(it)


@pytest.mark.parametrize("dt", ALL_TYPES)
def test_scatter_elements_input_types(dt):
    x = rand([4, 3], dt)
    u = rand([2, 3], dt, 1)
    i = np.array([[3, 1, 1], [2, 0, 3]], np.int32)
    assert_same(compute(lambda b, x, i, u: b.scatter_elements(x, i, u), {"x": x, "i": i, "u": u})[0], scatter_elements_ref(x, i, u, 0))


@pytest.mark.parametrize("it", INDEX_TYPES)
@pytest.mark.parametrize("as_const", [False, True])
@pytest.mark.parametrize("shape,ishape,axis", [([4, 3], [4, 1], 1), ([4, 2, 2], [1, 2, 2], 0), ([2, 5, 3], [2, 4, 3], 1), ([7], [7], 0)])
def test_scatter_elements(it, as_const, shape, ishape, axis):
    rng = np.random.default_rng(9)
    x = rand(shape, "float16", 10)
    u = rand(ishape, "float16", 11)
    i = _unique_along(rng, shape, ishape, axis, it, out_of_range=True)
    ins, cs = feed(as_const, {"x": x, "u": u}, i)
    y = run(lambda b, x, i, u: b.scatter_elements(x, i, u, axis=axis), ins, cs)
    assert_same(y, scatter_elements_ref(x, i, u, axis))


def test_scatter_elements_spec_example_and_onnx():
    x = np.array([[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]], np.float32)
    i = np.array([[3, 1, 1], [2, 0, 3]], np.uint32)
    u = np.array([[-1, -2, -3], [-4, -5, -6]], np.float32)
    y = run(lambda b, x, i, u: b.scatter_elements(x, i, u), {"x": x, "i": i, "u": u}, check=True)
    assert_same(y, np.array([[0, -5, 2], [10, -2, -3], [-4, 21, 22], [-1, 31, -6]], np.float32))


def test_scatter_elements_validation():
    b = builder()
    x = b.input("x", [4, 3], "float32")
    i = b.input("i", [2, 3], "int32")
    u = b.input("u", [2, 3], "float32")
    raises(lambda: b.scatter_elements(x, i, b.input("uh", [2, 3], "float16")), "scatter_elements", "updates")
    raises(lambda: b.scatter_elements(x, i, b.input("us", [2, 2], "float32")), "scatter_elements", "updates")
    raises(lambda: b.scatter_elements(x, b.input("ib", [2, 2], "int32"), b.input("u2", [2, 2], "float32")), "scatter_elements", "indices")
    raises(lambda: b.scatter_elements(x, b.input("if", [2, 3], "float32"), u), "scatter_elements", "indices")
    raises(lambda: b.scatter_elements(x, i, u, axis=2), "scatter_elements", "axis")
    raises(lambda: b.scatter_elements(x, b.input("ir", [2, 3, 1], "int32"), u), "scatter_elements", "indices")


# -- scatterND ---------------------------------------------------------------------------
def scatter_nd_ref(x, idx, upd):
    out = x.copy()
    k = idx.shape[-1]
    fixed = fix(idx, np.array(x.shape[:k]))
    for pos in itertools.product(*[range(d) for d in idx.shape[:-1]]):
        out[tuple(fixed[pos])] = upd[pos]
    return out


def _unique_coords(rng, shape, count, k, it):
    coords = list(itertools.product(*[range(d) for d in shape[:k]]))
    pick = rng.permutation(len(coords))[:count]
    idx = np.array([coords[p] for p in pick], np.int64).reshape(count, k)
    n = np.array(shape[:k])
    if it != "uint32":
        idx = np.where(rng.random(idx.shape) < 0.5, idx - n, idx)
        idx = np.where(idx == -n, idx - 3, idx)  # out of range below: clamps to the same target
    idx = np.where(idx == n - 1, idx + 4, idx)  # out of range above: clamps to the same target
    return idx.astype(it)


@pytest.mark.parametrize("dt", ALL_TYPES)
def test_scatter_nd_input_types(dt):
    x = rand([3, 2], dt)
    u = rand([2, 2], dt, 1)
    i = np.array([[2], [0]], np.int64)
    assert_same(compute(lambda b, x, i, u: b.scatter_nd(x, i, u), {"x": x, "i": i, "u": u})[0], scatter_nd_ref(x, i, u))


@pytest.mark.parametrize("it", INDEX_TYPES)
@pytest.mark.parametrize("as_const", [False, True])
@pytest.mark.parametrize("shape,count,k", [([8], 4, 1), ([2, 2], 2, 2), ([3, 2], 2, 1), ([2, 2, 2], 2, 2), ([3, 4, 5], 6, 3)])
def test_scatter_nd(it, as_const, shape, count, k):
    rng = np.random.default_rng(12)
    x = rand(shape, "float32", 13)
    i = _unique_coords(rng, shape, count, k, it)
    u = rand([count] + shape[k:], "float32", 14)
    ins, cs = feed(as_const, {"x": x, "u": u}, i)
    assert_same(run(lambda b, x, i, u: b.scatter_nd(x, i, u), ins, cs), scatter_nd_ref(x, i, u))


def test_scatter_nd_spec_example_and_onnx():
    x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    i = np.array([[0, 1], [1, 0]], np.uint32)
    u = np.array([[-1, -2], [-3, -4]], np.float32)
    y = run(lambda b, x, i, u: b.scatter_nd(x, i, u), {"x": x, "i": i, "u": u}, check=True)
    assert_same(y, np.array([[[0, 1], [-1, -2]], [[-3, -4], [6, 7]]], np.float32))


def test_scatter_nd_validation():
    b = builder()
    x = b.input("x", [3, 2], "float32")
    i = b.input("i", [2, 1], "int32")
    raises(lambda: b.scatter_nd(x, i, b.input("u1", [2], "float32")), "scatter_nd", "updates")
    raises(lambda: b.scatter_nd(x, i, b.input("u2", [2, 2], "int32")), "scatter_nd", "updates")
    raises(lambda: b.scatter_nd(x, b.input("i3", [2, 3], "int32"), b.input("u3", [2], "float32")), "scatter_nd", "indices")
    raises(lambda: b.scatter_nd(x, b.input("i4", [2, 1], "float32"), b.input("u4", [2, 2], "float32")), "scatter_nd", "indices")
    raises(lambda: b.scatter_nd(x, b.input("i5", [], "int32"), b.input("u5", [3, 2], "float32")), "scatter_nd", "indices")


def test_indexing_limits():
    lim = CTX.op_support_limits()
    for name in ("gather", "gatherElements", "gatherND", "scatterElements", "scatterND"):
        assert lim[name]["indices"]["dataTypes"] == list(INDEX_TYPES), name
    assert lim["gatherElements"]["indices"]["rankRange"]["min"] == 1
    assert lim["scatterND"]["output"]["rankRange"]["min"] == 1
