"""ML, MLContext and MLGraph: choosing a backend, building and computing graphs."""

from __future__ import annotations

import inspect
import os
import threading
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import webnn_graph
from .backends import BACKEND_ALIASES, BACKENDS, FALLBACK, POWER_PREFERENCES, Backend, CompiledGraph, backend_class
from .builder import MLGraphBuilder
from .errors import ConversionError, CoremlRuntimeFailed, InvalidStateError, TrtxRuntimeFailed, UnsupportedError, ValidationError
from .graph import GraphInfo
from .limits import op_support_limits
from .selection import Selection, select_backend
from .tensor import MLTensor, buffer_to_array, check_dlpack_like, dlpack_device_of, host_from_dlpack, tensor_descriptor
from .types import MLOperandDescriptor, as_descriptor

__all__ = [
    "BACKENDS", "BACKEND_ALIASES", "FALLBACK_ERRORS", "POWER_PREFERENCES", "ML", "FallbackWarning",
    "MLContext", "MLGraph", "backend_class", "load_graph",
]


class FallbackWarning(UserWarning):
    """A graph the context's accelerator could not build runs on ONNX Runtime instead."""


#: Build-time failures of an accelerator that make a graph fall back to ONNX Runtime.
FALLBACK_ERRORS: tuple[type[Exception], ...] = (TrtxRuntimeFailed, ConversionError, CoremlRuntimeFailed, UnsupportedError)


class MLContext:
    """A context: the backend graphs built for it run on, plus the options that chose it.

    ``MLContext(accelerated=True, power_preference="high-performance")`` picks the best
    backend available; ``backend="onnxruntime"|"trtx"|"coreml"`` (or ``WEBNN_BACKEND``)
    forces one. ``ctx.backend`` names the choice and ``ctx.describe()`` says why.

    When the chosen accelerator cannot build a graph, that graph runs on ONNX Runtime and
    one :class:`FallbackWarning` names the reason; ``strict=True`` raises instead.
    Other keyword arguments are backend options (e.g. ``simulate=True`` for TensorRT-RTX);
    options the chosen backend does not take are ignored unless the backend was named.
    """

    def __init__(
        self,
        accelerated: bool = True,
        power_preference: str = "default",
        *,
        backend: str | None = None,
        strict: bool = False,
        **backend_options: Any,
    ) -> None:
        if power_preference not in POWER_PREFERENCES:
            raise ValidationError(f"MLContext: power_preference must be one of {', '.join(POWER_PREFERENCES)}, got {power_preference!r}")
        if not isinstance(accelerated, bool):
            raise ValidationError(f"MLContext: accelerated must be a bool, got {accelerated!r}")
        if not isinstance(strict, bool):
            raise ValidationError(f"MLContext: strict must be a bool, got {strict!r}")
        self.accelerated = accelerated
        self.power_preference = power_preference
        self.strict = strict
        self._lost = False
        self._tensors: weakref.WeakSet[MLTensor] = weakref.WeakSet()
        self._fallback: Backend | None = None
        choice = select_backend(accelerated, power_preference, backend, options=backend_options)
        self._selection = choice
        # choice.options: the caller's options as the backend's configure() settled them (e.g.
        # simulate from WEBNN_TRTX_SIMULATE only when TensorRT-RTX was named).
        opts, ignored = _options_for(choice.backend_class, choice.options, choice.explicit)
        if ignored:
            choice.notes.append(f"options not used by {choice.name}: {', '.join(sorted(ignored))}")
        if "power_preference" in (_init_params(choice.backend_class) or {}):
            opts.setdefault("power_preference", power_preference)  # e.g. CoreML compute units
        self._backend_options = opts
        self._backend: Backend = choice.backend_class(**opts)

    @property
    def backend(self) -> str:
        """Name of the backend graphs run on (e.g. ``"onnxruntime"``, ``"trtx"``)."""
        return self._backend.name

    @property
    def selection(self) -> Selection:
        """The :class:`webnn.selection.Selection` behind this context (``.to_json()`` for tools)."""
        return self._selection

    @property
    def powerPreference(self) -> str:  # spec spelling
        return self.power_preference

    def describe(self) -> str:
        """Why this backend was chosen and what was rejected."""
        return self._selection.explain()

    def create_graph_builder(self) -> MLGraphBuilder:
        return MLGraphBuilder(self)

    def op_support_limits(self) -> dict:
        """The spec's ``opSupportLimits()``: per op, per operand, allowed data types and ranks."""
        return op_support_limits(self._backend)

    opSupportLimits = op_support_limits  # spec spelling

    def _check_live(self, what: str) -> None:
        if self._lost:
            raise InvalidStateError(f"{what}: the MLContext was destroyed")

    def _fallback_backend(self) -> Backend:
        if self._fallback is None:
            self._fallback = backend_class(FALLBACK)()
        return self._fallback

    def _build_graph(self, info: GraphInfo) -> MLGraph:
        """Compile ``info`` for this context (``MLGraphBuilder.build`` and :func:`load_graph` end here)."""
        return MLGraph._create(self, info)

    def compute(self, graph: MLGraph, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Run ``graph`` on arrays (numpy, or DLPack producers such as torch/cupy); returns numpy arrays."""
        if not isinstance(graph, MLGraph):
            raise ValidationError(f"compute: expected an MLGraph, got {type(graph).__name__}")
        if graph._context is not self:
            raise ValidationError("compute: graph was built for a different MLContext")
        return graph._compute(inputs)

    # -- MLTensor -----------------------------------------------------------------------
    def create_tensor(self, descriptor: Any, readable: bool | None = None, writable: bool | None = None) -> MLTensor:
        """A zero-filled tensor for ``dispatch``. ``descriptor``: MLOperandDescriptor or dict
        (``{"dataType", "shape"}``, optionally ``readable``/``writable``). Both flags default to True."""
        self._check_live("create_tensor")
        desc, r, w = tensor_descriptor(descriptor, readable, writable, "create_tensor")
        t = MLTensor._create(self, desc, self._backend.create_tensor_storage(desc), readable=r, writable=w)
        self._tensors.add(t)
        return t

    createTensor = create_tensor  # spec spelling

    def create_constant_tensor(self, descriptor: Any, data: Any) -> MLTensor:
        """A constant tensor holding ``data`` (neither readable nor writable; for graph constants)."""
        self._check_live("create_constant_tensor")
        desc = as_descriptor(descriptor, "create_constant_tensor")
        arr = buffer_to_array(data, desc, "create_constant_tensor")
        storage = self._backend.create_tensor_storage(desc)
        storage.write(np.ascontiguousarray(arr))
        t = MLTensor._create(self, desc, storage, readable=False, writable=False, constant=True)
        self._tensors.add(t)
        return t

    createConstantTensor = create_constant_tensor  # spec spelling

    def _check_tensor(self, tensor: Any, what: str) -> MLTensor:
        if not isinstance(tensor, MLTensor):
            raise ValidationError(f"{what}: expected an MLTensor, got {type(tensor).__name__}")
        if tensor._context is not self:
            raise ValidationError(f"{what}: the tensor belongs to a different MLContext")
        if tensor._destroyed:
            raise ValidationError(f"{what}: the tensor was destroyed")
        return tensor

    def write_tensor(self, tensor: MLTensor, data: Any) -> None:
        """Overwrite a writable tensor's data from a numpy array, bytes-like buffer or DLPack array."""
        self._check_live("write_tensor")
        t = self._check_tensor(tensor, "write_tensor")
        if not t._writable:
            raise ValidationError("write_tensor: the tensor is not writable (create it with writable=True)")
        dev = dlpack_device_of(data)
        if dev is not None and dev[0] not in (1,):
            check_dlpack_like(data, t._descriptor, "write_tensor: data")
            if t._storage.write_dlpack(data, dev):
                return
        arr = buffer_to_array(data, t._descriptor, "write_tensor")
        t._storage.write(arr)

    writeTensor = write_tensor  # spec spelling

    def read_tensor(self, tensor: MLTensor, out: Any = None) -> Any:
        """A numpy copy of a readable tensor's data; with ``out`` (array or writable buffer of
        the tensor's byte length), copy into it and return it (the spec's BYOB form)."""
        self._check_live("read_tensor")
        t = self._check_tensor(tensor, "read_tensor")
        if not t._readable:
            raise ValidationError("read_tensor: the tensor is not readable (create it with readable=True)")
        if out is None:
            return t._storage.read()
        if isinstance(out, np.ndarray):
            if not out.flags.writeable:
                raise ValidationError("read_tensor: out is read-only")
            target = buffer_to_array(out, t._descriptor, "read_tensor: out")
            if not np.shares_memory(target, out):  # pragma: no cover - reshape of a non-contiguous array
                raise ValidationError("read_tensor: out must be C-contiguous")
        elif isinstance(out, (bytes, bytearray, memoryview)):
            mv = memoryview(out)
            if mv.readonly:
                raise ValidationError("read_tensor: out is read-only")
            target = buffer_to_array(mv, t._descriptor, "read_tensor: out")
        else:
            raise ValidationError(f"read_tensor: out must be a numpy array or writable buffer, got {type(out).__name__}")
        t._storage.read_into(target)
        return out

    readTensor = read_tensor  # spec spelling

    def dispatch(self, graph: MLGraph, inputs: Mapping[str, MLTensor], outputs: Mapping[str, MLTensor]) -> None:
        """Run ``graph`` from input tensors into output tensors (the spec's ``dispatch``).

        Results stay in the output tensors (device memory on a device backend), so one
        dispatch's outputs can be the next one's inputs without a trip through the host.
        """
        if not isinstance(graph, MLGraph):
            raise ValidationError(f"dispatch: expected an MLGraph, got {type(graph).__name__}")
        if graph._context is not self:
            raise ValidationError("dispatch: graph was built for a different MLContext")
        if graph._destroyed:
            raise InvalidStateError("dispatch: graph was destroyed")
        self._check_live("dispatch")
        for kind, named in (("inputs", inputs), ("outputs", outputs)):
            if not isinstance(named, Mapping):
                raise ValidationError(f"dispatch: {kind} must be a dict of name -> MLTensor, got {type(named).__name__}")
        seen: set[int] = set()
        for kind, named in (("input", inputs), ("output", outputs)):
            for name, t in named.items():
                self._check_tensor(t, f"dispatch: {kind} {name!r}")
                if id(t) in seen:
                    raise ValidationError(f"dispatch: {kind} {name!r}: the same MLTensor is used more than once")
                seen.add(id(t))
        _check_named(inputs, graph.input_descriptors, "input")
        _check_named(outputs, graph.output_descriptors, "output")
        with graph._lock:
            graph._compiled.dispatch({n: t._storage for n, t in inputs.items()}, {n: t._storage for n, t in outputs.items()})

    def destroy(self) -> None:
        """Release the context; its graphs and tensors can no longer be used."""
        self._lost = True
        for t in list(self._tensors):
            t.destroy()

    def __repr__(self) -> str:
        return f"MLContext(backend={self.backend!r}, accelerated={self.accelerated}, power_preference={self.power_preference!r})"


def _check_named(named: Mapping[str, MLTensor], descs: Mapping[str, MLOperandDescriptor], kind: str) -> None:
    missing = sorted(set(descs) - set(named))
    extra = sorted(set(named) - set(descs))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {kind}(s) {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"unknown {kind}(s) {', '.join(map(repr, extra))}")
        raise ValidationError(f"dispatch: {'; '.join(parts)} (graph {kind}s: {', '.join(sorted(descs))})")
    for name, t in named.items():
        if t._constant:
            raise ValidationError(f"dispatch: {kind} {name!r} is a constant tensor; constant tensors can only be graph constants")
        d = descs[name]
        if t._descriptor.data_type != d.data_type or t._descriptor.shape != d.shape:
            raise ValidationError(
                f"dispatch: {kind} {name!r} is {t._descriptor.data_type}{list(t._descriptor.shape)}, the graph expects {d.data_type}{list(d.shape)}"
            )


def _init_params(cls: type[Backend]) -> Mapping[str, inspect.Parameter] | None:
    """The parameters of the backend class's ``__init__`` (None when they cannot be read)."""
    try:
        return inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return None


def _options_for(cls: type[Backend], options: Mapping[str, Any], explicit: bool) -> tuple[dict[str, Any], set[str]]:
    """Split ``options`` into those ``cls`` takes and those it does not (kept all when explicit)."""
    if explicit or not options:
        return dict(options), set()
    params = _init_params(cls)
    if params is None:
        return dict(options), set()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(options), set()
    used = {k: v for k, v in options.items() if k in params}
    return used, set(options) - set(used)


class ML:
    """Entry point (the spec's ``navigator.ml``)."""

    def create_context(self, accelerated: bool = True, power_preference: str = "default", **options: Any) -> MLContext:
        return MLContext(accelerated=accelerated, power_preference=power_preference, **options)

    createContext = create_context  # spec spelling


class MLGraph:
    """A built, compiled graph. Compute it with :meth:`MLContext.compute`."""

    # set by _create (MLGraph objects are not constructed by __init__)
    info: GraphInfo
    fallback_reason: str | None
    _context: MLContext
    _destroyed: bool
    _lock: threading.Lock
    _specs: list[tuple[str, np.dtype, tuple[int, ...]]]
    _descs: dict[str, MLOperandDescriptor]
    _names: frozenset[str]
    _compiled: CompiledGraph

    def __init__(self) -> None:  # pragma: no cover - use MLGraphBuilder.build
        raise TypeError("MLGraph objects are created by MLGraphBuilder.build()")

    @classmethod
    def _create(cls, context: MLContext, info: GraphInfo) -> MLGraph:
        context._check_live("build")
        g = object.__new__(cls)
        g._context = context
        g.info = info
        g._destroyed = False
        g._lock = threading.Lock()
        g._specs = [(n, d.dtype, d.shape) for n, d in info.input_descriptors().items()]
        g._descs = info.input_descriptors()
        g._names = frozenset(info.inputs)
        g.fallback_reason = None
        try:
            g._compiled = context._backend.compile(info)
        except FALLBACK_ERRORS as e:
            if context.strict or context._backend.name == FALLBACK:
                raise
            reason = _failure_reason(e)
            warnings.warn(
                f"webnn: {context._backend.name} cannot build this graph ({reason}); it runs on {FALLBACK} instead "
                f"(graph.backend == {FALLBACK!r}; MLContext(strict=True) raises instead)",
                FallbackWarning,
                stacklevel=4,  # the caller of MLGraphBuilder.build() or load_graph()
            )
            try:
                g._compiled = context._fallback_backend().compile(info)
            except Exception as e2:
                raise e2 from e
            g.fallback_reason = f"{context._backend.name}: {reason}"
        return g

    @property
    def backend(self) -> str:
        """The backend whose engine computes this graph's results."""
        return self._compiled.backend

    @property
    def simulated(self) -> bool:
        """True when results come from a simulation of the backend (e.g. TensorRT-RTX without a GPU)."""
        return self._compiled.simulated

    @property
    def context(self) -> MLContext:
        return self._context

    @property
    def input_descriptors(self) -> dict[str, MLOperandDescriptor]:
        return self.info.input_descriptors()

    @property
    def output_descriptors(self) -> dict[str, MLOperandDescriptor]:
        return self.info.output_descriptors()

    def save(self, path: str | os.PathLike, format: str = "webnn") -> None:
        """Save the graph (structure + weights); reload with :func:`webnn.load_graph`.
        ``format="webnn-graph"`` writes the webnn-graph text format and a ``.safetensors`` file."""
        if format == "webnn-graph":
            webnn_graph.save(self.info, path)
        elif format == "webnn":
            self.info.save(path)
        else:
            raise ValidationError(f"save: format must be 'webnn' or 'webnn-graph', got {format!r}")

    def destroy(self) -> None:
        """Release the compiled graph's backend resources."""
        if not self._destroyed:
            self._destroyed = True
            self._compiled.close()

    def _check_inputs(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
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
                dev = dlpack_device_of(a)
                if dev is not None and dev[0] != 1 and self._compiled.accepts_device(dev):
                    # Already on the backend's device: handed over as is, no host copy.
                    check_dlpack_like(a, self._descs[name], f"compute: input {name!r}")
                    feed[name] = a
                    continue
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
        return host_from_dlpack(value, f"compute: input {name!r}")
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        return np.asarray(value)
    raise ValidationError(f"compute: input {name!r} must be a numpy array (or DLPack/array-protocol object), got {type(value).__name__}")


def _failure_reason(e: BaseException) -> str:
    """One line naming the failing op (when the error says which) and the reason."""
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    op = getattr(e, "op", None) or getattr(e, "op_type", None)
    if op and str(op) not in msg:
        msg = f"op {op}: {msg}"
    return f"{type(e).__name__}: {msg}"


def load_graph(path: str | os.PathLike, context: MLContext | None = None) -> MLGraph:
    """Load a graph saved with ``MLGraph.save`` (the ``.webnn`` zip, or the webnn-graph text
    format with its weights next to it: told apart by content, not by extension) and compile
    it for ``context`` (default: a new CPU context)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ValidationError(f"load_graph: {path}: cannot read the file ({e})") from None
    ctx = context or MLContext(accelerated=False)
    if not head.startswith(b"PK") and webnn_graph.is_webnn_graph_text(head):
        return webnn_graph.load(path, ctx)
    info = GraphInfo.load(path)
    return ctx._build_graph(info)
