"""ONNX Runtime backend: the embedded default that runs everywhere (CPU), and ONNX Runtime on CUDA.

``MLContext(backend="onnxruntime")`` runs on the CPU execution provider;
``device="cuda"`` (or ``"cuda:N"``, or a GPU index ``N``) runs on CUDA device N with the
CPU provider for the nodes CUDA has no kernel for, in the same session. The registry entry
``onnxruntime-cuda`` (:class:`OnnxRuntimeCudaBackend`) is the same backend with
``device="cuda"``: automatic selection tries it after TensorRT-RTX. Whether CUDA can run here
(GPU, the installed wheel, its providers) is :mod:`.ort_cuda`; execution (IOBinding, reused
buffers, tensors as OrtValues, DLPack) is :mod:`.ort_binding`.

Also runs ONNX model bytes directly (:func:`run_model`, the seed's ``run_onnx_*`` functions in
:mod:`webnn.executors.onnx`), with one session per model kept in a small cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import onnxruntime as ort

from ..converters import default_registry
from ..devices import GpuInfo
from ..errors import BackendUnavailable, OnnxRuntimeFailed, ValidationError
from ..graph import GraphInfo
from ..tensor import DLPACK_CUDA, TensorStorage, device_name, dlpack_device_of
from ..types import MLOperandDescriptor
from . import Availability, Backend, BackendOption, CompiledGraph, ModelCache, Probes, check_options, current_probes, feed_from, zeroed_inputs
from .ort_binding import BinderPool, IoBinder, OrtDeviceStorage, OrtHostStorage, value_from_dlpack
from .ort_cuda import CPU, CPU_EP, CUDA_EP, Placement, cuda_availability, installation, parse_device, prepare_cuda


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


def session_providers(placement: Placement) -> list[Any]:
    """The execution providers of a session on ``placement``: CUDA first (then the CPU for what CUDA lacks), or the CPU.

    CUDA computes float32 in float32: ``use_tf32=0`` turns off the TF32 tensor-core mode ONNX Runtime
    enables by default (10-bit mantissas in matrix products and convolutions, outside WebNN's float32
    tolerances)."""
    if placement.is_cuda:
        return [(CUDA_EP, {"device_id": placement.index, "use_tf32": "0"}), CPU_EP]
    return [CPU_EP]


def open_session(
    model_bytes: bytes, placement: Placement = CPU, intra_op_threads: int = 0, external_initializers: Mapping[str, np.ndarray] | None = None
) -> tuple[ort.InferenceSession, list[ort.OrtValue]]:
    """A graph's session on ``placement`` (the one place it is created); a CUDA session that did not get
    the CUDA provider raises OnnxRuntimeFailed instead of running on the CPU unnoticed.

    ``external_initializers`` are the large constants not in ``model_bytes`` (the ``"onnxruntime"``
    converter format): they are handed over as OrtValues on the graph's own arrays, never
    serialized. ONNX Runtime reads them as external initializers (for its graph optimizations)
    and, where it keeps them unchanged on the CPU, uses the graph's arrays in place as shared
    initializers, so the weights are held once. Returns the session and the OrtValues, which
    must live as long as the session."""
    if placement.is_cuda:
        prepare_cuda(ort)
    so = session_options(intra_op_threads)
    names = list(external_initializers or {})
    values = [ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(external_initializers[n])) for n in names] if external_initializers else []
    if names:
        so.add_external_initializers(names, values)
        for n, v in zip(names, values, strict=True):
            so.add_initializer(n, v)
    try:
        session = ort.InferenceSession(model_bytes, so, providers=session_providers(placement))
    except Exception as e:
        raise OnnxRuntimeFailed(f"ONNX Runtime could not load the model: {e}") from e
    if placement.is_cuda and CUDA_EP not in session.get_providers():
        raise OnnxRuntimeFailed(f"ONNX Runtime created the session without {CUDA_EP} on {placement} (see its error log: a CUDA or cuDNN library did not load)")
    return session, values


class OrtCompiledGraph(CompiledGraph):
    """One InferenceSession per graph, created once, run through IOBinding (:mod:`.ort_binding`).

    ``dispatch`` (and ``compute`` on CUDA) take a binder from the graph's pool, one per concurrent
    caller, so both are thread-safe and a steady-state caller reuses its bindings and device
    buffers. ``compute`` on the CPU is ``InferenceSession.run`` (thread-safe itself).
    """

    backend = "onnxruntime"

    def __init__(
        self,
        session: ort.InferenceSession,
        output_names: Mapping[str, str],
        info: GraphInfo,
        placement: Placement = CPU,
        *,
        stage: bool | None = None,
        keep_alive: Iterable[Any] = (),
    ) -> None:
        self._session: ort.InferenceSession | None = session
        self._keep_alive = list(keep_alive)  # OrtValues the session shares memory with
        self.placement = placement
        self._names = list(output_names)  # WebNN output names
        self._onnx_names = dict(output_names)  # WebNN output name -> the model's output name
        self._onnx_order = list(self._onnx_names.values())
        outs = info.output_descriptors()
        inputs = info.input_descriptors()
        outputs = [(self._onnx_names[n], outs[n]) for n in self._names]
        #: Host data through reused device buffers (default on CUDA); False binds host arrays in place.
        self.stage = staged = placement.is_cuda if stage is None else stage
        self._descs = inputs
        # (the factory must not reference self: a cycle would keep every dropped graph's session and
        # its thread pool alive until the garbage collector runs)
        self._binders = BinderPool(lambda: IoBinder(session, placement, inputs, outputs, stage=staged))

    @property
    def binders(self) -> BinderPool:
        return self._binders

    def _take(self, what: str) -> IoBinder:
        if self._session is None:
            raise OnnxRuntimeFailed(f"{what}: graph was destroyed")
        return self._binders.take()

    def run(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Host arrays, or (on CUDA) arrays on this graph's GPU from a DLPack producer, bound without a copy.

        On the CPU (``stage=False``) this is ``InferenceSession.run``: host arrays need no staging,
        and it measured 10.1 µs against 11.9 µs through a binder on the add+relu graph
        (docs/backends.md). Staged graphs (CUDA) run through their binder's reused buffers.
        """
        session = self._session
        if session is None:
            raise OnnxRuntimeFailed("compute: graph was destroyed")
        if not self.stage:
            try:
                results = session.run(self._onnx_order, inputs)
            except Exception as e:
                raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the graph: {e}") from e
            return dict(zip(self._names, results, strict=True))
        feed = inputs
        for a in inputs.values():
            if type(a) is not np.ndarray:
                feed = {name: a if type(a) is np.ndarray else self._device_value(name, a) for name, a in inputs.items()}
                break
        binder = self._binders.take()
        results = binder.compute(feed)  # a failure drops the binder: its bindings may be half made
        self._binders.give(binder)
        return dict(zip(self._names, results, strict=True))

    def _device_value(self, name: str, a: Any) -> Any:
        dev = dlpack_device_of(a)
        if not self.placement.is_cuda or dev != self.placement.dlpack:
            where = device_name(dev) if dev else type(a).__name__
            raise ValidationError(f"compute: input {name!r} lives on {where}, the graph runs on {self.placement}; move it there first")
        return value_from_dlpack(a, self._descs[name], self.placement, f"compute: input {name!r}")

    def accepts_device(self, dl_device: tuple[int, int]) -> bool:
        """A CUDA graph takes CUDA arrays as they are: on its own GPU they are bound (no host copy); on
        another one ``run`` raises a ValidationError rather than a silent trip through the host."""
        return self.placement.is_cuda and int(dl_device[0]) == DLPACK_CUDA

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Bind this device's tensors directly (no copies); tensors of other kinds go through the host."""
        binder = self._take("dispatch")
        binder.dispatch(inputs, {self._onnx_names[n]: s for n, s in outputs.items()})
        self._binders.give(binder)

    def close(self) -> None:
        self._session = None
        self._binders.clear()
        self._keep_alive = []


class OnnxRuntimeBackend(Backend):
    """Runs graphs with ONNX Runtime: the CPU execution provider, or CUDA with ``device="cuda"``.

    ``device``: ``"cpu"`` (default), ``"cuda"``, ``"cuda:N"`` or a GPU index ``N``;
    ``intra_op_threads``: ONNX Runtime's intra-op thread count (0: its default).
    """

    name = "onnxruntime"
    OPTIONS = (
        BackendOption("intra_op_threads", "int", "threads ONNX Runtime uses inside one operator (0: its default)", minimum=0),
        BackendOption("device", "device", "where it runs: 'cpu' (default), 'cuda', 'cuda:N' or a GPU index N"),
    )

    def __init__(self, intra_op_threads: int = 0, device: Any = "cpu") -> None:
        check_options(type(self), {"intra_op_threads": intra_op_threads, "device": device}, self.name)
        self.placement = parse_device(device)
        #: The GPU a CUDA backend runs on (None on the CPU).
        self.gpu: GpuInfo | None = None
        if self.placement.is_cuda:
            avail = self.availability(device=self.placement)
            if not avail.ok:
                raise BackendUnavailable(f"ONNX Runtime on {self.placement} unavailable: {avail.reason}")
            self.gpu = avail.gpu
        self.intra_op_threads = int(intra_op_threads)

    @classmethod
    def configure(cls, options: Mapping[str, Any], *, explicit: bool, environ: Mapping[str, str]) -> dict[str, Any]:
        """Chosen automatically, this is the CPU fallback: a ``device`` given for the GPU routes (e.g.
        TensorRT-RTX's GPU index) does not move it; named, it runs where ``device`` says."""
        opts = dict(options)
        if not explicit and "device" in opts:
            opts["device"] = "cpu"
        return opts

    @classmethod
    def availability(cls, probes: Probes | None = None, *, device: Any = "cpu", **_: Any) -> Availability:
        """Runs with onnxruntime installed; on CUDA also needs a GPU and a wheel with a working CUDA provider."""
        p = probes or current_probes()
        base = super().availability(p)
        if not base.ok:
            return base
        try:
            placement = parse_device(device)
        except ValidationError:
            return base  # the constructor raises the specific error
        return cuda_availability(p, placement) if placement.is_cuda else base

    def compile(self, info: GraphInfo) -> OrtCompiledGraph:
        converted = default_registry().convert(info, "onnxruntime")
        session, values = open_session(converted.data, self.placement, self.intra_op_threads, converted.metadata["external_initializers"])
        return OrtCompiledGraph(session, converted.metadata["output_names"], info, self.placement, keep_alive=values)

    def create_tensor_storage(self, descriptor: MLOperandDescriptor) -> TensorStorage:
        """Host memory bound in place on the CPU; an OrtValue in device memory on CUDA."""
        if self.placement.is_cuda:
            return OrtDeviceStorage(descriptor, self.placement)
        return OrtHostStorage(descriptor)

    def describe(self) -> str:
        if not self.placement.is_cuda:
            return f"onnxruntime {ort.__version__} ({CPU_EP})"
        probes = current_probes()
        inst = installation(probes.import_module("onnxruntime"), probes.distributions("onnxruntime"))
        on = f" ({self.gpu.name})" if self.gpu is not None else ""
        return f"{inst.summary()}: {CUDA_EP} on {self.placement}{on}, {CPU_EP} for the nodes CUDA has no kernel for"


class OnnxRuntimeCudaBackend(OnnxRuntimeBackend):
    """The ``onnxruntime-cuda`` registry entry: ONNX Runtime with ``device="cuda"`` (the GPU route for
    NVIDIA GPUs TensorRT-RTX cannot use). A ``device`` given as a GPU index or ``"cuda:N"`` picks the GPU."""

    def __init__(self, intra_op_threads: int = 0, device: Any = "cuda") -> None:
        if not parse_device(device).is_cuda:
            raise ValidationError(
                f"onnxruntime-cuda: device must be a CUDA device ('cuda', 'cuda:N' or a GPU index), got {device!r}; backend='onnxruntime' runs on the CPU"
            )
        super().__init__(intra_op_threads, device)

    @classmethod
    def configure(cls, options: Mapping[str, Any], *, explicit: bool, environ: Mapping[str, str]) -> dict[str, Any]:
        opts = dict(options)
        opts.setdefault("device", "cuda")
        return opts

    @classmethod
    def availability(cls, probes: Probes | None = None, *, device: Any = "cuda", **_: Any) -> Availability:
        try:
            placement = parse_device(device)
        except ValidationError as e:
            return Availability([("unavailable", str(e))])
        if not placement.is_cuda:
            why = f"device={device!r} asks for the CPU; this entry runs ONNX Runtime on CUDA (backend='onnxruntime' runs on the CPU)"
            return Availability([("unavailable", why)])
        return super().availability(probes, device=placement)


# -- ONNX model bytes, run directly ---------------------------------------------------------------

_SESSIONS: ModelCache[str, ort.InferenceSession] = ModelCache(16)


def model_session(model_bytes: bytes) -> ort.InferenceSession:
    """The session for these model bytes (the 16 most recently used are kept, by content hash)."""
    return _SESSIONS.get(hashlib.sha256(model_bytes).hexdigest(), lambda: create_session(bytes(model_bytes)))


def model_input_types(session: ort.InferenceSession) -> dict[str, str]:
    """Input name -> numpy dtype name ("" when numpy has none) of a session's model."""
    types = {}
    for i in session.get_inputs():
        try:
            elem = i.type[len("tensor(") : -1] if i.type.startswith("tensor(") else ""
            types[i.name] = np.dtype({"float": "float32", "double": "float64"}.get(elem, elem)).name if elem else ""
        except TypeError:
            types[i.name] = ""
    return types


def run_model(model_bytes: bytes, inputs: Iterable[Any], *, zeroed: bool = False) -> dict[str, np.ndarray]:
    """Run ONNX model bytes on the seed API's inputs (``name``, ``shape``, ``data``); every output, in model order.

    ``zeroed``: zero-filled inputs of the given shapes instead (dtype: ``data``'s, else the model's).
    """
    session = model_session(model_bytes)
    types = model_input_types(session)
    if zeroed:
        inputs = zeroed_inputs(inputs, types)
    feed = feed_from(inputs, types, "run_onnx")
    names = [o.name for o in session.get_outputs()]
    try:
        results = session.run(names, feed)
    except Exception as e:
        raise OnnxRuntimeFailed(f"ONNX Runtime failed to run the model: {e}") from e
    return dict(zip(names, results, strict=True))
