"""ONNX Runtime backend (CPU): the embedded default that runs everywhere.

Also runs ONNX model bytes directly (:func:`run_model`, the seed's ``run_onnx_*`` functions in
:mod:`webnn.executors.onnx`), with one session per model kept in a small cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import onnxruntime as ort

from ..converters import default_registry
from ..errors import OnnxRuntimeFailed
from ..graph import GraphInfo
from . import Backend, CompiledGraph, ModelCache, feed_from, zeroed_inputs


def session_options(intra_op_threads: int = 0) -> ort.SessionOptions:
    """The session options every webnn ORT session uses (also used by benchmarks' raw peer)."""
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = intra_op_threads
    so.log_severity_level = 3
    return so


def create_session(model_bytes: bytes, providers: list[str] | None = None, intra_op_threads: int = 0) -> ort.InferenceSession:
    """An InferenceSession on ``model_bytes``; failures raise OnnxRuntimeFailed."""
    try:
        return ort.InferenceSession(model_bytes, session_options(intra_op_threads), providers=providers or ["CPUExecutionProvider"])
    except Exception as e:
        raise OnnxRuntimeFailed(f"ONNX Runtime could not load the model: {e}") from e


class OrtCompiledGraph(CompiledGraph):
    """One InferenceSession per graph, created once; ``run`` is thread-safe."""

    backend = "onnxruntime"

    def __init__(self, session: ort.InferenceSession, output_names: dict[str, str]) -> None:
        self._session: ort.InferenceSession | None = session
        self._names = list(output_names)  # WebNN output names
        self._onnx_names = list(output_names.values())  # the model's output names, same order

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        session = self._session
        if session is None:
            raise OnnxRuntimeFailed("graph was destroyed")
        try:
            results = session.run(self._onnx_names, inputs)
        except Exception as e:
            raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the graph: {e}") from e
        return dict(zip(self._names, results, strict=True))

    def close(self) -> None:
        self._session = None


class OnnxRuntimeBackend(Backend):
    """Runs graphs with ONNX Runtime's CPU execution provider."""

    name = "onnxruntime"

    def __init__(self, intra_op_threads: int = 0) -> None:
        self.intra_op_threads = intra_op_threads

    def compile(self, info: GraphInfo) -> OrtCompiledGraph:
        converted = default_registry().convert(info, "onnx")
        session = create_session(converted.data, intra_op_threads=self.intra_op_threads)
        return OrtCompiledGraph(session, converted.metadata["output_names"])

    def describe(self) -> str:
        return f"onnxruntime {ort.__version__} (CPUExecutionProvider)"


# -- ONNX model bytes, run directly ---------------------------------------------------------------

_SESSIONS: ModelCache[str, ort.InferenceSession] = ModelCache(16)


def model_session(model_bytes: bytes) -> ort.InferenceSession:
    """The session for these model bytes (the 16 most recently used are kept, by content hash)."""
    return _SESSIONS.get(hashlib.sha256(model_bytes).hexdigest(), lambda: create_session(bytes(model_bytes)))


def model_input_types(session: ort.InferenceSession) -> dict[str, str]:
    """Input name -> numpy dtype name ("" when numpy has none) of a session's model."""
    types = {}
    for i in session.get_inputs():
        try:
            elem = i.type[len("tensor(") : -1] if i.type.startswith("tensor(") else ""
            types[i.name] = np.dtype({"float": "float32", "double": "float64"}.get(elem, elem)).name if elem else ""
        except TypeError:
            types[i.name] = ""
    return types


def run_model(model_bytes: bytes, inputs: Iterable[Any], *, zeroed: bool = False) -> dict[str, np.ndarray]:
    """Run ONNX model bytes on the seed API's inputs (``name``, ``shape``, ``data``); every output, in model order.

    ``zeroed``: zero-filled inputs of the given shapes instead (dtype: ``data``'s, else the model's).
    """
    session = model_session(model_bytes)
    types = model_input_types(session)
    if zeroed:
        inputs = zeroed_inputs(inputs, types)
    feed = feed_from(inputs, types, "run_onnx")
    names = [o.name for o in session.get_outputs()]
    try:
        results = session.run(names, feed)
    except Exception as e:
        raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the model: {e}") from e
    return dict(zip(names, results, strict=True))
