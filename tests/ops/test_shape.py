"""reshape transpose concat split slice expand tile reverse: numerics against numpy, validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
import pytest

import webnn
import webnn.converters

CTX = webnn.MLContext(accelerated=False)
ALL_TYPES = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8")


# -- helpers (also imported by test_indexing / test_quantize) -----------------------------
def rand(shape, data_type: str, seed: int = 0) -> np.ndarray:
    """Random data over the type's full range for integers (catches lossy float paths)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(data_type)
    if dt.kind == "f":
        return rng.uniform(-100, 100, shape).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)


def compute(fn: Callable[..., Any], inputs: dict[str, np.ndarray], *, check: bool = False) -> list[np.ndarray]:
    """Build a graph with one input per array, ``fn(builder, **operands)`` giving its output(s)."""
    b = webnn.MLGraphBuilder(CTX)
    ops = {n: b.input(n, list(a.shape), a.dtype.name) for n, a in inputs.items()}
    out = fn(b, **ops)
    outs = out if isinstance(out, list) else [out]
    g = b.build({f"y{i}": o for i, o in enumerate(outs)})
    if check:
        check_onnx(g)
    r = CTX.compute(g, inputs)
    return [r[f"y{i}"] for i in range(len(outs))]


def check_onnx(graph: webnn.MLGraph) -> None:
    data = webnn.converters.default_registry().convert(graph.info, "onnx").data
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Exact match: dtype, shape and every bit of every value."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_array_equal(actual, expected)


def raises(fn: Callable[[], Any], op: str, arg: str) -> str:
    """``fn`` raises ValidationError naming the op and the argument."""
    with pytest.raises(webnn.ValidationError) as ei:
        fn()
    msg = str(ei.value)
    assert msg.startswith(op), msg
    assert f"'{arg}'" in msg, msg
    return msg


def builder() -> webnn.MLGraphBuilder:
    return webnn.MLGraphBuilder(CTX)


# -- reshape -----------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_reshape_types(dt):
    x = rand([2, 3, 4], dt)
    (y,) = compute(lambda b, x: b.reshape(x, [4, 1, 6]), {"x": x})
    assert_same(y, x.reshape(4, 1, 6))


@pytest.mark.parametrize(
    "src,dst",
    [([24], [2, 3, 4]), ([2, 3, 4], [24]), ([], [1, 1, 1]), ([1, 1], []), ([6, 4], [4, 6]), ([1, 2, 1, 3, 1, 2, 1, 2], [24])],
)
def test_reshape_shapes(src, dst):
    x = rand(src, "float32", 1)
    (y,) = compute(lambda b, x: b.reshape(x, dst), {"x": x})
    assert_same(y, x.reshape(dst))


def test_reshape_onnx_valid():
    b = builder()
    x = b.input("x", [2, 3], "float16")
    check_onnx(b.build({"y": b.reshape(x, [3, 2])}))


def test_reshape_validation():
    b = builder()
    x = b.input("x", [2, 3], "float32")
    raises(lambda: b.reshape(x, [4, 2]), "reshape", "new_shape")
    raises(lambda: b.reshape(x, [6, 0]), "reshape", "new_shape")
    raises(lambda: b.reshape(x, [-6]), "reshape", "new_shape")
    raises(lambda: b.reshape(x, [2.0, 3]), "reshape", "new_shape")
    raises(lambda: b.reshape(x, 6), "reshape", "new_shape")
    raises(lambda: b.reshape(x, [6] + [1] * 8), "reshape", "new_shape")
    raises(lambda: b.reshape(x, [2**31, 1]), "reshape", "new_shape")


# -- transpose ---------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_transpose_types(dt):
    x = rand([2, 3, 4], dt)
    (y,) = compute(lambda b, x: b.transpose(x, permutation=[1, 2, 0]), {"x": x})
    assert_same(y, x.transpose(1, 2, 0))


@pytest.mark.parametrize("shape", [[], [5], [2, 3], [2, 3, 4], [1, 2, 3, 4, 5]])
def test_transpose_default_reverses(shape):
    x = rand(shape, "float32", 2)
    (y,) = compute(lambda b, x: b.transpose(x), {"x": x})
    assert_same(y, x.transpose(list(range(len(shape)))[::-1]))


@pytest.mark.parametrize("perm", [[0, 1, 2, 3], [3, 1, 0, 2], [0, 2, 3, 1], [2, 3, 0, 1]])
def test_transpose_permutations(perm):
    x = rand([2, 3, 4, 5], "float16", 3)
    (y,) = compute(lambda b, x: b.transpose(x, permutation=perm), {"x": x})
    assert_same(y, x.transpose(perm))


def test_transpose_onnx_valid():
    b = builder()
    x = b.input("x", [2, 3, 4], "int8")
    check_onnx(b.build({"y": b.transpose(x, permutation=[2, 0, 1])}))


def test_transpose_validation():
    b = builder()
    x = b.input("x", [2, 3, 4], "float32")
    raises(lambda: b.transpose(x, permutation=[0, 1]), "transpose", "permutation")
    raises(lambda: b.transpose(x, permutation=[0, 1, 3]), "transpose", "permutation")
    raises(lambda: b.transpose(x, permutation=[0, 1, 1]), "transpose", "permutation")
    raises(lambda: b.transpose(x, permutation=[0, 1, -1]), "transpose", "permutation")
    raises(lambda: b.transpose(x, permutation=[0, 1, 2, 3]), "transpose", "permutation")


# -- concat ------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_concat_types(dt):
    a, c = rand([2, 3], dt, 1), rand([2, 5], dt, 2)
    (y,) = compute(lambda b, a, c: b.concat([a, c], 1), {"a": a, "c": c})
    assert_same(y, np.concatenate([a, c], 1))


@pytest.mark.parametrize(
    "shapes,axis",
    [
        ([[4]], 0),
        ([[2], [3], [1]], 0),
        ([[1, 2, 3], [4, 2, 3]], 0),
        ([[2, 1, 3], [2, 4, 3], [2, 2, 3]], 1),
        ([[2, 2, 1, 2], [2, 2, 3, 2]], 2),
        ([[1, 2, 3, 1, 2], [1, 2, 3, 1, 5]], 4),
    ],
)
def test_concat_shapes(shapes, axis):
    arrs = {f"x{i}": rand(s, "float16", i) for i, s in enumerate(shapes)}
    (y,) = compute(lambda b, **xs: b.concat([xs[f"x{i}"] for i in range(len(shapes))], axis), arrs)
    assert_same(y, np.concatenate(list(arrs.values()), axis))


def test_concat_constant_and_input():
    b = builder()
    x = b.input("x", [2, 2], "int32")
    c = b.constant(np.array([[7, 8]], np.int32))
    g = b.build({"y": b.concat([c, x, c], 0)})
    check_onnx(g)
    xv = np.array([[1, 2], [3, 4]], np.int32)
    assert_same(CTX.compute(g, {"x": xv})["y"], np.array([[7, 8], [1, 2], [3, 4], [7, 8]], np.int32))


def test_concat_validation():
    b = builder()
    x = b.input("x", [2, 3], "float32")
    raises(lambda: b.concat([], 0), "concat", "inputs")
    raises(lambda: b.concat([x, b.input("h", [2, 3], "float16")], 0), "concat", "inputs")
    raises(lambda: b.concat([x, b.input("r", [2, 3, 1], "float32")], 0), "concat", "inputs")
    raises(lambda: b.concat([x, b.input("s", [3, 3], "float32")], 1), "concat", "inputs")
    raises(lambda: b.concat([x, x], 2), "concat", "axis")
    raises(lambda: b.concat([x, x], -1), "concat", "axis")
    raises(lambda: b.concat([b.input("z", [], "float32")], 0), "concat", "inputs")
    raises(lambda: b.concat([x, "y"], 0), "concat", "inputs")


# -- split -------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_split_types(dt):
    x = rand([6, 4], dt)
    ys = compute(lambda b, x: b.split(x, 3), {"x": x})
    assert len(ys) == 3
    for y, e in zip(ys, np.split(x, 3, 0), strict=True):
        assert_same(y, e)


@pytest.mark.parametrize(
    "shape,splits,axis",
    [([6], 1, 0), ([6], 6, 0), ([2, 6, 3], 2, 1), ([2, 6, 3], [1, 2, 3], 1), ([2, 3, 5], [4, 1], 2), ([4, 2], [4], 0), ([2, 3, 4, 5], [2, 2, 1], 3)],
)
def test_split_options(shape, splits, axis):
    x = rand(shape, "float16", 4)
    ys = compute(lambda b, x: b.split(x, splits, axis=axis), {"x": x})
    if isinstance(splits, int):
        expected = np.split(x, splits, axis)
    else:
        expected = np.split(x, np.cumsum(splits)[:-1], axis)
    assert len(ys) == len(expected)
    for y, e in zip(ys, expected, strict=True):
        assert_same(y, e)


def test_split_returns_list_and_onnx_valid():
    b = builder()
    x = b.input("x", [4, 6], "uint8")
    outs = b.split(x, [2, 4], axis=1)
    assert isinstance(outs, list) and [o.shape for o in outs] == [[4, 2], [4, 4]]
    check_onnx(b.build({"a": outs[0], "b": outs[1]}))


def test_split_validation():
    b = builder()
    x = b.input("x", [6, 4], "float32")
    raises(lambda: b.split(x, 0), "split", "splits")
    raises(lambda: b.split(x, 4), "split", "splits")
    raises(lambda: b.split(x, [2, 2]), "split", "splits")
    raises(lambda: b.split(x, [6, 0]), "split", "splits")
    raises(lambda: b.split(x, []), "split", "splits")
    raises(lambda: b.split(x, -2), "split", "splits")
    raises(lambda: b.split(x, 2, axis=2), "split", "axis")
    raises(lambda: b.split(b.input("s", [], "float32"), 1), "split", "input")


# -- slice -------------------------------------------------------------------------------
def _slice_ref(x, starts, sizes, strides=None):
    strides = strides or [1] * x.ndim
    return x[tuple(slice(s, s + n, st) for s, n, st in zip(starts, sizes, strides, strict=True))]


@pytest.mark.parametrize("dt", ALL_TYPES)
def test_slice_types(dt):
    x = rand([5, 6], dt)
    (y,) = compute(lambda b, x: b.slice(x, [1, 2], [3, 4], strides=[2, 3]), {"x": x})
    assert_same(y, _slice_ref(x, [1, 2], [3, 4], [2, 3]))


@pytest.mark.parametrize(
    "shape,starts,sizes,strides",
    [
        ([], [], [], None),
        ([7], [0], [7], None),
        ([7], [6], [1], None),
        ([7], [1], [6], [4]),
        ([4, 5, 6], [1, 0, 2], [2, 5, 3], None),
        ([4, 5, 6], [0, 1, 1], [4, 4, 5], [3, 2, 5]),
        ([2, 3, 4, 5, 6], [1, 1, 1, 1, 1], [1, 2, 3, 4, 5], [1, 1, 2, 3, 4]),
        ([5, 5], [0, 0], [5, 5], [1, 1]),
    ],
)
def test_slice_options(shape, starts, sizes, strides):
    x = rand(shape, "float32", 5)
    kw = {} if strides is None else {"strides": strides}
    (y,) = compute(lambda b, x: b.slice(x, starts, sizes, **kw), {"x": x})
    assert_same(y, _slice_ref(x, starts, sizes, strides))


def test_slice_onnx_valid():
    b = builder()
    x = b.input("x", [5, 6], "float16")
    check_onnx(b.build({"y": b.slice(x, [1, 0], [3, 6], strides=[2, 1])}))


def test_slice_validation():
    b = builder()
    x = b.input("x", [4, 5], "float32")
    raises(lambda: b.slice(x, [0, 0], [0, 5]), "slice", "sizes")
    raises(lambda: b.slice(x, [0], [4, 5]), "slice", "starts")
    raises(lambda: b.slice(x, [0, 0], [4]), "slice", "sizes")
    raises(lambda: b.slice(x, [5, 0], [1, 5]), "slice", "starts")
    raises(lambda: b.slice(x, [1, 0], [4, 5]), "slice", "sizes")
    raises(lambda: b.slice(x, [0, 0], [4, 5], strides=[1]), "slice", "strides")
    raises(lambda: b.slice(x, [0, 0], [4, 5], strides=[1, 0]), "slice", "strides")
    raises(lambda: b.slice(x, [-1, 0], [1, 5]), "slice", "starts")


# -- expand ------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_expand_types(dt):
    x = rand([3, 1], dt)
    (y,) = compute(lambda b, x: b.expand(x, [2, 3, 4]), {"x": x})
    assert_same(y, np.broadcast_to(x, (2, 3, 4)))


@pytest.mark.parametrize("src,dst", [([], [2, 3]), ([1], [5]), ([4], [3, 4]), ([2, 3], [2, 3]), ([1, 3, 1], [2, 2, 3, 4]), ([2, 1, 1, 1], [2, 3, 4, 5])])
def test_expand_shapes(src, dst):
    x = rand(src, "float16", 6)
    (y,) = compute(lambda b, x: b.expand(x, dst), {"x": x})
    assert_same(y, np.broadcast_to(x, dst))


def test_expand_onnx_valid():
    b = builder()
    x = b.input("x", [1, 3], "int64")
    check_onnx(b.build({"y": b.expand(x, [2, 3])}))


def test_expand_validation():
    b = builder()
    x = b.input("x", [2, 3], "float32")
    raises(lambda: b.expand(x, [2, 4]), "expand", "new_shape")
    raises(lambda: b.expand(x, [3]), "expand", "new_shape")
    raises(lambda: b.expand(x, [1, 3]), "expand", "new_shape")
    raises(lambda: b.expand(x, [0, 2, 3]), "expand", "new_shape")
    raises(lambda: b.expand(x, [1] * 8 + [2, 3]), "expand", "new_shape")


# -- tile --------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_tile_types(dt):
    x = rand([2, 3], dt)
    (y,) = compute(lambda b, x: b.tile(x, [2, 3]), {"x": x})
    assert_same(y, np.tile(x, (2, 3)))


@pytest.mark.parametrize("shape,reps", [([], []), ([4], [1]), ([4], [3]), ([2, 1, 3], [1, 4, 2]), ([1, 2, 1, 2], [2, 1, 3, 1])])
def test_tile_shapes(shape, reps):
    x = rand(shape, "float32", 7)
    (y,) = compute(lambda b, x: b.tile(x, reps), {"x": x})
    assert_same(y, np.tile(x, reps) if reps else x)


def test_tile_onnx_valid():
    b = builder()
    x = b.input("x", [2, 3], "float16")
    check_onnx(b.build({"y": b.tile(x, [2, 1])}))


def test_tile_validation():
    b = builder()
    x = b.input("x", [2, 3], "float32")
    raises(lambda: b.tile(x, [2]), "tile", "repetitions")
    raises(lambda: b.tile(x, [2, 1, 1]), "tile", "repetitions")
    raises(lambda: b.tile(x, [2, 0]), "tile", "repetitions")
    raises(lambda: b.tile(x, [2, -1]), "tile", "repetitions")


# -- reverse -----------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_TYPES)
def test_reverse_types(dt):
    x = rand([3, 4], dt)
    (y,) = compute(lambda b, x: b.reverse(x), {"x": x})
    assert_same(y, x[::-1, ::-1])


@pytest.mark.parametrize(
    "shape,axes",
    [([], None), ([5], None), ([5], []), ([2, 3, 4], [1]), ([2, 3, 4], [2, 0]), ([2, 1, 4], [1]), ([2, 3, 4, 5], None)],
)
def test_reverse_axes(shape, axes):
    x = rand(shape, "float16", 8)
    kw = {} if axes is None else {"axes": axes}
    (y,) = compute(lambda b, x: b.reverse(x, **kw), {"x": x})
    flip = list(range(len(shape))) if axes is None else axes
    assert_same(y, np.flip(x, flip) if flip else x)


def test_reverse_onnx_valid():
    b = builder()
    x = b.input("x", [2, 3], "uint32")
    check_onnx(b.build({"y": b.reverse(x, axes=[1])}))


def test_reverse_validation():
    b = builder()
    x = b.input("x", [2, 3], "float32")
    raises(lambda: b.reverse(x, axes=[2]), "reverse", "axes")
    raises(lambda: b.reverse(x, axes=[0, 0]), "reverse", "axes")
    raises(lambda: b.reverse(x, axes=[-1]), "reverse", "axes")


# -- chained ops and limits ----------------------------------------------------------------
def test_chain_of_shape_ops():
    x = rand([2, 3, 4], "float32", 9)

    def f(b, x):
        t = b.transpose(x, permutation=[2, 0, 1])  # [4, 2, 3]
        parts = b.split(t, [1, 3], axis=0)
        c = b.concat([b.reverse(parts[1], axes=[0]), parts[0]], 0)
        s = b.slice(c, [0, 0, 1], [4, 2, 2])
        return b.reshape(b.tile(s, [1, 2, 1]), [8, 4])

    (y,) = compute(f, {"x": x}, check=True)
    t = x.transpose(2, 0, 1)
    c = np.concatenate([t[1:][::-1], t[:1]], 0)
    assert_same(y, np.tile(c[:, :, 1:3], (1, 2, 1)).reshape(8, 4))


def test_op_support_limits():
    lim = CTX.op_support_limits()
    assert lim["concat"]["inputs"]["rankRange"]["min"] == 1
    assert lim["split"]["outputs"]["dataTypes"] == lim["split"]["input"]["dataTypes"]
    assert set(lim["reshape"]["input"]["dataTypes"]) == set(ALL_TYPES)
    for name in ("reshape", "transpose", "concat", "split", "slice", "expand", "tile", "reverse"):
        assert name in lim
