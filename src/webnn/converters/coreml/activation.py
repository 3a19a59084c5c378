"""CoreML rules for activations.

MIL equivalents: elu, gelu (mode EXACT), hardSigmoid (sigmoid_hard), leakyRelu, sigmoid,
softmax, softplus, softsign, tanh, float relu. Decomposed as the spec defines them: hardSwish
(``x * (clip(x + 3, 0, 6) / 6)``), linear (``x * alpha + beta`` as mul + add, not MIL's
fused ``linear_activation``), prelu (``select(x < 0, x * slope, x)``: MIL's prelu wants a
constant per-channel slope) and integer relu (``maximum(x, 0)``; int64 relu keeps its input's
range, so it is carried exactly in int32).
"""

from __future__ import annotations

from ...graph import Operation
from ._mil import Emitter, mb, rule

_FLOATS = ("float32", "float16")
_DIRECT = {"sigmoid": "sigmoid", "softplus": "softplus", "softsign": "softsign", "tanh": "tanh"}


@rule(*_DIRECT, mil=_DIRECT)
def direct(e: Emitter, op: Operation) -> None:
    e.set(op, getattr(mb, _DIRECT[op.type])(x=e.x(op)))


@rule("relu", mil="relu (floats); maximum(x, 0) (integers)", wide=True)
def relu(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    if e.xd(op).data_type in _FLOATS:
        e.set(op, mb.relu(x=x))
    else:
        e.set(op, mb.maximum(x=x, y=e.s(0, x)))


@rule("elu", mil="elu")
def elu(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, mb.elu(x=x, alpha=e.s(op.attr("alpha"), x)))


@rule("leaky_relu", mil="leaky_relu")
def leaky_relu(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, mb.leaky_relu(x=x, alpha=e.s(op.attr("alpha"), x)))


@rule("hard_sigmoid", mil="sigmoid_hard")
def hard_sigmoid(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, mb.sigmoid_hard(x=x, alpha=e.s(op.attr("alpha"), x), beta=e.s(op.attr("beta"), x)))


@rule("gelu", mil="gelu mode=EXACT")
def gelu(e: Emitter, op: Operation) -> None:
    e.set(op, mb.gelu(x=e.x(op), mode="EXACT"))


@rule("hard_swish", mil="x * (clip(x + 3, 0, 6) / 6)")
def hard_swish(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    clipped = mb.clip(x=mb.add(x=x, y=e.s(3, x)), alpha=e.s(0, x), beta=e.s(6, x))
    e.set(op, mb.mul(x=x, y=mb.real_div(x=clipped, y=e.s(6, x))))


@rule("linear", mil="mul + add")
def linear(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, mb.add(x=mb.mul(x=x, y=e.s(op.attr("alpha"), x)), y=e.s(op.attr("beta"), x)))


@rule("prelu", mil="select(less(x, 0), mul(x, slope), x) (int8: wrapped mod 2^8)")
def prelu(e: Emitter, op: Operation) -> None:
    x, slope = e.x(op), e.x(op, "slope")
    dt = e.xd(op).data_type
    neg = e.wrap(mb.mul(x=x, y=slope), dt)
    e.set(op, e.select(mb.less(x=x, y=e.s(0, x)), neg, x))


@rule("softmax", mil="softmax")
def softmax(e: Emitter, op: Operation) -> None:
    e.set(op, mb.softmax(x=e.x(op), axis=int(op.attr("axis"))))
