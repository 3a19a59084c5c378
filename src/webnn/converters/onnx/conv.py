"""ONNX rules for conv2d and conv_transpose2d.

ONNX Conv / ConvTranspose take NCHW inputs and OIHW / IOHW filters: other layouts are
transposed in and out. WebNN padding [beginH, endH, beginW, endW] becomes ONNX pads
[beginH, beginW, endH, endW]. conv_transpose2d always gets explicit pads and
output_padding (derived from output_sizes by the op definition), never ONNX's
output_shape attribute, so ONNX never chooses the padding split itself.
"""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule

NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]

# Permutations bringing each filter layout to ONNX's layout (Conv: OIHW, ConvTranspose: IOHW).
CONV2D_FILTER_TO_OIHW = {"oihw": None, "hwio": [3, 2, 0, 1], "ohwi": [0, 3, 1, 2], "ihwo": [3, 0, 1, 2]}
CONV_TRANSPOSE2D_FILTER_TO_IOHW = {"iohw": None, "hwoi": [3, 2, 0, 1], "ohwi": [3, 0, 1, 2]}


def onnx_pads(padding: list[int]) -> list[int]:
    """WebNN [beginH, endH, beginW, endW] -> ONNX [beginH, beginW, endH, endW]."""
    return [padding[0], padding[2], padding[1], padding[3]]


def to_nchw(e: Emitter, x: str, layout: str) -> str:
    return x if layout == "nchw" else e.node("Transpose", [x], 1, perm=NHWC_TO_NCHW)


def from_nchw(e: Emitter, y_nchw_producer, out: str, layout: str) -> None:
    """Call ``y_nchw_producer(target)`` writing NCHW into ``target``, then transpose into ``out`` if needed."""
    if layout == "nchw":
        y_nchw_producer(out)
    else:
        t = e.tmp("nchw")
        y_nchw_producer(t)
        e.node("Transpose", [t], out, perm=NCHW_TO_NHWC)


def _filter(e: Emitter, op: Operation, perm: list[int] | None) -> str:
    w = e.x(op, 1)
    return w if perm is None else e.node("Transpose", [w], 1, perm=perm)


@rule("conv2d")
def conv2d(e: Emitter, op: Operation) -> None:
    a = op.attributes
    x = to_nchw(e, e.x(op, 0), a["input_layout"])
    w = _filter(e, op, CONV2D_FILTER_TO_OIHW[a["filter_layout"]])
    kernel = list(e.xd(op, 1).shape)
    oihw = CONV2D_FILTER_TO_OIHW[a["filter_layout"]]
    if oihw is not None:
        kernel = [kernel[i] for i in oihw]

    def emit(target: str) -> None:
        e.node(
            "Conv",
            [x, w, e.x(op, 2)],
            target,
            kernel_shape=kernel[2:],
            pads=onnx_pads(a["padding"]),
            strides=a["strides"],
            dilations=a["dilations"],
            group=a["groups"],
        )

    from_nchw(e, emit, e.y(op), a["input_layout"])


@rule("conv_transpose2d")
def conv_transpose2d(e: Emitter, op: Operation) -> None:
    a = op.attributes
    x = to_nchw(e, e.x(op, 0), a["input_layout"])
    perm = CONV_TRANSPOSE2D_FILTER_TO_IOHW[a["filter_layout"]]
    w = _filter(e, op, perm)
    kernel = list(e.xd(op, 1).shape)
    if perm is not None:
        kernel = [kernel[i] for i in perm]

    def emit(target: str) -> None:
        e.node(
            "ConvTranspose",
            [x, w, e.x(op, 2)],
            target,
            kernel_shape=kernel[2:],
            pads=onnx_pads(a["padding"]),
            strides=a["strides"],
            dilations=a["dilations"],
            output_padding=a["output_padding"],
            group=a["groups"],
        )

    from_nchw(e, emit, e.y(op), a["input_layout"])
