"""ONNX rules for normalizations.

- batchNormalization: the spec's formula ``(x - mean) / sqrt(variance + epsilon) * scale + bias``
  with mean/variance/scale/bias reshaped to ``[C, 1, ...]`` to broadcast along ``axis``. (ONNX
  BatchNormalization folds the arithmetic in ONNX Runtime and misses WPT's 6-ULP tolerance.)
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
    xd = e.xd(op, 0)
    dt, rank = xd.data_type, xd.rank
    axis = int(op.attributes["axis"])
    trailing = rank - 1 - axis
    eps = e.scalar(op.attributes["epsilon"], dt)

    def per_channel(name: str) -> str:
        return name if trailing == 0 else e.node("Reshape", [name, e.i64([xd.shape[axis]] + [1] * trailing)])

    mean, variance = per_channel(e.x(op, 1)), per_channel(e.x(op, 2))
    std = e.node("Sqrt", [e.node("Add", [variance, eps])])
    steps = [("Sub", mean), ("Div", std)]
    if e.x(op, 3) is not None:
        steps.append(("Mul", per_channel(e.x(op, 3))))
    if e.x(op, 4) is not None:
        steps.append(("Add", per_channel(e.x(op, 4))))
    y = e.x(op, 0)
    for i, (kind, other) in enumerate(steps):
        y = e.node(kind, [y, other], e.y(op) if i == len(steps) - 1 else 1)


@rule("instance_normalization")
def instance_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op, 0)
    dt, shape = xd.data_type, list(xd.shape)
    nhwc = op.attributes["layout"] == "nhwc"
    c = shape[3] if nhwc else shape[1]
    scale = e.x(op, 1) or e.const(np.ones([c], dt))
    bias = e.x(op, 2) or e.const(np.zeros([c], dt))
    eps = float(op.attributes["epsilon"])
    if nhwc:
        x = e.node("Transpose", [e.x(op, 0)], perm=[0, 3, 1, 2])
        y = e.node("InstanceNormalization", [x, scale, bias], epsilon=eps)
        e.node("Transpose", [y], e.y(op), perm=[0, 2, 3, 1])
    else:
        e.node("InstanceNormalization", [e.x(op, 0), scale, bias], e.y(op), epsilon=eps)


@rule("layer_normalization")
def layer_normalization(e: Emitter, op: Operation) -> None:
    xd = e.xd(op, 0)
    dt, shape = xd.data_type, list(xd.shape)
    axes = [int(a) for a in op.attributes["axes"]]
    eps = float(op.attributes["epsilon"])
    x, scale, bias = e.x(op, 0), e.x(op, 1), e.x(op, 2)
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
