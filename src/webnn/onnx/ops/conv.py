"""Conv and ConvTranspose (2-D directly, 1-D through a height-1 2-D convolution)."""

from __future__ import annotations

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, need_types, reshape, spatial_pads, webnn_padding

RANK = {"rank": "an input of rank other than 3 or 4 (WebNN has 2-D convolutions only)"}


def _geometry(n: NodeContext, x: MLOperand, w: MLOperand) -> tuple[list[int], list[int], list[int], list[int]]:
    k = x.rank - 2
    if x.rank not in (3, 4):
        raise n.refuse("rank", f"{n.op_type} on an input of rank {x.rank}")
    kernel = [int(d) for d in (n.attr("kernel_shape") or w.shape[2:])]
    if list(kernel) != list(w.shape[2:]):
        raise ValueError(f"kernel_shape {kernel} does not match the weight's spatial shape {list(w.shape[2:])}")
    strides = [int(s) for s in (n.attr("strides") or [1] * k)]
    dilations = [int(d) for d in (n.attr("dilations") or [1] * k)]
    return list(x.shape[2:]), kernel, strides, dilations


def _to_2d(n: NodeContext, x: MLOperand, w: MLOperand) -> tuple[MLOperand, MLOperand]:
    if x.rank == 3:
        x = reshape(n, x, [x.shape[0], x.shape[1], 1, x.shape[2]])
        w = reshape(n, w, [w.shape[0], w.shape[1], 1, w.shape[2]])
    return x, w


def _pair(values: list[int], fill: int) -> list[int]:
    return [fill] + values if len(values) == 1 else values


@onnx_op("Conv", since=1, refuses=RANK, note="auto_pad resolved to explicit padding; 1-D as 2-D with height 1")
def conv(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "conv2d")
    x, w = n.x(0), n.x(1)
    in_sizes, kernel, strides, dilations = _geometry(n, x, w)
    pads = spatial_pads(n, in_sizes, kernel, strides, dilations)
    rank = x.rank
    x2, w2 = _to_2d(n, x, w)
    if rank == 3:
        pads, strides, dilations = [(0, 0)] + pads, [1] + strides, [1] + dilations
    y = n.b.conv2d(x2, w2, padding=webnn_padding(pads), strides=strides, dilations=dilations,
                   groups=int(n.attr("group", 1)), bias=n.opt(2))
    if rank == 3:
        y = reshape(n, y, [y.shape[0], y.shape[1], y.shape[3]])
    return y


@onnx_op(
    "ConvTranspose",
    since=1,
    refuses={**RANK, "output_shape": "an output_shape WebNN's outputSizes cannot reach (more than stride - 1 past the computed size)"},
    note="output_shape / auto_pad resolved to padding and outputSizes; 1-D as 2-D with height 1",
)
def conv_transpose(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "convTranspose2d")
    x, w = n.x(0), n.x(1)
    in_sizes, kernel, strides, dilations = _geometry(n, x, w)
    k = len(in_sizes)
    out_pad: list[int] | None = [int(v) for v in (n.attr("output_padding") or [0] * k)]
    output_shape = n.attr("output_shape")
    auto = n.attr("auto_pad", "NOTSET")
    if output_shape is not None and len(output_shape) == k + 2:
        output_shape = list(output_shape[2:])
    if output_shape is None and auto in ("SAME_UPPER", "SAME_LOWER"):
        output_shape = [in_sizes[i] * strides[i] for i in range(k)]
    sizes = None
    if output_shape is not None:
        pads = []
        assert out_pad is not None
        for i in range(k):
            total = strides[i] * (in_sizes[i] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1 - int(output_shape[i])
            if total < 0:
                pads.append((0, 0))
            elif auto == "SAME_UPPER":
                pads.append((total // 2, total - total // 2))
            else:
                pads.append((total - total // 2, total // 2))
        sizes = [int(s) for s in output_shape]
        for i in range(k):
            natural = strides[i] * (in_sizes[i] - 1) + (kernel[i] - 1) * dilations[i] + 1 - sum(pads[i])
            if not natural <= sizes[i] < natural + strides[i]:
                raise n.refuse("output_shape", f"output_shape {sizes} (computed size {natural} on spatial axis {i}, stride {strides[i]})")
        out_pad = None
    elif auto == "VALID":
        pads = [(0, 0)] * k
    else:
        pads = spatial_pads(n, in_sizes, kernel, strides, dilations)
    rank = x.rank
    x2, w2 = _to_2d(n, x, w)
    if rank == 3:
        pads, strides, dilations = [(0, 0)] + pads, [1] + strides, [1] + dilations
        if sizes is not None:
            sizes = [1] + sizes
        if out_pad is not None:
            out_pad = [0] + out_pad
    y = n.b.conv_transpose2d(
        x2, w2, padding=webnn_padding(pads), strides=strides, dilations=dilations,
        output_padding=out_pad, output_sizes=sizes, groups=int(n.attr("group", 1)), bias=n.opt(2),
    )
    if rank == 3:
        y = reshape(n, y, [y.shape[0], y.shape[1], y.shape[3]])
    return y
