"""ONNX rules for element-wise binary arithmetic."""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule

# WebNN div on integers truncates toward zero, as ONNX Div does.
_ONNX = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "max": "Max", "min": "Min", "pow": "Pow"}

# ONNX Pow's base is float, int32 or int64 only: the other integer types (which the spec allows)
# compute in a wider signed type and cast back. Results that fit the type are exact; larger ones
# keep the low bits of the wider result, the same two's-complement wrap-around as the other ops.
_POW_WIDER = {"int8": "int32", "uint8": "int32", "uint32": "int64", "uint64": "int64"}


@rule(*_ONNX)
def binary(e: Emitter, op: Operation) -> None:
    a, b = e.x(op, "a"), e.x(op, "b")
    dt = e.yd(op).data_type
    if op.type == "div" and dt in ("int32", "int64"):
        # ONNX Runtime's int32/int64 Div traps (SIGFPE, killing the process) on MIN / -1; divide
        # by 1 there and negate instead, which wraps MIN to itself like the other integer ops.
        minus_one = e.node("Equal", [b, e.scalar(-1, dt)])
        q = e.node("Div", [a, e.node("Where", [minus_one, e.scalar(1, dt), b])])
        e.node("Where", [minus_one, e.node("Neg", [a]), q], e.y(op))
        return
    wide = _POW_WIDER.get(dt) if op.type == "pow" else None
    if wide is None:
        e.node(_ONNX[op.type], [a, b], e.y(op))
        return
    r = e.node("Pow", [e.cast(a, wide), e.cast(b, wide)])
    e.cast(r, e.yd(op).data_type, e.y(op))
