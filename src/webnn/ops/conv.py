"""Convolutions: conv2d, conv_transpose2d (spec sections "conv2d" and "convTranspose2d")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import L, Node, invalid, op
from ._util import INT32_MAX, desc, enum, uint, uints

CONV_LIMITS: dict[str, Any] = dict(
    input=L(FLOAT_TYPES, 4),
    filter=L("same:input", 4),
    bias=L("same:input", 1),
    output=L("same:input", 4),
)

INPUT_LAYOUTS = ("nchw", "nhwc")
CONV2D_FILTER_LAYOUTS = ("oihw", "hwio", "ohwi", "ihwo")
CONV_TRANSPOSE2D_FILTER_LAYOUTS = ("iohw", "hwoi", "ohwi")


def permutation(src: str, dst: str) -> list[int]:
    """The transpose permutation taking a tensor in layout ``src`` to layout ``dst`` (layouts
    name their dimensions by letter): ``permutation("nhwc", "nchw") == [0, 3, 1, 2]``."""
    return [src.index(d) for d in dst]


NHWC_TO_NCHW = permutation("nhwc", "nchw")
NCHW_TO_NHWC = permutation("nchw", "nhwc")


def list_option(value: Any, arg: str, length: int, default: list[int], *, positive: bool = False) -> list[int]:
    """A sequence<[EnforceRange] unsigned long> option of a fixed length (``default`` when absent)."""
    if value is None:
        return list(default)
    out = uints(value, arg)
    if len(out) != length:
        raise invalid(arg, f"expected a list of {length} values, got {len(out)} ({out})")
    if positive and any(v == 0 for v in out):
        raise invalid(arg, f"values must be greater than 0, got {out}")
    return out


def split_input(shape: Sequence[int], layout: str) -> tuple[int, int, int, int]:
    """(batches, channels, height, width) of a 4-D input in ``layout``."""
    if layout == "nchw":
        n, c, h, w = shape
    else:
        n, h, w, c = shape
    return n, c, h, w


def join_output(n: int, c: int, h: int, w: int, layout: str) -> list[int]:
    return [n, c, h, w] if layout == "nchw" else [n, h, w, c]


def valid_dimension(value: int, arg: str, what: str) -> int:
    if not 0 < value <= INT32_MAX:
        raise invalid(arg, f"{what} {value} is not a valid dimension (an integer in [1, {INT32_MAX}])")
    return value


def conv_output_size(in_size: int, filter_size: int, begin: int, end: int, stride: int, dilation: int) -> tuple[int, int]:
    """The spec's "calculate conv output size" as an exact fraction ``(numerator, stride)``:
    outputSize = numerator / stride + 1 with numerator = inputSize - effectiveFilterSize + padding."""
    effective = (filter_size - 1) * dilation + 1
    return in_size - effective + begin + end, stride


def _window_options(padding: Any, strides: Any, dilations: Any) -> dict[str, list[int]]:
    """The convolutions' ``padding`` [beginHeight, endHeight, beginWidth, endWidth], ``strides``, ``dilations``."""
    return dict(
        padding=list_option(padding, "padding", 4, [0, 0, 0, 0]),
        strides=list_option(strides, "strides", 2, [1, 1], positive=True),
        dilations=list_option(dilations, "dilations", 2, [1, 1], positive=True),
    )


def _layout_options(
    input: MLOperand, filter: MLOperand, groups: Any, input_layout: Any, filter_layout: Any, filter_layouts: tuple[str, ...]
) -> tuple[dict[str, Any], tuple[int, int, int, int], dict[str, int]]:
    """The convolutions' ``groups`` (> 0), ``input_layout`` and ``filter_layout`` (one of
    ``filter_layouts``) as attributes; the input's (batches, channels, height, width) and the
    filter's dimensions by layout letter (``"o"``, ``"i"``, ``"h"``, ``"w"``)."""
    g = uint(groups, "groups")
    if g == 0:
        raise invalid("groups", "must be greater than 0, got 0")
    attrs: dict[str, Any] = dict(
        groups=g,
        input_layout=enum(input_layout, "input_layout", INPUT_LAYOUTS),
        filter_layout=enum(filter_layout, "filter_layout", filter_layouts),
    )
    return attrs, split_input(input.shape, attrs["input_layout"]), dict(zip(attrs["filter_layout"], filter.shape, strict=True))


@op(**CONV_LIMITS)
def conv2d(
    input: MLOperand,
    filter: MLOperand,
    *,
    padding: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    groups: int = 1,
    input_layout: str = "nchw",
    filter_layout: str = "oihw",
    bias: MLOperand | None = None,
) -> Node:
    """2-D convolution; padding is [beginHeight, endHeight, beginWidth, endWidth]."""
    window = _window_options(padding, strides, dilations)
    padding, strides, dilations = window["padding"], window["strides"], window["dilations"]
    layouts, (batches, in_channels, in_h, in_w), f = _layout_options(input, filter, groups, input_layout, filter_layout, CONV2D_FILTER_LAYOUTS)
    groups, input_layout = layouts["groups"], layouts["input_layout"]
    out_channels, f_in, f_h, f_w = f["o"], f["i"], f["h"], f["w"]
    if in_channels % groups != 0:
        raise invalid("groups", f"input channels {in_channels} are not divisible by groups {groups}")
    if in_channels // groups != f_in:
        raise invalid(
            "filter",
            f"filter input channels {f_in} (layout {layouts['filter_layout']}, shape {list(filter.shape)}) must equal "
            f"input channels / groups = {in_channels}/{groups} = {in_channels // groups}",
        )
    # Not a spec step, but grouped convolution is undefined otherwise (ONNX Conv requires it).
    if out_channels % groups != 0:
        raise invalid("groups", f"filter output channels {out_channels} are not divisible by groups {groups}")
    if bias is not None and list(bias.shape) != [out_channels]:
        raise invalid("bias", f"expected shape [{out_channels}] (output channels), got {list(bias.shape)}")

    num_h, s_h = conv_output_size(in_h, f_h, padding[0], padding[1], strides[0], dilations[0])
    num_w, s_w = conv_output_size(in_w, f_w, padding[2], padding[3], strides[1], dilations[1])
    out_h = valid_dimension(num_h // s_h + 1, "output", "output height")
    out_w = valid_dimension(num_w // s_w + 1, "output", "output width")
    out = desc(input.data_type, join_output(batches, out_channels, out_h, out_w, input_layout))
    return Node(out, {**window, **layouts})


@op(**CONV_LIMITS)
def conv_transpose2d(
    input: MLOperand,
    filter: MLOperand,
    *,
    padding: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
    output_padding: Sequence[int] | None = None,
    output_sizes: Sequence[int] | None = None,
    groups: int = 1,
    input_layout: str = "nchw",
    filter_layout: str = "iohw",
    bias: MLOperand | None = None,
) -> Node:
    """2-D transposed convolution; ``output_sizes`` (when given) overrides ``output_padding``."""
    window = _window_options(padding, strides, dilations)
    padding, strides, dilations = window["padding"], window["strides"], window["dilations"]
    output_padding = list_option(output_padding, "output_padding", 2, [0, 0])
    if output_sizes is not None:
        output_sizes = list_option(output_sizes, "output_sizes", 2, [])
    elif output_padding[0] >= strides[0] or output_padding[1] >= strides[1]:
        raise invalid("output_padding", f"each value must be smaller than the stride {strides}, got {output_padding}")
    layouts, (batches, in_channels, in_h, in_w), f = _layout_options(
        input, filter, groups, input_layout, filter_layout, CONV_TRANSPOSE2D_FILTER_LAYOUTS
    )
    groups, input_layout = layouts["groups"], layouts["input_layout"]
    f_out, f_in, f_h, f_w = f["o"], f["i"], f["h"], f["w"]
    if in_channels != f_in:
        raise invalid(
            "filter", f"filter input channels {f_in} (layout {layouts['filter_layout']}, shape {list(filter.shape)}) must equal input channels {in_channels}"
        )
    # Not a spec step, but each group needs whole input channels (ONNX ConvTranspose requires it).
    if in_channels % groups != 0:
        raise invalid("groups", f"input channels {in_channels} are not divisible by groups {groups}")
    out_channels = valid_dimension(f_out * groups, "groups", "output channels (filter output channels * groups)")
    if bias is not None and list(bias.shape) != [out_channels]:
        raise invalid("bias", f"expected shape [{out_channels}] (output channels), got {list(bias.shape)}")

    def calc(in_size: int, f: int, begin: int, end: int, stride: int, dilation: int) -> int:
        return (in_size - 1) * stride + (f - 1) * dilation + 1 - begin - end

    calc_h = calc(in_h, f_h, padding[0], padding[1], strides[0], dilations[0])
    calc_w = calc(in_w, f_w, padding[2], padding[3], strides[1], dilations[1])
    if output_sizes is not None:
        out_h, out_w = output_sizes
        if out_h < calc_h or out_h >= calc_h + strides[0]:
            raise invalid("output_sizes", f"height {out_h} must be in [{calc_h}, {calc_h + strides[0]}) for these options")
        if out_w < calc_w or out_w >= calc_w + strides[1]:
            raise invalid("output_sizes", f"width {out_w} must be in [{calc_w}, {calc_w + strides[1]}) for these options")
    else:
        out_h = calc_h + output_padding[0]
        out_w = calc_w + output_padding[1]
    valid_dimension(out_h, "output", "output height")
    valid_dimension(out_w, "output", "output width")
    out = desc(input.data_type, join_output(batches, out_channels, out_h, out_w, input_layout))
    # output_padding: the effective one (derived from output_sizes when given).
    sizes = dict(output_padding=[out_h - calc_h, out_w - calc_w], output_sizes=None if output_sizes is None else list(output_sizes))
    return Node(out, {**window, **sizes, **layouts})
