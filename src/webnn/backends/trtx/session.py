"""Engine + runner in one call, with the recovery a GPU may need.

:func:`open_runner` gets the engine (cache or build), then either a
:class:`~.simulate.SimulatedRunner` or a :class:`~.runtime.TrtxRunner` activated on the
GPU. When TensorRT-RTX's validity check rejects an engine on this GPU, the entry is
discarded and rebuilt once: for the current GPU when the portable build does not cover it
and the GPU is one TensorRT-RTX supports (:func:`~.lib.compute_capabilities`), as-is when the
entry was malformed. Whether the GPU can run TensorRT-RTX at all is the backend's
``availability()``; callers check it first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ...devices import GpuInfo, detect
from ...errors import TrtxRuntimeFailed
from .cache import EngineCache
from .engines import EngineRecord, get_engine
from .lib import compute_capabilities, trt_version
from .logger import log
from .options import BuildOptions
from .runtime import EngineInvalid, RuntimeCacheIO, TrtxRunner
from .simulate import SimulatedRunner

#: The oldest GPUs a portable engine (no compute capabilities given) runs on: 8.0, 8.6, 8.9 and
#: 12.x. Supported GPUs older than this get an engine built for their own compute capability.
PORTABLE_MIN_COMPUTE_CAPABILITY = (8, 0)


def runtime_cache_io(cache: EngineCache | None, record: EngineRecord, gpu: str = "") -> RuntimeCacheIO | None:
    """Load/save the runtime cache next to the engine entry."""
    if cache is None or not cache.usable():
        return None
    version = trt_version()

    def load() -> bytes | None:
        e = cache.load(record.key, "rtcache", trt_version=version)
        return e.payload if e is not None else None

    def save(blob: bytes) -> None:
        cache.store(record.key, "rtcache", blob, {"trt_version": version, "label": record.label, "gpu": gpu})

    return RuntimeCacheIO(load, save)


def supported_gpu(gpu: GpuInfo | None) -> bool:
    """Whether TensorRT-RTX builds engines for this GPU's compute capability (False when unknown)."""
    return gpu is not None and gpu.compute_capability in compute_capabilities()


def gpu_options(options: BuildOptions, gpu: GpuInfo | None) -> BuildOptions:
    """Options adjusted for the GPU present: a supported GPU older than the portable build (Turing, 7.5) is targeted by name."""
    if options.compute_capabilities or not supported_gpu(gpu):
        return options
    assert gpu is not None and gpu.compute_capability is not None
    if gpu.compute_capability < PORTABLE_MIN_COMPUTE_CAPABILITY:
        return replace(options, compute_capabilities=(compute_capabilities()[gpu.compute_capability],))
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
    gpu: GpuInfo | None = None,
    cuda: Any = None,
    runtime: Any = None,
) -> tuple[SimulatedRunner | TrtxRunner, EngineRecord]:
    """(activated runner, engine record) for ``onnx_bytes``.

    ``gpu``: the GPU ``device`` is (default: from :func:`webnn.devices.detect`); ``cuda`` and
    ``runtime`` replace the CUDA API and ``trt.Runtime`` (tests use in-memory fakes).
    """
    if simulate:
        record = get_engine(onnx_bytes, options, cache=cache, hints=hints, label=label, progress=progress)
        return SimulatedRunner(record).activate(), record
    if gpu is None:
        gpus = detect().gpus
        gpu = gpus[device] if 0 <= device < len(gpus) else None
    gpu_name = (
        f"{gpu.name} SM{gpu.compute_capability[0]}{gpu.compute_capability[1]}" if gpu is not None and gpu.compute_capability else (gpu.name if gpu else "")
    )
    opts = gpu_options(options, gpu)
    for attempt in range(2):
        record = get_engine(onnx_bytes, opts, cache=cache, hints=hints, label=label, progress=progress)
        runner = TrtxRunner(
            record.engine,
            label=record.label,
            device=device,
            runtime_cache=runtime_cache_io(cache, record, gpu_name),
            cuda=cuda,
            runtime=runtime,
            views=record.views,
        )
        try:
            runner.activate()
        except EngineInvalid as e:
            runner.close()
            # A build for the current GPU helps only a GPU TensorRT-RTX supports (never e.g. 9.0).
            fixable_cc = "UNSUPPORTED_CC" in e.diagnostics and not opts.compute_capabilities and supported_gpu(gpu)
            if attempt or not (fixable_cc or record.source == "cache"):
                raise
            if cache is not None:
                cache.discard(record.key, reason=f"invalid on this GPU: {', '.join(e.diagnostics)}")
            if fixable_cc:
                log.warning("webnn trtx: the portable engine does not cover %s; rebuilding for the current GPU", gpu_name or "this GPU")
                opts = replace(opts, compute_capabilities=("current",))
            continue
        mismatch = io_mismatch(runner, record)
        if mismatch is None:
            return runner, record
        runner.close()  # the recorded I/O table is not the deserialized engine's: never trusted
        if attempt or record.source != "cache" or cache is None:
            raise TrtxRuntimeFailed(f"{record.label}: the engine's I/O table {mismatch}")
        cache.discard(record.key, reason=f"the recorded I/O table {mismatch}")
    raise AssertionError("unreachable")  # pragma: no cover


def io_mismatch(runner: SimulatedRunner | TrtxRunner, record: EngineRecord) -> str | None:
    """How the I/O names the activated runner has (a GPU runner's come from the deserialized
    engine) differ from the engine record's; None when they agree."""
    got_in, got_out = list(runner.input_names), list(runner.output_names)
    want_in, want_out = [s.name for s in record.inputs], [s.name for s in record.outputs]
    if sorted(got_in) != sorted(want_in) or sorted(got_out) != sorted(want_out):
        return f"differs from the engine's own: recorded inputs {want_in} / outputs {want_out}, the engine has {got_in} / {got_out}"
    return None
