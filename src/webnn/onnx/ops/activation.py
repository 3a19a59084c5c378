"""Activations and softmax-like operators."""

from __future__ import annotations

import math

import numpy as np

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, iota, need_types, prod, reshape


@onnx_op("Elu", since=6)
def elu(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "elu")
    return n.b.elu(n.x(0), alpha=float(n.attr("alpha", 1.0)))


@onnx_op("Selu", since=6, kind="decomposition", note="gamma * elu(x, alpha)")
def selu(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "elu")
    alpha, gamma = float(n.attr("alpha")), float(n.attr("gamma"))
    return n.b.mul(n.b.elu(n.x(0), alpha=alpha), n.scalar(gamma, dt))


@onnx_op("Celu", since=12, kind="decomposition", note="where(x > 0, x, alpha * elu(x / alpha))")
def celu(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "elu")
    x = n.x(0)
    alpha = n.scalar(float(n.attr("alpha", 1.0)), dt)
    neg = n.b.mul(alpha, n.b.elu(n.b.div(x, alpha)))
    return n.b.where(n.b.greater(x, n.scalar(0, dt)), x, neg)


@onnx_op("LeakyRelu", since=6)
def leaky_relu(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "leakyRelu")
    return n.b.leaky_relu(n.x(0), alpha=float(n.attr("alpha", 0.01)))


@onnx_op("HardSigmoid", since=6)
def hard_sigmoid(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "hardSigmoid")
    return n.b.hard_sigmoid(n.x(0), alpha=float(n.attr("alpha", 0.2)), beta=float(n.attr("beta", 0.5)))


@onnx_op("HardSwish", since=14)
def hard_swish(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "hardSwish")
    return n.b.hard_swish(n.x(0))


@onnx_op("ThresholdedRelu", since=10, kind="decomposition", note="where(x > alpha, x, 0)")
def thresholded_relu(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "where")
    x = n.x(0)
    return n.b.where(n.b.greater(x, n.scalar(float(n.attr("alpha", 1.0)), dt)), x, n.scalar(0, dt))


@onnx_op("Gelu", since=20, refuses={"approximate": "an approximate value other than 'none' or 'tanh'"}, note="approximate='tanh' by decomposition")
def gelu(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "gelu")
    x = n.x(0)
    approx = n.attr("approximate", "none")
    if approx == "none":
        return n.b.gelu(x)
    if approx != "tanh":
        raise n.refuse("approximate", f"approximate={approx!r}")
    # 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    b = n.b
    inner = b.mul(n.scalar(math.sqrt(2 / math.pi), dt), b.add(x, b.mul(n.scalar(0.044715, dt), b.mul(b.mul(x, x), x))))
    return b.mul(b.mul(n.scalar(0.5, dt), x), b.add(n.scalar(1, dt), b.tanh(inner)))


@onnx_op("Mish", since=18, kind="decomposition", note="x * tanh(softplus(x))")
def mish(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "softplus")
    x = n.x(0)
    return n.b.mul(x, n.b.tanh(n.b.softplus(x)))


@onnx_op("Swish", since=24, kind="decomposition", note="x * sigmoid(alpha * x)")
def swish(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "sigmoid")
    x = n.x(0)
    alpha = float(n.attr("alpha", 1.0))
    ax = x if alpha == 1.0 else n.b.mul(n.scalar(alpha, dt), x)
    return n.b.mul(x, n.b.sigmoid(ax))


@onnx_op("Shrink", since=9, kind="decomposition", note="where(x < -lambd, x + bias, where(x > lambd, x - bias, 0))")
def shrink(n: NodeContext) -> MLOperand:
    dt = n.dtype(0)
    if dt not in FLOATS + ("int8", "int32", "int64"):
        raise n.refuse("dtype", f"Shrink on {dt} (unsigned: x - bias would wrap)")
    x = n.x(0)
    lambd, bias = float(n.attr("lambd", 0.5)), float(n.attr("bias", 0.0))
    if dt not in FLOATS and (lambd != int(lambd) or bias != int(bias)):
        raise n.refuse("dtype", f"integer Shrink with fractional lambd {lambd} / bias {bias}")
    b = n.b
    conv = (lambda v: v) if dt in FLOATS else int
    low = b.lesser(x, n.scalar(conv(-lambd), dt))
    high = b.greater(x, n.scalar(conv(lambd), dt))
    return b.where(low, b.add(x, n.scalar(conv(bias), dt)), b.where(high, b.sub(x, n.scalar(conv(bias), dt)), n.scalar(0, dt)))


# -- softmax family ----------------------------------------------------------------------
def _coerced_2d(n: NodeContext, fn) -> MLOperand:
    """Opsets before 13: the input is viewed as 2-D [prod(shape[:axis]), prod(shape[axis:])]."""
    x = n.x(0)
    shape = list(x.shape)
    axis = n.axis(n.attr("axis", 1), max(len(shape), 1))
    flat = reshape(n, x, [prod(shape[:axis]), prod(shape[axis:])])
    return reshape(n, fn(flat, 1), shape)


def _softmax(n: NodeContext, x: MLOperand, axis: int) -> MLOperand:
    return n.b.softmax(x, axis)


def _log_softmax(n: NodeContext, x: MLOperand, axis: int) -> MLOperand:
    b = n.b
    shifted = b.sub(x, b.reduce_max(x, axes=[axis], keep_dimensions=True))
    return b.sub(shifted, b.log(b.reduce_sum(b.exp(shifted), axes=[axis], keep_dimensions=True)))


def _hardmax(n: NodeContext, x: MLOperand, axis: int) -> MLOperand:
    b = n.b
    idx = b.arg_max(x, axis, keep_dimensions=True, output_data_type="int64")  # the first maximum
    hot = b.equal(idx, iota(n, x.shape[axis], axis, x.rank))
    return b.cast(hot, x.data_type)


def _axis_op(name: str, fn, webnn_op: str, kind: str, note: str = ""):
    @onnx_op(name, since=13, kind=kind, note=note)
    def current(n: NodeContext) -> MLOperand:
        need_types(n, 0, FLOATS, webnn_op)
        x = n.x(0)
        if x.rank == 0:
            raise ValueError("input must have rank >= 1")
        return fn(n, x, n.axis(n.attr("axis", -1), x.rank))

    @onnx_op(name, since=1, until=12, kind="decomposition", note="viewed as 2-D around axis (opsets before 13)")
    def coerced(n: NodeContext) -> MLOperand:
        need_types(n, 0, FLOATS, webnn_op)
        return _coerced_2d(n, lambda flat, axis: fn(n, flat, axis))


_axis_op("Softmax", _softmax, "softmax", "direct")
_axis_op("LogSoftmax", _log_softmax, "reduceMax", "decomposition", "x - max - log(sum(exp(x - max)))")
_axis_op("Hardmax", _hardmax, "argMax", "decomposition", "one-hot of argMax (the first maximum)")


@onnx_op("Dropout", since=7, refuses={"training": "training mode (random masks)"}, note="inference: the input unchanged, the mask all true")
def dropout(n: NodeContext) -> list:
    if n.version >= 12 and n.has(2):
        if not n.is_const(2):
            raise n.refuse("dynamic", "training_mode is computed at run time")
        if bool(np.asarray(n.const(2)).reshape(-1)[0]):
            raise n.refuse("training", "training_mode=true")
    x = n.value(0)
    n.dtype(0)
    outs: list = [x]
    if n.wants(1):
        shape = list(x.shape)
        if n.version >= 10:
            outs.append(np.ones(shape, dtype=np.bool_))  # a known all-true mask
        else:
            outs.append(np.ones(shape, dtype=np.dtype(n.dtype(0))))
    return outs
