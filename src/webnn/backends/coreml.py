"""CoreML backend (macOS): graphs become ML Programs run by CoreML on the CPU, GPU or Neural Engine.

``compile`` converts the graph with the ``"coreml"`` converter (cached on the graph), unpacks
the package and loads it with CoreML once (the loaded model is cached per package bytes and
compute units, so identical graphs share it). Compute units follow the power preference:
``"low-power"`` -> CPU + Neural Engine, ``"high-performance"`` -> CPU + GPU, ``"default"`` ->
all units; ``compute_units=`` overrides ("ALL", "CPU_ONLY", "CPU_AND_GPU", "CPU_AND_NE").

Anywhere but macOS, :meth:`CoremlBackend.availability` reports the backend unavailable with
the reason, so selection never picks it; the converter itself works everywhere.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import BackendUnavailable, CoremlRuntimeFailed, ValidationError
from ..graph import GraphInfo
from . import Backend, CompiledGraph


class CoremlCompiledGraph(CompiledGraph):
    """A graph loaded by CoreML; ``run`` is thread-safe."""

    backend = "coreml"

    def __init__(self, model: object, compute_units: str) -> None:
        self._model = model
        self.compute_units = compute_units

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._model is None:
            raise CoremlRuntimeFailed("graph was destroyed")
        return self._model.predict(inputs)  # type: ignore[attr-defined]

    def close(self) -> None:
        self._model = None  # the loaded model stays in the executor's cache for identical graphs


class CoremlBackend(Backend):
    """Runs graphs with CoreML (macOS)."""

    name = "coreml"

    def __init__(self, power_preference: str = "default", compute_units: str | None = None) -> None:
        from ..executors.coreml import UNITS, compute_units_for

        if compute_units is not None and compute_units not in UNITS:
            raise ValidationError(f"coreml: compute_units must be one of {', '.join(UNITS)}, got {compute_units!r}")
        self.power_preference = power_preference
        self.compute_units = compute_units or compute_units_for(power_preference)

    @classmethod
    def availability(cls) -> tuple[bool, str]:
        from ..executors.coreml import availability

        return availability()

    def compile(self, info: GraphInfo) -> CoremlCompiledGraph:
        ok, why = self.availability()
        if not ok:
            raise BackendUnavailable(f"coreml: {why}")
        from ..converters import default_registry
        from ..executors.coreml import load_model

        data = default_registry().convert(info, "coreml").data
        return CoremlCompiledGraph(load_model(data, self.compute_units), self.compute_units)

    def describe(self) -> str:
        try:
            from ..converters.coreml._mil import ct

            version = ct.__version__
        except ImportError:  # pragma: no cover - reported by availability()
            version = "not installed"
        return f"coreml (coremltools {version}, compute units {self.compute_units})"
