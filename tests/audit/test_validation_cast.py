"""WPT validation cases (webnn/validation_tests/cast) for cast, plus the signed-zero checks of
conformance_tests/cast_rounding that the JSON data (where -0 reads as 0) cannot express."""

from __future__ import annotations

import numpy as np
import pytest

import webnn

ALL = list(webnn.DATA_TYPES)


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


@pytest.mark.parametrize("src", ALL)
def test_cast_any_to_any(ctx, src):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", webnn.MLOperandDescriptor(src, [2, 3]))
    for dst in ALL:
        y = b.cast(x, dst)
        assert (y.data_type, list(y.shape)) == (dst, [2, 3])


@pytest.mark.parametrize("bad", ["int4", "uint4", "float64", "bool", "", None, 3])
def test_cast_to_unknown_data_type(ctx, bad):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("input", webnn.MLOperandDescriptor("int32", [2, 2]))
    with pytest.raises(webnn.ValidationError, match="cast_label"):
        b.cast(x, bad, label="cast_label")


def test_cast_input_from_another_builder(ctx):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    x = other.input("input", webnn.MLOperandDescriptor("int32", [2, 2]))
    with pytest.raises(webnn.ValidationError):
        b.cast(x, "int64")


@pytest.mark.parametrize("constant", [False, True])
def test_cast_float16_round_trip_keeps_zero_sign(ctx, constant):
    """cast_rounding: float32 -> float16 -> float32 keeps the narrowing and the sign of zeros
    (signed underflow gives -0), and a same-type cast is exact."""
    data = np.array([-0.0, -(2.0**-25), 2.0**-25, 0.0, -(2.0**-24), 65520.0, np.nan], np.float32)
    b = webnn.MLGraphBuilder(ctx)
    x = b.constant(data) if constant else b.input("x", webnn.MLOperandDescriptor("float32", [data.size]))
    narrowed = b.cast(x, "float16")
    outs = ctx.compute(b.build({"n": narrowed, "w": b.cast(narrowed, "float32"), "s": b.cast(x, "float32")}), {} if constant else {"x": data})
    want = np.array([-0.0, -0.0, 0.0, 0.0, -(2.0**-24), np.inf, np.nan], np.float32)
    for k in ("n", "w"):
        np.testing.assert_array_equal(outs[k].astype(np.float32), want)
        assert list(np.signbit(outs[k][:5])) == [True, True, False, False, True]
    np.testing.assert_array_equal(outs["s"], data)
    assert list(np.signbit(outs["s"][:4])) == [True, True, False, False]
