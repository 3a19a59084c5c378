"""CoreML rules for element-wise binary arithmetic: add sub mul div max min pow.

Integer division truncates toward zero (as WebNN/ONNX): MIL's ``floor_div`` floors, so the
quotient is computed on magnitudes and given the sign of ``a * b``. int8/uint8 results are
wrapped into their type's range (they are carried as int32).
"""

from __future__ import annotations

from ...graph import Operation
from ._mil import Emitter, mb, rule

_MIL = {"add": "add", "sub": "sub", "mul": "mul", "max": "maximum", "min": "minimum", "pow": "pow"}


@rule(
    *_MIL,
    mil={k: v + (" (int8/uint8: wrapped mod 2^8)" if k in ("add", "sub", "mul", "pow") else "") for k, v in _MIL.items()},
    wide=("max", "min"),
)
def binary(e: Emitter, op: Operation) -> None:
    a, b = e.x(op, "a"), e.x(op, "b")
    y = getattr(mb, _MIL[op.type])(x=a, y=b)
    e.set(op, e.wrap(y, e.yd(op).data_type))


@rule("div", mil="real_div (floats); integers: floor_div of magnitudes * sign(a)*sign(b) (truncation)")
def div(e: Emitter, op: Operation) -> None:
    a, b = e.x(op, "a"), e.x(op, "b")
    dt = e.yd(op).data_type
    if dt in ("float32", "float16"):
        e.set(op, mb.real_div(x=a, y=b))
        return
    q = mb.floor_div(x=mb.abs(x=a), y=mb.abs(x=b))
    sign = mb.mul(x=mb.sign(x=a), y=mb.sign(x=b))
    e.set(op, e.wrap(mb.mul(x=q, y=sign), dt))
