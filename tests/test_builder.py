"""MLGraphBuilder: labels are strings, and numbers become typed values by the spec's "cast" (issue 11, item 10).

The expected values below are the spec's cast algorithm worked by hand (webnn-index.bs, "Casting"):
ConvertToInt maps NaN to +0, clamps to the type's range and rounds half to even; ConvertToFloat
rounds to the nearest value (ties to even) and overflows to +/-Infinity past the type's range.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnn
from webnn import ValidationError

NAN, INF = float("nan"), float("inf")


@pytest.fixture
def b() -> webnn.MLGraphBuilder:
    return webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))


@pytest.mark.parametrize(
    "value,data_type,expected",
    [
        (NAN, "int32", 0),
        (-1, "uint8", 0),
        (300, "uint8", 255),
        (2.5, "int32", 2),
        (3.5, "int32", 4),
        (-2.5, "int8", -2),
        (-0.5, "uint32", 0),
        (4294967295.5, "uint32", 4294967295),
        (INF, "int64", 2**63 - 1),
        (-INF, "int64", -(2**63)),
        (-INF, "uint64", 0),
        (2**64 + 5, "uint64", 2**64 - 1),
        (2**63, "int64", 2**63 - 1),
        (-(2**70), "int8", -128),
        (9.3e18, "int64", 2**63 - 1),
        (-0.0, "int32", 0),
        (True, "int32", 1),
    ],
)
def test_constant_casts_numbers_to_integer_types(b: webnn.MLGraphBuilder, value: object, data_type: str, expected: int) -> None:
    c = b.constant(value, data_type=data_type)
    assert c.data_type == data_type and list(c.shape) == []
    got = b._constants[c._id]
    assert got.dtype == np.dtype(data_type) and int(got) == expected


@pytest.mark.parametrize(
    "value,data_type,expected",
    [
        (1e40, "float32", INF),
        (-1e40, "float32", -INF),
        (65520.0, "float16", INF),  # halfway between 65504 and the upper bound 2**16: the bound is even
        (65519.0, "float16", 65504.0),
        (2**24 + 1, "float32", 2.0**24),  # an integer: ties to even, exactly (no double rounding)
        (2**53 + 2**29 + 1, "float32", 2.0**53 + 2**30),
        (NAN, "float16", NAN),
        (-0.0, "float32", -0.0),
    ],
)
def test_constant_casts_numbers_to_float_types(b: webnn.MLGraphBuilder, value: float, data_type: str, expected: float) -> None:
    got = b._constants[b.constant(value, data_type=data_type)._id]
    assert got.dtype == np.dtype(data_type)
    if math.isnan(expected):
        assert math.isnan(float(got))
    else:
        assert float(got) == expected and math.copysign(1, float(got)) == math.copysign(1, expected)


def test_every_form_of_constant_and_tensor_data_casts_the_same_way(b: webnn.MLGraphBuilder) -> None:
    values = [1.5, -1.5, NAN, 256, -7, 2.5]
    want = [2, 0, 0, 255, 0, 2]
    forms = [
        b.constant(values, data_type="uint8"),
        b.constant({"dataType": "uint8", "shape": [6]}, values),
        b.constant(np.array(values), data_type="uint8"),
    ]
    for c in forms:
        assert b._constants[c._id].tolist() == want
    assert b._constants[b.constant("int8", NAN)._id] == 0  # the spec's constant(type, value)
    ctx = b.context
    t = ctx.create_tensor({"dataType": "uint8", "shape": [6]}, readable=True, writable=True)
    ctx.write_tensor(t, values)
    assert ctx.read_tensor(t).tolist() == want
    t8 = ctx.create_tensor({"dataType": "int8", "shape": []}, readable=True, writable=True)
    ctx.write_tensor(t8, -1000)
    assert ctx.read_tensor(t8) == -128


def test_option_numbers_use_the_same_cast(b: webnn.MLGraphBuilder) -> None:
    x = b.input("x", [2], "uint8")
    b.clamp(x, min_value=-5, max_value=300.7)
    assert b._ops[-1].attributes == {"min_value": 0, "max_value": 255}
    b.pad(b.input("y", [2], "int8"), [1], [1], value=1000)
    assert b._ops[-1].attributes["value"] == 127
    b.pad(b.input("z", [2], "int32"), [1], [1], value=NAN)
    assert b._ops[-1].attributes["value"] == 0


def test_non_numbers_are_refused_with_the_argument_named(b: webnn.MLGraphBuilder) -> None:
    for bad in (["a"], [1, [2]], [1 + 2j], object()):
        with pytest.raises(ValidationError, match="constant"):
            b.constant(bad, data_type="float32")
    b.constant(1.0, data_type="float32")  # the builder stays usable


@pytest.mark.parametrize("label", [5, 1.5, b"bytes", ["a"], {"a": 1}, True])
def test_non_string_label_is_refused_at_the_call(b: webnn.MLGraphBuilder, label: object) -> None:
    x = b.input("x", [2], "float32")
    with pytest.raises(ValidationError, match=r"relu: label must be a string"):
        b.relu(x, label=label)
    with pytest.raises(ValidationError, match=r"relu: label must be a string"):
        b.relu(x, {"label": label})
    y = b.relu(x, label="ok")
    z = b.relu(y, label=None)  # None: no label
    assert [op.label for op in b._ops] == ["ok", ""]
    b.build({"z": z})
