"""ONNX Runtime on NVIDIA GPUs: the ``device`` option, which wheel is installed, whether CUDA can run.

- :func:`parse_device` reads the ``device`` option of the ONNX Runtime backend (``"cpu"``,
  ``"cuda"``, ``"cuda:N"`` or a GPU index ``N``) into a :class:`Placement`.
- :func:`installation` says what the imported ``onnxruntime`` is: its version, the wheel its
  files came from (``onnxruntime`` is the CPU wheel, ``onnxruntime-gpu`` the CUDA one), its
  execution providers, and every ONNX Runtime distribution installed (``importlib.metadata``),
  so that two wheels sharing the one ``onnxruntime`` package are reported, never assumed away.
- :func:`cuda_availability` is the CUDA half of ``OnnxRuntimeBackend.availability()``: a GPU
  from :mod:`webnn.devices`, ``CUDAExecutionProvider`` among ``get_available_providers()``,
  and a probe session that really gets the provider (ONNX Runtime silently drops a provider
  whose libraries do not load); its verdict is cached per process.
- :func:`prepare_cuda` lets ONNX Runtime load the CUDA and cuDNN libraries that the
  ``onnxruntime-gpu[cuda,cudnn]`` extras install (``onnxruntime.preload_dlls``), once.

Everything goes through :class:`~webnn.backends.Probes` (platform, GPUs, the imported module,
installed distributions), so tests fake every machine and run this code.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ..devices import GpuInfo
from . import Availability, Distribution, Probes, gpu_index

CUDA_EP = "CUDAExecutionProvider"
CPU_EP = "CPUExecutionProvider"
#: The GPU wheel on the package index and the extra that installs it with its CUDA libraries.
GPU_WHEEL = "onnxruntime-gpu"
CUDA_EXTRA = 'pip install "webnn[cuda]"'


def replace_cpu_wheel(version: str | None = None) -> str:
    """ONNX Runtime's documented fix for the CPU and GPU wheels installed together (they share the
    ``onnxruntime`` package): remove both, then put the GPU wheel's files back."""
    pin = version or "VERSION"
    cmd = f"pip uninstall -y onnxruntime {GPU_WHEEL} && pip install --no-deps {GPU_WHEEL}=={pin}"
    return cmd if version else f"{cmd} (VERSION: the {GPU_WHEEL} version the extra installed)"


CUDA_INSTALL_HINT = f"{CUDA_EXTRA}, then replace the CPU wheel: {replace_cpu_wheel()}; docs/backends.md"


# -- the device option ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where an ONNX Runtime session and its tensors live: the CPU, or CUDA device ``index``."""

    kind: str = "cpu"
    index: int = 0

    @property
    def is_cuda(self) -> bool:
        return self.kind == "cuda"

    @property
    def dlpack(self) -> tuple[int, int]:
        """The DLPack device: ``(1, 0)`` for the CPU, ``(2, index)`` for CUDA."""
        return (2, self.index) if self.is_cuda else (1, 0)

    @property
    def ort_device(self) -> tuple[str, int]:
        """``(device_type, device_id)`` as ONNX Runtime's OrtValue and IOBinding calls take them."""
        return ("cuda", self.index) if self.is_cuda else ("cpu", 0)

    def __str__(self) -> str:
        return f"cuda:{self.index}" if self.is_cuda else "cpu"


CPU = Placement()


def parse_device(device: Any, what: str = "onnxruntime: device") -> Placement:
    """``"cpu"``, ``"cuda"`` (GPU 0), ``"cuda:N"`` or a GPU index ``N`` (as TensorRT-RTX's ``device``) -> Placement."""
    if isinstance(device, Placement):
        return device
    index = gpu_index(device, what)
    return CPU if index is None else Placement("cuda", index)


# -- which onnxruntime is installed --------------------------------------------------------------


class Installation(NamedTuple):
    """What the imported ``onnxruntime`` is, and which ONNX Runtime distributions are installed."""

    version: str
    #: The wheel the imported files came from, as ONNX Runtime records it (``package_name``):
    #: "onnxruntime" (CPU), "onnxruntime-gpu"...; None when this onnxruntime does not say.
    package: str | None
    #: The CUDA version the wheel was built for ("13.0"); None for a CPU wheel.
    cuda_version: str | None
    providers: tuple[str, ...]
    #: Installed distributions providing the ``onnxruntime`` package, in the imported module's
    #: directory (more than one: the wheels overwrote each other's files)...
    here: tuple[Distribution, ...]
    #: ...and elsewhere on the path (shadowed by the imported one).
    shadowed: tuple[Distribution, ...]

    @property
    def conflict(self) -> bool:
        """Two ONNX Runtime wheels installed into one directory (their files are mixed)."""
        return len(self.here) > 1

    @property
    def wheel(self) -> str:
        """The wheel in use: ONNX Runtime's own record, else the one distribution installed beside it."""
        if self.package:
            return self.package
        return self.here[0].name if len(self.here) == 1 else "onnxruntime"

    @property
    def is_cpu_wheel(self) -> bool:
        return _norm(self.wheel) == "onnxruntime"

    def summary(self) -> str:
        """``"onnxruntime-gpu 1.31.1 (CUDA 13.0)"``."""
        cuda = f" (CUDA {self.cuda_version})" if self.cuda_version else ""
        return f"{self.wheel} {self.version}{cuda}"

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "wheel": self.wheel,
            "cuda_version": self.cuda_version,
            "providers": list(self.providers),
            "installed_here": [d.name + " " + d.version for d in self.here],
            "shadowed": [d.name + " " + d.version for d in self.shadowed],
            "conflict": self.conflict,
        }


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installation(module: Any, distributions: Sequence[Distribution]) -> Installation:
    """Describe the imported onnxruntime ``module`` given the installed ``distributions`` that provide it."""
    version = str(getattr(module, "__version__", "unknown"))
    package = getattr(module, "package_name", None) or None
    cuda = getattr(module, "cuda_version", None) or None
    try:
        providers = tuple(module.get_available_providers())
    except Exception:  # noqa: BLE001 - a broken install lists no provider
        providers = ()
    site = _site_of(module)
    here = tuple(d for d in distributions if site is not None and _same_dir(d.location, site))
    shadowed = tuple(d for d in distributions if d not in here)
    if site is None:  # a module without a file (a fake, a frozen build): nothing is known to be shadowed
        here, shadowed = tuple(distributions), ()
    return Installation(version, package, cuda, providers, here, shadowed)


def _site_of(module: Any) -> str | None:
    path = getattr(module, "__file__", None)
    return str(Path(path).resolve().parent.parent) if path else None


def _same_dir(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:  # pragma: no cover - unreadable path
        return a == b


def no_cuda_provider(inst: Installation) -> str:
    """Why the installed onnxruntime cannot run on CUDA, naming the wheel, its providers and the fix."""
    providers = ", ".join(inst.providers) or "none"
    if inst.conflict:
        return (
            f"{_both(inst)} are both installed in {inst.here[0].location}; the wheels share the onnxruntime package, so the "
            f"files of whichever was installed last are used (here {inst.summary()}, providers: {providers}); "
            f"fix: {replace_cpu_wheel(_gpu_version(inst))}"
        )
    if inst.is_cpu_wheel:
        return (
            f"the installed onnxruntime {inst.version} is the CPU wheel ('onnxruntime'), whose providers are {providers}: "
            f"no {CUDA_EP}; install the GPU wheel: {CUDA_INSTALL_HINT}"
        )
    return f"the installed {inst.summary()} lists no {CUDA_EP} (its providers: {providers}); {CUDA_INSTALL_HINT}"


def _both(inst: Installation) -> str:
    return " and ".join(f"{d.name} {d.version}" for d in inst.here)


def _gpu_version(inst: Installation) -> str | None:
    gpu = [d for d in inst.here + inst.shadowed if _norm(d.name) == GPU_WHEEL]
    return gpu[0].version if gpu else None


# -- can CUDA run ---------------------------------------------------------------------------------

_lock = threading.Lock()
_prepared: dict[int, tuple[Any, str]] = {}  # id(module) -> (module, what preloading printed)
_probed: dict[tuple[int, int], tuple[Any, str | None, Any]] = {}  # (id(module), device) -> (module, problem or None, session)
_syncs: dict[tuple[int, int], Any] = {}  # (id(module), device) -> an IOBinding of the probe session


def prepare_cuda(module: Any) -> str:
    """Let ONNX Runtime load its CUDA/cuDNN libraries from the pip packages (``preload_dlls``), once per module.

    Returns what ONNX Runtime printed while doing so (it prints, rather than raises, the
    libraries it could not load); "" when this onnxruntime has no ``preload_dlls``.
    """
    with _lock:
        if id(module) in _prepared:
            return _prepared[id(module)][1]
        out = io.StringIO()
        preload = getattr(module, "preload_dlls", None)
        if preload is not None:
            with contextlib.redirect_stdout(out):
                try:
                    preload()
                except Exception as e:  # noqa: BLE001 - a failed preload leaves the default library search
                    print(f"preload_dlls failed: {e}")
        _prepared[id(module)] = (module, out.getvalue().strip())
        return _prepared[id(module)][1]


def _probe_model() -> bytes:
    """A one-node model (Neg on float[1], which no optimisation removes) that a session needs the provider for."""
    from onnx import TensorProto, helper  # deferred: onnx is imported by the converter anyway, only when probing

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Neg", ["x"], ["y"])], "probe", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="webnn")
    model.ir_version = 8
    return model.SerializeToString()


def probe_cuda(module: Any, index: int) -> str | None:
    """None when a session on CUDA device ``index`` really gets ``CUDAExecutionProvider``, else why not.

    ONNX Runtime creates a session without a provider it cannot load (a missing cuDNN, a driver
    too old for the wheel's CUDA) and logs the reason; this catches that once per process.
    """
    key = (id(module), index)
    with _lock:
        if key in _probed:
            return _probed[key][1]
    printed = prepare_cuda(module)
    problem: str | None = None
    session = None
    try:
        so = module.SessionOptions()
        so.log_severity_level = 3
        session = module.InferenceSession(_probe_model(), so, providers=[(CUDA_EP, {"device_id": index}), CPU_EP])
        got = list(session.get_providers())
        if CUDA_EP not in got:
            problem = f"ONNX Runtime created a session on cuda:{index} without {CUDA_EP} (it could not load the CUDA provider: see its error log on stderr"
            problem += f"; loading the CUDA libraries said: {printed})" if printed else ")"
    except Exception as e:  # noqa: BLE001 - any failure to create the probe session is the reason
        problem = f"ONNX Runtime could not create a session on cuda:{index}: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}"
    with _lock:
        _probed[key] = (module, problem, session if problem is None else None)
    return problem


def device_sync(module: Any, index: int) -> None:
    """Wait for all work queued on CUDA device ``index`` (``cudaDeviceSynchronize``, through ONNX Runtime:
    ``synchronize_inputs`` of a binding whose input a CUDA node reads). Producers of DLPack arrays
    may still be writing them on streams of their own when they hand them over."""
    key = (id(module), index)
    binding = _syncs.get(key)
    if binding is None:
        why = probe_cuda(module, index)
        if why is not None:
            raise RuntimeError(why)
        with _lock:
            binding = _syncs.setdefault(key, _probed[key][2].io_binding())
    binding.synchronize_inputs()


def cuda_availability(p: Probes, place: Placement) -> Availability:
    """Whether ONNX Runtime can run on CUDA device ``place.index`` here, and why not."""
    problems: list[tuple[str, str]] = []
    notes: list[str] = []
    gpu: GpuInfo | None = None
    if p.platform == "darwin":
        problems.append(("platform", f"ONNX Runtime's {CUDA_EP} does not run on macOS"))
    else:
        report = p.devices()
        if not report.gpus:
            problems.append(("gpu", report.summary()))
        elif not 0 <= place.index < len(report.gpus):
            problems.append(("gpu", f"GPU {place.index} does not exist ({report.summary()})"))
        else:
            gpu = report.gpus[place.index]
    if problems:  # no GPU to run on: what the installed wheel could do does not matter here
        return Availability(problems, gpu, notes)
    try:
        module = p.import_module("onnxruntime")
    except (ImportError, OSError) as e:
        return Availability([("package", f"onnxruntime does not import ({e})")], gpu, notes)
    try:
        providers = tuple(module.get_available_providers())
    except Exception as e:  # noqa: BLE001
        return Availability([("package", f"onnxruntime cannot list its execution providers ({e})")], gpu, notes)
    if CUDA_EP not in providers:
        return Availability([("package", no_cuda_provider(installation(module, p.distributions("onnxruntime"))))], gpu, notes)
    why = probe_cuda(module, place.index)
    if why is not None:
        return Availability([("unavailable", why)], gpu, notes)
    inst = installation(module, p.distributions("onnxruntime"))
    notes.append(f"{inst.summary()}: {CUDA_EP} on {place}; nodes it has no kernel for run on {CPU_EP} inside the same session")
    if inst.conflict:
        fix = replace_cpu_wheel(_gpu_version(inst))
        notes.append(f"{_both(inst)} are both installed in {inst.here[0].location}: CUDA works now, but reinstalling either wheel can break it ({fix})")
    return Availability([], gpu, notes)


__all__ = [
    "CPU",
    "CPU_EP",
    "CUDA_EP",
    "CUDA_INSTALL_HINT",
    "Installation",
    "Placement",
    "cuda_availability",
    "installation",
    "no_cuda_provider",
    "parse_device",
    "device_sync",
    "prepare_cuda",
    "probe_cuda",
    "replace_cpu_wheel",
]
