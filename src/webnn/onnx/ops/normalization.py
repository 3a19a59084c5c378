"""BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization,
LpNormalization, LRN."""

from __future__ import annotations

import numpy as np

from ...operand import MLOperand
from .._importer import NodeContext
from .._registry import onnx_op
from ._common import FLOATS, need_types, prod, reshape


@onnx_op(
    "BatchNormalization",
    since=7,
    refuses={"training": "training mode (training_mode=1, spatial=0, or the running/saved statistics outputs)"},
)
def batch_normalization(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "batchNormalization")
    if n.version < 9 and int(n.attr("spatial", 1)) != 1:
        raise n.refuse("training", "spatial=0 (per-activation statistics)")
    if n.version >= 14 and int(n.attr("training_mode", 0)):
        raise n.refuse("training", "training_mode=1")
    if any(n.wants(i) for i in range(1, n.n_outputs)):
        raise n.refuse("training", "the running or saved statistics outputs are requested")
    x = n.x(0)
    params = [n.x(i) for i in range(1, 5)]
    params = [p if p.data_type == dt else n.b.cast(p, dt) for p in params]
    scale, bias, mean, var = params
    if x.rank < 2:
        raise ValueError("input must have rank >= 2")
    return n.b.batch_normalization(x, mean, var, scale=scale, bias=bias, axis=1, epsilon=float(n.attr("epsilon", 1e-5)))


@onnx_op("InstanceNormalization", since=6, note="ranks other than 4 reshaped to [N, C, spatial, 1]")
def instance_normalization(n: NodeContext) -> MLOperand:
    need_types(n, 0, FLOATS, "instanceNormalization")
    x = n.x(0)
    if x.rank < 3:
        raise ValueError("input must have rank >= 3")
    x4 = reshape(n, x, [x.shape[0], x.shape[1], prod(x.shape[2:]), 1])
    y = n.b.instance_normalization(x4, scale=n.x(1), bias=n.x(2), epsilon=float(n.attr("epsilon", 1e-5)))
    return reshape(n, y, x.shape)


def _moments(n: NodeContext, x: MLOperand, axes: list[int], eps: float) -> tuple[MLOperand, MLOperand, MLOperand]:
    """(mean, x - mean, 1 / sqrt(variance + eps)), statistics kept as size-1 dimensions."""
    b = n.b
    mean = b.reduce_mean(x, axes=axes, keep_dimensions=True)
    d = b.sub(x, mean)
    var = b.reduce_mean(b.mul(d, d), axes=axes, keep_dimensions=True)
    inv = b.reciprocal(b.sqrt(b.add(var, n.scalar(eps, x.data_type))))
    return mean, d, inv


def _broadcast_to(n: NodeContext, v: MLOperand, shape: list[int]) -> MLOperand:
    """``v`` (broadcastable to ``shape``) expanded to exactly ``shape`` (WebNN wants equal shapes)."""
    if list(v.shape) == shape:
        return v
    s = list(v.shape)
    while len(s) > len(shape) and s[0] == 1:
        s.pop(0)
    return n.b.expand(reshape(n, v, s), shape)


@onnx_op(
    "LayerNormalization",
    since=17,
    kind="direct",
    note="with the Mean / InvStdDev outputs, or a float16 input with stash_type=1: by decomposition",
)
def layer_normalization(n: NodeContext) -> list[MLOperand | None]:
    dt = need_types(n, 0, FLOATS, "layerNormalization")
    x = n.x(0)
    axis = n.axis(n.attr("axis", -1), x.rank)
    axes = list(range(axis, x.rank))
    eps = float(n.attr("epsilon", 1e-5))
    want = list(x.shape[axis:])
    scale = _broadcast_to(n, n.x(1), want)
    bias = _broadcast_to(n, n.x(2), want) if n.has(2) else None
    stash = int(n.attr("stash_type", 1))
    if stash not in (1, 10):
        raise ValueError(f"stash_type {stash} is not float or float16")
    stash_dt = "float32" if stash == 1 else "float16"
    stats = n.wants(1) or n.wants(2)
    if not stats and stash_dt == dt:
        return [n.b.layer_normalization(x, scale=scale, bias=bias, axes=axes, epsilon=eps)]
    xs = x if dt == stash_dt else n.b.cast(x, stash_dt)
    mean, d, inv = _moments(n, xs, axes, eps)
    normed = n.b.mul(d, inv)
    if stash_dt != dt:
        normed = n.b.cast(normed, dt)
    y = n.b.mul(normed, scale)
    if bias is not None:
        y = n.b.add(y, bias)
    return [y, mean if n.wants(1) else None, inv if n.wants(2) else None]


@onnx_op("GroupNormalization", since=18, kind="decomposition", note="moments over [N, groups, C / groups * spatial]; version 18 scales per group")
def group_normalization(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "reduceMean")
    x = n.x(0)
    groups = int(n.attr("num_groups"))
    N, C = x.shape[0], x.shape[1]
    if groups <= 0 or C % groups:
        raise ValueError(f"num_groups {groups} does not divide the {C} channels")
    stash_dt = "float32" if n.version < 21 or int(n.attr("stash_type", 1)) == 1 else dt
    xs = x if dt == stash_dt else n.b.cast(x, stash_dt)
    g = reshape(n, xs, [N, groups, prod(x.shape[1:]) // groups])
    _, d, inv = _moments(n, g, [2], float(n.attr("epsilon", 1e-5)))
    normed = reshape(n, n.b.mul(d, inv), x.shape)
    if stash_dt != dt:
        normed = n.b.cast(normed, dt)
    scale, bias = n.x(1), n.x(2)
    if n.version < 21:  # one scale and bias per group: repeat them over the group's channels
        scale = reshape(n, n.b.expand(reshape(n, scale, [groups, 1]), [groups, C // groups]), [C])
        bias = reshape(n, n.b.expand(reshape(n, bias, [groups, 1]), [groups, C // groups]), [C])
    shape = [1, C] + [1] * (x.rank - 2)
    return n.b.add(n.b.mul(normed, reshape(n, scale, shape)), reshape(n, bias, shape))


@onnx_op("LpNormalization", since=1, kind="decomposition", refuses={"p": "p other than 1 or 2"}, note="x / norm, 0 where the norm is 0")
def lp_normalization(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "reduceL2")
    x = n.x(0)
    p = int(n.attr("p", 2))
    if p not in (1, 2):
        raise n.refuse("p", f"p={p}")
    axis = n.axis(n.attr("axis", -1), x.rank)
    norm = (n.b.reduce_l2 if p == 2 else n.b.reduce_l1)(x, axes=[axis], keep_dimensions=True)
    zero = n.scalar(0, dt)
    return n.b.where(n.b.equal(norm, zero), zero, n.b.div(x, norm))


@onnx_op("LRN", since=1, kind="decomposition", note="sum of squares over channels by a ones-filter conv2d, then x / (bias + alpha / size * sum) ^ beta")
def lrn(n: NodeContext) -> MLOperand:
    dt = need_types(n, 0, FLOATS, "conv2d")
    x = n.x(0)
    if x.rank < 3:
        raise ValueError("input must have rank >= 3")
    size = int(n.attr("size"))
    alpha, beta, bias = float(n.attr("alpha", 1e-4)), float(n.attr("beta", 0.75)), float(n.attr("bias", 1.0))
    N, C = x.shape[0], x.shape[1]
    S = prod(x.shape[2:])
    b = n.b
    sq = reshape(n, b.mul(x, x), [N, 1, C, S])
    lo, hi = (size - 1) // 2, size - 1 - (size - 1) // 2
    ones = n.constant(np.ones((1, 1, size, 1), dtype=np.dtype(dt)))
    total = reshape(n, b.conv2d(sq, ones, padding=[lo, hi, 0, 0]), x.shape)
    denom = b.pow(b.add(n.scalar(bias, dt), b.mul(n.scalar(alpha / size, dt), total)), n.scalar(beta, dt))
    return b.div(x, denom)
