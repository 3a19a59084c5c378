"""ONNX rules for activations.

Direct ONNX equivalents: hardSigmoid (HardSigmoid), leakyRelu (LeakyRelu), softplus, softsign,
tanh, softmax (Softmax with the given axis). Decomposed for accuracy where the direct formula
cancels: elu (``exp(x) - 1`` as ``2t / (1 - t)``, ``t = tanh(x / 2)``), gelu (``relu(x) - |x| Phi(-|x|)``
with an accurate tail and no Where, below). Decomposed exactly as the spec defines them: hardSwish
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


# gelu's tail a * Phi(-a) (a = |x|) as v * S(v) * exp(-a^2 / 2), v = pa / (1 + pa): S is a
# degree-8 polynomial fitted (iteratively reweighted least squares toward minimax relative
# error) to a * Phi(-a) * exp(a^2 / 2) / v over a in [0, 15]; relative error 3.2e-8 in exact
# arithmetic. Coefficients (float32 values) highest degree first.
_GELU_P = 0.35
_GELU_S = (-0.0833307952, 0.255017787, -0.183065712, -0.0459270999, -0.183358252, 0.293259174, 0.745842755, -1.82809138, 1.42857134)
#: a beyond this: the tail underflows float32 (gelu(-15) = -5e-50), so a is clamped there.
_GELU_A_MAX = 15.0


@rule("gelu")
def gelu(e: Emitter, op: Operation) -> None:
    # The spec's 0.5 * x * (1 + erf(x / sqrt(2))) = x * Phi(x), as relu(x) - a * Phi(-a), a = |x|:
    # no selection (ONNX Runtime's Where costs about 20 Adds), and no cancellation (ONNX Gelu is
    # 1.7e7 ULP off for x < -1, where 1 + erf(...) cancels; here relu(x) - tail subtracts at
    # most half of x). exp(-a^2 / 2) is split exactly as exp(-h^2 / 2) * exp(-r (a + h) / 2),
    # h = a rounded to a multiple of 2^-7 (adding and subtracting 3 * 2^15), r = a - h: h^2 and
    # r are exact, so rounding a^2 puts no 1e-6 relative error into exp for large a.
    # Within 8 ULP of float32 everywhere (7.7 measured over [-14, 10]: tests/audit/test_accuracy_activation.py).
    x, dt, out = _in_float32(e, op)
    f = "float32"
    a = e.node("Min", [e.node("Abs", [x]), e.scalar(_GELU_A_MAX, f)])
    pa = e.node("Mul", [a, e.scalar(_GELU_P, f)])
    v = e.node("Mul", [pa, e.node("Reciprocal", [e.node("Add", [pa, e.scalar(1, f)])])])
    s = e.scalar(_GELU_S[0], f)
    for c in _GELU_S[1:]:
        s = e.node("Add", [e.node("Mul", [s, v]), e.scalar(c, f)])
    magic = e.scalar(3 * 2**15, f)
    h = e.node("Sub", [e.node("Add", [a, magic]), magic])
    r = e.node("Sub", [a, h])
    half = e.scalar(-0.5, f)
    big = e.node("Exp", [e.node("Mul", [e.node("Mul", [h, h]), half])])
    small = e.node("Exp", [e.node("Mul", [e.node("Mul", [r, e.node("Add", [a, h])]), half])])
    tail = e.node("Mul", [e.node("Mul", [v, s]), e.node("Mul", [big, small])])
    y = e.node("Sub", [e.node("Relu", [x]), tail], out)
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

