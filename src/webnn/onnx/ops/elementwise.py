"""Element-wise math, comparisons, logic, Where, Clip, Cast, variadic Max/Min/Sum/Mean, Mod."""

from __future__ import annotations

import math

import numpy as np
from onnx import TensorProto

from ...operand import MLOperand
from .._importer import WEBNN_TYPES, Boolean, NodeContext, Value
from .._registry import onnx_op
from ._common import FLOATS, need_types

SIGNED = ("float32", "float16", "int64", "int32", "int8")
UNSIGNED = ("uint8", "uint32", "uint64")


def _unary(op: str, types: tuple[str, ...]):
    def handler(n: NodeContext) -> MLOperand:
        need_types(n, 0, types, op)
        return getattr(n.b, op)(n.x(0))

    handler.__name__ = op
    return handler


for _onnx, _webnn, _since, _types in (
    ("Ceil", "ceil", 1, FLOATS),
    ("Floor", "floor", 1, FLOATS),
    ("Cos", "cos", 7, FLOATS),
    ("Sin", "sin", 7, FLOATS),
    ("Tan", "tan", 7, FLOATS),
    ("Erf", "erf", 9, FLOATS),
    ("Exp", "exp", 1, FLOATS),
    ("Log", "log", 1, FLOATS),
    ("Reciprocal", "reciprocal", 1, FLOATS),
    ("Sqrt", "sqrt", 1, FLOATS),
    ("Sigmoid", "sigmoid", 1, FLOATS),
    ("Tanh", "tanh", 1, FLOATS),
    ("Softplus", "softplus", 1, FLOATS),
    ("Softsign", "softsign", 1, FLOATS),
    ("Round", "round_even", 11, FLOATS),  # ONNX Round rounds halves to even
    ("Neg", "neg", 1, SIGNED),
    ("Relu", "relu", 1, SIGNED),
):
    onnx_op(_onnx, since=_since)(_unary(_webnn, _types))


@onnx_op("Abs", since=1)
def abs_(n: NodeContext) -> MLOperand:
    if n.dtype(0) in UNSIGNED:
        return n.x(0)  # |x| = x for unsigned types
    return n.b.abs(n.x(0))


@onnx_op("Sign", since=9, kind="decomposition", note="unsigned: greater(x, 0) cast to the input type")
def sign(n: NodeContext) -> MLOperand:
    dt = n.dtype(0)
    if dt in UNSIGNED:
        return n.b.cast(n.b.greater(n.x(0), n.scalar(0, dt)), dt)
    return n.b.sign(n.x(0))


@onnx_op("Identity", since=1)
def identity(n: NodeContext) -> Value:
    n.dtype(0)
    v = n.value(0)
    return v  # the same tensor (a known value stays known)


@onnx_op("IsNaN", since=9)
def is_nan(n: NodeContext) -> Boolean:
    need_types(n, 0, FLOATS, "isNaN")
    return Boolean(n.b.is_nan(n.x(0)))


@onnx_op("IsInf", since=10, kind="decomposition", note="detect_positive / detect_negative: isInfinite and a sign test")
def is_inf(n: NodeContext) -> Boolean:
    need_types(n, 0, FLOATS, "isInfinite")
    x = n.x(0)
    dt = x.data_type
    inf = n.b.is_infinite(x)
    pos, neg = int(n.attr("detect_positive", 1)), int(n.attr("detect_negative", 1))
    if pos and neg:
        return Boolean(inf)
    if pos:
        return Boolean(n.b.logical_and(inf, n.b.greater(x, n.scalar(0, dt))))
    if neg:
        return Boolean(n.b.logical_and(inf, n.b.lesser(x, n.scalar(0, dt))))
    return Boolean(n.b.logical_and(inf, n.scalar(0, "uint8")))


@onnx_op("Not", since=1)
def not_(n: NodeContext) -> Boolean:
    return Boolean(n.b.logical_not(n.x(0)))


# -- binary ---------------------------------------------------------------------------------
def _binary(op: str):
    def handler(n: NodeContext) -> MLOperand:
        _same_type(n, 0, 1)
        return getattr(n.b, op)(n.x(0), n.x(1))

    handler.__name__ = op
    return handler


def _same_type(n: NodeContext, i: int, j: int) -> None:
    if n.elem(i) != n.elem(j):
        raise ValueError(f"inputs {i} and {j} have different types")
    n.dtype(i)


for _onnx, _webnn in (("Add", "add"), ("Sub", "sub"), ("Mul", "mul"), ("Div", "div")):
    # Version 7 introduced numpy broadcasting (versions 1 and 6 have a 'broadcast' attribute).
    # Integer Div truncates toward zero in ONNX (C semantics) and in WebNN.
    onnx_op(_onnx, since=7)(_binary(_webnn))


def _compare(op: str):
    def handler(n: NodeContext) -> Boolean:
        _same_type(n, 0, 1)
        return Boolean(getattr(n.b, op)(n.x(0), n.x(1)))

    handler.__name__ = op
    return handler


for _onnx, _webnn, _since in (
    ("Equal", "equal", 7),
    ("Greater", "greater", 7),
    ("Less", "lesser", 7),
    ("GreaterOrEqual", "greater_or_equal", 12),
    ("LessOrEqual", "lesser_or_equal", 12),
    ("And", "logical_and", 7),
    ("Or", "logical_or", 7),
    ("Xor", "logical_xor", 7),
):
    onnx_op(_onnx, since=_since)(_compare(_webnn))


@onnx_op("Pow", since=7, refuses={"types": "an integer base with a floating-point exponent (ONNX truncates a double result)"})
def pow_(n: NodeContext) -> MLOperand:
    base, exp = n.dtype(0), n.dtype(1)
    y = n.x(1)
    if base != exp:
        if base not in FLOATS:
            raise n.refuse("types", f"base {base} with exponent {exp}")
        y = n.b.cast(y, base)  # integer or other-float exponent: ONNX computes in the base's type
    return n.b.pow(n.x(0), y)


@onnx_op("PRelu", since=7)
def prelu(n: NodeContext) -> MLOperand:
    _same_type(n, 0, 1)
    return n.b.prelu(n.x(0), n.x(1))


@onnx_op("Where", since=9)
def where(n: NodeContext) -> MLOperand | Boolean:
    _same_type(n, 1, 2)
    out = n.b.where(n.x(0), n.x(1), n.x(2))
    return Boolean(out) if n.is_bool(1) else out


# -- variadic -----------------------------------------------------------------------------
def _fold(n: NodeContext, op: str) -> MLOperand:
    count = len(n.inputs)
    if count == 0:
        raise ValueError("needs at least one input")
    for i in range(1, count):
        _same_type(n, 0, i)
    acc = n.x(0)
    for i in range(1, count):
        acc = getattr(n.b, op)(acc, n.x(i))
    return acc


@onnx_op("Max", since=6)
def max_(n: NodeContext) -> MLOperand:
    n.dtype(0)
    return _fold(n, "max") if len(n.inputs) > 1 else n.b.identity(n.x(0))


@onnx_op("Min", since=6)
def min_(n: NodeContext) -> MLOperand:
    n.dtype(0)
    return _fold(n, "min") if len(n.inputs) > 1 else n.b.identity(n.x(0))


@onnx_op("Sum", since=6)
def sum_(n: NodeContext) -> MLOperand:
    n.dtype(0)
    return _fold(n, "add") if len(n.inputs) > 1 else n.b.identity(n.x(0))


@onnx_op("Mean", since=6, kind="decomposition", note="sum of the inputs divided by their count")
def mean(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "div")
    total = _fold(n, "add") if len(n.inputs) > 1 else n.x(0)
    return n.b.div(total, n.scalar(len(n.inputs), dt))


# -- Mod ---------------------------------------------------------------------------------
@onnx_op(
    "Mod",
    since=10,
    kind="decomposition",
    refuses={"float": "floating-point fmod (a - trunc(a / b) * b rounds; C fmod is exact)"},
    note="integers: a - trunc(a / b) * b (fmod=1), plus b where the signs of the remainder and b differ (fmod=0)",
)
def mod(n: NodeContext) -> MLOperand:
    _same_type(n, 0, 1)
    dt = n.dtype(0)
    if dt in FLOATS:
        raise n.refuse("float", f"Mod of {dt} values")
    a, b = n.x(0), n.x(1)
    r = n.b.sub(a, n.b.mul(n.b.div(a, b), b))  # truncated remainder, sign of a
    if int(n.attr("fmod", 0)) or dt in UNSIGNED:
        return r
    zero = n.scalar(0, dt)
    # Python/numpy remainder: sign of b. Adjust where r != 0 and sign(r) != sign(b).
    differ = n.b.logical_xor(n.b.lesser(r, zero), n.b.lesser(b, zero))
    fix = n.b.logical_and(n.b.not_equal(r, zero), differ)
    return n.b.where(fix, n.b.add(r, b), r)


# -- Clip ---------------------------------------------------------------------------------
@onnx_op("Clip", since=6, until=10)
def clip_6(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "clamp")
    lo = float(n.attr("min", -3.4028234663852886e38))
    hi = float(n.attr("max", 3.4028234663852886e38))
    if lo > hi:
        return n.b.min(n.b.max(n.x(0), n.scalar(lo, n.dtype(0))), n.scalar(hi, n.dtype(0)))
    return n.b.clamp(n.x(0), min_value=lo, max_value=hi)


@onnx_op("Clip", since=11, kind="direct", note="min/max computed at run time: max then min")
def clip(n: NodeContext) -> MLOperand:
    x = n.x(0)
    n.dtype(0)
    bounds = [n.value(i) if n.has(i) else None for i in (1, 2)]
    if all(v is None or v.known for v in bounds):
        lo = None if bounds[0] is None else np.asarray(bounds[0].array).reshape(-1)
        hi = None if bounds[1] is None else np.asarray(bounds[1].array).reshape(-1)
        lo_v = None if lo is None else lo[0].item()
        hi_v = None if hi is None else hi[0].item()
        if lo_v is None and hi_v is None:
            return n.b.identity(x)
        if lo_v is None or hi_v is None or not (lo_v > hi_v):
            nan = any(isinstance(v, float) and math.isnan(v) for v in (lo_v, hi_v))
            if not nan:
                return n.b.clamp(x, min_value=lo_v, max_value=hi_v)
    # min(max(x, lo), hi): ONNX's definition (hi wins when lo > hi)
    y = x
    if n.has(1):
        y = n.b.max(y, n.b.reshape(n.x(1), []))
    if n.has(2):
        y = n.b.min(y, n.b.reshape(n.x(2), []))
    return y if y is not x else n.b.identity(x)


# -- Cast ---------------------------------------------------------------------------------
def _to_bool(n: NodeContext, x: MLOperand) -> Boolean:
    return Boolean(n.b.not_equal(x, n.scalar(0, x.data_type)))


def _cast(n: NodeContext, to: int) -> MLOperand | Boolean:
    x = n.x(0)
    if n.is_bool(0):
        src = "bool"
    else:
        src = n.dtype(0)
    if to == TensorProto.BOOL:
        return Boolean(n.b.identity(x)) if src == "bool" else _to_bool(n, x)
    dt = WEBNN_TYPES.get(to)
    if dt is None:
        raise n.refuse("dtype", f"cast to {TensorProto.DataType.Name(to).lower()}, which has no WebNN data type")
    if dt == x.data_type:
        return n.b.identity(x)
    # float -> integer truncates toward zero in ONNX and in WebNN; NaN and out-of-range values
    # are undefined in ONNX and implementation-defined in WebNN.
    return n.b.cast(x, dt)


@onnx_op("Cast", since=6, note="saturate and round_mode only concern float8 targets, which WebNN lacks")
def cast(n: NodeContext) -> MLOperand | Boolean:
    return _cast(n, int(n.attr("to")))


@onnx_op("CastLike", since=15)
def cast_like(n: NodeContext) -> MLOperand | Boolean:
    return _cast(n, n.elem(1))
