"""ONNX rules for element-wise binary arithmetic."""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule

# WebNN div on integers truncates toward zero, as ONNX Div does.
_ONNX = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "max": "Max", "min": "Min", "pow": "Pow"}


@rule(*_ONNX)
def binary(e: Emitter, op: Operation) -> None:
    e.node(_ONNX[op.type], [e.x(op, 0), e.x(op, 1)], e.y(op))
