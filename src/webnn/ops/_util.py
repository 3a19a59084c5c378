"""Shared validation helpers for op definitions (the spec's common algorithms)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..types import DATA_TYPES, MLOperandDescriptor, check_shape
from . import invalid

UINT32_MAX = 2**32 - 1
INT32_MAX = 2**31 - 1


def desc(data_type: str, shape: Sequence[int], arg: str = "output") -> MLOperandDescriptor:
    """An output descriptor; every dimension must be a valid dimension."""
    shape = tuple(int(d) for d in shape)
    if any(d <= 0 or d > INT32_MAX for d in shape):
        raise invalid(arg, f"computed shape {list(shape)} has a dimension that is not a valid dimension (1..{INT32_MAX})")
    return MLOperandDescriptor(data_type, shape)


def is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def uint(value: Any, arg: str, *, maximum: int = UINT32_MAX) -> int:
    """An [EnforceRange] unsigned long."""
    if not is_int(value):
        raise invalid(arg, f"expected an unsigned integer, got {value!r}")
    if not 0 <= int(value) <= maximum:
        raise invalid(arg, f"expected an integer in [0, {maximum}], got {value!r}")
    return int(value)


def int_(value: Any, arg: str, lo: int = -(2**31), hi: int = 2**31 - 1) -> int:
    """An [EnforceRange] long."""
    if not is_int(value) or not lo <= int(value) <= hi:
        raise invalid(arg, f"expected an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


def uints(value: Any, arg: str, length: int | None = None, *, positive: bool = False) -> list[int]:
    """A sequence<unsigned long>, optionally of a fixed length and all > 0."""
    if value is None or isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise invalid(arg, f"expected a sequence of unsigned integers, got {value!r}")
    out = [uint(v, arg) for v in value]
    if length is not None and len(out) != length:
        raise invalid(arg, f"expected {length} values, got {len(out)} ({out})")
    if positive and any(v == 0 for v in out):
        raise invalid(arg, f"values must be greater than 0, got {out}")
    return out


def ints(value: Any, arg: str, length: int | None = None) -> list[int]:
    """A sequence<long>."""
    if value is None or isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise invalid(arg, f"expected a sequence of integers, got {value!r}")
    out = [int_(v, arg) for v in value]
    if length is not None and len(out) != length:
        raise invalid(arg, f"expected {length} values, got {len(out)}")
    return out


def number(value: Any, arg: str) -> float | int:
    """An MLNumber (double or bigint): integers stay Python ints (any size, for 64-bit values),
    floats may be NaN or infinite."""
    if is_int(value):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    raise invalid(arg, f"expected a number (MLNumber), got {value!r}")


def finite(value: Any, arg: str) -> float:
    """A (non-unrestricted) float/double: must be finite."""
    v = number(value, arg)
    if not math.isfinite(v):
        raise invalid(arg, f"expected a finite number, got {value!r}")
    return float(v)


def cast_option(value: Any, arg: str, data_type: str) -> float:
    """A ``double`` option (finite, per WebIDL) cast to the float ``data_type`` (the spec's "cast")."""
    return float(cast_number(finite(value, arg), data_type))


def boolean(value: Any, arg: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise invalid(arg, f"expected a boolean, got {value!r}")
    return bool(value)


def enum(value: Any, arg: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise invalid(arg, f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value


def data_type(value: Any, arg: str, allowed: Sequence[str] = DATA_TYPES) -> str:
    if value not in allowed:
        raise invalid(arg, f"expected one of {', '.join(allowed)}, got {value!r}")
    return value


def axis(value: Any, rank: int, arg: str = "axis") -> int:
    """An unsigned axis that must be < rank."""
    a = uint(value, arg)
    if a >= rank:
        raise invalid(arg, f"must be in [0, {rank - 1}] for an input of rank {rank}, got {a}")
    return a


def axes(value: Any, rank: int, arg: str = "axes") -> list[int]:
    """Unique unsigned axes, each < rank; None means all axes."""
    if value is None:
        return list(range(rank))
    out = uints(value, arg)
    for a in out:
        if a >= rank:
            raise invalid(arg, f"axis {a} is out of range for an input of rank {rank}")
    if len(set(out)) != len(out):
        raise invalid(arg, f"axes must be unique, got {out}")
    return out


# -- the spec's "cast" of a number to a data type (clamp's bounds, pad's value, options) ------
_FLOAT_FORMATS = {"float32": (24, 128, np.float32), "float16": (11, 16, np.float16)}  # precision, max exponent
_INT_RANGES = {
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
    "int32": (-(2**31), 2**31 - 1),
    # The spec's switch says ConvertToInt(x, 32, "signed") for uint32, an evident typo: MLNumber's
    # definition says values for a uint32 operand are cast to unsigned long.
    "uint32": (0, 2**32 - 1),
    "int8": (-128, 127),
    "uint8": (0, 255),
}


def _round_int_to_precision(x: int, precision: int) -> int:
    """``x`` rounded to ``precision`` significant bits, ties to even (exact integer arithmetic)."""
    m = abs(x)
    n = m.bit_length()
    if n <= precision:
        return x
    shift = n - precision
    q, r = divmod(m, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return (q << shift) if x >= 0 else -(q << shift)


def convert_to_float(x: float | int, data_type: str) -> float:
    """The spec's ConvertToFloat(x, 32 or 16): nearest value ties to even, overflow to +/-Infinity."""
    precision, max_exp, np_type = _FLOAT_FORMATS[data_type]
    if isinstance(x, int):
        r = _round_int_to_precision(x, precision)  # exact: no double rounding through float64
        if abs(r) >= 2**max_exp:
            return math.copysign(math.inf, r)
        return float(np_type(float(r)))  # r is representable in the target type
    if math.isnan(x):
        return math.nan
    with np.errstate(over="ignore"):
        return float(np_type(x))  # numpy rounds double -> float32/float16 to nearest even


def convert_to_int(x: float | int, data_type: str) -> int:
    """The spec's ConvertToInt: NaN -> 0, clamp to the type's range, round half to even."""
    lo, hi = _INT_RANGES[data_type]
    if isinstance(x, float):
        if math.isnan(x):
            return 0
        if x <= lo:
            return lo
        if x >= hi:
            return hi
        return int(round(x))  # Python's round() is half-to-even
    return min(max(x, lo), hi)


def cast_number(x: float | int, data_type: str) -> float | int:
    """The spec's "cast" of an MLNumber to ``data_type`` (a float for float types, else an int)."""
    if data_type in _FLOAT_FORMATS:
        return convert_to_float(x, data_type)
    return convert_to_int(x, data_type)


def broadcast_shapes(a: Sequence[int], b: Sequence[int], arg: str = "b") -> tuple[int, ...]:
    """Bidirectional broadcasting (numpy rules), or an error naming ``arg``."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and da != 1 and db != 1:
            raise invalid(arg, f"shapes {list(a)} and {list(b)} are not broadcastable")
        out.append(max(da, db))
    return tuple(reversed(out))


def unidirectionally_broadcastable(src: Sequence[int], dst: Sequence[int]) -> bool:
    """Whether ``src`` broadcasts to exactly ``dst``."""
    if len(src) > len(dst):
        return False
    for i in range(1, len(src) + 1):
        if src[-i] != dst[-i] and src[-i] != 1:
            return False
    return True


def same_type(x: Any, ref: Any, arg: str, ref_arg: str) -> None:
    if x.data_type != ref.data_type:
        raise invalid(arg, f"data type {x.data_type} must match {ref_arg}'s data type {ref.data_type}")


def shape_is(x: Any, shape: Sequence[int], arg: str) -> None:
    if list(x.shape) != list(shape):
        raise invalid(arg, f"expected shape {list(shape)}, got {list(x.shape)}")


def optional_shape_is(x: Any, shape: Sequence[int], arg: str) -> None:
    """:func:`shape_is` for an optional operand (None passes)."""
    if x is not None:
        shape_is(x, shape, arg)


def reduce_shape(shape: Sequence[int], axes_: Sequence[int], keep: bool) -> tuple[int, ...]:
    """The spec's 'calculating reduction output sizes'."""
    if keep:
        return tuple(1 if i in axes_ else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes_)


def same(x: Any) -> MLOperandDescriptor:
    """An output descriptor equal to ``x``'s."""
    return x.descriptor


__all__ = [n for n in dir() if not n.startswith("_")] + ["invalid", "check_shape"]
