"""The simulated TensorRT-RTX runtime: real AOT build and caching, then ONNX Runtime on the CPU.

For machines without a CUDA driver (CI, laptops) when asked for explicitly
(``simulate=True`` or ``WEBNN_TRTX_SIMULATE=1``); never chosen automatically. Everything
up to the engine is real: the legalization, the ONNX parser, the builder, the verified
engine cache. Only the last step differs: instead of deserializing the engine on a GPU, the
ONNX the engine was built from (the model after :func:`~.legalize.legalize`) runs on ONNX
Runtime's CPU provider, with the engine's I/O types (uint32/uint64 reinterpreted as the
engine holds them). The runner checks inputs against the engine's real I/O table and
optimization profiles as the GPU runner does (one profile must hold every dynamic input's
shape), so what TensorRT-RTX would refuse is refused here too. Results are labelled:
``simulated`` is True on the runner, the compiled graph and the MLGraph, and the context
describes the backend as simulated.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import TrtxRuntimeFailed
from ..onnxruntime import create_session
from .dlpack import DeviceArray
from .dtypes import spec_dtype
from .engines import EngineRecord
from .legalize import legalize
from .runtime import host_input, missing_input, outside_profile, outside_profiles

#: The environment variable that asks for the simulated runtime (1/true/yes/on).
ENV = "WEBNN_TRTX_SIMULATE"


def simulate_requested(option: bool | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """The ``simulate`` option if given, else ``WEBNN_TRTX_SIMULATE`` in ``environ`` (default: the process's)."""
    if option is not None:
        return bool(option)
    env = os.environ if environ is None else environ
    return env.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


_SOURCES: OrderedDict[str, bytes] = OrderedDict()  # engine key -> the ONNX it was built from (recent, small models)
_SOURCES_LOCK = threading.Lock()


def engine_source(record: EngineRecord) -> bytes:
    """The ONNX the record's engine was built from: the model after :func:`~.legalize.legalize` (deterministic)."""
    with _SOURCES_LOCK:
        if record.key in _SOURCES:
            _SOURCES.move_to_end(record.key)
            return _SOURCES[record.key]
    source = record.built_from if record.built_from is not None else legalize(record.onnx)[0]
    if len(source) <= 1 << 24:
        with _SOURCES_LOCK:
            _SOURCES[record.key] = source
            while len(_SOURCES) > 16:
                _SOURCES.popitem(last=False)
    return source


class SimulatedRunner:
    """The :class:`~webnn.backends.Runner` of :class:`~.runtime.TrtxRunner`, on the host: executes the
    source ONNX with ONNX Runtime (CPU), after checking inputs against the engine's I/O table."""

    simulated = True
    device = None  # runs on the host: no CUDA device, no device memory

    def __init__(self, record: EngineRecord, *, label: str | None = None) -> None:
        self.record = record
        self.label = label or record.label
        self._session: Any = None
        self._lock = threading.Lock()
        self._closed = False
        self.calls = 0
        self._inputs = record.inputs
        self._outputs = record.outputs

    @property
    def input_names(self) -> list[str]:
        return [s.name for s in self._inputs]

    @property
    def output_names(self) -> list[str]:
        return [s.name for s in self._outputs]

    @property
    def active(self) -> bool:
        return self._session is not None

    def activate(self) -> SimulatedRunner:
        if self._closed:
            raise TrtxRuntimeFailed(f"{self.label}: the runner was closed")
        if self._session is None:
            self._session = create_session(engine_source(self.record))
        return self

    def deactivate(self) -> None:
        self._session = None

    def close(self) -> None:
        self._session = None
        self._closed = True

    def __enter__(self) -> SimulatedRunner:
        return self.activate()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream_handle(self) -> int | None:
        return None

    def allocation_count(self) -> int:
        return 0

    def infer(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run once on host arrays (``dispatch`` with every input and output on the host)."""
        return self.dispatch(feed, {})

    def dispatch(self, inputs: Mapping[str, Any], outputs: Mapping[str, int | None]) -> dict[str, np.ndarray]:
        """Host arrays only: the simulation has no device memory to bind inputs from or outputs to."""
        bound = [n for n, dst in outputs.items() if dst is not None]
        if bound:
            raise TrtxRuntimeFailed(f"{self.label}: the simulated runtime has no device memory to write output {bound[0]!r} into")
        with self._lock:
            self.activate()
            run_feed = {}
            for spec in self._inputs:
                if spec.name not in inputs:
                    raise missing_input(self.label, spec.name, self.input_names)
                if isinstance(inputs[spec.name], (int, DeviceArray)):
                    raise TrtxRuntimeFailed(f"{self.label}: input {spec.name!r} is device memory; the simulated runtime takes host arrays")
                a = host_input(self.label, spec.name, inputs[spec.name], spec_dtype(spec.public_dtype))
                if not spec.dynamic and tuple(a.shape) != tuple(spec.shape):
                    raise outside_profile(self.label, spec.name, a.shape, spec.shape)
                run_feed[spec.name] = a.view(spec_dtype(spec.dtype)) if spec.model_dtype else a
            dynamic = {s.name: tuple(run_feed[s.name].shape) for s in self._inputs if s.dynamic}
            if dynamic and self.record.profile_for(dynamic) is None:
                ranges = [{n: (r[0], r[2]) for n in dynamic if (r := p.get(n)) is not None} for p in self.record.profiles]
                raise outside_profiles(self.label, dynamic, ranges)
            # The ONNX model may declare inputs TensorRT-RTX dropped as unused; ORT still wants them.
            for i in self._session.get_inputs():
                if i.name not in run_feed and i.name in inputs:
                    run_feed[i.name] = np.asarray(inputs[i.name])
            names = self.output_names
            try:
                results = self._session.run(names, run_feed)
            except Exception as e:
                raise TrtxRuntimeFailed(f"{self.label}: simulated TensorRT-RTX run (ONNX Runtime CPU) failed: {e}") from e
            self.calls += 1
            views = {s.name: spec_dtype(s.model_dtype) for s in self._outputs if s.model_dtype}
            return {n: (r.view(views[n]) if n in views else r) for n, r in zip(names, results, strict=True)}
