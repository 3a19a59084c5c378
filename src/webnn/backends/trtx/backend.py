"""TensorRT-RTX backend: GraphInfo -> ONNX -> TensorRT-RTX engine (cached) -> CUDA execution.

``MLContext(backend="trtx")`` (or automatic selection on a supported NVIDIA GPU) compiles each
graph once in ``build()``: ONNX conversion, engine build or verified cache load, engine
deserialization, execution context, stream and buffers. ``compute`` then only copies,
executes and copies back. Options (keywords of ``MLContext``/``create_context``):

- ``cache_dir``: engine cache root (default ``$WEBNN_CACHE_DIR``, ``$XDG_CACHE_HOME/webnn``
  or ``~/.cache/webnn``); ``cache=False`` disables the cache; ``cache_max_bytes`` bounds it;
- ``workspace``: workspace memory-pool limit in bytes;
- ``profiles``: optimization profiles (``[{"x": (min, opt, max)}]``); WebNN graphs have
  static shapes, so this matters only for imported ONNX;
- ``compute_capabilities``: e.g. ``["SM86"]`` or ``["current"]`` (default: portable);
- ``optimization_level``, ``progress`` (build progress bar/log), ``device`` (GPU index);
- ``simulate``: run the real AOT build and caching, then execute on ONNX Runtime CPU
  (also ``WEBNN_TRTX_SIMULATE=1``); never chosen automatically, always labelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...converters import default_registry
from ...devices import GpuInfo
from ...errors import BackendUnavailable, InvalidStateError, ValidationError
from ...graph import GraphInfo
from ...tensor import DLPACK_CUDA, HostStorage, TensorStorage, device_name, dlpack_device_of
from ...types import MLOperandDescriptor
from .. import Availability, Backend, CompiledGraph, Probes, Runner, current_probes
from .cache import EngineCache
from .dlpack import consume
from .engines import EngineRecord
from .lib import INSTALL_HINT, compute_capabilities, format_compute_capabilities, import_failure, trt_version
from .options import BuildOptions
from .session import open_runner
from .simulate import ENV as SIMULATE_ENV
from .simulate import simulate_requested
from .storage import DeviceStorage, TensorMemory

_SIMULATE_HINT = f" (simulate=True or {SIMULATE_ENV}=1 runs the real engine build with a simulated runtime)"


class TrtxCompiledGraph(CompiledGraph):
    """One engine, one runner (GPU or simulated) per graph, created once."""

    backend = "trtx"

    def __init__(self, runner: Runner, record: EngineRecord, output_names: Mapping[str, str]) -> None:
        self._runner: Runner | None = runner
        self.record = record
        self.simulated = bool(runner.simulated)
        #: WebNN output name -> the engine's (ONNX) output name
        self._output_names = dict(output_names)

    @property
    def engine_source(self) -> str:
        """``"built"`` (AOT build in this process) or ``"cache"`` (verified cache entry)."""
        return self.record.source

    @property
    def runner(self) -> Runner | None:
        return self._runner

    def _live_runner(self, what: str) -> Runner:
        if self._runner is None:
            raise InvalidStateError(f"{what}: graph was destroyed")
        return self._runner

    def run(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Host arrays are staged; CUDA arrays on the runner's GPU (see ``accepts_device``) are bound as they are."""
        runner = self._live_runner("compute")
        feed: dict[str, Any] = {}
        views = []
        try:
            for name, a in inputs.items():
                if isinstance(a, np.ndarray):
                    feed[name] = a
                    continue
                dev = dlpack_device_of(a)
                if runner.device is None or dev != (DLPACK_CUDA, runner.device):
                    where = device_name(dev) if dev else type(a).__name__
                    here = "the host (simulated)" if runner.device is None else f"cuda:{runner.device}"
                    raise ValidationError(f"compute: input {name!r} lives on {where}, the graph runs on {here}; move it there first")
                views.append(consume(a, runner.stream_handle(), f"compute: input {name!r}"))
                feed[name] = views[-1]
            out = runner.dispatch(feed, {})
        finally:
            for v in views:  # after dispatch's synchronize: the producers' memory may go now
                v.close()
        return {n: out[o] for n, o in self._output_names.items()}

    def accepts_device(self, dl_device: tuple[int, int]) -> bool:
        """The GPU runner takes CUDA arrays as they are: on its own device they are bound (no host
        copy); on another CUDA device ``run`` raises a ValidationError instead of a silent trip
        through the host."""
        return self._runner is not None and self._runner.device is not None and int(dl_device[0]) == DLPACK_CUDA

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Bind device tensors' buffers directly (no host copies); stage host/foreign storages."""
        runner = self._live_runner("dispatch")

        def bound(s: TensorStorage) -> int | None:
            return s.device_ptr() if isinstance(s, DeviceStorage) and s.memory.device == runner.device else None

        feed: dict[str, Any] = {}
        for n, s in inputs.items():
            ptr = bound(s)
            feed[n] = s.host_array() if ptr is None else ptr
        targets = {self._output_names[n]: bound(s) for n, s in outputs.items()}
        results = runner.dispatch(feed, targets)
        for n, s in outputs.items():
            if targets[self._output_names[n]] is None:
                s.write(results[self._output_names[n]])

    def close(self) -> None:
        r, self._runner = self._runner, None
        if r is not None:
            r.close()


class TrtxBackend(Backend):
    """NVIDIA TensorRT-RTX through its ONNX parser; engines cached on disk."""

    name = "trtx"

    def __init__(
        self,
        *,
        simulate: bool | None = None,
        cache_dir: str | None = None,
        cache: bool = True,
        cache_max_bytes: int | None = None,
        workspace: int | None = None,
        profiles: Sequence[Any] | None = None,
        compute_capabilities: Sequence[str] | None = None,
        optimization_level: int | None = None,
        progress: bool | None = None,
        device: int = 0,
    ) -> None:
        self.simulated = simulate_requested(simulate)
        avail = self.availability(simulate=self.simulated, device=device)
        if not avail.ok:
            raise BackendUnavailable(f"TensorRT-RTX backend unavailable: {avail.reason}")
        #: The GPU the engines run on (None when simulated).
        self.gpu = avail.gpu
        self.options = BuildOptions(
            workspace=workspace,
            profiles=tuple(profiles or ()),
            compute_capabilities=tuple(compute_capabilities or ()),
            optimization_level=optimization_level,
        )
        self.cache = EngineCache(cache_dir, cache_max_bytes) if cache else None
        self.progress = progress
        self.device = device
        self._cuda: Any = None  # CudaApi for tensor memory (None: created on first use; tests inject a fake)
        self._tensor_memory: TensorMemory | None = None

    @classmethod
    def configure(cls, options: Mapping[str, Any], *, explicit: bool, environ: Mapping[str, str]) -> dict[str, Any]:
        """``WEBNN_TRTX_SIMULATE`` counts only when TensorRT-RTX was named: it becomes ``simulate=True``
        then, and ``simulate=False`` for an automatic choice, so the backend never reads it on its own."""
        opts = dict(options)
        if opts.get("simulate") is None and simulate_requested(None, environ):
            opts["simulate"] = explicit
        return opts

    @classmethod
    def supports_compute_capability(cls, cc: tuple[int, int], module: Any = None) -> tuple[bool, str]:
        """Whether TensorRT-RTX (the installed library, or ``module``) runs on GPUs of compute capability ``cc``."""
        ccs = compute_capabilities(module)
        if tuple(cc) in ccs:
            return True, ""
        version = getattr(module, "__version__", None) if module is not None else trt_version()
        return False, f"TensorRT-RTX {version} supports compute capability {format_compute_capabilities(ccs)}"

    @classmethod
    def availability(cls, probes: Probes | None = None, *, simulate: bool | None = None, device: int = 0, **_: Any) -> Availability:
        """Runs with the package, cuda-python and a supported NVIDIA GPU; simulated, with the package alone."""
        p = probes or current_probes()
        simulate = simulate_requested(simulate, p.environ)
        problems: list[tuple[str, str]] = []
        notes: list[str] = []
        gpu: GpuInfo | None = None
        if p.platform == "darwin":
            problems.append(("platform", "TensorRT-RTX does not run on macOS"))
        elif simulate:
            notes.append("simulate=True: the TensorRT-RTX runtime is simulated on the host; no GPU needed")
        else:
            report = p.devices()
            if not report.gpus:
                problems.append(("gpu", report.summary() + _SIMULATE_HINT))
            elif not 0 <= device < len(report.gpus):
                problems.append(("gpu", f"GPU {device} does not exist ({report.summary()})"))
            else:
                gpu = report.gpus[device]
        if not p.module_available("tensorrt_rtx"):
            problems.append(("package", f"TensorRT-RTX is not installed ({INSTALL_HINT})"))
        if not simulate and not p.module_available("cuda.bindings"):
            problems.append(("package", f"cuda-python is not installed ({INSTALL_HINT}); it runs the engines on the GPU"))
        if problems:
            return Availability(problems, gpu, notes)
        try:
            module = p.import_module("tensorrt_rtx")
        except (ImportError, OSError) as e:
            return Availability([("package", import_failure(e))], gpu, notes)
        if not simulate:
            try:
                p.import_module("cuda.bindings.runtime")
            except (ImportError, OSError) as e:
                return Availability([("package", f"cuda-python does not load ({e}); install it with: {INSTALL_HINT}")], gpu, notes)
        if gpu is not None:
            if gpu.compute_capability is None:
                notes.append(f"compute capability of {gpu.name} unknown; assuming TensorRT-RTX supports it")
            else:
                ok, why = cls.supports_compute_capability(gpu.compute_capability, module)
                if not ok:
                    problems.append(("compute_capability", f"{gpu.name} has compute capability {gpu.compute_capability_str}; {why}{_SIMULATE_HINT}"))
        return Availability(problems, gpu, notes)

    def open_runner(self, onnx_bytes: bytes, *, label: str, hints: Mapping[str, Sequence[int]] | None = None) -> tuple[Runner, EngineRecord]:
        """(activated runner, engine record) for ONNX bytes with this backend's options (see :func:`.session.open_runner`)."""
        return open_runner(
            onnx_bytes, self.options, cache=self.cache, simulate=self.simulated, hints=hints, label=label,
            progress=self.progress, device=self.device, gpu=self.gpu,
        )

    def compile(self, info: GraphInfo) -> TrtxCompiledGraph:
        converted = default_registry().convert(info, "onnx")
        runner, record = self.open_runner(converted.data, label=f"graph {info.content_hash()[:12]}")
        names = converted.metadata.get("output_names") or {n: n for n in info.outputs}
        return TrtxCompiledGraph(runner, record, names)

    def create_tensor_storage(self, descriptor: MLOperandDescriptor) -> TensorStorage:
        """Device memory on the GPU runner (dispatch binds it directly); host memory when simulated."""
        if self.simulated:
            return HostStorage(descriptor)
        if self._tensor_memory is None:
            self._tensor_memory = TensorMemory(self._cuda, self.device)
        return DeviceStorage(self._tensor_memory, descriptor)

    def describe(self) -> str:
        v = trt_version()
        if self.simulated:
            return f"TensorRT-RTX {v} (simulated: real AOT engine build and cache, execution on ONNX Runtime CPU)"
        gpu = self.gpu
        where = f" on {gpu.name} (compute capability {gpu.compute_capability_str})" if gpu else ""
        return f"TensorRT-RTX {v}{where}"
