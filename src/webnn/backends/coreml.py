"""CoreML backend (macOS): graphs become ML Programs run by CoreML on the CPU, GPU or Neural Engine.

``compile`` converts the graph with the ``"coreml"`` converter (cached on the graph), unpacks
the package and loads it with CoreML once (the loaded model is cached per package bytes and
compute units, so identical graphs share it). Compute units follow the power preference:
``"low-power"`` -> CPU + Neural Engine, ``"high-performance"`` -> CPU + GPU, ``"default"`` ->
all units; ``compute_units=`` overrides ("ALL", "CPU_ONLY", "CPU_AND_GPU", "CPU_AND_NE").

Anywhere but macOS, :meth:`CoremlBackend.availability` reports the backend unavailable with
the reason, so selection never picks it; the converter itself works everywhere.

``model_bytes`` given to :class:`LoadedModel` / :func:`load_model` (and the seed's
``run_coreml_*`` in :mod:`webnn.executors.coreml`) is what the ``"coreml"`` converter produces:
a zipped ``.mlpackage``. Inputs and outputs are named and typed as in the WebNN graph: the
converter records how each maps onto a CoreML feature (int8/uint8/int64/uint64/uint32 travel as
int32, rank-0 inputs as shape [1]) in the package's metadata, and the host-side conversions here
apply it. A package without that metadata is run with its own feature names and types.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..converters import default_registry
from ..errors import BackendUnavailable, CoremlRuntimeFailed, ValidationError
from ..graph import GraphInfo
from . import BACKENDS, Availability, Backend, CompiledGraph, ModelCache, Probes, current_probes, feed_from, zeroed_inputs

INSTALL_HINT = BACKENDS["coreml"].install_hint

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


class CoremlCompiledGraph(CompiledGraph):
    """A graph loaded by CoreML; ``run`` is thread-safe."""

    backend = "coreml"

    def __init__(self, model: LoadedModel, compute_units: str) -> None:
        self._model: LoadedModel | None = model
        self.compute_units = compute_units

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._model is None:
            raise CoremlRuntimeFailed("graph was destroyed")
        return self._model.predict(inputs)

    def close(self) -> None:
        self._model = None  # the loaded model stays in the model cache for identical graphs


class CoremlBackend(Backend):
    """Runs graphs with CoreML (macOS)."""

    name = "coreml"

    def __init__(self, power_preference: str = "default", compute_units: str | None = None) -> None:
        if compute_units is not None and compute_units not in UNITS:
            raise ValidationError(f"coreml: compute_units must be one of {', '.join(UNITS)}, got {compute_units!r}")
        self.power_preference = power_preference
        self.compute_units = compute_units or compute_units_for(power_preference)

    @classmethod
    def availability(cls, probes: Probes | None = None, **_: Any) -> Availability:
        """CoreML prediction needs macOS, coremltools and its native bridge (libcoremlpython)."""
        p = probes or current_probes()
        hint = INSTALL_HINT
        if p.platform != "darwin":
            return Availability([("platform", f"CoreML needs macOS (this is {p.platform}); the CoreML converter still works here")])
        if not p.module_available("coremltools"):
            return Availability([("package", f"coremltools is not installed ({hint})")])
        try:
            p.import_module("coremltools")
        except ImportError as e:
            return Availability([("package", f"coremltools is not installed ({hint}): {e}")])
        try:
            p.import_module("coremltools.libcoremlpython")
        except ImportError as e:
            return Availability(
                [("package", f"coremltools' CoreML bridge (libcoremlpython) does not load, so CoreML cannot run models ({e}); reinstall with {hint}")]
            )
        return Availability()

    def compile(self, info: GraphInfo) -> CoremlCompiledGraph:
        data = default_registry().convert(info, "coreml").data
        return CoremlCompiledGraph(load_model(data, self.compute_units), self.compute_units)

    def describe(self) -> str:
        try:
            from ..converters.coreml._mil import ct  # coremltools is optional and slow to import

            version = ct.__version__
        except ImportError:  # pragma: no cover - reported by availability()
            version = "not installed"
        return f"coreml (coremltools {version}, compute units {self.compute_units})"


def availability(platform: str | None = None) -> Availability:
    """(available, reason) of CoreML prediction here, or on ``platform``."""
    return CoremlBackend.availability(Probes(platform=platform) if platform else None)


# -- loaded models --------------------------------------------------------------------------------


def _looks_like_onnx(data: bytes) -> bool:
    try:
        import onnx  # heavy: imported only to tell ONNX bytes apart in an error message

        m = onnx.load_from_string(bytes(data))
        return len(m.graph.node) > 0 or len(m.graph.input) > 0
    except Exception:  # noqa: BLE001 - whatever onnx cannot read is not ONNX
        return False


def _load_mlmodel(path: str, compute_units: str) -> Any:
    """CoreML loads (and compiles) the package at ``path`` for the given compute units."""
    from ..converters.coreml._mil import ct  # coremltools is optional and slow to import

    return ct.models.MLModel(path, compute_units=ct.ComputeUnit[compute_units])


class LoadedModel:
    """A package unpacked and loaded by CoreML for given compute units; ``predict`` is thread-safe."""

    def __init__(self, model_bytes: bytes, compute_units: str = "ALL") -> None:
        ok, why = availability()
        if not ok:
            raise BackendUnavailable(f"coreml: {why}")
        if compute_units not in UNITS:
            raise ValidationError(f"compute_units must be one of {', '.join(UNITS)}, got {compute_units!r}")
        # the CoreML converter package needs coremltools (optional), and CoreML is there by now
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
        from ..converters.coreml._io import from_feature  # the CoreML converter package needs coremltools

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
        except Exception:  # noqa: BLE001 - never raise from a finalizer (e.g. at interpreter exit)
            pass


_MODELS: ModelCache[tuple[str, str], LoadedModel] = ModelCache(16)


def load_model(model_bytes: bytes, compute_units: str = "ALL") -> LoadedModel:
    """The loaded (compiled) model for these bytes and compute units, from the cache when seen before."""
    key = (hashlib.sha256(model_bytes).hexdigest(), compute_units)
    return _MODELS.get(key, lambda: LoadedModel(bytes(model_bytes), compute_units))


def clear_cache() -> None:
    """Forget every loaded model."""
    _MODELS.clear()


def run_model(model_bytes: bytes, inputs: Iterable[Any], compute_units: str = "ALL", *, zeroed: bool = False) -> dict[str, np.ndarray]:
    """Run a zipped ``.mlpackage`` on the seed API's inputs (``name``, ``shape``, ``data``); every output.

    ``zeroed``: zero-filled inputs of the given shapes instead (dtype: ``data``'s, else the graph's).
    """
    model = load_model(model_bytes, compute_units)
    types = {s.name: s.data_type for s in model.plan.inputs} if model.plan else {n: "" for n in model.input_names}
    if zeroed:
        inputs = zeroed_inputs(inputs, types)
    return model.predict(feed_from(inputs, types, "run_coreml"))
