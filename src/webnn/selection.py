"""Backend selection: which engine an MLContext uses, and why.

``select_backend`` applies the rules of docs/selection.md:

- an explicit ``backend=`` argument, else a non-empty ``WEBNN_BACKEND`` (other than ``auto``),
  names the backend; if it cannot run here, :class:`~webnn.BackendUnavailable` says what is
  missing (``err.missing`` is one of ``platform``, ``gpu``, ``package``, ``compute_capability``,
  ``backend``, ``unavailable``);
- ``accelerated=False`` -> ONNX Runtime (CPU);
- ``"high-performance"`` -> TensorRT-RTX, ``"low-power"`` -> CoreML, ``"default"`` -> TensorRT-RTX
  then CoreML; the first that can run here wins, else ONNX Runtime.

Everything selection looks at (the platform, GPUs from :mod:`webnn.devices`, installed packages,
backend classes) goes through :class:`Probes`, so tests fake a machine and run this code.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from . import devices as _devices
from .backends import Backend
from .errors import BackendUnavailable, ValidationError

#: Python module of each backend's engine (looked up without importing it).
ENGINE_MODULES = {"onnxruntime": "onnxruntime", "trtx": "tensorrt_rtx", "coreml": "coremltools"}
#: How to install each optional engine.
INSTALL_HINTS = {"trtx": "pip install 'webnn[trtx]'", "coreml": "pip install 'webnn[coreml]'", "onnxruntime": "pip install onnxruntime"}
#: Oldest GPU architecture TensorRT-RTX runs on (Turing). A backend class may refine this with a
#: classmethod ``supports_compute_capability(cc) -> (bool, reason)``.
TRTX_MIN_COMPUTE_CAPABILITY = (7, 5)
#: Accelerators tried for each power preference, in order; ONNX Runtime is the fallback.
PREFERENCE_ORDER = {"high-performance": ("trtx",), "low-power": ("coreml",), "default": ("trtx", "coreml")}
PRETTY = {"onnxruntime": "ONNX Runtime", "trtx": "TensorRT-RTX", "coreml": "CoreML"}


def _module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _load_backend(name: str) -> type[Backend]:
    from .context import backend_class

    return backend_class(name)


@dataclass
class Probes:
    """What selection looks at. Replace fields (or use :func:`use_probes`) to fake a machine."""

    platform: str = field(default_factory=lambda: sys.platform)
    devices: Callable[[], _devices.DeviceReport] = _devices.detect
    module_available: Callable[[str], bool] = _module_available
    load_backend: Callable[[str], type[Backend]] = _load_backend
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)


_override: Probes | None = None


def current_probes() -> Probes:
    return _override if _override is not None else Probes()


@contextlib.contextmanager
def use_probes(probes: Probes) -> Iterator[Probes]:
    """Make every selection (including ``MLContext(...)``) in the block use ``probes``."""
    global _override
    prev, _override = _override, probes
    try:
        yield probes
    finally:
        _override = prev


@dataclass
class Candidate:
    """One backend checked against this machine: usable or not, and why."""

    name: str
    backend_class: type[Backend] | None = None
    #: (what is missing, explanation) for each problem found; empty when usable.
    problems: list[tuple[str, str]] = field(default_factory=list)
    gpu: _devices.GpuInfo | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.backend_class is not None

    @property
    def missing(self) -> str | None:
        return self.problems[0][0] if self.problems else None

    @property
    def reason(self) -> str:
        return "; ".join(why for _, why in self.problems)

    def to_json(self) -> dict:
        return {
            "backend": self.name,
            "usable": self.ok,
            "missing": [m for m, _ in self.problems],
            "reason": self.reason,
            "gpu": self.gpu.to_json() if self.gpu else None,
            "notes": list(self.notes),
        }


def _accepts(fn: Callable, kw: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return kw in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _load(c: Candidate, probes: Probes) -> type[Backend] | None:
    try:
        return probes.load_backend(c.name)
    except ImportError as e:
        c.problems.append(("backend", f"webnn's {PRETTY[c.name]} backend is not installed ({e})"))
    return None


def _availability(c: Candidate, cls: type[Backend], simulate: bool) -> None:
    avail = getattr(cls, "availability", None)
    if avail is None:
        return
    try:
        if simulate:
            if not _accepts(avail, "simulate"):
                return
            ok, why = avail(simulate=True)
        else:
            ok, why = avail()
    except Exception as e:  # noqa: BLE001 - a probing failure makes the backend unusable, not selection
        ok, why = False, f"availability check failed: {type(e).__name__}: {e}"
    if not ok:
        c.problems.append(("unavailable", why or "reported unavailable"))


def _cc_ok(cls: type[Backend] | None, cc: tuple[int, int]) -> tuple[bool, str]:
    hook = getattr(cls, "supports_compute_capability", None) if cls is not None else None
    if hook is not None:
        return hook(cc)
    ok = cc >= TRTX_MIN_COMPUTE_CAPABILITY
    return ok, "" if ok else f"TensorRT-RTX needs compute capability {TRTX_MIN_COMPUTE_CAPABILITY[0]}.{TRTX_MIN_COMPUTE_CAPABILITY[1]} or newer"


#: Environment variable that asks the TensorRT-RTX backend for its simulated runtime.
TRTX_SIMULATE_ENV = "WEBNN_TRTX_SIMULATE"


def _simulate(name: str, options: Mapping[str, Any], environ: Mapping[str, str], explicit: bool) -> bool:
    """Whether the simulated runtime is asked for: the ``simulate`` option, else (only when
    the backend is named) ``WEBNN_TRTX_SIMULATE``. Automatic selection never picks a
    simulation the caller did not pass ``simulate=True`` for."""
    if options.get("simulate") is not None:
        return bool(options["simulate"])
    if name == "trtx" and explicit:
        return environ.get(TRTX_SIMULATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    return False


def check_backend(name: str, probes: Probes | None = None, options: Mapping[str, Any] | None = None, *, explicit: bool = True) -> Candidate:
    """Check whether backend ``name`` can run here; every problem found is recorded.

    ``explicit``: the backend was named by the caller (``WEBNN_TRTX_SIMULATE`` then counts).
    """
    p = probes or current_probes()
    options = options or {}
    c = Candidate(name)
    simulate = _simulate(name, options, p.environ, explicit)
    if name == "onnxruntime":
        if not p.module_available(ENGINE_MODULES[name]):
            c.problems.append(("package", f"onnxruntime is not installed ({INSTALL_HINTS[name]})"))
            return c
    elif name == "trtx":
        report = None
        if p.platform == "darwin":
            c.problems.append(("platform", "TensorRT-RTX does not run on macOS"))
        elif simulate:
            c.notes.append("simulate=True: the TensorRT-RTX runtime is simulated on the host; no GPU needed")
        else:
            report = p.devices()
            if not report.gpus:
                c.problems.append(("gpu", report.summary()))
        if not p.module_available(ENGINE_MODULES[name]):
            c.problems.append(("package", f"TensorRT-RTX is not installed ({INSTALL_HINTS[name]})"))
        if c.problems:
            return c
        cls = _load(c, p)
        if report is not None and report.gpus:
            unknown = [g for g in report.gpus if g.compute_capability is None]
            good = None
            bad: list[str] = []
            for g in report.gpus:
                if g.compute_capability is None:
                    continue
                ok, why = _cc_ok(cls, g.compute_capability)
                if ok:
                    good = g
                    break
                bad.append(f"{g.name} has compute capability {g.compute_capability_str}: {why}")
            if good is None and unknown:
                good = unknown[0]
                c.notes.append(f"compute capability of {good.name} unknown; assuming TensorRT-RTX supports it")
            if good is None:
                c.problems.append(("compute_capability", "; ".join(bad)))
            c.gpu = good
        if cls is None or c.problems:
            return c
        _availability(c, cls, simulate)
        c.backend_class = cls
        return c
    elif name == "coreml":
        if p.platform != "darwin":
            c.problems.append(("platform", f"CoreML needs macOS (this is {p.platform})"))
        if not p.module_available(ENGINE_MODULES[name]):
            c.problems.append(("package", f"coremltools is not installed ({INSTALL_HINTS[name]})"))
        if c.problems:
            return c
    else:  # a backend registered in context.BACKENDS by a plug-in: only its own checks apply
        pass
    cls = _load(c, p)
    if cls is None:
        return c
    _availability(c, cls, simulate)
    c.backend_class = cls
    return c


@dataclass
class Selection:
    """The chosen backend with the reasons for the choice and for each rejection."""

    name: str
    backend_class: type[Backend]
    reason: str
    rejected: list[tuple[str, str]] = field(default_factory=list)
    explicit: bool = False
    candidates: list[Candidate] = field(default_factory=list)
    gpu: _devices.GpuInfo | None = None
    notes: list[str] = field(default_factory=list)

    def explain(self) -> str:
        lines = [f"backend: {self.name} ({self.reason})"]
        if self.gpu is not None:
            lines.append(f"device: {self.gpu}")
        lines += [f"rejected {n}: {why}" for n, why in self.rejected]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "backend": self.name,
            "reason": self.reason,
            "explicit": self.explicit,
            "gpu": self.gpu.to_json() if self.gpu else None,
            "rejected": [{"backend": n, "reason": why} for n, why in self.rejected],
            "notes": list(self.notes),
        }


def resolve_name(name: str) -> str:
    """Canonical backend name for ``name`` or an alias (``ort``, ``tensorrt``...)."""
    from .context import BACKEND_ALIASES, BACKENDS

    if not isinstance(name, str):
        raise ValidationError(f"backend must be a string, got {type(name).__name__}")
    n = BACKEND_ALIASES.get(name.strip().lower(), name.strip().lower())
    if n not in BACKENDS:
        raise ValidationError(f"unknown backend {name!r} (expected one of {', '.join(BACKENDS)})")
    return n


_resolve = resolve_name  # old spelling


def _unavailable(name: str, c: Candidate, src: str) -> BackendUnavailable:
    err = BackendUnavailable(f"backend {name!r} was requested ({src}) but cannot be used here: {c.reason}")
    err.backend = name  # type: ignore[attr-defined]
    err.missing = c.missing  # type: ignore[attr-defined]
    err.problems = list(c.problems)  # type: ignore[attr-defined]
    return err


def select_backend(
    accelerated: bool,
    power_preference: str,
    backend: str | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    probes: Probes | None = None,
) -> Selection:
    """Choose a backend: explicit ``backend`` / ``WEBNN_BACKEND`` first, else by preference."""
    p = probes or current_probes()
    env = (p.environ.get("WEBNN_BACKEND") or "").strip()
    if env.lower() == "auto":
        env = ""
    explicit = backend or env or None
    if explicit:
        name = resolve_name(explicit)
        src = "backend= argument" if backend else f"WEBNN_BACKEND={env}"
        c = check_backend(name, p, options)
        if not c.ok:
            raise _unavailable(name, c, src)
        assert c.backend_class is not None
        return Selection(name, c.backend_class, f"requested by {src}", explicit=True, candidates=[c], gpu=c.gpu, notes=list(c.notes))
    if power_preference not in PREFERENCE_ORDER:
        raise ValidationError(f"power_preference must be one of {', '.join(PREFERENCE_ORDER)}, got {power_preference!r}")
    rejected: list[tuple[str, str]] = []
    candidates: list[Candidate] = []
    if accelerated:
        for name in PREFERENCE_ORDER[power_preference]:
            c = check_backend(name, p, options, explicit=False)
            candidates.append(c)
            if c.ok:
                assert c.backend_class is not None
                why = f"accelerated=True, power_preference={power_preference!r}: {PRETTY[name]} can run here"
                return Selection(name, c.backend_class, why, rejected, candidates=candidates, gpu=c.gpu, notes=list(c.notes))
            rejected.append((name, c.reason))
    c = check_backend("onnxruntime", p, options, explicit=False)
    candidates.append(c)
    if not c.ok:
        raise _unavailable("onnxruntime", c, "as the fallback")
    assert c.backend_class is not None
    if not accelerated:
        reason = "accelerated=False: CPU execution requested"
    else:
        names = [PRETTY[n] for n in PREFERENCE_ORDER[power_preference]]
        tried = f"{names[0]} cannot" if len(names) == 1 else f"neither {' nor '.join(names)} can"
        reason = f"accelerated=True, power_preference={power_preference!r}, but {tried} run here; using the CPU"
    return Selection("onnxruntime", c.backend_class, reason, rejected, candidates=candidates)


def preview(probes: Probes | None = None) -> dict[str, Selection | Exception]:
    """What each (accelerated, power preference) combination would pick here (for ``webnn info``)."""
    out: dict[str, Selection | Exception] = {}
    combos = [("accelerated=False", False, "default")] + [(pp, True, pp) for pp in ("default", "high-performance", "low-power")]
    for label, acc, pp in combos:
        try:
            out[label] = select_backend(acc, pp, probes=probes)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            out[label] = e
    return out
