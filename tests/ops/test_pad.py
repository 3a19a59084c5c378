"""pad: the spec's examples, a per-element reference for every mode and data type, validation."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

from ._helpers import INT_TYPES, run1

RNG = np.random.default_rng(4323)


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def test_pad_spec_examples(ctx):
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    constant = run1(ctx, "pad", x, [1, 2], [1, 2], check_onnx=True)
    np.testing.assert_array_equal(constant, [[0, 0, 0, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0, 0], [0, 0, 4, 5, 6, 0, 0], [0, 0, 0, 0, 0, 0, 0]])
    edge = run1(ctx, "pad", x, [1, 2], [1, 2], mode="edge")
    np.testing.assert_array_equal(edge, [[1, 1, 1, 2, 3, 3, 3], [1, 1, 1, 2, 3, 3, 3], [4, 4, 4, 5, 6, 6, 6], [4, 4, 4, 5, 6, 6, 6]])
    reflection = run1(ctx, "pad", x, [1, 2], [1, 2], mode="reflection")
    np.testing.assert_array_equal(reflection, [[6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]])


def pad_ref(x, begin, end, mode, value):
    """output[i] = input[src(i)] per dimension; constant: value outside the input."""
    out = np.empty([b + d + e for b, d, e in zip(begin, x.shape, end, strict=True)], dtype=x.dtype)
    for idx in np.ndindex(*out.shape):
        src = []
        inside = True
        for i, b, d in zip(idx, begin, x.shape, strict=True):
            j = i - b
            if 0 <= j < d:
                src.append(j)
            elif mode == "constant":
                inside = False
                break
            elif mode == "edge":
                src.append(min(max(j, 0), d - 1))
            else:  # reflection: mirror around the edge element, not repeating it
                src.append(-j if j < 0 else 2 * (d - 1) - j)
        out[idx] = x[tuple(src)] if inside else value
    return out


@pytest.mark.parametrize("dt", ["float32", "float16"] + INT_TYPES)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflection"])
def test_pad_values_all_types(ctx, dt, mode):
    if dt.startswith("float"):
        x = RNG.standard_normal((2, 3, 4)).astype(dt)
    else:
        info = np.iinfo(dt)
        x = RNG.integers(info.min, info.max, size=(2, 3, 4), dtype=dt, endpoint=True)
    begin, end = [1, 0, 3], [1, 2, 2]
    value = {"float32": -2.5, "float16": 7.25, "int8": -128, "uint8": 255, "int32": -7, "uint32": 2**32 - 1, "int64": -(2**63), "uint64": 2**64 - 1}[dt]
    out = run1(ctx, "pad", x, begin, end, mode=mode, value=value)
    np.testing.assert_array_equal(out, pad_ref(x, begin, end, mode, value))
    if mode != "constant":
        np.testing.assert_array_equal(out, np.pad(x, list(zip(begin, end, strict=True)), mode={"edge": "edge", "reflection": "reflect"}[mode]))


def test_pad_value_cast_and_ranks(ctx):
    # the value is cast to the input's type: clamped and rounded to nearest even for integers
    x = np.zeros((2,), np.uint8)
    np.testing.assert_array_equal(run1(ctx, "pad", x, [1], [1], value=300), [255, 0, 0, 255])
    np.testing.assert_array_equal(run1(ctx, "pad", x.astype(np.int8), [1], [1], value=-2.5), [-2, 0, 0, -2])
    np.testing.assert_array_equal(run1(ctx, "pad", x.astype(np.int32), [1], [0], value=3.5), [4, 0, 0])
    np.testing.assert_array_equal(run1(ctx, "pad", x.astype(np.int64), [0], [1], value=2**63 - 1), [0, 0, 2**63 - 1])
    h = run1(ctx, "pad", x.astype(np.float16), [1], [1], value=1e6)
    assert np.isinf(h[0]) and h[0] > 0
    f = run1(ctx, "pad", x.astype(np.float32), [1], [0], value=float("nan"))
    assert np.isnan(f[0])
    s = run1(ctx, "pad", np.array(5, np.float32), [], [])
    assert s.shape == () and s == 5
    x5 = RNG.standard_normal((1, 2, 1, 2, 3)).astype(np.float32)
    out = run1(ctx, "pad", x5, [0, 1, 0, 1, 2], [0, 0, 0, 1, 2], mode="reflection")
    np.testing.assert_array_equal(out, pad_ref(x5, [0, 1, 0, 1, 2], [0, 0, 0, 1, 2], "reflection", 0))


@pytest.mark.parametrize(
    "args, kwargs, arg",
    [
        (([1, 1, 1], [1, 1]), {}, "ending_padding"),
        (([1], [1, 1, 1]), {}, "beginning_padding"),
        (([1, 1, -1], [1, 1, 1]), {}, "beginning_padding"),
        (([1, 1, 1], [0, 0, 2**32]), {}, "ending_padding"),
        (([0, 0, 0], [0, 0, 0]), dict(mode="reflect"), "mode"),
        (([0, 0, 0], [0, 0, 0]), dict(value="1"), "value"),
        (([0, 0, 3], [0, 0, 0]), dict(mode="reflection"), "beginning_padding"),  # must be < 3
        (([0, 0, 0], [0, 2, 0]), dict(mode="reflection"), "ending_padding"),  # must be < 2
        (([2**31, 0, 0], [0, 0, 0]), {}, "output"),
    ],
)
def test_pad_validation(ctx, args, kwargs, arg):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 3], "float32")
    with pytest.raises(webnn.ValidationError, match=rf"pad.*{arg}"):
        b.pad(x, *args, **kwargs)


def test_pad_edge_of_size_one_and_shapes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 3], "int64")
    assert b.pad(x, [0, 1, 2], [3, 0, 2], mode="edge").shape == [4, 3, 7]
    assert b.pad(x, [0, 1, 2], [0, 1, 2], mode="reflection").shape == [1, 4, 7]
    with pytest.raises(webnn.ValidationError, match=r"pad.*beginning_padding"):
        b.pad(x, [1, 0, 0], [0, 0, 0], mode="reflection")
