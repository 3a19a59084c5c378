"""Run ONNX model bytes on ONNX Runtime (CPU): the seed's ``run_onnx_*`` functions.

Sessions are cached per model (by content hash), so repeated calls on the same bytes
do not re-create a session.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import onnxruntime as ort

from ..backends.onnxruntime import create_session
from ..errors import OnnxRuntimeFailed, ValidationError


@dataclass
class OnnxInput:
    """A named input: its shape and data (a numpy array of any supported dtype)."""

    name: str
    shape: Sequence[int]
    data: np.ndarray


@dataclass
class OnnxOutput:
    """An output's name, shape and data type (no data)."""

    name: str
    shape: list[int]
    data_type: str


@dataclass
class OnnxOutputWithData:
    """An output's name, shape and data."""

    name: str
    shape: list[int]
    data: np.ndarray


_SESSIONS: "OrderedDict[str, ort.InferenceSession]" = OrderedDict()
_LOCK = threading.Lock()
_MAX_SESSIONS = 16


def _session(model_bytes: bytes) -> ort.InferenceSession:
    key = hashlib.sha256(model_bytes).hexdigest()
    with _LOCK:
        s = _SESSIONS.get(key)
        if s is not None:
            _SESSIONS.move_to_end(key)
            return s
    s = create_session(bytes(model_bytes))
    with _LOCK:
        _SESSIONS[key] = s
        while len(_SESSIONS) > _MAX_SESSIONS:
            _SESSIONS.popitem(last=False)
    return s


def _feed(session: ort.InferenceSession, inputs: Sequence[OnnxInput]) -> dict[str, np.ndarray]:
    expected = {i.name for i in session.get_inputs()}
    feed = {}
    for inp in inputs:
        if inp.name not in expected:
            raise ValidationError(f"run_onnx: model has no input {inp.name!r} (inputs: {', '.join(sorted(expected))})")
        arr = np.asarray(inp.data)
        shape = tuple(int(d) for d in inp.shape)
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ValidationError(f"run_onnx: input {inp.name!r}: data has {arr.size} elements, shape {list(shape)} needs {int(np.prod(shape))}")
        feed[inp.name] = np.asarray(arr.reshape(shape), order="C")
    missing = expected - set(feed)
    if missing:
        raise ValidationError(f"run_onnx: missing input(s) {', '.join(sorted(missing))}")
    return feed


def run_onnx_with_inputs(model_bytes: bytes, inputs: Sequence[OnnxInput]) -> list[OnnxOutputWithData]:
    """Run the model on the given inputs; returns every model output with its data."""
    session = _session(model_bytes)
    feed = _feed(session, inputs)
    names = [o.name for o in session.get_outputs()]
    try:
        results = session.run(names, feed)
    except Exception as e:
        raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the model: {e}") from e
    return [OnnxOutputWithData(n, list(r.shape), r) for n, r in zip(names, results)]


def run_onnx_zeroed(model_bytes: bytes, inputs: Sequence[OnnxInput]) -> list[OnnxOutput]:
    """Run the model on zero-filled inputs of the given shapes/dtypes; returns output shapes and types."""
    zeroed = [OnnxInput(i.name, i.shape, np.zeros(tuple(i.shape), dtype=np.float32 if i.data is None else np.asarray(i.data).dtype)) for i in inputs]
    return [OnnxOutput(o.name, o.shape, o.data.dtype.name) for o in run_onnx_with_inputs(model_bytes, zeroed)]


__all__ = ["OnnxInput", "OnnxOutput", "OnnxOutputWithData", "run_onnx_with_inputs", "run_onnx_zeroed"]
