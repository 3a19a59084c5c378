"""MaxPool, AveragePool, LpPool and the global pools."""

from __future__ import annotations

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, need_types, reshape, spatial_pads, webnn_padding

POOL_REFUSES = {"rank": "an input of rank other than 3 or 4 (WebNN has 2-D pooling only)"}


def _onnx_out_size(in_size: int, k: int, s: int, d: int, begin: int, end: int, ceil: bool) -> int:
    """ONNX's output size (ceil mode drops a last window that would start in the end padding)."""
    eff = (k - 1) * d + 1
    num = in_size + begin + end - eff
    if not ceil:
        return num // s + 1
    out = -(-num // s) + 1
    if (out - 1) * s >= in_size + begin:
        out -= 1
    return out


def _pool(n: NodeContext, op: str, types: tuple[str, ...]) -> MLOperand:
    need_types(n, 0, types, op)
    x = n.x(0)
    if x.rank not in (3, 4):
        raise n.refuse("rank", f"{n.op_type} on an input of rank {x.rank}")
    k = x.rank - 2
    kernel = [int(v) for v in n.attr("kernel_shape")]
    strides = [int(v) for v in (n.attr("strides") or [1] * k)]
    dilations = [int(v) for v in (n.attr("dilations") or [1] * k)]
    in_sizes = list(x.shape[2:])
    pads = spatial_pads(n, in_sizes, kernel, strides, dilations)
    ceil = bool(n.attr("ceil_mode", 0))
    out = [_onnx_out_size(in_sizes[i], kernel[i], strides[i], dilations[i], *pads[i], ceil) for i in range(k)]
    if n.op_type == "AveragePool" and int(n.attr("count_include_pad", 0)):
        # Count the padding: pad explicitly with zeros and pool over the padded tensor.
        if any(p != (0, 0) for p in pads):
            begin = [0, 0] + [p[0] for p in pads]
            end = [0, 0] + [p[1] for p in pads]
            x = n.b.pad(x, begin, end, mode="constant", value=0)
            in_sizes = list(x.shape[2:])
            pads = [(0, 0)] * k
        for i in range(k):
            if (out[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 > in_sizes[i]:
                raise n.refuse("ceil_count_pad", f"ceil_mode=1 with count_include_pad=1 and a last window past the padding (axis {i})")
    if k == 1:
        x = reshape(n, x, [x.shape[0], x.shape[1], 1, x.shape[2]])
        kernel, strides, dilations, pads, out = [1] + kernel, [1] + strides, [1] + dilations, [(0, 0)] + pads, [1] + out
    y = getattr(n.b, op)(
        x, window_dimensions=kernel, padding=webnn_padding(pads), strides=strides, dilations=dilations, output_sizes=out,
    )
    if k == 1:
        y = reshape(n, y, [y.shape[0], y.shape[1], y.shape[3]])
    return y


@onnx_op("MaxPool", since=1, refuses={**POOL_REFUSES, "indices": "the Indices output"}, note="ceil_mode and auto_pad resolved to outputSizes and padding")
def max_pool(n: NodeContext) -> MLOperand:
    if n.wants(1):
        raise n.refuse("indices", "the Indices output of MaxPool is requested")
    return _pool(n, "max_pool2d", FLOATS + ("int8", "uint8"))


@onnx_op(
    "AveragePool",
    since=1,
    refuses={**POOL_REFUSES, "ceil_count_pad": "ceil_mode=1 with count_include_pad=1 where a last window passes the padding"},
    note="count_include_pad=1: explicit zero padding, then pooling without padding",
)
def average_pool(n: NodeContext) -> MLOperand:
    return _pool(n, "average_pool2d", FLOATS)


@onnx_op("LpPool", since=2, refuses={**POOL_REFUSES, "p": "p other than 2 (WebNN has l2Pool2d only)"})
def lp_pool(n: NodeContext) -> MLOperand:
    p = int(n.attr("p", 2))
    if p != 2:
        raise n.refuse("p", f"p={p}")
    return _pool(n, "l2_pool2d", FLOATS)


def _global(n: NodeContext, op: str, types: tuple[str, ...], pool: str | None = None) -> MLOperand:
    need_types(n, 0, types, op)
    x = n.x(0)
    if x.rank < 3:
        raise ValueError(f"input must have rank >= 3, got {x.rank}")
    if pool is not None and x.rank == 4:
        return getattr(n.b, pool)(x)  # the window defaults to the whole spatial extent
    return getattr(n.b, op)(x, axes=list(range(2, x.rank)), keep_dimensions=True)


@onnx_op("GlobalAveragePool", since=1, note="4-D: averagePool2d over the whole extent; other ranks: reduceMean")
def global_average_pool(n: NodeContext) -> MLOperand:
    return _global(n, "reduce_mean", FLOATS, "average_pool2d")


@onnx_op("GlobalMaxPool", since=1, note="4-D: maxPool2d over the whole extent; other ranks: reduceMax")
def global_max_pool(n: NodeContext) -> MLOperand:
    return _global(n, "reduce_max", FLOATS, "max_pool2d")


@onnx_op("GlobalLpPool", since=2, refuses={"p": "p other than 1 or 2"})
def global_lp_pool(n: NodeContext) -> MLOperand:
    p = int(n.attr("p", 2))
    if p not in (1, 2):
        raise n.refuse("p", f"p={p}")
    return _global(n, "reduce_l2" if p == 2 else "reduce_l1", FLOATS)
