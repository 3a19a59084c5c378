"""ONNX rules for element-wise unary math, comparisons, logical ops, isNaN/isInfinite, cast, clamp, where.

ONNX Runtime CPU kernels cover every data type these ops allow, except: ``Where`` on uint64
(computed on int64: the casts uint64 <-> int64 keep the bits, so the selection is exact) and
float16 for several math ops (handled by the float16 pass). Boolean results are ONNX ``bool``
tensors cast to WebNN's uint8 (0/1).
"""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from . import Emitter, rule

_UNARY = {
    "abs": "Abs",
    "ceil": "Ceil",
    "cos": "Cos",
    "erf": "Erf",
    "exp": "Exp",
    "floor": "Floor",
    "identity": "Identity",
    "log": "Log",
    "neg": "Neg",
    "reciprocal": "Reciprocal",
    "round_even": "Round",  # ONNX Round rounds halves to even
    "sin": "Sin",
    "sign": "Sign",
    "sqrt": "Sqrt",
    "tan": "Tan",
}


@rule(*_UNARY)
def unary(e: Emitter, op: Operation) -> None:
    dt = e.xd(op).data_type
    if op.type == "sign" and dt in ("float32", "float16"):
        # The spec: 1 if > 0, -1 if < 0 and 0 otherwise, so NaN gives 0 (ONNX Sign keeps NaN).
        s = e.node("Sign", [e.x(op)])
        e.node("Where", [e.node("IsNaN", [e.x(op)]), e.scalar(0, dt), s], e.y(op))
        return
    e.node(_UNARY[op.type], [e.x(op)], e.y(op))


_COMPARE = {
    "equal": "Equal",
    "greater": "Greater",
    "greater_or_equal": "GreaterOrEqual",
    "lesser": "Less",
    "lesser_or_equal": "LessOrEqual",
}


@rule(*_COMPARE)
def compare(e: Emitter, op: Operation) -> None:
    t = e.node(_COMPARE[op.type], [e.x(op, "a"), e.x(op, "b")])
    e.cast(t, "uint8", e.y(op))


@rule("not_equal")
def not_equal(e: Emitter, op: Operation) -> None:
    # Not(Equal) so that NaN != NaN is true.
    t = e.node("Not", [e.node("Equal", [e.x(op, "a"), e.x(op, "b")])])
    e.cast(t, "uint8", e.y(op))


_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


@rule(*_LOGICAL)
def logical(e: Emitter, op: Operation) -> None:
    # Any non-zero uint8 is true: Cast(uint8 -> bool) maps non-zero to true.
    a = e.cast(e.x(op, "a"), "bool")
    b = e.cast(e.x(op, "b"), "bool")
    e.cast(e.node(_LOGICAL[op.type], [a, b]), "uint8", e.y(op))


@rule("logical_not")
def logical_not(e: Emitter, op: Operation) -> None:
    t = e.node("Equal", [e.x(op), e.scalar(0, "uint8")])
    e.cast(t, "uint8", e.y(op))


@rule("is_nan")
def is_nan(e: Emitter, op: Operation) -> None:
    e.cast(e.node("IsNaN", [e.x(op)]), "uint8", e.y(op))


@rule("is_infinite")
def is_infinite(e: Emitter, op: Operation) -> None:
    e.cast(e.node("IsInf", [e.x(op)]), "uint8", e.y(op))


@rule("cast")
def cast(e: Emitter, op: Operation) -> None:
    e.cast(e.x(op), op.attr("to"), e.y(op))


@rule("clamp")
def clamp(e: Emitter, op: Operation) -> None:
    dt = e.xd(op).data_type
    lo, hi = op.attr("min_value"), op.attr("max_value")
    if lo is None and hi is None:
        e.node("Identity", [e.x(op)], e.y(op))
        return
    # Both bounds explicit: ONNX Runtime's Clip defaults a missing bound to the type's finite
    # lowest/max, which would turn float infinities into +/-FLT_MAX.
    if np.dtype(dt).kind == "f":
        lo = -np.inf if lo is None else lo
        hi = np.inf if hi is None else hi
    else:
        info = np.iinfo(np.dtype(dt))
        lo = int(info.min) if lo is None else lo
        hi = int(info.max) if hi is None else hi
    e.node("Clip", [e.x(op), e.scalar(lo, dt), e.scalar(hi, dt)], e.y(op))


@rule("where")
def where(e: Emitter, op: Operation) -> None:
    cond = e.cast(e.x(op, "condition"), "bool")
    dt = e.yd(op).data_type
    if dt == "uint64":  # no uint64 Where kernel: select the same bits as int64
        t = e.node("Where", [cond, e.cast(e.x(op, "true_value"), "int64"), e.cast(e.x(op, "false_value"), "int64")])
        e.cast(t, "uint64", e.y(op))
        return
    e.node("Where", [cond, e.x(op, "true_value"), e.x(op, "false_value")], e.y(op))
