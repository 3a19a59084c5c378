"""ONNX rule for pad: ONNX Pad (modes constant, edge, reflect), the value cast by the op definition."""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule

_PAD_MODES = {"constant": "constant", "edge": "edge", "reflection": "reflect"}


@rule("pad")
def pad(e: Emitter, op: Operation) -> None:
    begin, end, mode = op.attr("beginning_padding"), op.attr("ending_padding"), op.attr("mode")
    if not any(begin) and not any(end):
        e.node("Identity", [e.x(op)], e.y(op))
        return
    inputs = [e.x(op), e.i64(list(begin) + list(end))]
    if mode == "constant":
        inputs.append(e.scalar(op.attr("value"), e.xd(op).data_type))
    e.node("Pad", inputs, e.y(op), mode=_PAD_MODES[mode])
