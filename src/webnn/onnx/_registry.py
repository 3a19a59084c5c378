"""The ONNX operator table: one plain function per ONNX operator, registered explicitly.

A handler is ``fn(n: NodeContext) -> output | tuple of outputs`` registered with :func:`onnx_op`
for the operator's schema versions (``since``: the first ``since_version`` it implements,
``until``: the last; every schema version in between must share the semantics the handler
implements, data types aside). An output is an :class:`~webnn.MLOperand`, a numpy array
(a value known at import) or ``None`` for an optional output that was not requested.

A handler refuses a node with ``n.refuse(key, detail)``; ``key`` is one of the conditions the
registration declares in ``refuses`` (or a generic one from :data:`GENERIC_REFUSALS`), so the
generated table in ``docs/onnx-import.md`` states every reason a node can be refused for.
Operators WebNN cannot express at all are listed in :data:`REFUSED_OPS` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The newest schema version any handler was checked against (ONNX 1.23, opset 28). A node
#: whose operator schema is newer is refused rather than assumed to keep its semantics.
MAX_VERIFIED_OPSET = 28

#: Refusal conditions every handler may raise (besides its own ``refuses``).
GENERIC_REFUSALS: dict[str, str] = {
    "dtype": "a data type WebNN has no equivalent for (double, bfloat16, int16, uint16, string, float8, int4, complex),"
    " or one this WebNN operator does not take",
    "empty": "a tensor with a zero-size dimension (WebNN dimensions are at least 1)",
    "dynamic": "a value the WebNN operator needs at build time (shape, axes, pads, sizes, ...) is computed at run time",
    "opset": "an operator version not implemented or newer than the verified opset",
    "webnn": "the WebNN builder rejects the arguments (its validation message is the reason)",
}


class Refused(Exception):
    """Raised by a handler: WebNN cannot express this node exactly."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key
        self.detail = detail


@dataclass
class OnnxOp:
    """One registered handler: the operator, the schema versions it covers and how it maps."""

    op_type: str
    fn: Callable[[Any], Any]
    since: int
    until: int
    #: "direct" (one WebNN operator, options mapped) or "decomposition" (several WebNN operators).
    kind: str
    refuses: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def covers(self, since_version: int) -> bool:
        return self.since <= since_version <= self.until


#: op_type -> handlers (disjoint version ranges).
OPS: dict[str, list[OnnxOp]] = {}

#: Standard-domain operators WebNN cannot express exactly, with the reason (checked first).
REFUSED_OPS: dict[str, str] = {}


def onnx_op(
    op_type: str,
    *,
    since: int = 1,
    until: int = MAX_VERIFIED_OPSET,
    kind: str = "direct",
    refuses: dict[str, str] | None = None,
    note: str = "",
) -> Callable[[Callable], Callable]:
    """Register ``fn`` as the handler of ``op_type`` for schema versions ``since..until``."""
    if kind not in ("direct", "decomposition"):
        raise ValueError(f"onnx_op({op_type}): kind must be 'direct' or 'decomposition'")

    def register(fn: Callable) -> Callable:
        handlers = OPS.setdefault(op_type, [])
        for h in handlers:
            if h.since <= until and since <= h.until:
                raise RuntimeError(f"ONNX handler for {op_type} versions {since}..{until} overlaps {h.since}..{h.until}")
        handlers.append(OnnxOp(op_type, fn, since, until, kind, dict(refuses or {}), note))
        return fn

    return register


def refuse_op(op_type: str, reason: str) -> None:
    """Declare that ``op_type`` cannot be expressed in WebNN, and why."""
    if op_type in OPS:
        raise RuntimeError(f"{op_type} has a handler and a refusal")
    REFUSED_OPS[op_type] = reason


def handler_for(op_type: str, since_version: int) -> OnnxOp | None:
    for h in OPS.get(op_type, ()):
        if h.covers(since_version):
            return h
    return None


def load_ops() -> dict[str, list[OnnxOp]]:
    """Every registered handler by ONNX operator name (``webnn.onnx`` imports ``webnn.onnx.ops``,
    whose modules register them, when the package is imported)."""
    return OPS
