"""Element-wise unary math, comparisons and logical ops, isNaN/isInfinite, cast, clamp, where.

Spec sections: "Element-wise unary operations" (abs ceil cos erf exp floor identity log neg
reciprocal roundEven sin sign sqrt tan), "Element-wise logical operations" (equal notEqual
greater greaterOrEqual lesser lesserOrEqual logicalNot logicalAnd logicalOr logicalXor isNaN
isInfinite), "cast", "clamp" (its bounds are cast with the spec's number cast, ``_util.cast_number``), "where".
"""

from __future__ import annotations

import math

from ..errors import ValidationError
from ..operand import MLOperand
from ..types import DATA_TYPES, FLOAT_TYPES, check_data_type
from . import L, Node, define, invalid, op
from ._util import broadcast_shapes, cast_number, desc, number, same

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
    return Node(same(input))


for _name, _types in UNARY_TYPES.items():
    define(_name, _unary, input=L(_types), output=L("same:input", "same:input"))


# -- element-wise logical ---------------------------------------------------------------------
def _binary_logical(a: MLOperand, b: MLOperand) -> Node:
    """``a`` and ``b`` have the same data type (tensor limits); the output is uint8 of the broadcast shape."""
    return Node(desc("uint8", broadcast_shapes(a.shape, b.shape, "b")))


def _unary_logical(a: MLOperand) -> Node:
    return Node(desc("uint8", a.shape))


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
def cast(input: MLOperand, data_type: str) -> Node:
    """Cast to ``data_type``. Float -> integer truncates toward zero (out of range and NaN are
    implementation-defined: here, whatever the backend's cast does); integer -> integer keeps
    the low bits (two's complement); -> float rounds to nearest, out of range gives +/-Infinity."""
    try:
        dt = check_data_type(data_type, "data_type")
    except ValidationError as e:
        raise invalid("data_type", str(e).split(": ", 1)[-1]) from None
    return Node(desc(dt, input.shape), {"to": dt})


# -- clamp ------------------------------------------------------------------------------------
@op(input=L(ANY), output=L("same:input", "same:input"))
def clamp(input: MLOperand, *, min_value: float | None = None, max_value: float | None = None) -> Node:
    """Clamp to [min_value, max_value]; each bound is cast to the input's data type first.

    Attributes ``min_value`` / ``max_value`` hold the cast bounds, or None for no bound on that
    side (not given, or NaN for a float input: WPT expects a NaN bound to leave values unchanged).
    """
    dt = input.data_type
    lo = cast_number(-math.inf if min_value is None else number(min_value, "min_value"), dt)
    hi = cast_number(math.inf if max_value is None else number(max_value, "max_value"), dt)
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
    return Node(same(input), attrs)


# -- where ------------------------------------------------------------------------------------
@op(condition=L(("uint8",)), true_value=L(ANY), false_value=L("same:true_value"), output=L("same:true_value"))
def where(condition: MLOperand, true_value: MLOperand, false_value: MLOperand) -> Node:
    """Select ``true_value`` where ``condition`` is non-zero, else ``false_value``; all three broadcast."""
    shape = broadcast_shapes(true_value.shape, false_value.shape, "false_value")
    shape = broadcast_shapes(condition.shape, shape, "condition")
    return Node(desc(true_value.data_type, shape))
