"""CoreML rules for conv2d and conv_transpose2d.

MIL ``conv`` / ``conv_transpose`` take NCHW inputs and OIHW / IOHW weights (iOS17+: weights
and bias may be any operand, not only constants): "nhwc" inputs are transposed in and out,
other filter layouts are transposed (at conversion time for constant filters). WebNN padding
[beginH, endH, beginW, endW] is MIL's custom ``pad`` [top, bottom, left, right].

conv_transpose2d's output padding (derived from ``output_sizes`` by the op definition) is
taken from the end padding; any part of it beyond the end padding lies past every input's
reach, so it is appended as zeros (``pad``) before the bias is added.
"""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from ...ops.conv import NCHW_TO_NHWC, NHWC_TO_NCHW, permutation
from ._mil import Emitter, mb, rule

#: The filter layout MIL takes for each op.
_MIL_FILTER_LAYOUT = {"conv2d": "oihw", "conv_transpose2d": "iohw"}


def to_nchw(x, layout: str):
    return x if layout == "nchw" else mb.transpose(x=x, perm=NHWC_TO_NCHW)


def from_nchw(y, layout: str):
    return y if layout == "nchw" else mb.transpose(x=y, perm=NCHW_TO_NHWC)


def filter_var(e: Emitter, op: Operation):
    """The filter in MIL's layout (a transposed constant when the filter is constant)."""
    layout, target = op.attr("filter_layout"), _MIL_FILTER_LAYOUT[op.type]
    if layout == target:
        return e.x(op, "filter")
    perm = permutation(layout, target)
    const = e.const_value(op, "filter")
    if const is not None:
        return e.const(np.ascontiguousarray(np.transpose(const, perm)), "fp32" if const.dtype == np.float32 else "fp16")
    return mb.transpose(x=e.x(op, "filter"), perm=perm)


@rule("conv2d", mil="conv (pad_type custom; nhwc and non-oihw filters transposed)")
def conv2d(e: Emitter, op: Operation) -> None:
    layout = op.attr("input_layout")
    kwargs = dict(
        x=to_nchw(e.x(op), layout),
        weight=filter_var(e, op),
        strides=list(op.attr("strides")),
        pad_type="custom",
        pad=list(op.attr("padding")),
        dilations=list(op.attr("dilations")),
        groups=op.attr("groups"),
    )
    b = e.x(op, "bias")
    if b is not None:
        kwargs["bias"] = b
    e.set(op, from_nchw(mb.conv(**kwargs), layout))


@rule("conv_transpose2d", mil="conv_transpose (pad_type custom; output padding from the end padding, the rest appended with pad); bias added")
def conv_transpose2d(e: Emitter, op: Operation) -> None:
    layout = op.attr("input_layout")
    pb_h, pe_h, pb_w, pe_w = op.attr("padding")
    op_h, op_w = op.attr("output_padding")
    pad = [pb_h, max(pe_h - op_h, 0), pb_w, max(pe_w - op_w, 0)]
    extra = [max(op_h - pe_h, 0), max(op_w - pe_w, 0)]
    y = mb.conv_transpose(
        x=to_nchw(e.x(op), layout),
        weight=filter_var(e, op),
        strides=list(op.attr("strides")),
        pad_type="custom",
        pad=pad,
        dilations=list(op.attr("dilations")),
        groups=op.attr("groups"),
    )
    if any(extra):
        y = mb.pad(x=y, pad=np.array([0, extra[0], 0, extra[1]], dtype=np.int32), mode="constant", constant_val=e.s(0, y))
    b = e.x(op, "bias")
    if b is not None:
        c = e.xd(op, "bias").shape[0]
        y = mb.add(x=y, y=mb.reshape(x=b, shape=np.array([c, 1, 1], dtype=np.int32)))
    e.set(op, from_nchw(y, layout))
