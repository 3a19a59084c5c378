"""CoreML rules for element-wise unary math, comparisons, logical ops, isNaN/isInfinite, cast,
clamp and where.

Logical results (WebNN uint8 0/1) are MIL bools cast to int32; the bool is kept so that a
following logical op or ``where`` uses it directly. MIL's ``log`` adds an ``epsilon`` (default
1e-45) and ``inverse`` one of 1e-4: both are avoided (``log`` with epsilon 0, ``reciprocal`` as
``1 / x``) so that log(0) = -inf and 1/0 = inf as WebNN requires.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConversionError
from ...graph import Operation
from ._mil import WIDE, Emitter, mb, rule

_FLOATS = ("float32", "float16")

#: WebNN op -> MIL op of the same meaning (most have the same name).
_UNARY = {n: n for n in "abs ceil cos erf exp floor identity sin sign sqrt tan".split()} | {"round_even": "round"}


@rule(
    *_UNARY,
    mil={**_UNARY, "abs": "abs (int8: wrapped mod 2^8)", "round_even": "round (MIL rounds halves to even)"},
    wide=("identity", "sign"),
    moves=("identity",),
)
def unary(e: Emitter, op: Operation) -> None:
    y = getattr(mb, _UNARY[op.type])(x=e.x(op))
    e.set(op, e.wrap(y, e.yd(op).data_type) if op.type == "abs" else y)


@rule("log", mil="log with epsilon 0")
def log(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, mb.log(x=x, epsilon=e.s(0, x)))


@rule("neg", mil="mul by -1 (int8: wrapped mod 2^8)")
def neg(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, e.wrap(mb.mul(x=x, y=e.s(-1, x)), e.yd(op).data_type))


@rule("reciprocal", mil="real_div(1, x)")
def reciprocal(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set(op, mb.real_div(x=e.s(1, x), y=x))


_COMPARE = {
    "equal": "equal",
    "not_equal": "not_equal",
    "greater": "greater",
    "greater_or_equal": "greater_equal",
    "lesser": "less",
    "lesser_or_equal": "less_equal",
}


@rule(*_COMPARE, mil={k: f"{v} -> bool -> cast int32" for k, v in _COMPARE.items()}, wide=True)
def compare(e: Emitter, op: Operation) -> None:
    e.set_bool(op, getattr(mb, _COMPARE[op.type])(x=e.x(op, "a"), y=e.x(op, "b")))


_LOGICAL = {"logical_and": "logical_and", "logical_or": "logical_or", "logical_xor": "logical_xor"}


@rule(*_LOGICAL, mil={k: f"not_equal(x, 0) -> {v}" for k, v in _LOGICAL.items()})
def logical(e: Emitter, op: Operation) -> None:
    e.set_bool(op, getattr(mb, _LOGICAL[op.type])(x=e.bool_of(op, "a"), y=e.bool_of(op, "b")))


@rule("logical_not", mil="equal(x, 0)")
def logical_not(e: Emitter, op: Operation) -> None:
    a = op.input("a")
    b = e.bools.get(a) if a is not None else None
    e.set_bool(op, mb.logical_not(x=b) if b is not None else mb.equal(x=e.x(op), y=np.int32(0)))


@rule("is_nan", mil="not_equal(x, x)")
def is_nan(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set_bool(op, mb.not_equal(x=x, y=x))


@rule("is_infinite", mil="equal(abs(x), inf)")
def is_infinite(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    e.set_bool(op, mb.equal(x=mb.abs(x=x), y=e.s(np.inf, x)))


# -- cast ---------------------------------------------------------------------------------------
_SIGNED = ("int8", "int32", "int64")
_UNSIGNED = ("uint8", "uint32", "uint64")
#: float32 bounds of int32 (both exactly representable).
_F32_INT32 = (-(2.0**31), 2.0**31 - 128)


def cast_var(e: Emitter, x, src: str, dst: str, *, clampable: bool = False, op_type: str = "cast"):
    """``x`` (carried for WebNN type ``src``) cast to WebNN type ``dst`` (in its carrier)."""
    if src == dst:
        return x
    if dst in _FLOATS:
        return e.cast(x, "fp32" if dst == "float32" else "fp16")
    if src in _FLOATS:
        if dst in WIDE:
            if not clampable:
                raise ConversionError(
                    f"coreml: {op_type} from {src} to {dst} is not supported: CoreML computes integers in int32 only, so "
                    f"{dst} results beyond int32's range cannot be produced (it is supported when the result is only used as indices)"
                )
            lo = 0.0 if dst in _UNSIGNED else _F32_INT32[0]
            hi = _F32_INT32[1] if src == "float32" else 65504.0
            x = mb.clip(x=x, alpha=e.s(lo, x), beta=e.s(hi, x))
        return e.wrap(mb.cast(x=x, dtype="int32"), dst)
    # integer -> integer: every source value is exact in its int32 carrier
    if dst in ("uint32", "uint64") and src in _SIGNED:
        raise ConversionError(
            f"coreml: {op_type} from {src} to {dst} is not supported: negative {src} values become {dst} values above "
            f"int32's range, and CoreML computes integers in int32 only"
        )
    return e.wrap(x, dst)


@rule(
    "cast",
    mil="cast (float <-> float/int32); int8/uint8 via int32 + wrap mod 2^8; to int64/uint64/uint32 only where exact (see notes)",
    wide=True,
)
def cast(e: Emitter, op: Operation) -> None:
    src, dst = e.xd(op).data_type, e.yd(op).data_type
    y = cast_var(e, e.x(op), src, dst, clampable=e.clampable(op.outputs[0]))
    if y is e.x(op):
        y = mb.identity(x=y)
    e.set(op, y)


# -- clamp --------------------------------------------------------------------------------------
@rule("clamp", mil="clip (floats, both bounds, min < max); maximum/minimum otherwise", wide=True)
def clamp(e: Emitter, op: Operation) -> None:
    x = e.x(op)
    dt = e.xd(op).data_type
    lo, hi = op.attr("min_value"), op.attr("max_value")
    if dt not in _FLOATS:
        # Bounds beyond int32 clamp nothing more than int32's own range (carried values are in it).
        lo = None if lo is None else max(int(lo), -(2**31))
        hi = None if hi is None else min(int(hi), 2**31 - 1)
    if lo is None and hi is None:
        e.set(op, mb.identity(x=x))
    elif dt in _FLOATS and lo is not None and hi is not None and lo < hi:
        e.set(op, mb.clip(x=x, alpha=e.s(lo, x), beta=e.s(hi, x)))
    else:
        y = x
        if lo is not None:
            y = mb.maximum(x=y, y=e.s(lo, x))
        if hi is not None:
            y = mb.minimum(x=y, y=e.s(hi, x))
        e.set(op, y)


@rule("where", mil="select (condition: not_equal(c, 0))", wide=True)
def where(e: Emitter, op: Operation) -> None:
    e.set(op, e.select(e.bool_of(op, "condition"), e.x(op, "true_value"), e.x(op, "false_value")))
