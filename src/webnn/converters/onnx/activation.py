"""ONNX rules for activations.

Direct ONNX equivalents: elu (Elu), gelu (Gelu, opset 20, exact erf form), hardSigmoid
(HardSigmoid), leakyRelu (LeakyRelu), softplus, softsign, tanh, softmax (Softmax with the
given axis). Decomposed exactly as the spec defines them: hardSwish
(``x * (clip(x + 3, 0, 6) / 6)``; ONNX HardSwish uses ``x/6 + 0.5``, which rounds differently),
linear (``x * alpha + beta``), float32 sigmoid (``1 / (exp(-x) + 1)``: ONNX Runtime's Sigmoid
kernel has large relative errors for negative inputs). Integer relu/prelu: int8 is computed in int32 (exact, and
friendlier to TensorRT), int64 relu uses Max (ONNX Runtime has no int64 Relu kernel) and
integer prelu uses ``where(x < 0, x * slope, x)`` (ONNX PRelu is float-only).
"""

from __future__ import annotations

from ...graph import Operation
from . import Emitter, rule

_DIRECT = {"softplus": "Softplus", "softsign": "Softsign", "tanh": "Tanh"}


@rule(*_DIRECT)
def direct(e: Emitter, op: Operation) -> None:
    e.node(_DIRECT[op.type], [e.x(op)], e.y(op))


@rule("sigmoid")
def sigmoid(e: Emitter, op: Operation) -> None:
    # The spec's 1 / (exp(-x) + 1). ONNX Runtime's Sigmoid kernel is accurate only in absolute
    # terms (e.g. 1.5e-7 for sigmoid(-17.4) = 2.8e-8; errors of thousands of ULP for |x| < 10).
    # float16 keeps Sigmoid: it runs in float32 there (see fp16.py), where its absolute error is
    # below float16's resolution, while exp(-x) would overflow float16 for x < -11.09.
    dt = e.xd(op).data_type
    if dt == "float16":
        e.node("Sigmoid", [e.x(op)], e.y(op))
        return
    denominator = e.node("Add", [e.node("Exp", [e.node("Neg", [e.x(op)])]), e.scalar(1, dt)])
    e.node("Reciprocal", [denominator], e.y(op))


@rule("elu")
def elu(e: Emitter, op: Operation) -> None:
    e.node("Elu", [e.x(op)], e.y(op), alpha=float(op.attributes["alpha"]))


@rule("leaky_relu")
def leaky_relu(e: Emitter, op: Operation) -> None:
    e.node("LeakyRelu", [e.x(op)], e.y(op), alpha=float(op.attributes["alpha"]))


@rule("hard_sigmoid")
def hard_sigmoid(e: Emitter, op: Operation) -> None:
    a = op.attributes
    e.node("HardSigmoid", [e.x(op)], e.y(op), alpha=float(a["alpha"]), beta=float(a["beta"]))


@rule("gelu")
def gelu(e: Emitter, op: Operation) -> None:
    e.node("Gelu", [e.x(op)], e.y(op), approximate="none")


@rule("hard_swish")
def hard_swish(e: Emitter, op: Operation) -> None:
    dt = e.xd(op).data_type
    x = e.x(op)
    clipped = e.node("Clip", [e.node("Add", [x, e.scalar(3, dt)]), e.scalar(0, dt), e.scalar(6, dt)])
    # x * (clip / 6) rather than (x * clip) / 6: same two roundings, but exact (= x) for x >= 3
    # and no overflow of x * 6 (float16 x > 10922 would become Infinity).
    e.node("Mul", [x, e.node("Div", [clipped, e.scalar(6, dt)])], e.y(op))


@rule("linear")
def linear(e: Emitter, op: Operation) -> None:
    dt = e.xd(op).data_type
    a = op.attributes
    scaled = e.node("Mul", [e.x(op), e.scalar(a["alpha"], dt)])
    e.node("Add", [scaled, e.scalar(a["beta"], dt)], e.y(op))


@rule("softmax")
def softmax(e: Emitter, op: Operation) -> None:
    e.node("Softmax", [e.x(op)], e.y(op), axis=int(op.attributes["axis"]))


@rule("relu")
def relu(e: Emitter, op: Operation) -> None:
    dt = e.xd(op).data_type
    x = e.x(op)
    if dt == "int8":
        e.cast(e.node("Relu", [e.cast(x, "int32")]), "int8", e.y(op))
    elif dt == "int64":
        e.node("Max", [x, e.scalar(0, dt)], e.y(op))
    else:
        e.node("Relu", [x], e.y(op))


@rule("prelu")
def prelu(e: Emitter, op: Operation) -> None:
    xd, sd, yd = e.xd(op, 0), e.xd(op, 1), e.yd(op)
    dt = xd.data_type
    x, slope = e.x(op, 0), e.x(op, 1)
    if dt in ("float32", "float16"):
        # ONNX PRelu needs slope unidirectionally broadcastable to x; the spec broadcasts both ways.
        if tuple(xd.shape) != tuple(yd.shape):
            x = e.node("Expand", [x, e.i64(yd.shape)])
        e.node("PRelu", [x, slope], e.y(op))
        return
    wide = dt
    if dt == "int8":
        x, slope, wide = e.cast(x, "int32"), e.cast(slope, "int32"), "int32"
    negative = e.node("Less", [x, e.scalar(0, wide)])
    out = e.y(op) if wide == dt else 1
    r = e.node("Where", [negative, e.node("Mul", [x, slope]), x], out)
    if wide != dt:
        e.cast(r, dt, e.y(op))

