"""ML, MLContext and MLGraph: choosing a backend, building and computing graphs."""

from __future__ import annotations

import importlib
import os
import threading
from typing import Any, Mapping

import numpy as np

from .backends import Backend, CompiledGraph
from .errors import BackendUnavailable, InvalidStateError, ValidationError
from .graph import GraphInfo
from .types import MLOperandDescriptor

POWER_PREFERENCES = ("default", "high-performance", "low-power")

#: Backend name -> "module:Class". Modules import lazily so optional engines cost nothing.
BACKENDS: dict[str, str] = {
    "onnxruntime": "webnn.backends.onnxruntime:OnnxRuntimeBackend",
    "trtx": "webnn.backends.trtx:TrtxBackend",
    "coreml": "webnn.backends.coreml:CoremlBackend",
}
BACKEND_ALIASES = {"ort": "onnxruntime", "onnx": "onnxruntime", "tensorrt": "trtx", "tensorrt-rtx": "trtx"}


def backend_class(name: str) -> type[Backend]:
    """The Backend class registered under ``name`` (ImportError if its module is missing)."""
    mod, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(mod), cls)


class MLContext:
    """A context: the backend graphs built for it run on, plus the options that chose it.

    ``MLContext(accelerated=True, power_preference="high-performance")`` picks the best
    backend available; ``backend="onnxruntime"|"trtx"|"coreml"`` (or ``WEBNN_BACKEND``)
    forces one. ``ctx.backend`` names the choice and ``ctx.describe()`` says why.
    """

    def __init__(
        self,
        accelerated: bool = True,
        power_preference: str = "default",
        *,
        backend: str | None = None,
        **backend_options: Any,
    ) -> None:
        if power_preference not in POWER_PREFERENCES:
            raise ValidationError(f"MLContext: power_preference must be one of {', '.join(POWER_PREFERENCES)}, got {power_preference!r}")
        if not isinstance(accelerated, bool):
            raise ValidationError(f"MLContext: accelerated must be a bool, got {accelerated!r}")
        self.accelerated = accelerated
        self.power_preference = power_preference
        self._backend_options = backend_options
        self._lost = False
        from .selection import select_backend

        choice = select_backend(accelerated, power_preference, backend)
        self._selection = choice
        self._backend: Backend = choice.backend_class(**backend_options)

    @property
    def backend(self) -> str:
        """Name of the backend graphs run on (e.g. ``"onnxruntime"``, ``"trtx"``)."""
        return self._backend.name

    @property
    def powerPreference(self) -> str:  # noqa: N802 - spec spelling
        return self.power_preference

    def describe(self) -> str:
        """Why this backend was chosen and what was rejected."""
        return self._selection.explain()

    def create_graph_builder(self) -> "Any":
        from .builder import MLGraphBuilder

        return MLGraphBuilder(self)

    def op_support_limits(self) -> dict:
        """The spec's ``opSupportLimits()``: per op, per operand, allowed data types and ranks."""
        from .limits import op_support_limits

        return op_support_limits(self._backend)

    opSupportLimits = op_support_limits  # spec spelling

    def compute(self, graph: "MLGraph", inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Run ``graph`` on host arrays; returns ``{output name: numpy array}``."""
        if not isinstance(graph, MLGraph):
            raise ValidationError(f"compute: expected an MLGraph, got {type(graph).__name__}")
        if graph._context is not self:
            raise ValidationError("compute: graph was built for a different MLContext")
        return graph._compute(inputs)

    def destroy(self) -> None:
        """Release the context; graphs built for it can no longer compute."""
        self._lost = True

    def __repr__(self) -> str:
        return f"MLContext(backend={self.backend!r}, accelerated={self.accelerated}, power_preference={self.power_preference!r})"


class ML:
    """Entry point (the spec's ``navigator.ml``)."""

    def create_context(self, accelerated: bool = True, power_preference: str = "default", **options: Any) -> MLContext:
        return MLContext(accelerated=accelerated, power_preference=power_preference, **options)

    createContext = create_context  # spec spelling


class MLGraph:
    """A built, compiled graph. Compute it with :meth:`MLContext.compute`."""

    def __init__(self) -> None:  # pragma: no cover - use MLGraphBuilder.build
        raise TypeError("MLGraph objects are created by MLGraphBuilder.build()")

    @classmethod
    def _create(cls, context: MLContext, info: GraphInfo) -> "MLGraph":
        g = object.__new__(cls)
        g._context = context
        g.info = info
        g._destroyed = False
        g._lock = threading.Lock()
        g._specs = [(n, d.dtype, d.shape) for n, d in info.input_descriptors().items()]
        g._names = frozenset(info.inputs)
        g._compiled = context._backend.compile(info)
        return g

    @property
    def backend(self) -> str:
        """The backend whose engine computes this graph's results."""
        return self._compiled.backend

    @property
    def simulated(self) -> bool:
        return self._compiled.simulated

    @property
    def input_descriptors(self) -> dict[str, MLOperandDescriptor]:
        return self.info.input_descriptors()

    @property
    def output_descriptors(self) -> dict[str, MLOperandDescriptor]:
        return self.info.output_descriptors()

    def save(self, path: str | os.PathLike) -> None:
        """Save the graph (structure + weights) to one file; reload with :func:`webnn.load_graph`."""
        self.info.save(path)

    def destroy(self) -> None:
        """Release the compiled graph's backend resources."""
        if not self._destroyed:
            self._destroyed = True
            self._compiled.close()

    def _check_inputs(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        if not isinstance(inputs, Mapping):
            raise ValidationError(f"compute: inputs must be a dict of name -> array, got {type(inputs).__name__}")
        if len(inputs) != len(self._specs) or not self._names.issuperset(inputs):
            missing = sorted(self._names - set(inputs))
            extra = sorted(set(inputs) - self._names)
            parts = []
            if missing:
                parts.append(f"missing input(s) {', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"unknown input(s) {', '.join(map(repr, extra))}")
            raise ValidationError(f"compute: {'; '.join(parts)} (graph inputs: {', '.join(sorted(self._names))})")
        feed = {}
        for name, dtype, shape in self._specs:
            a = inputs[name]
            if type(a) is not np.ndarray:
                a = _as_array(a, name)
            if a.dtype != dtype:
                raise ValidationError(f"compute: input {name!r} has dtype {a.dtype}, expected {dtype.name}")
            if a.shape != shape:
                raise ValidationError(f"compute: input {name!r} has shape {list(a.shape)}, expected {list(shape)}")
            if not a.flags.c_contiguous:
                a = np.ascontiguousarray(a)
            feed[name] = a
        return feed

    def _compute(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        if self._destroyed:
            raise InvalidStateError("compute: graph was destroyed")
        if self._context._lost:
            raise InvalidStateError("compute: the graph's MLContext was destroyed")
        return self._compiled.run(self._check_inputs(inputs))

    def __repr__(self) -> str:
        ins = ", ".join(f"{n}: {d.data_type}{list(d.shape)}" for n, d in self.input_descriptors.items())
        outs = ", ".join(f"{n}: {d.data_type}{list(d.shape)}" for n, d in self.output_descriptors.items())
        return f"<MLGraph ({ins}) -> ({outs}) on {self.backend}>"


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except Exception as e:
            raise ValidationError(f"compute: input {name!r} could not be read through DLPack on the host ({e})") from None
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        return np.asarray(value)
    raise ValidationError(f"compute: input {name!r} must be a numpy array (or DLPack/array-protocol object), got {type(value).__name__}")


def load_graph(path: str | os.PathLike, context: MLContext | None = None) -> MLGraph:
    """Load a graph saved with ``MLGraph.save`` and compile it for ``context`` (default: a new CPU context)."""
    info = GraphInfo.load(path)
    ctx = context or MLContext(accelerated=False)
    return MLGraph._create(ctx, info)
