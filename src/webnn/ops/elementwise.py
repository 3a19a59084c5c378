"""Element-wise unary math, comparisons and logical ops, isNaN/isInfinite, cast, clamp, where.

Spec sections: "Element-wise unary operations" (abs ceil cos erf exp floor identity log neg
reciprocal roundEven sin sign sqrt tan), "Element-wise logical operations" (equal notEqual
greater greaterOrEqual lesser lesserOrEqual logicalNot logicalAnd logicalOr logicalXor isNaN
isInfinite), "cast", "clamp", "where", and the "Casting" algorithms used by clamp.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ValidationError
from ..operand import MLOperand
from ..types import DATA_TYPES, FLOAT_TYPES, check_data_type
from . import L, Node, define, invalid, op
from ._util import broadcast_shapes, desc, is_int, same

ANY = DATA_TYPES
FLOATS = FLOAT_TYPES
# abs, neg and sign: « float32, float16, int64, int32, int8 ».
SIGNED = ("float32", "float16", "int64", "int32", "int8")

# -- element-wise unary -----------------------------------------------------------------------
UNARY_TYPES: dict[str, tuple[str, ...]] = {
    "abs": SIGNED,
    "ceil": FLOATS,
    "cos": FLOATS,
    "erf": FLOATS,
    "exp": FLOATS,
    "floor": FLOATS,
    "identity": ANY,
    "log": FLOATS,
    "neg": SIGNED,
    "reciprocal": FLOATS,
    "round_even": FLOATS,
    "sin": FLOATS,
    "sign": SIGNED,
    "sqrt": FLOATS,
    "tan": FLOATS,
}


def _unary(input: MLOperand) -> Node:
    """The output is a copy of ``input``'s descriptor (the allowed types are the tensor limits)."""
    return Node([input], same(input))


for _name, _types in UNARY_TYPES.items():
    define(_name, _unary, input=L(_types), output=L("same:input", "same:input"))


# -- element-wise logical ---------------------------------------------------------------------
def _binary_logical(a: MLOperand, b: MLOperand) -> Node:
    """``a`` and ``b`` have the same data type (tensor limits); the output is uint8 of the broadcast shape."""
    return Node([a, b], desc("uint8", broadcast_shapes(a.shape, b.shape, "b")))


def _unary_logical(a: MLOperand) -> Node:
    return Node([a], desc("uint8", a.shape))


_OUT_U8 = L(("uint8",))
for _name in ("equal", "not_equal", "greater", "greater_or_equal", "lesser", "lesser_or_equal"):
    define(_name, _binary_logical, a=L(ANY), b=L("same:a"), output=_OUT_U8)
for _name in ("logical_and", "logical_or", "logical_xor"):
    define(_name, _binary_logical, a=L(("uint8",)), b=L("same:a"), output=_OUT_U8)
define("logical_not", _unary_logical, a=L(("uint8",)), output=_OUT_U8)
define("is_nan", _unary_logical, spec_name="isNaN", a=L(FLOATS), output=_OUT_U8)
define("is_infinite", _unary_logical, a=L(FLOATS), output=_OUT_U8)


# -- cast -------------------------------------------------------------------------------------
@op(input=L(ANY), output=L(ANY, "same:input"))
def cast(input: MLOperand, data_type: Any) -> Node:
    """Cast to ``data_type``. Float -> integer truncates toward zero (out of range and NaN are
    implementation-defined: here, whatever the backend's cast does); integer -> integer keeps
    the low bits (two's complement); -> float rounds to nearest, out of range gives +/-Infinity."""
    try:
        dt = check_data_type(data_type, "data_type")
    except ValidationError as e:
        raise invalid("data_type", str(e).split(": ", 1)[-1]) from None
    return Node([input], desc(dt, input.shape), {"to": dt})


# -- the spec's "cast" algorithm for numbers (used by clamp) ----------------------------------
_FLOAT_FORMATS = {"float32": (24, 128, np.float32), "float16": (11, 16, np.float16)}  # precision, max exponent
_INT_RANGES = {
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
    "int32": (-(2**31), 2**31 - 1),
    # The spec's switch says ConvertToInt(x, 32, "signed") for uint32, an evident typo: MLNumber's
    # definition says values for a uint32 operand are cast to unsigned long.
    "uint32": (0, 2**32 - 1),
    "int8": (-128, 127),
    "uint8": (0, 255),
}


def _round_int_to_precision(x: int, precision: int) -> int:
    """``x`` rounded to ``precision`` significant bits, ties to even (exact integer arithmetic)."""
    m = abs(x)
    n = m.bit_length()
    if n <= precision:
        return x
    shift = n - precision
    q, r = divmod(m, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return (q << shift) if x >= 0 else -(q << shift)


def convert_to_float(x: float | int, data_type: str) -> float:
    """The spec's ConvertToFloat(x, 32 or 16): nearest value ties to even, overflow to +/-Infinity."""
    precision, max_exp, np_type = _FLOAT_FORMATS[data_type]
    if isinstance(x, int):
        r = _round_int_to_precision(x, precision)  # exact: no double rounding through float64
        if abs(r) >= 2**max_exp:
            return math.copysign(math.inf, r)
        return float(np_type(float(r)))  # r is representable in the target type
    if math.isnan(x):
        return math.nan
    with np.errstate(over="ignore"):
        return float(np_type(x))  # numpy rounds double -> float32/float16 to nearest even


def convert_to_int(x: float | int, data_type: str) -> int:
    """The spec's ConvertToInt: NaN -> 0, clamp to the type's range, round half to even."""
    lo, hi = _INT_RANGES[data_type]
    if isinstance(x, float):
        if math.isnan(x):
            return 0
        if x <= lo:
            return lo
        if x >= hi:
            return hi
        return int(round(x))  # Python's round() is half-to-even
    return min(max(x, lo), hi)


def cast_number(x: float | int, data_type: str) -> float | int:
    """The spec's "cast" of an MLNumber to ``data_type`` (a float for float types, else an int)."""
    if data_type in _FLOAT_FORMATS:
        return convert_to_float(x, data_type)
    return convert_to_int(x, data_type)


def _ml_number(value: Any, arg: str) -> float | int:
    """An MLNumber: a Python/numpy int (any size, for 64-bit values) or float (NaN and infinities allowed)."""
    if is_int(value):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    raise invalid(arg, f"expected a number (MLNumber), got {value!r}")


# -- clamp ------------------------------------------------------------------------------------
@op(input=L(ANY), output=L("same:input", "same:input"))
def clamp(input: MLOperand, *, min_value: Any = None, max_value: Any = None) -> Node:
    """Clamp to [min_value, max_value]; each bound is cast to the input's data type first.

    Attributes ``min_value`` / ``max_value`` hold the cast bounds, or None for no bound on that
    side (not given, or NaN for a float input: WPT expects a NaN bound to leave values unchanged).
    """
    dt = input.data_type
    lo = cast_number(-math.inf if min_value is None else _ml_number(min_value, "min_value"), dt)
    hi = cast_number(math.inf if max_value is None else _ml_number(max_value, "max_value"), dt)
    if lo > hi:
        raise invalid(
            "min_value",
            f"minValue {min_value!r} (cast to {dt}: {lo}) must not be greater than maxValue {max_value!r} (cast to {dt}: {hi})",
        )

    def attr(v: float | int, given: bool) -> float | int | None:
        if not given or (isinstance(v, float) and math.isnan(v)):
            return None
        return v

    attrs = {"min_value": attr(lo, min_value is not None), "max_value": attr(hi, max_value is not None)}
    return Node([input], same(input), attrs)


# -- where ------------------------------------------------------------------------------------
@op(condition=L(("uint8",)), true_value=L(ANY), false_value=L("same:true_value"), output=L("same:true_value"))
def where(condition: MLOperand, true_value: MLOperand, false_value: MLOperand) -> Node:
    """Select ``true_value`` where ``condition`` is non-zero, else ``false_value``; all three broadcast."""
    shape = broadcast_shapes(true_value.shape, false_value.shape, "false_value")
    shape = broadcast_shapes(condition.shape, shape, "condition")
    return Node([condition, true_value, false_value], desc(true_value.data_type, shape))
