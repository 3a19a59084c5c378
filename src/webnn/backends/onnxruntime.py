"""ONNX Runtime backend (CPU): the embedded default that runs everywhere."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import onnxruntime as ort

from ..converters import default_registry
from ..errors import OnnxRuntimeFailed
from ..graph import GraphInfo
from . import Backend, CompiledGraph


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
        self._session = session
        self._names = list(output_names)  # WebNN output names
        self._onnx_names = list(output_names.values())  # the model's output names, same order
        # Inputs are validated by MLGraph before they get here, so call the C++ session
        # directly and skip the Python wrapper's second validation (public API as fallback).
        inner = getattr(session, "_sess", None)
        if inner is not None and hasattr(inner, "run"):
            self._run = lambda names, feed: inner.run(names, feed, None)
        else:  # pragma: no cover - depends on ORT internals
            self._run = session.run

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        try:
            results = self._run(self._onnx_names, inputs)
        except Exception as e:
            raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the graph: {e}") from e
        return dict(zip(self._names, results))

    def close(self) -> None:
        self._session = None  # type: ignore[assignment]
        self._run = _closed


def _closed(*_: object) -> None:
    raise OnnxRuntimeFailed("graph was destroyed")


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
