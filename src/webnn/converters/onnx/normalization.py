"""ONNX rules for normalizations.

- batchNormalization: the spec's formula ``(x - mean) / sqrt(variance + epsilon) * scale + bias``
  with mean/variance/scale/bias reshaped to ``[C, 1, ...]`` to broadcast along ``axis``. (ONNX
  BatchNormalization folds the arithmetic in ONNX Runtime and misses WPT's 6-ULP tolerance.)
  float16 computes in float32 and rounds once.
- instanceNormalization: ONNX InstanceNormalization is NCHW-only; "nhwc" transposes in and out.
- layerNormalization: ONNX LayerNormalization normalises the trailing dimensions from ``axis``,
  with scale/bias shaped like them. Arbitrary (unordered, non-trailing) axes are handled by
  transposing the input so the non-reduced dimensions come first and the reduced ones last, in
  the order of ``axes`` (which is the order of scale's and bias's dimensions), and back.
  Empty axes (nothing reduced, so mean = x and variance = 0) follow the spec's formula
  directly: ``(x - x) / sqrt(epsilon) * scale + bias``.
"""

from __future__ import annotations

import numpy as np

from ...graph import Operation
from . import Emitter, rule


@rule("batch_normalization")
def batch_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    dt, rank = xd.data_type, xd.rank
    axis = int(op.attr("axis"))
    trailing = rank - 1 - axis
    # float16 computes in float32 and rounds once: four float16 roundings in a row (with the
    # cancellation of "+ bias") drift past WPT's 6-ULP tolerance.
    ct = "float32" if dt == "float16" else dt
    eps = e.scalar(op.attr("epsilon"), ct)

    def operand(name: str) -> str:
        return e.x(op, name) if ct == dt else e.cast(e.x(op, name), ct)

    def per_channel(name: str) -> str:
        t = operand(name)
        return t if trailing == 0 else e.node("Reshape", [t, e.i64([xd.shape[axis]] + [1] * trailing)])

    mean, variance = per_channel("mean"), per_channel("variance")
    std = e.node("Sqrt", [e.node("Add", [variance, eps])])
    steps = [("Sub", mean), ("Div", std)]
    if e.x_opt(op, "scale") is not None:
        steps.append(("Mul", per_channel("scale")))
    if e.x_opt(op, "bias") is not None:
        steps.append(("Add", per_channel("bias")))
    y = operand("input")
    for i, (kind, other) in enumerate(steps):
        last = i == len(steps) - 1
        y = e.node(kind, [y, other], e.y(op) if last and ct == dt else 1)
    if ct != dt:
        e.cast(y, dt, e.y(op))


@rule("instance_normalization")
def instance_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    dt, shape = xd.data_type, list(xd.shape)
    nhwc = op.attr("layout") == "nhwc"
    c = shape[3] if nhwc else shape[1]
    scale = e.x_opt(op, "scale") or e.const(np.ones([c], dt))
    bias = e.x_opt(op, "bias") or e.const(np.zeros([c], dt))
    eps = float(op.attr("epsilon"))
    if nhwc:
        x = e.node("Transpose", [e.x(op)], perm=[0, 3, 1, 2])
        y = e.node("InstanceNormalization", [x, scale, bias], epsilon=eps)
        e.node("Transpose", [y], e.y(op), perm=[0, 2, 3, 1])
    else:
        e.node("InstanceNormalization", [e.x(op), scale, bias], e.y(op), epsilon=eps)


@rule("layer_normalization")
def layer_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op)
    dt, shape = xd.data_type, list(xd.shape)
    axes = [int(a) for a in op.attr("axes")]
    eps = float(op.attr("epsilon"))
    x, scale, bias = e.x(op), e.x_opt(op, "scale"), e.x_opt(op, "bias")
    if not axes:
        std = np.sqrt(np.array(eps, dtype=dt)).astype(dt)  # sqrt(variance + epsilon), variance = 0
        steps = [("Sub", x), ("Div", e.const(std))]
        if scale is not None:
            steps.append(("Mul", scale))
        if bias is not None:
            steps.append(("Add", bias))
        y = x
        for i, (kind, other) in enumerate(steps):
            y = e.node(kind, [y, other], e.y(op) if i == len(steps) - 1 else 1)
        return
    rank = len(shape)
    perm = [i for i in range(rank) if i not in axes] + axes
    if scale is None:
        scale = e.const(np.ones([shape[a] for a in axes], dt))
    first = rank - len(axes)
    if perm == list(range(rank)):
        e.node("LayerNormalization", [x, scale, bias], e.y(op), axis=first, epsilon=eps)
        return
    inverse = [perm.index(i) for i in range(rank)]
    t = e.node("Transpose", [x], perm=perm)
    y = e.node("LayerNormalization", [t, scale, bias], 1, axis=first, epsilon=eps)
    e.node("Transpose", [y], e.y(op), perm=inverse)
