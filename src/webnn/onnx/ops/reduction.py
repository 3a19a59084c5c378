"""Reduce* operators (axes as an attribute before opset 13 / 18, as a known input after)."""

from __future__ import annotations

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, need_types

NUMERIC = FLOATS + ("int32", "uint32", "int64", "uint64")
ANY = NUMERIC + ("int8", "uint8")

#: ONNX op -> (WebNN op, the version whose axes became an input, WebNN's allowed types)
REDUCTIONS = {
    "ReduceSum": ("reduce_sum", 13, NUMERIC),
    "ReduceMean": ("reduce_mean", 18, FLOATS),
    "ReduceMax": ("reduce_max", 18, ANY),
    "ReduceMin": ("reduce_min", 18, ANY),
    "ReduceProd": ("reduce_product", 18, NUMERIC),
    "ReduceL1": ("reduce_l1", 18, NUMERIC),
    "ReduceL2": ("reduce_l2", 18, FLOATS),
    "ReduceLogSum": ("reduce_log_sum", 18, FLOATS),
    "ReduceLogSumExp": ("reduce_log_sum_exp", 18, FLOATS),
    "ReduceSumSquare": ("reduce_sum_square", 18, NUMERIC),
}


def _make(onnx_name: str, webnn_op: str, axes_input: int, types: tuple[str, ...]):
    def handler(n: NodeContext) -> MLOperand:
        need_types(n, 0, types, webnn_op)
        x = n.x(0)
        keep = bool(n.attr("keepdims", 1))
        if n.version >= axes_input:
            axes = n.ints(1, "axes") if n.has(1) else []
            if not axes and int(n.attr("noop_with_empty_axes", 0)):
                return n.b.identity(x)
        else:
            axes = [int(a) for a in (n.attr("axes") or [])]
        axes = n.axes(axes, x.rank) if axes else list(range(x.rank))
        return getattr(n.b, webnn_op)(x, axes=axes, keep_dimensions=keep)

    handler.__name__ = webnn_op
    return handler


for _onnx, (_webnn, _since_input, _types) in REDUCTIONS.items():
    onnx_op(_onnx, since=1)(_make(_onnx, _webnn, _since_input, _types))
