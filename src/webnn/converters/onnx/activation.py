"""ONNX rules for activations.

Direct ONNX equivalents: hardSigmoid (HardSigmoid), leakyRelu (LeakyRelu), softplus, softsign,
tanh, softmax (Softmax with the given axis). Decomposed for accuracy where the direct formula
cancels: elu (``exp(x) - 1`` as ``2t / (1 - t)``, ``t = tanh(x / 2)``), gelu (ONNX Gelu for
x >= -1, an erfc-based form below). Decomposed exactly as the spec defines them: hardSwish
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


def _in_float32(e: Emitter, op: Operation) -> tuple[str, str, str | int]:
    """(input as float32, original data type, output target): float16 computes in float32 and
    casts back, so that the decompositions below keep their float32 accuracy."""
    dt = e.xd(op).data_type
    if dt == "float16":
        return e.cast(e.x(op), "float32"), dt, 1
    return e.x(op), dt, e.y(op)


def _finish(e: Emitter, op: Operation, y: str, dt: str) -> None:
    if dt == "float16":
        e.cast(y, dt, e.y(op))


@rule("elu")
def elu(e: Emitter, op: Operation) -> None:
    # The spec's max(0, x) + alpha * (exp(min(0, x)) - 1), with exp(m) - 1 as 2t / (1 - t),
    # t = tanh(m / 2): exact in exact arithmetic and free of the cancellation of exp(m) - 1 for
    # small |m| (ONNX Elu: thousands of ULP at x = -1e-4). m = -inf gives -1.
    x, dt, out = _in_float32(e, op)
    f = "float32"
    m = e.node("Min", [x, e.scalar(0, f)])
    t = e.node("Tanh", [e.node("Mul", [m, e.scalar(0.5, f)])])
    em1 = e.node("Div", [e.node("Mul", [t, e.scalar(2, f)]), e.node("Sub", [e.scalar(1, f), t])])
    neg = e.node("Mul", [em1, e.scalar(op.attr("alpha"), f)])
    y = e.node("Add", [e.node("Max", [x, e.scalar(0, f)]), neg], out)
    _finish(e, op, y, dt)


@rule("leaky_relu")
def leaky_relu(e: Emitter, op: Operation) -> None:
    e.node("LeakyRelu", [e.x(op)], e.y(op), alpha=float(op.attr("alpha")))


@rule("hard_sigmoid")
def hard_sigmoid(e: Emitter, op: Operation) -> None:
    e.node("HardSigmoid", [e.x(op)], e.y(op), alpha=float(op.attr("alpha")), beta=float(op.attr("beta")))


# erfc(z) = t * exp(-z^2 + P(t)), t = 1 / (1 + z / 2), z >= 0: relative error < 1.2e-7 for every z
# (W. H. Press et al., Numerical Recipes, "erfcc"). Coefficients of P, highest degree first.
_ERFC_P = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223)


@rule("gelu")
def gelu(e: Emitter, op: Operation) -> None:
    # The spec's 0.5 * x * (1 + erf(x / sqrt(2))). ONNX Gelu is within 2 ULP for x >= -1, but
    # for x < -1 the sum 1 + erf(...) cancels (10^8 ULP at x = -5.5). There the result is
    # x * erfc(a / sqrt(2)) / 2, a = |x|, with erfc from _ERFC_P and exp(-a^2 / 2) split as
    # exp(-h^2 / 2) * exp(-(a - h)(a + h) / 2), h = a rounded down to a multiple of 2^-7 (a <= 22,
    # so h^2 is exact): rounding a / sqrt(2) or a^2 would put a 2e-6 relative error into exp.
    # Within 8 ULP of float32 everywhere.
    x, dt, out = _in_float32(e, op)
    f = "float32"
    a = e.node("Min", [e.node("Abs", [x]), e.scalar(22, f)])
    z = e.node("Mul", [a, e.scalar(0.7071067811865476, f)])
    t = e.node("Reciprocal", [e.node("Add", [e.node("Mul", [z, e.scalar(0.5, f)]), e.scalar(1, f)])])
    poly = e.scalar(_ERFC_P[0], f)
    for c in _ERFC_P[1:]:
        poly = e.node("Add", [e.node("Mul", [poly, t]), e.scalar(c, f)])
    h = e.node("Div", [e.node("Floor", [e.node("Mul", [a, e.scalar(128, f)])]), e.scalar(128, f)])
    rest = e.node("Mul", [e.node("Mul", [e.node("Sub", [a, h]), e.node("Add", [a, h])]), e.scalar(0.5, f)])
    big = e.node("Exp", [e.node("Mul", [e.node("Mul", [h, h]), e.scalar(-0.5, f)])])
    half_erfc = e.node("Mul", [e.node("Mul", [t, e.scalar(0.5, f)]), e.node("Mul", [big, e.node("Exp", [e.node("Sub", [poly, rest])])])])
    tail = e.node("Mul", [x, half_erfc])
    y = e.node("Where", [e.node("Less", [x, e.scalar(-1, f)]), tail, e.node("Gelu", [x], approximate="none")], out)
    _finish(e, op, y, dt)


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
    # float16 computes in float32 and rounds once (x * alpha + beta cancels when they nearly meet).
    x, dt, out = _in_float32(e, op)
    ct = "float32" if dt == "float16" else dt
    scaled = e.node("Mul", [x, e.scalar(op.attr("alpha"), ct)])
    y = e.node("Add", [scaled, e.scalar(op.attr("beta"), ct)], out)
    _finish(e, op, y, dt)


@rule("softmax")
def softmax(e: Emitter, op: Operation) -> None:
    e.node("Softmax", [e.x(op)], e.y(op), axis=int(op.attr("axis")))


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
    xd, yd = e.xd(op), e.yd(op)
    dt = xd.data_type
    x, slope = e.x(op), e.x(op, "slope")
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

