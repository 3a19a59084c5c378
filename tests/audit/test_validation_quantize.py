"""WPT validation cases (webnn/validation_tests: quantizeLinear, dequantizeLinear) for the
quantization family: each bad input must raise webnn.ValidationError, each valid one must build
with the spec's output descriptor.

WPT also expects scale/zeroPoint of a *lower rank* than the input (e.g. [5] or [] for a
[3, 2, 5] input) to build. The spec's method steps throw a TypeError when "scale's rank or
zeroPoint's rank is not equal to input's rank" (blockwise broadcasting requires equal ranks), and
the spec is followed here: those cases are checked to throw."""

from __future__ import annotations

import pytest

import webnn


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def d(dt: str, shape: list[int]) -> webnn.MLOperandDescriptor:
    return webnn.MLOperandDescriptor(dt, shape)


# (name, input, scale, zeroPoint, output data type or None)
QUANTIZE = [
    ("scale and zeroPoint of the input's shape", d("float32", [3, 2, 5]), d("float32", [3, 2, 5]), d("int8", [3, 2, 5]), "int8"),
    ("block-wise with block size [3, 2, 5]", d("float32", [6, 4, 5]), d("float32", [2, 2, 1]), d("int8", [2, 2, 1]), "int8"),
    ("per-tensor [1, 1, 1]", d("float16", [3, 2, 5]), d("float16", [1, 1, 1]), d("uint8", [1, 1, 1]), "uint8"),
    ("int32 zeroPoint", d("float32", [4]), d("float32", [2]), d("int32", [2]), "int32"),
    ("uint32 zeroPoint", d("float32", [4]), d("float32", [2]), d("uint32", [2]), "uint32"),
    ("scalar input", d("float32", []), d("float32", []), d("int8", []), "int8"),
    ("throw (spec: equal ranks) for scale [5] on a [3, 2, 5] input", d("float32", [3, 2, 5]), d("float32", [5]), d("int8", [5]), None),
    ("throw (spec: equal ranks) for scalar scale on a [3, 2, 5] input", d("float32", [3, 2, 5]), d("float32", []), d("int8", []), None),
    ("throw if the scale size is not a factor of input size", d("float32", [3, 2, 5]), d("float32", [2, 1, 5]), d("int8", [2, 1, 5]), None),
    ("throw if zeroPoint's shape is not scale's", d("float32", [3, 2, 5]), d("float32", [1, 1, 5]), d("int8", [1, 2, 5]), None),
    ("throw if the data type of input is not the same as scale", d("float32", [3, 2, 5]), d("float16", [3, 1, 5]), d("int8", [3, 1, 5]), None),
    ("throw if the data type of input is not float32 or float16", d("int32", [3, 2, 5]), d("float32", [1, 1, 5]), d("int8", [1, 1, 5]), None),
    ("throw if the data type of scale is not float32 or float16", d("float32", [3, 2, 5]), d("int32", [1, 1, 5]), d("uint8", [1, 1, 5]), None),
    ("throw if the data type of zeroPoint is float16", d("float32", [3, 2, 5]), d("float32", [1, 1, 5]), d("float16", [1, 1, 5]), None),
    ("throw if the data type of zeroPoint is int64", d("float32", [3, 2, 5]), d("float32", [1, 1, 5]), d("int64", [1, 1, 5]), None),
]


@pytest.mark.parametrize("name,input,scale,zp,out_dt", QUANTIZE, ids=[c[0] for c in QUANTIZE])
def test_quantize_linear(ctx, name, input, scale, zp, out_dt):
    b = webnn.MLGraphBuilder(ctx)
    x, s, z = b.input("input", input), b.input("scale", scale), b.input("zeroPoint", zp)
    if out_dt is None:
        with pytest.raises(webnn.ValidationError, match="quantize_linear_123"):
            b.quantize_linear(x, s, z, label="quantize_linear_123")
    else:
        y = b.quantize_linear(x, s, z)
        assert (y.data_type, list(y.shape)) == (out_dt, list(input.shape))


DEQUANTIZE = [
    ("scale and zeroPoint of the input's shape", d("int8", [3, 2, 5]), d("float32", [3, 2, 5]), d("int8", [3, 2, 5]), "float32"),
    ("block-wise with block size [2, 2, 5]", d("uint8", [6, 4, 5]), d("float32", [3, 2, 1]), d("uint8", [3, 2, 1]), "float32"),
    ("float16 scale", d("uint8", [6, 4]), d("float16", [1, 4]), d("uint8", [1, 4]), "float16"),
    ("int32 input", d("int32", [4]), d("float32", [2]), d("int32", [2]), "float32"),
    ("uint32 input", d("uint32", [4]), d("float32", [4]), d("uint32", [4]), "float32"),
    ("throw (spec: equal ranks) for scale [5] on a [3, 2, 5] input", d("int8", [3, 2, 5]), d("float32", [5]), d("int8", [5]), None),
    ("throw (spec: equal ranks) for scalar scale on a [3, 2, 5] input", d("uint8", [3, 2, 5]), d("float32", []), d("uint8", []), None),
    ("throw if the scale size is not a factor of input size", d("uint8", [3, 2, 5]), d("float32", [1, 1, 2]), d("uint8", [1, 1, 2]), None),
    ("throw if zeroPoint's shape is not scale's", d("uint8", [3, 2, 5]), d("float32", [1, 1, 5]), d("uint8", [1, 1, 1]), None),
    ("throw if zeroPoint's data type is not input's", d("int8", [3, 2, 5]), d("float32", [1, 1, 5]), d("uint8", [1, 1, 5]), None),
    ("throw if the input data type is float16", d("float16", [3, 2, 5]), d("float32", [1, 1, 5]), d("int8", [1, 1, 5]), None),
    ("throw if zeroPoint is int32 for an int8 input", d("int8", [3, 2, 5]), d("float32", [1, 1, 5]), d("int32", [1, 1, 5]), None),
    ("throw if the scale data type is int32", d("uint8", [3, 2, 5]), d("int32", [1, 1, 5]), d("uint8", [1, 1, 5]), None),
    ("throw if the output tensor byte length exceeds limit", d("int8", [(2**31 - 1) // 5, 5]), d("float32", [1, 5]), d("int8", [1, 5]), None),
]


@pytest.mark.parametrize("name,input,scale,zp,out_dt", DEQUANTIZE, ids=[c[0] for c in DEQUANTIZE])
def test_dequantize_linear(ctx, name, input, scale, zp, out_dt):
    b = webnn.MLGraphBuilder(ctx)
    x, s, z = b.input("input", input), b.input("scale", scale), b.input("zeroPoint", zp)
    if out_dt is None:
        with pytest.raises(webnn.ValidationError, match="dequantize_linear_123"):
            b.dequantize_linear(x, s, z, label="dequantize_linear_123")
    else:
        y = b.dequantize_linear(x, s, z)
        assert (y.data_type, list(y.shape)) == (out_dt, list(input.shape))


@pytest.mark.parametrize("op", ["quantize_linear", "dequantize_linear"])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_operand_from_another_builder(ctx, op, which):
    b, other = webnn.MLGraphBuilder(ctx), webnn.MLGraphBuilder(ctx)
    if op == "quantize_linear":
        descs = [d("float32", [2, 4]), d("float32", [2, 4]), d("int8", [2, 4])]
    else:
        descs = [d("int8", [2, 4]), d("float32", [2, 4]), d("int8", [2, 4])]
    args = [(other if k == which else b).input(f"x{k}", descs[k]) for k in range(3)]
    with pytest.raises(webnn.ValidationError):
        getattr(b, op)(*args)
