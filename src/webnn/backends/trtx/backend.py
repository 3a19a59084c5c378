"""TensorRT-RTX backend: GraphInfo -> ONNX -> TensorRT-RTX engine (cached) -> CUDA execution.

``MLContext(backend="trtx")`` (or automatic selection on an NVIDIA GPU) compiles each
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

from typing import Any, Mapping, Sequence

import numpy as np

from ...converters import default_registry
from ...errors import BackendUnavailable, InvalidStateError, ValidationError
from ...graph import GraphInfo
from .lib import cuda_python_available, trt_available, trt_version
from .simulate import simulate_requested
from ...tensor import HostStorage, TensorStorage
from ...types import MLOperandDescriptor
from .. import Backend, CompiledGraph


class TrtxCompiledGraph(CompiledGraph):
    """One engine, one runner (GPU or simulated) per graph, created once."""

    backend = "trtx"

    def __init__(self, runner: Any, record: Any, output_names: Mapping[str, str]) -> None:
        self._runner = runner
        self.record = record
        self.simulated = bool(runner.simulated)
        #: WebNN output name -> the engine's (ONNX) output name
        self._output_names = dict(output_names)

    @property
    def engine_source(self) -> str:
        """``"built"`` (AOT build in this process) or ``"cache"`` (verified cache entry)."""
        return self.record.source

    @property
    def runner(self) -> Any:
        return self._runner

    def run(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        if self._runner is None:
            raise InvalidStateError("compute: graph was destroyed")
        if all(isinstance(a, np.ndarray) for a in inputs.values()):
            out = self._runner.infer(inputs)
            return {n: out[o] for n, o in self._output_names.items()}
        # DLPack arrays on this GPU (accepts_device): consumed without a copy and bound directly.
        from ...tensor import DLPACK_CUDA, device_name, dlpack_device_of
        from .dlpack import consume

        runner = self._runner
        handle = runner._cuda.stream_handle(runner._stream) if runner.active else None
        views = []
        try:
            feed: dict[str, Any] = {}
            for name, a in inputs.items():
                if isinstance(a, np.ndarray):
                    feed[name] = a
                else:
                    dev = dlpack_device_of(a)
                    if dev != (DLPACK_CUDA, int(runner.device)):
                        where = device_name(dev) if dev else type(a).__name__
                        raise ValidationError(f"compute: input {name!r} lives on {where}, the graph runs on cuda:{runner.device}; move it there first")
                    v = consume(a, handle, f"compute: input {name!r}")
                    views.append(v)
                    feed[name] = v
            out = runner.dispatch(feed, {})
        finally:
            for v in views:  # after dispatch's synchronize: the producers' memory may go now
                v.close()
        return {n: out[o] for n, o in self._output_names.items()}

    def accepts_device(self, dl_device: tuple[int, int]) -> bool:
        """The GPU runner takes CUDA arrays as they are: on its own device they are bound (no host
        copy); on another CUDA device ``run`` raises a ValidationError instead of a silent trip
        through the host."""
        from ...tensor import DLPACK_CUDA

        return self._runner is not None and not self.simulated and int(dl_device[0]) == DLPACK_CUDA

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Bind device tensors' buffers directly (no host copies); stage host/foreign storages."""
        if self._runner is None:
            raise InvalidStateError("dispatch: graph was destroyed")
        if self.simulated:
            return super().dispatch(inputs, outputs)
        from .storage import DeviceStorage

        def bound(s: TensorStorage) -> bool:
            return isinstance(s, DeviceStorage) and s.memory.device == self._runner.device

        feed = {n: (s._live() if bound(s) else s.host_array()) for n, s in inputs.items()}
        targets = {self._output_names[n]: (s._live() if bound(s) else None) for n, s in outputs.items()}
        results = self._runner.dispatch(feed, targets)
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
        from .cache import EngineCache
        from .options import BuildOptions

        self.simulated = simulate_requested(simulate)
        ok, why = self.availability(simulate=self.simulated, device=device)
        if not ok:
            raise BackendUnavailable(f"TensorRT-RTX backend unavailable: {why}")
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
        self._tensor_memory: Any = None

    @classmethod
    def availability(cls, simulate: bool | None = None, device: int = 0, **_: Any) -> tuple[bool, str]:
        """Available with the package and a supported NVIDIA GPU, or with the package alone when simulating."""
        ok, why = trt_available()
        if not ok:
            return False, why
        if simulate_requested(simulate):
            return True, ""
        ok, why = cuda_python_available()
        if not ok:
            return False, why
        from .device import check_gpu

        ok, why, _ = check_gpu(device)
        if not ok:
            return False, f"{why} (simulate=True or WEBNN_TRTX_SIMULATE=1 runs the real engine build with a simulated runtime)"
        return True, ""

    @classmethod
    def supports_compute_capability(cls, cc: tuple[int, int]) -> tuple[bool, str]:
        from .device import MIN_COMPUTE_CAPABILITY

        if tuple(cc) >= MIN_COMPUTE_CAPABILITY:
            return True, ""
        return False, "TensorRT-RTX needs compute capability 7.5 (Turing) or newer"

    def compile(self, info: GraphInfo) -> TrtxCompiledGraph:
        from .session import open_runner

        converted = default_registry().convert(info, "onnx")
        label = f"graph {info.content_hash()[:12]}"
        runner, record = open_runner(
            converted.data,
            self.options,
            cache=self.cache,
            simulate=self.simulated,
            label=label,
            progress=self.progress,
            device=self.device,
        )
        names = converted.metadata.get("output_names") or {n: n for n in info.outputs}
        return TrtxCompiledGraph(runner, record, names)

    def create_tensor_storage(self, descriptor: MLOperandDescriptor) -> TensorStorage:
        """Device memory on the GPU runner (dispatch binds it directly); host memory when simulated."""
        if self.simulated:
            return HostStorage(descriptor)
        from .storage import DeviceStorage, TensorMemory

        if self._tensor_memory is None:
            self._tensor_memory = TensorMemory(self._cuda, self.device)
        return DeviceStorage(self._tensor_memory, descriptor)

    def describe(self) -> str:
        v = trt_version()
        if self.simulated:
            return f"TensorRT-RTX {v} (simulated: real AOT engine build and cache, execution on ONNX Runtime CPU)"
        from .device import check_gpu

        _, _, gpu = check_gpu(self.device)
        where = f" on {gpu.name} (compute capability {gpu.compute_capability[0]}.{gpu.compute_capability[1]})" if gpu else ""
        return f"TensorRT-RTX {v}{where}"
