"""ONNX rules for conv2d and conv_transpose2d.

ONNX Conv / ConvTranspose take NCHW inputs and OIHW / IOHW filters: other layouts are
transposed in and out. WebNN padding [beginH, endH, beginW, endW] becomes ONNX pads
[beginH, beginW, endH, endW]. conv_transpose2d always gets explicit pads and
output_padding (derived from output_sizes by the op definition), never ONNX's
output_shape attribute, so ONNX never chooses the padding split itself.
"""

from __future__ import annotations

from collections.abc import Callable

from ...graph import Operation
from ...ops.conv import NCHW_TO_NHWC, NHWC_TO_NCHW, permutation
from . import Emitter, rule

#: WebNN op -> (ONNX op, the filter layout it takes).
_ONNX = {"conv2d": ("Conv", "oihw"), "conv_transpose2d": ("ConvTranspose", "iohw")}


def onnx_pads(padding: list[int]) -> list[int]:
    """WebNN [beginH, endH, beginW, endW] -> ONNX [beginH, beginW, endH, endW]."""
    return [padding[0], padding[2], padding[1], padding[3]]


def to_nchw(e: Emitter, x: str, layout: str) -> str:
    return x if layout == "nchw" else e.node("Transpose", [x], 1, perm=NHWC_TO_NCHW)


def from_nchw(e: Emitter, y_nchw_producer: Callable[[str], None], out: str, layout: str) -> None:
    """Call ``y_nchw_producer(target)`` writing NCHW into ``target``, then transpose into ``out`` if needed."""
    if layout == "nchw":
        y_nchw_producer(out)
    else:
        t = e.tmp("nchw")
        y_nchw_producer(t)
        e.node("Transpose", [t], out, perm=NCHW_TO_NHWC)


@rule(*_ONNX)
def conv(e: Emitter, op: Operation) -> None:
    onnx_op, onnx_layout = _ONNX[op.type]
    layout = op.attr("input_layout")
    x = to_nchw(e, e.x(op), layout)
    w = e.x(op, "filter")
    kernel = list(e.xd(op, "filter").shape)
    if op.attr("filter_layout") != onnx_layout:
        perm = permutation(op.attr("filter_layout"), onnx_layout)
        w = e.node("Transpose", [w], 1, perm=perm)
        kernel = [kernel[i] for i in perm]
    attrs = dict(
        kernel_shape=kernel[2:],
        pads=onnx_pads(op.attr("padding")),
        strides=op.attr("strides"),
        dilations=op.attr("dilations"),
    )
    if op.type == "conv_transpose2d":
        attrs["output_padding"] = op.attr("output_padding")
    attrs["group"] = op.attr("groups")

    def emit(target: str) -> None:
        e.node(onnx_op, [x, w, e.x_opt(op, "bias")], target, **attrs)

    from_nchw(e, emit, e.y(op), layout)
