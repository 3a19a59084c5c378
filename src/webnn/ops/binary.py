"""Element-wise binary arithmetic: add sub mul div max min pow."""

from __future__ import annotations

from typing import Any

from ..operand import MLOperand
from . import L, Node, define
from ._util import broadcast_shapes, desc

BINARY_LIMITS: dict[str, Any] = dict(a=L(), b=L("same:a"), output=L("same:a"))


def _binary(a: MLOperand, b: MLOperand) -> Node:
    """Bidirectionally broadcast ``a`` and ``b``; the output has ``a``'s data type."""
    return Node(desc(a.data_type, broadcast_shapes(a.shape, b.shape)))


for _name in ("add", "sub", "mul", "div", "max", "min", "pow"):
    define(_name, _binary, **BINARY_LIMITS)
