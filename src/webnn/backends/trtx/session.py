"""Engine + runner in one call, with the recovery a GPU may need.

:func:`open_runner` gets the engine (cache or build), then either a
:class:`~.simulate.SimulatedRunner` or a :class:`~.runtime.TrtxRunner` activated on the
GPU. When TensorRT-RTX's validity check rejects an engine on this GPU, the entry is
discarded and rebuilt once: for the current GPU's compute capability when the portable
build does not cover it (e.g. compute capability 9.0, which has no TensorRT-RTX target of
its own), as-is when the entry was malformed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

from ...errors import BackendUnavailable
from .cache import EngineCache
from .engines import EngineRecord, get_engine
from .lib import trt_version
from .logger import log
from .options import BuildOptions
from .runtime import EngineInvalid, RuntimeCacheIO, TrtxRunner
from .simulate import SimulatedRunner


def runtime_cache_io(cache: EngineCache | None, record: EngineRecord, gpu: str = "") -> RuntimeCacheIO | None:
    """Load/save the runtime cache next to the engine entry."""
    if cache is None:
        return None
    version = trt_version()

    def load() -> bytes | None:
        e = cache.load(record.key, "rtcache", trt_version=version)
        return e.payload if e is not None else None

    def save(blob: bytes) -> None:
        cache.store(record.key, "rtcache", blob, {"trt_version": version, "label": record.label, "gpu": gpu})

    return RuntimeCacheIO(load, save)


def gpu_options(options: BuildOptions, device: int = 0) -> BuildOptions:
    """Options adjusted for the GPU present: Turing (7.5) is not in the portable default, so target it."""
    if options.compute_capabilities:
        return options
    from .device import check_gpu

    ok, _, gpu = check_gpu(device)
    if ok and gpu is not None and gpu.compute_capability == (7, 5):
        return replace(options, compute_capabilities=("SM75",))
    return options


def open_runner(
    onnx_bytes: bytes,
    options: BuildOptions,
    *,
    cache: EngineCache | None,
    simulate: bool,
    hints: Mapping[str, Sequence[int]] | None = None,
    label: str | None = None,
    progress: bool | None = None,
    device: int = 0,
    cuda: Any = None,
    runtime: Any = None,
) -> tuple[Any, EngineRecord]:
    """(activated runner, engine record) for ``onnx_bytes``.

    ``cuda`` and ``runtime`` replace the CUDA API and ``trt.Runtime`` (tests use in-memory fakes).
    """
    if simulate:
        record = get_engine(onnx_bytes, options, cache=cache, hints=hints, label=label, progress=progress)
        return SimulatedRunner(record).activate(), record
    from .device import check_gpu

    ok, why, gpu = check_gpu(device)
    if not ok and cuda is None:
        raise BackendUnavailable(f"TensorRT-RTX cannot run here: {why} (WEBNN_TRTX_SIMULATE=1 or simulate=True runs the real build with a simulated runtime)")
    gpu_name = f"{gpu.name} {gpu.sm}" if gpu is not None else ""
    opts = gpu_options(options, device)
    for attempt in range(2):
        record = get_engine(onnx_bytes, opts, cache=cache, hints=hints, label=label, progress=progress)
        runner = TrtxRunner(record.engine, label=record.label, device=device, runtime_cache=runtime_cache_io(cache, record, gpu_name), cuda=cuda, runtime=runtime)
        try:
            runner.activate()
            return runner, record
        except EngineInvalid as e:
            runner.close()
            fixable_cc = "UNSUPPORTED_CC" in e.diagnostics and not opts.compute_capabilities
            if attempt or not (fixable_cc or record.source == "cache"):
                raise
            if cache is not None:
                cache.discard(record.key, reason=f"invalid on this GPU: {', '.join(e.diagnostics)}")
            if fixable_cc:
                log.warning("webnn trtx: the portable engine does not cover %s; rebuilding for the current GPU", gpu_name or "this GPU")
                opts = replace(opts, compute_capabilities=("current",))
    raise AssertionError("unreachable")  # pragma: no cover
