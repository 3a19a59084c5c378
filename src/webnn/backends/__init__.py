"""Backends: the registry, the machine they are checked against, and the contracts they implement.

Everything webnn knows about its engines lives here or in the backend's own module:

- :data:`BACKENDS` registers each backend by name with the facts that are needed without
  importing it (:class:`BackendSpec`: its class, pretty name, engine package, install hint,
  aliases, where it sits in each power preference's order). :func:`backend_class` imports it.
- :class:`Backend` is what a backend implements: ``availability()`` is the one place that says
  whether and why it can run on this machine (platform, packages, GPU, compute capability),
  ``configure()`` settles its options, ``compile()`` turns a graph into a :class:`CompiledGraph`.
- :class:`Probes` is everything an availability check looks at (platform, GPUs from
  :mod:`webnn.devices`, installed packages and distributions, environment); :func:`use_probes`
  fakes a machine.
- :class:`Runner` is the protocol of the objects that execute one engine (TensorRT-RTX's GPU
  runner and its simulated stand-in).

``CompiledGraph.run`` executes on host numpy arrays (validated by the context). Tensors
(``MLContext.create_tensor``) keep their bytes in a :class:`~webnn.tensor.TensorStorage` from
``Backend.create_tensor_storage`` (host memory by default); ``CompiledGraph.dispatch`` runs a
graph from input storages into output storages. A device backend overrides both so that tensors
stay in device memory between dispatches (see docs/tensors.md).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import inspect
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import numpy as np

from ..devices import DeviceReport, GpuInfo, detect
from ..errors import ValidationError
from ..graph import GraphInfo
from ..tensor import HostStorage, TensorStorage
from ..types import MLOperandDescriptor

POWER_PREFERENCES = ("default", "high-performance", "low-power")


# -- registry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackendSpec:
    """What webnn knows about a backend without importing its module."""

    name: str
    #: ``"module:Class"`` of the :class:`Backend` subclass (imported on first use).
    target: str
    #: Name for people ("TensorRT-RTX").
    pretty: str
    #: The engine's Python module (looked up, not imported, to see whether it is installed).
    engine_module: str
    #: The engine's package as people know it, for "X is not installed".
    package: str
    install_hint: str
    aliases: tuple[str, ...] = ()
    #: Power preference -> position among the accelerators tried for it (lower first); a
    #: preference not listed never tries this backend automatically.
    order: Mapping[str, int] = field(default_factory=dict)


#: Every backend, by name. A new one is one entry here and one module. An entry may be a route of
#: another's engine: ``onnxruntime-cuda`` is ONNX Runtime with ``device="cuda"`` (its class sets
#: that option), tried after TensorRT-RTX for NVIDIA GPUs TensorRT-RTX cannot use.
BACKENDS: dict[str, BackendSpec] = {
    s.name: s
    for s in (
        BackendSpec(
            "onnxruntime", "webnn.backends.onnxruntime:OnnxRuntimeBackend", "ONNX Runtime", "onnxruntime", "onnxruntime",
            "pip install onnxruntime", aliases=("ort", "onnx"),
        ),
        BackendSpec(
            "onnxruntime-cuda", "webnn.backends.onnxruntime:OnnxRuntimeCudaBackend", "ONNX Runtime (CUDA)", "onnxruntime", "onnxruntime-gpu",
            'pip install "webnn[cuda]", then replace the CPU wheel (docs/backends.md)', aliases=("ort-cuda", "onnxruntime-gpu"),
            order={"high-performance": 20, "default": 15},
        ),
        BackendSpec(
            "trtx", "webnn.backends.trtx:TrtxBackend", "TensorRT-RTX", "tensorrt_rtx", "TensorRT-RTX",
            'pip install "webnn[trtx]"', aliases=("tensorrt", "tensorrt-rtx"), order={"high-performance": 10, "default": 10},
        ),
        BackendSpec(
            "coreml", "webnn.backends.coreml:CoremlBackend", "CoreML", "coremltools", "coremltools",
            'pip install "webnn[coreml]"', order={"low-power": 10, "default": 20},
        ),
    )
}
BACKEND_ALIASES: dict[str, str] = {a: s.name for s in BACKENDS.values() for a in s.aliases}
#: The CPU backend that runs everywhere: the choice when nothing faster can run, and where a
#: graph an accelerator cannot build falls back to.
FALLBACK = "onnxruntime"


def backend_class(name: str) -> type[Backend]:
    """The Backend class registered under ``name`` (ImportError if its module is missing)."""
    mod, cls = BACKENDS[name].target.split(":")
    module = importlib.import_module(mod)
    try:
        return getattr(module, cls)
    except AttributeError:
        raise ImportError(f"{mod} has no {cls}") from None


def resolve_name(name: str) -> str:
    """Canonical backend name for ``name`` or an alias (``ort``, ``tensorrt``...)."""
    if not isinstance(name, str):
        raise ValidationError(f"backend must be a string, got {type(name).__name__}")
    n = BACKEND_ALIASES.get(name.strip().lower(), name.strip().lower())
    if n not in BACKENDS:
        raise ValidationError(f"unknown backend {name!r} (expected one of {', '.join(BACKENDS)})")
    return n


def accelerators(power_preference: str) -> list[str]:
    """The backends tried, in order, for ``accelerated=True`` and this power preference."""
    if power_preference not in POWER_PREFERENCES:
        raise ValidationError(f"power_preference must be one of {', '.join(POWER_PREFERENCES)}, got {power_preference!r}")
    tried = [s for s in BACKENDS.values() if power_preference in s.order]
    return [s.name for s in sorted(tried, key=lambda s: s.order[power_preference])]


# -- the machine --------------------------------------------------------------------------------


def _module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _import_module(name: str) -> ModuleType:
    __import__(name)  # through builtins.__import__, like an import statement
    return sys.modules[name]


class Distribution(NamedTuple):
    """An installed distribution (wheel): its name, version and the directory it is installed in."""

    name: str
    version: str
    location: str


@functools.cache
def _distributions(module: str) -> tuple[Distribution, ...]:
    """Installed distributions whose ``top_level.txt`` names ``module`` (importlib.metadata; cached)."""
    from importlib import metadata  # deferred: ~25 ms, needed only to say which wheel is installed

    out = []
    for d in metadata.distributions():
        try:
            top = (d.read_text("top_level.txt") or "").split()
        except Exception:  # noqa: BLE001 - unreadable metadata: not a match
            continue
        if module in top:
            out.append(Distribution(d.metadata["Name"] or "?", d.version, str(d.locate_file(""))))
    return tuple(out)


@dataclass
class Probes:
    """What availability checks look at. Replace fields (or use :func:`use_probes`) to fake a machine.

    ``module_available`` only looks a module up (cheap); ``import_module`` imports it (an engine
    whose package is there may still fail to load its libraries).
    """

    platform: str = field(default_factory=lambda: sys.platform)
    devices: Callable[[], DeviceReport] = detect
    module_available: Callable[[str], bool] = _module_available
    import_module: Callable[[str], ModuleType] = _import_module
    load_backend: Callable[[str], type[Backend]] = backend_class
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    #: Installed distributions providing a top-level module (e.g. which ONNX Runtime wheels).
    distributions: Callable[[str], tuple[Distribution, ...]] = _distributions


_override: Probes | None = None


def current_probes() -> Probes:
    """The probes in effect: those of the innermost :func:`use_probes` block, else this machine's."""
    return _override if _override is not None else Probes()


@contextlib.contextmanager
def use_probes(probes: Probes) -> Iterator[Probes]:
    """Make every availability check and selection (including ``MLContext(...)``) in the block use ``probes``."""
    global _override
    prev, _override = _override, probes
    try:
        yield probes
    finally:
        _override = prev


class Availability(tuple):
    """Whether a backend can run here: unpacks as ``(ok, reason)``; ``problems`` says what is missing.

    ``problems`` holds ``(what is missing, explanation)`` pairs; what is missing is one of
    ``platform``, ``gpu``, ``package``, ``compute_capability``, ``backend``, ``unavailable``, ``device``.
    ``gpu`` is the GPU the backend would run on, ``notes`` what else is worth saying.
    """

    problems: tuple[tuple[str, str], ...]
    gpu: GpuInfo | None
    notes: tuple[str, ...]

    def __new__(cls, problems: Iterable[tuple[str, str]] = (), gpu: GpuInfo | None = None, notes: Iterable[str] = ()) -> Availability:
        problems = tuple(problems)
        self = super().__new__(cls, (not problems, "; ".join(why for _, why in problems)))
        self.problems, self.gpu, self.notes = problems, gpu, tuple(notes)
        return self

    @classmethod
    def of(cls, result: Any) -> Availability:
        """An Availability from what a backend's ``availability()`` returned (it may be a plain ``(ok, reason)``)."""
        if isinstance(result, Availability):
            return result
        ok, why = result
        return cls() if ok else cls([("unavailable", why or "reported unavailable")])

    @property
    def ok(self) -> bool:
        return self[0]

    @property
    def reason(self) -> str:
        return self[1]

    @property
    def missing(self) -> str | None:
        return self.problems[0][0] if self.problems else None


def call_accepting(fn: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Call ``fn`` with the keyword arguments its signature takes (all of them if it takes ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn(**kwargs)
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(**kwargs)


# -- options ------------------------------------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


#: A CUDA device as a ``device`` option spells it: ``cuda`` (GPU 0) or ``cuda:N``.
CUDA_DEVICE_RE = re.compile(r"cuda(?::(\d+))?")


def device_problem(device: Any) -> str | None:
    """Why ``device`` is not a ``device`` option value (None when it is)."""
    if _is_int(device):
        return None if device >= 0 else f"a GPU index must be >= 0, got {device}"
    if isinstance(device, str) and (device.strip().lower() == "cpu" or CUDA_DEVICE_RE.fullmatch(device.strip().lower())):
        return None
    return f"expected 'cpu', 'cuda', 'cuda:N' or a GPU index N >= 0, got {device!r}"


def gpu_index(device: Any, what: str) -> int | None:
    """The GPU a ``device`` option names (``"cuda"`` -> 0, ``"cuda:N"`` / ``N`` -> N), None for ``"cpu"``."""
    why = device_problem(device)
    if why is not None:
        raise ValidationError(f"{what}: {why}")
    if _is_int(device):
        return int(device)
    m = CUDA_DEVICE_RE.fullmatch(device.strip().lower())
    return int(m.group(1) or 0) if m else None


@dataclass(frozen=True)
class BackendOption:
    """One keyword option of a backend (``MLContext(**options)``), declared in the backend's
    :attr:`Backend.OPTIONS`: its name, what it is, the values it takes, and the environment
    variable that sets it when it is not given (checked when the backend is chosen).

    ``kind`` is one of ``"bool"``, ``"int"`` (``minimum``/``maximum`` bound it), ``"path"``,
    ``"str"`` (``choices`` list the values), ``"strs"`` (a sequence of strings),
    ``"profiles"`` (a sequence of shape-range mappings), ``"device"`` (``"cpu"``, ``"cuda"``,
    ``"cuda:N"`` or a GPU index ``N``); ``None`` always means "the default".
    ``env_kind`` is how ``env``'s text is read (``"bool"`` or ``"int"``).
    """

    name: str
    kind: str
    doc: str
    env: str | None = None
    env_kind: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not a value of this option (None when it is)."""
        if value is None:
            return None
        k = self.kind
        if k == "bool":
            return None if isinstance(value, (bool, np.bool_)) else f"expected True or False, got {value!r}"
        if k == "int":
            if not _is_int(value):
                return f"expected an integer, got {type(value).__name__} {value!r}"
            if self.minimum is not None and value < self.minimum:
                return f"expected an integer >= {self.minimum}, got {value!r}"
            if self.maximum is not None and value > self.maximum:
                return f"expected an integer <= {self.maximum}, got {value!r}"
            return None
        if k == "path":
            if isinstance(value, (str, os.PathLike)) and os.fspath(value):
                return None
            return f"expected a path (str or os.PathLike), got {type(value).__name__} {value!r}"
        if k == "str":
            if not isinstance(value, str):
                return f"expected a string, got {type(value).__name__} {value!r}"
            return None if not self.choices or value in self.choices else f"expected one of {', '.join(self.choices)}, got {value!r}"
        if k == "strs":
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                return f"expected a list of strings, got {value!r}"
            return None
        if k == "device":
            return device_problem(value)
        if k == "profiles":
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
                return f"expected a list of optimization profiles ({{input name: (min, opt, max) shapes}}), got {value!r}"
            for i, item in enumerate(value):
                if not isinstance(item, Mapping) and not hasattr(item, "shapes"):
                    return f"profile {i}: expected a mapping of input name -> (min, opt, max) shapes, got {item!r}"
            return None
        raise AssertionError(f"option {self.name}: unknown kind {k!r}")  # pragma: no cover - a declaration's bug

    def env_problem(self, text: str) -> str | None:
        """Why the text of this option's environment variable is not a value (None when it is)."""
        t = text.strip().lower()
        if not t:
            return None
        if self.env_kind == "bool":
            return None if t in ("1", "0", "true", "false", "yes", "no", "on", "off") else f"expected 1/0, true/false, yes/no or on/off, got {text!r}"
        if self.env_kind == "int":
            return None if t.replace("_", "").isdigit() else f"expected a whole number >= 0, got {text!r}"
        return None


def check_options(cls: type[Backend], options: Mapping[str, Any], what: str = "MLContext") -> None:
    """ValidationError naming the option for any of ``options`` that ``cls`` declares with a value
    it does not take, or that it does not declare (the error lists the options it takes)."""
    declared = {o.name: o for o in cls.OPTIONS}
    for name, value in options.items():
        opt = declared.get(name)
        if opt is None:
            known = ", ".join(declared) or "none"
            raise ValidationError(f"{what}: {cls.name} takes no option {name!r} (its options: {known})")
        why = opt.problem(value)
        if why:
            raise ValidationError(f"{what}: option {name!r} of {cls.name}: {why}")


def check_environment(cls: type[Backend], environ: Mapping[str, str], what: str = "MLContext") -> None:
    """ValidationError naming the variable for an environment variable of ``cls``'s options that does not hold a value."""
    for opt in cls.OPTIONS:
        if opt.env and opt.env in environ:
            why = opt.env_problem(environ[opt.env])
            if why:
                raise ValidationError(f"{what}: environment variable {opt.env} (option {opt.name!r} of {cls.name}): {why}")


def declared_options(classes: Iterable[type[Backend]]) -> dict[str, list[tuple[type[Backend], BackendOption]]]:
    """Option name -> the backends (and their declarations) that take it."""
    out: dict[str, list[tuple[type[Backend], BackendOption]]] = {}
    for cls in classes:
        for o in cls.OPTIONS:
            out.setdefault(o.name, []).append((cls, o))
    return out


def check_any_backend_options(options: Mapping[str, Any], probes: Probes | None = None, what: str = "MLContext") -> None:
    """Every option must be declared by some registered backend (else a ValidationError lists the
    known options and environment variables), with a value its declaration takes."""
    if not options:
        return
    p = probes or current_probes()
    classes = []
    for name in BACKENDS:
        try:
            classes.append(p.load_backend(name))
        except ImportError:
            continue
    table = declared_options(classes)
    for name, value in options.items():
        decls = table.get(name)
        if not decls:
            names = ", ".join(sorted(table))
            envs = ", ".join(sorted({o.env for ds in table.values() for _, o in ds if o.env} | {"WEBNN_BACKEND", "WEBNN_CACHE_DIR"}))
            raise ValidationError(f"{what}: unknown option {name!r} (backend options: {names}; environment variables: {envs})")
        for cls, opt in decls:
            why = opt.problem(value)
            if why:
                raise ValidationError(f"{what}: option {name!r} ({cls.name}): {why}")


# -- contracts ----------------------------------------------------------------------------------


class CompiledGraph:
    """A graph prepared for one backend (session, engine...), reused across calls."""

    backend: str = ""
    #: True when results come from a simulation of the backend (labelled, never silent).
    simulated: bool = False

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Run from input storages into output storages (names and descriptors already validated).

        The default goes through the host: ``host_array()`` of each input (no copy for host
        storage), ``run``, then ``write`` into each output. Device backends override this to
        bind their own storages' device buffers directly and copy only foreign ones.
        """
        results = self.run({name: s.host_array() for name, s in inputs.items()})
        for name, s in outputs.items():
            s.write(results[name])

    def accepts_device(self, dl_device: tuple[int, int]) -> bool:
        """Whether ``run`` takes arrays living on this DLPack device as they are (no host copy).

        Host backends accept only host arrays (numpy); a CUDA backend returns True for
        ``(2, its device id)`` and then receives e.g. torch/cupy CUDA arrays in ``run``.
        """
        return False

    def close(self) -> None:
        """Release backend resources; the object must not be used afterwards."""

    def __enter__(self) -> CompiledGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Runner(Protocol):
    """Executes one engine: TensorRT-RTX's GPU runner, or its simulated stand-in on the host.

    ``dispatch`` is the one execution path: inputs are engine input name -> host array (staged
    by the runner), device pointer or consumed DLPack array (bound directly; device runners
    only); outputs are engine output name -> device pointer to write into, or None for a host
    result. ``infer`` is ``dispatch`` with every input and output on the host.
    """

    label: str
    #: True for a simulation (results computed another way, labelled as such).
    simulated: bool
    @property
    def device(self) -> int | None:
        """CUDA device the runner executes on; None for a runner on the host."""
    #: Completed executions.
    calls: int

    @property
    def active(self) -> bool: ...

    @property
    def input_names(self) -> list[str]: ...

    @property
    def output_names(self) -> list[str]: ...

    def activate(self) -> Runner: ...

    def deactivate(self) -> None: ...

    def close(self) -> None: ...

    def stream_handle(self) -> int | None:
        """The CUDA stream executions are ordered on (producers of bound inputs order their work on
        it); None for a host runner or one that is not active."""
        ...

    def infer(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]: ...

    def dispatch(self, inputs: Mapping[str, Any], outputs: Mapping[str, int | None]) -> dict[str, np.ndarray]: ...

    def allocation_count(self) -> int: ...

    def __enter__(self) -> Runner: ...

    def __exit__(self, *exc: object) -> None: ...


class Backend:
    """An execution engine. Subclasses set ``name`` (their :data:`BACKENDS` entry) and implement ``compile``."""

    name: str = ""
    #: The keyword options ``__init__`` takes (one :class:`BackendOption` each): the one place that
    #: says what they are; ``MLContext`` checks every option against them at creation.
    OPTIONS: tuple[BackendOption, ...] = ()

    @classmethod
    def spec(cls) -> BackendSpec | None:
        """This backend's registry entry (None for a backend that is not registered)."""
        return BACKENDS.get(cls.name)

    @classmethod
    def availability(cls, probes: Probes | None = None, **options: Any) -> Availability:
        """Whether this backend can run here with ``options``, and why not (the one place that says so).

        The default checks that the engine package is installed. Backends with more needs (a
        platform, a GPU) override this; ``probes`` is the machine (default: this one).
        """
        p = probes or current_probes()
        s = cls.spec()
        if s is not None and not p.module_available(s.engine_module):
            return Availability([("package", f"{s.package} is not installed ({s.install_hint})")])
        return Availability()

    @classmethod
    def configure(cls, options: Mapping[str, Any], *, explicit: bool, environ: Mapping[str, str]) -> dict[str, Any]:
        """The options this backend is checked and created with, given the caller's ``options``.

        ``explicit``: the caller named this backend (an environment variable that only makes sense
        for a named backend may count then). The default takes the options as they are.
        """
        return dict(options)

    def compile(self, info: GraphInfo) -> CompiledGraph:  # pragma: no cover - abstract
        raise NotImplementedError

    def create_tensor_storage(self, descriptor: MLOperandDescriptor) -> TensorStorage:
        """Memory for one MLTensor, zero-initialised. Device backends return device storage."""
        return HostStorage(descriptor)

    def describe(self) -> str:
        return self.name


# -- the seed's model-bytes functions (webnn.executors) share these ------------------------------

K = TypeVar("K")
V = TypeVar("V")


class ModelCache(Generic[K, V]):
    """A small thread-safe least-recently-used store of loaded models (sessions, runners...)."""

    def __init__(self, max_items: int, close: Callable[[V], None] | None = None) -> None:
        self.max_items = max_items
        self._close = close
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, create: Callable[[], V], usable: Callable[[V], bool] | None = None) -> V:
        """The item under ``key`` (if ``usable`` says it still is), else a new one from ``create``."""
        with self._lock:
            item = self._items.get(key)
            if item is not None and (usable is None or usable(item)):
                self._items.move_to_end(key)
                return item
        item = create()  # outside the lock: loading may take long
        with self._lock:
            old = self._items.pop(key, None)
            self._items[key] = item
            gone = [old] if old is not None else []
            while len(self._items) > self.max_items:
                gone.append(self._items.popitem(last=False)[1])
        for g in gone:
            if self._close is not None:
                self._close(g)
        return item

    def clear(self) -> None:
        """Forget (and close) every item."""
        with self._lock:
            gone = list(self._items.values())
            self._items.clear()
        for g in gone:
            if self._close is not None:
                self._close(g)


def feed_from(inputs: Iterable[Any], types: Mapping[str, str], what: str, *, check_dtypes: bool = False) -> dict[str, np.ndarray]:
    """A feed from the seed API's input objects (``name``, ``shape``, ``data``), checked against a model.

    ``types``: the model's input name -> numpy dtype name ("" when numpy has none). Arrays keep
    their dtype (``check_dtypes``: it must be the model's); other data (lists, scalars) takes the
    input's type. Every model input must be given, and ``data`` must hold exactly the elements
    ``shape`` says.
    """
    feed: dict[str, np.ndarray] = {}
    for inp in inputs:
        if not all(hasattr(inp, a) for a in ("name", "shape", "data")):
            raise ValidationError(f"{what}: inputs must have a name, shape and data, got {type(inp).__name__}")
        name = inp.name
        if name not in types:
            raise ValidationError(f"{what}: unknown input: the model has no input {name!r} (its inputs: {', '.join(types)})")
        shape = tuple(int(d) for d in inp.shape)
        want = types[name]
        if isinstance(inp.data, np.ndarray) or hasattr(inp.data, "__array_interface__") or not want:
            arr = np.asarray(inp.data)
        else:
            arr = np.asarray(inp.data, dtype=want)
        if check_dtypes and want and arr.dtype.name != want:
            raise ValidationError(f"{what}: input {name!r} has dtype {arr.dtype}, the model expects {want}")
        n = int(np.prod(shape, dtype=np.int64))
        if arr.size != n:
            raise ValidationError(f"{what}: input {name!r}: data has {arr.size} elements, shape {list(shape)} needs {n}")
        feed[name] = np.asarray(arr.reshape(shape), order="C")
    missing = [n for n in types if n not in feed]
    if missing:
        raise ValidationError(f"{what}: missing input(s) {', '.join(missing)} (model inputs: {', '.join(types)})")
    return feed


class NamedArray(NamedTuple):
    """A named input as the seed API's input classes carry it."""

    name: str
    shape: tuple[int, ...]
    data: np.ndarray


def zeroed_inputs(inputs: Iterable[Any], types: Mapping[str, str], default: str = "float32") -> list[NamedArray]:
    """Zero-filled inputs of each input's shape: its ``data``'s dtype when given, else the model's (else ``default``)."""
    out = []
    for i in inputs:
        shape = tuple(int(d) for d in i.shape)
        dt = np.asarray(i.data).dtype if i.data is not None else np.dtype(types.get(i.name) or default)
        out.append(NamedArray(i.name, shape, np.zeros(shape, dtype=dt)))
    return out


__all__ = [
    "BACKENDS",
    "BACKEND_ALIASES",
    "FALLBACK",
    "ModelCache",
    "NamedArray",
    "POWER_PREFERENCES",
    "Availability",
    "Backend",
    "BackendOption",
    "BackendSpec",
    "Distribution",
    "CompiledGraph",
    "Probes",
    "Runner",
    "accelerators",
    "backend_class",
    "call_accepting",
    "check_any_backend_options",
    "check_environment",
    "check_options",
    "current_probes",
    "feed_from",
    "resolve_name",
    "use_probes",
    "zeroed_inputs",
]
