"""Run CoreML ML Programs on CoreML (macOS): the seed's ``run_coreml_*`` functions.

``model_bytes`` is what the ``"coreml"`` converter produces: a zipped ``.mlpackage``
(:func:`webnn.converters.coreml.save_mlpackage` writes it out as a directory). Loaded models
(CoreML compiles the package to ``.mlmodelc`` on load) are cached per model bytes and compute
units, so repeated calls on the same bytes neither unpack nor compile again.

Inputs and outputs are named and typed as in the WebNN graph: the converter records how each
maps onto a CoreML feature (int8/uint8/int64/uint64/uint32 travel as int32, rank-0 inputs as
shape [1]) in the package's metadata, and the host-side conversions here apply it. A package
without that metadata is run with its own feature names and types.

Prediction needs macOS with CoreML; elsewhere every function raises
:class:`~webnn.errors.BackendUnavailable` with the reason (:func:`availability`).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import sys
import tempfile
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import BackendUnavailable, CoremlRuntimeFailed, ValidationError

INSTALL_HINT = 'pip install "webnn[coreml]"'
#: power preference -> CoreML compute units.
COMPUTE_UNITS = {"low-power": "CPU_AND_NE", "high-performance": "CPU_AND_GPU", "default": "ALL"}
UNITS = ("ALL", "CPU_ONLY", "CPU_AND_GPU", "CPU_AND_NE")


def compute_units_for(power_preference: str) -> str:
    """CoreML compute units for a WebNN power preference: low-power -> CPU and Neural Engine,
    high-performance -> CPU and GPU, default -> all units (CoreML decides per op)."""
    try:
        return COMPUTE_UNITS[power_preference]
    except KeyError:
        raise ValidationError(f"power_preference must be one of {', '.join(COMPUTE_UNITS)}, got {power_preference!r}") from None


def availability(platform: str | None = None) -> tuple[bool, str]:
    """(available, reason): CoreML prediction needs macOS, coremltools and its native bridge."""
    platform = sys.platform if platform is None else platform
    if platform != "darwin":
        return False, f"CoreML runs only on macOS (this is {platform}); the CoreML converter still works here"
    try:
        import coremltools  # noqa: F401
    except ImportError as e:
        return False, f"coremltools is not installed ({INSTALL_HINT}): {e}"
    try:
        from coremltools import libcoremlpython  # noqa: F401
    except ImportError as e:
        return False, f"coremltools' CoreML bridge (libcoremlpython) does not load, so CoreML cannot run models ({e}); reinstall with {INSTALL_HINT}"
    return True, ""


def _require() -> None:
    ok, why = availability()
    if not ok:
        raise BackendUnavailable(f"coreml: {why}")


@dataclass
class CoremlInput:
    """A named input: its shape and data (a numpy array of the graph input's data type)."""

    name: str
    shape: Sequence[int]
    data: np.ndarray | None


@dataclass
class CoremlOutput:
    """An output's name, shape and data type (no data)."""

    name: str
    shape: list[int]
    data_type: str


@dataclass
class CoremlOutputWithData:
    """An output's name, shape and data."""

    name: str
    shape: list[int]
    data: np.ndarray


def _looks_like_onnx(data: bytes) -> bool:
    try:
        import onnx

        m = onnx.load_from_string(bytes(data))
        return len(m.graph.node) > 0 or len(m.graph.input) > 0
    except Exception:
        return False


def _load_mlmodel(path: str, compute_units: str) -> Any:
    """CoreML loads (and compiles) the package at ``path`` for the given compute units."""
    from ..converters.coreml._mil import ct

    return ct.models.MLModel(path, compute_units=ct.ComputeUnit[compute_units])


class LoadedModel:
    """A package unpacked and loaded by CoreML for given compute units; ``predict`` is thread-safe."""

    def __init__(self, model_bytes: bytes, compute_units: str = "ALL") -> None:
        _require()
        if compute_units not in UNITS:
            raise ValidationError(f"compute_units must be one of {', '.join(UNITS)}, got {compute_units!r}")
        from ..converters.coreml import save_mlpackage
        from ..converters.coreml._io import METADATA_KEY, IoPlan

        if not zipfile.is_zipfile(io.BytesIO(model_bytes)):
            what = "an ONNX model" if _looks_like_onnx(model_bytes) else "not a zipped .mlpackage"
            raise ValidationError(
                f"run_coreml: model_bytes is {what}; CoreML runs ML Programs: pass the bytes of the 'coreml' converter "
                f"(webnn.converters.default_registry().convert(graph_info, 'coreml').data), a zipped .mlpackage"
            )
        self.compute_units = compute_units
        self._dir = Path(tempfile.mkdtemp(prefix="webnn-coreml-"))
        self._lock = threading.Lock()
        try:
            path = save_mlpackage(model_bytes, self._dir / "model.mlpackage")
            self.model = _load_mlmodel(str(path), compute_units)
        except Exception as e:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise CoremlRuntimeFailed(f"CoreML could not load the model: {type(e).__name__}: {e}") from e
        spec = self.model.get_spec()
        meta = dict(spec.description.metadata.userDefined)
        self.plan = IoPlan.from_json(meta[METADATA_KEY]) if METADATA_KEY in meta else None
        self._features_in = [f.name for f in spec.description.input]
        self._features_out = [f.name for f in spec.description.output]

    @property
    def input_names(self) -> list[str]:
        return [s.name for s in self.plan.inputs] if self.plan else list(self._features_in)

    @property
    def output_names(self) -> list[str]:
        return [s.name for s in self.plan.outputs] if self.plan else list(self._features_out)

    def predict(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run on WebNN-named arrays; returns WebNN-named arrays of the graph's data types."""
        from ..converters.coreml._io import from_feature

        if self.plan is None:
            feed = {n: np.ascontiguousarray(inputs[n]) for n in self._features_in}
        else:
            feed = self.plan.features(inputs)
        try:
            with self._lock:
                res = self.model.predict(feed)
        except Exception as e:
            raise CoremlRuntimeFailed(f"CoreML failed to run the model: {type(e).__name__}: {e}") from e
        if self.plan is None:
            return {n: np.asarray(res[n]) for n in self._features_out}
        return {s.name: from_feature(s, res[s.feature]) for s in self.plan.outputs}

    def close(self) -> None:
        self.model = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            shutil.rmtree(self._dir, ignore_errors=True)
        except Exception:
            pass


_MODELS: "OrderedDict[tuple[str, str], LoadedModel]" = OrderedDict()
_LOCK = threading.Lock()
_MAX_MODELS = 16


def load_model(model_bytes: bytes, compute_units: str = "ALL") -> LoadedModel:
    """The loaded (compiled) model for these bytes and compute units, from the cache when seen before."""
    key = (hashlib.sha256(model_bytes).hexdigest(), compute_units)
    with _LOCK:
        m = _MODELS.get(key)
        if m is not None:
            _MODELS.move_to_end(key)
            return m
    m = LoadedModel(bytes(model_bytes), compute_units)
    with _LOCK:
        _MODELS[key] = m
        while len(_MODELS) > _MAX_MODELS:
            _MODELS.popitem(last=False)
    return m


def clear_cache() -> None:
    with _LOCK:
        _MODELS.clear()


def _feed(model: LoadedModel, inputs: Sequence[CoremlInput]) -> dict[str, np.ndarray]:
    expected = set(model.input_names)
    feed = {}
    for inp in inputs:
        if inp.name not in expected:
            raise ValidationError(f"run_coreml: model has no input {inp.name!r} (inputs: {', '.join(sorted(expected))})")
        arr = np.asarray(inp.data)
        shape = tuple(int(d) for d in inp.shape)
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ValidationError(f"run_coreml: input {inp.name!r}: data has {arr.size} elements, shape {list(shape)} needs {int(np.prod(shape))}")
        feed[inp.name] = arr.reshape(shape)
    missing = expected - set(feed)
    if missing:
        raise ValidationError(f"run_coreml: missing input(s) {', '.join(sorted(missing))}")
    return feed


def run_coreml_with_inputs(model_bytes: bytes, inputs: Sequence[CoremlInput], compute_units: str = "ALL") -> list[CoremlOutputWithData]:
    """Run the model on the given inputs; returns every model output with its data."""
    model = load_model(model_bytes, compute_units)
    results = model.predict(_feed(model, inputs))
    return [CoremlOutputWithData(n, list(r.shape), r) for n, r in results.items()]


def run_coreml_zeroed_cached(model_bytes: bytes, inputs: Sequence[CoremlInput], compute_units: str = "ALL") -> list[CoremlOutput]:
    """Run the (cached) model on zero-filled inputs of the given shapes; returns output shapes and types.

    Each input's data type is its ``data``'s dtype, else the graph's (from the package metadata).
    """
    model = load_model(model_bytes, compute_units)
    types = {s.name: s.data_type for s in model.plan.inputs} if model.plan else {}
    zeroed = []
    for i in inputs:
        dt = np.asarray(i.data).dtype if i.data is not None else np.dtype(types.get(i.name, "float32"))
        zeroed.append(CoremlInput(i.name, i.shape, np.zeros(tuple(i.shape), dtype=dt)))
    results = model.predict(_feed(model, zeroed))
    return [CoremlOutput(n, list(r.shape), r.dtype.name) for n, r in results.items()]


run_coreml_zeroed = run_coreml_zeroed_cached

__all__ = [
    "CoremlInput",
    "CoremlOutput",
    "CoremlOutputWithData",
    "LoadedModel",
    "availability",
    "compute_units_for",
    "load_model",
    "clear_cache",
    "run_coreml_with_inputs",
    "run_coreml_zeroed_cached",
    "run_coreml_zeroed",
]
