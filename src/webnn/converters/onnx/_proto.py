"""A small writer for the ONNX protobuf messages the converter emits.

The converter needs only to *write* ModelProto bytes, which is a few lines of protobuf
wire format; the ``onnx`` package costs 0.6 s to import (most of it ``ml_dtypes``) and
copies every initializer into Python protobuf objects. Field numbers are those of
``onnx/onnx.proto`` (proto2; repeated scalars written unpacked, as ``onnx`` does).
``tests/converters`` parses the output back with the ``onnx`` package to check it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

#: TensorProto.DataType for the numpy dtypes the converter emits.
DATA_TYPES: dict[str, int] = {
    "float32": 1, "uint8": 2, "int8": 3, "uint16": 4, "int16": 5, "int32": 6, "int64": 7,
    "bool": 9, "float16": 10, "float64": 11, "uint32": 12, "uint64": 13,
}  # fmt: skip
FLOAT, INT, STRING, TENSOR, FLOATS, INTS, STRINGS = 1, 2, 3, 4, 6, 7, 8  # AttributeProto.AttributeType
#: ``location`` of an initializer whose data the ONNX Runtime backend hands over as an OrtValue.
EXTERNAL_LOCATION = "webnn-external-initializer"


def data_type(dtype: str | np.dtype) -> int:
    """The TensorProto data type of a numpy dtype (or dtype name)."""
    name = np.dtype(dtype).name
    try:
        return DATA_TYPES[name]
    except KeyError:
        raise ValueError(f"no ONNX tensor type for numpy dtype {name}") from None


class Node(NamedTuple):
    """One NodeProto: inputs/outputs by tensor name ("" for an absent optional input)."""

    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    name: str
    domain: str
    attributes: dict[str, Any]


class Initializer(NamedTuple):
    """One initializer; ``external``: written without its data (see :data:`EXTERNAL_LOCATION`)."""

    name: str
    array: np.ndarray
    external: bool = False


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # int64 fields: two's complement, ten bytes
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _tag(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _int(field: int, n: int) -> bytes:
    return _tag(field, 0) + _varint(int(n))


def _bytes(field: int, payload: bytes) -> bytes:
    return _tag(field, 2) + _varint(len(payload)) + payload


def _str(field: int, s: str) -> bytes:
    return _bytes(field, s.encode())


def _float(field: int, f: float) -> bytes:
    return _tag(field, 5) + struct.pack("<f", f)


def _message(field: int, chunks: list[bytes | memoryview]) -> list[bytes | memoryview]:
    """A length-delimited field around ``chunks`` (large tensor data stays a memoryview: the
    model's bytes are joined once, so each weight is copied once)."""
    return [_tag(field, 2) + _varint(sum(len(c) for c in chunks)), *chunks]


def _is_int(v: Any) -> bool:
    return isinstance(v, (bool, int, np.integer, np.bool_))


def _attribute(name: str, value: Any) -> bytes:
    """An AttributeProto, typed as ``onnx.helper.make_attribute`` types Python values."""
    out = [_str(1, name)]
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if _is_int(value):
        out += [_int(3, int(value)), _int(20, INT)]
    elif isinstance(value, (float, np.floating)):
        out += [_float(2, float(value)), _int(20, FLOAT)]
    elif isinstance(value, (str, bytes)):
        out += [_bytes(4, value.encode() if isinstance(value, str) else value), _int(20, STRING)]
    elif isinstance(value, np.ndarray):
        out += [_bytes(5, b"".join(tensor("", value))), _int(20, TENSOR)]
    elif isinstance(value, (list, tuple)):
        if value and all(_is_int(v) for v in value):
            out += [_int(8, int(v)) for v in value] + [_int(20, INTS)]
        elif value and all(isinstance(v, (int, float, np.integer, np.floating)) for v in value):
            out += [_float(7, float(v)) for v in value] + [_int(20, FLOATS)]
        elif value and all(isinstance(v, str) for v in value):
            out += [_str(9, v) for v in value] + [_int(20, STRINGS)]
        else:
            raise ValueError(f"attribute {name!r}: cannot type the list {value!r}")
    else:
        raise ValueError(f"attribute {name!r}: unsupported value {value!r}")
    return b"".join(out)


def node(n: Node) -> bytes:
    """NodeProto bytes."""
    parts = [_str(1, i) for i in n.inputs]
    parts += [_str(2, o) for o in n.outputs]
    parts.append(_str(3, n.name))
    parts.append(_str(4, n.op_type))
    parts += [_bytes(5, _attribute(k, v)) for k, v in n.attributes.items()]
    if n.domain:
        parts.append(_str(7, n.domain))
    return b"".join(parts)


def tensor(name: str, array: np.ndarray, external: bool = False) -> list[bytes | memoryview]:
    """TensorProto chunks holding ``array`` as raw little-endian data (or an external reference)."""
    parts: list[bytes | memoryview] = [_int(1, d) for d in array.shape]
    parts.append(_int(2, data_type(array.dtype)))
    if name:
        parts.append(_str(8, name))
    if external:
        for key, value in (("location", EXTERNAL_LOCATION), ("length", str(array.nbytes))):
            parts.append(_bytes(13, _str(1, key) + _str(2, value)))
        parts.append(_int(14, 1))  # data_location = EXTERNAL
    else:
        a = np.ascontiguousarray(array)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        data = a.data.cast("B") if a.nbytes else b""
        parts += _message(9, [data])
    return parts


def value_info(name: str, elem_type: int, shape: Sequence[int]) -> bytes:
    """ValueInfoProto bytes of a tensor with a static shape."""
    dims = b"".join(_bytes(1, _int(1, d)) for d in shape)  # TensorShapeProto.Dimension.dim_value
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _str(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(
    nodes: Iterable[Node],
    initializers: Iterable[Initializer],
    inputs: Iterable[tuple[str, int, Sequence[int]]],
    outputs: Iterable[tuple[str, int, Sequence[int]]],
    *,
    opsets: dict[str, int],
    ir_version: int,
    producer: str = "webnn",
    graph_name: str = "webnn",
) -> bytes:
    """ModelProto bytes. ``inputs``/``outputs``: (name, TensorProto data type, shape)."""
    graph: list[bytes | memoryview] = [_bytes(1, node(n)) for n in nodes]
    graph.append(_str(2, graph_name))
    for t in initializers:
        graph += _message(5, tensor(t.name, t.array, t.external))
    graph += [_bytes(11, value_info(*v)) for v in inputs]
    graph += [_bytes(12, value_info(*v)) for v in outputs]
    parts: list[bytes | memoryview] = [_int(1, ir_version), _str(2, producer)]
    parts += _message(7, graph)
    for domain, version in opsets.items():
        parts.append(_bytes(8, (_str(1, domain) if domain else b"") + _int(2, version)))
    return b"".join(parts)
