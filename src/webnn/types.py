"""Operand data types and descriptors (the spec's MLOperandDataType / MLOperandDescriptor)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ValidationError

#: Data types this implementation supports, with their numpy equivalents.
NUMPY_DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype(np.float32),
    "float16": np.dtype(np.float16),
    "int32": np.dtype(np.int32),
    "uint32": np.dtype(np.uint32),
    "int64": np.dtype(np.int64),
    "uint64": np.dtype(np.uint64),
    "int8": np.dtype(np.int8),
    "uint8": np.dtype(np.uint8),
}
DATA_TYPES: tuple[str, ...] = tuple(NUMPY_DTYPES)
#: Named in some WebNN drafts; rejected with a specific message.
UNSUPPORTED_DATA_TYPES = ("int4", "uint4")

FLOAT_TYPES = ("float32", "float16")
INT_TYPES = ("int32", "uint32", "int64", "uint64", "int8", "uint8")
SIGNED_TYPES = ("float32", "float16", "int32", "int64", "int8")

MAX_RANK = 8
#: opSupportLimits().maxTensorByteLength: the largest tensor, in bytes, this implementation supports.
MAX_TENSOR_BYTE_LENGTH = 2**31 - 1
_LONG_MAX = 2**31 - 1


def check_data_type(data_type: object, what: str = "data_type") -> str:
    """Return ``data_type`` if it names a supported type, else raise ValidationError."""
    if isinstance(data_type, np.dtype) or (isinstance(data_type, type) and issubclass(data_type, np.generic)):
        data_type = np.dtype(data_type).name
    if data_type in NUMPY_DTYPES:
        return data_type
    if data_type in UNSUPPORTED_DATA_TYPES:
        raise ValidationError(f"{what}: data type {data_type!r} is not supported by this implementation")
    raise ValidationError(f"{what}: expected one of {', '.join(DATA_TYPES)}, got {data_type!r}")


def data_type_of(array: np.ndarray, what: str = "value") -> str:
    """The WebNN data type of a numpy array, or ValidationError."""
    name = array.dtype.name
    if name not in NUMPY_DTYPES:
        raise ValidationError(f"{what}: numpy dtype {name} has no WebNN data type (expected one of {', '.join(DATA_TYPES)})")
    return name


def check_shape(shape: object, what: str = "shape") -> tuple[int, ...]:
    """Validate a shape (every dimension a valid dimension: integer > 0) and return it as a tuple."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
        raise ValidationError(f"{what}: expected a sequence of positive integers, got {shape!r}")
    dims = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise ValidationError(f"{what}: dimensions must be integers, got {d!r} in {list(shape)!r}")
        if not 0 < int(d) <= _LONG_MAX:
            raise ValidationError(f"{what}: every dimension must be an integer in [1, {_LONG_MAX}], got {list(shape)!r}")
        dims.append(int(d))
    if len(dims) > MAX_RANK:
        raise ValidationError(f"{what}: rank {len(dims)} exceeds the maximum supported rank {MAX_RANK}")
    return tuple(dims)


@dataclass(frozen=True)
class MLOperandDescriptor:
    """Data type and shape of an operand. ``shape=()`` is a scalar."""

    data_type: str
    shape: tuple[int, ...] = ()

    def __init__(self, data_type: str | None = None, shape: Sequence[int] = (), *, dataType: str | None = None) -> None:
        dt = data_type if data_type is not None else dataType
        if dt is None:
            raise ValidationError("MLOperandDescriptor: data_type is required")
        object.__setattr__(self, "data_type", check_data_type(dt, "MLOperandDescriptor.data_type"))
        object.__setattr__(self, "shape", check_shape(shape, "MLOperandDescriptor.shape"))

    @property
    def dataType(self) -> str:  # spec spelling
        return self.data_type

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype for this descriptor's data type."""
        return NUMPY_DTYPES[self.data_type]

    @property
    def size(self) -> int:
        """Number of elements."""
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def byte_length(self) -> int:
        return self.size * self.dtype.itemsize

    def to_json(self) -> dict:
        return {"dataType": self.data_type, "shape": list(self.shape)}

    @classmethod
    def from_json(cls, obj: dict) -> MLOperandDescriptor:
        return cls(obj["dataType"], obj["shape"])

    def __repr__(self) -> str:
        return f"MLOperandDescriptor({self.data_type}, {list(self.shape)})"


def as_descriptor(obj: object, what: str = "descriptor") -> MLOperandDescriptor:
    """Accept an MLOperandDescriptor or a dict with dataType/data_type and shape."""
    if isinstance(obj, MLOperandDescriptor):
        return obj
    if isinstance(obj, dict):
        dt = obj.get("data_type", obj.get("dataType"))
        if "shape" not in obj and "dimensions" not in obj:
            raise ValidationError(f"{what}: missing 'shape'")
        return MLOperandDescriptor(dt, obj["shape"] if "shape" in obj else obj["dimensions"])
    raise ValidationError(f"{what}: expected an MLOperandDescriptor or dict, got {type(obj).__name__}")
