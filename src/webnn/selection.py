"""Backend selection: which engine an MLContext uses, and why.

``select_backend`` applies the rules of docs/selection.md:

- an explicit ``backend=`` argument, else a non-empty ``WEBNN_BACKEND`` (other than ``auto``),
  names the backend; if it cannot run here, :class:`~webnn.BackendUnavailable` says what is
  missing (``err.missing`` is one of ``platform``, ``gpu``, ``package``, ``compute_capability``,
  ``backend``, ``unavailable``);
- ``accelerated=False`` -> the CPU fallback (ONNX Runtime);
- ``accelerated=True`` -> the accelerators registered for the power preference, in their order
  (:func:`webnn.backends.accelerators`: TensorRT-RTX for ``"high-performance"``, CoreML for
  ``"low-power"``, TensorRT-RTX then CoreML for ``"default"``); the first that can run here
  wins, else the CPU fallback.

Selection knows no backend by name: what can run here is each backend's ``availability()``,
its options its ``configure()``, its order and names its registry entry
(:data:`webnn.backends.BACKENDS`). Everything the checks look at (the platform, GPUs from
:mod:`webnn.devices`, installed packages, backend classes) goes through :class:`Probes`, so
tests fake a machine and run this code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .backends import (
    BACKENDS,
    FALLBACK,
    POWER_PREFERENCES,
    Availability,
    Backend,
    Probes,
    accelerators,
    call_accepting,
    current_probes,
    resolve_name,
    use_probes,
)
from .devices import GpuInfo
from .errors import BackendUnavailable

# Views of the registry (webnn.backends.BACKENDS), kept for callers of earlier versions.
ENGINE_MODULES = {n: s.engine_module for n, s in BACKENDS.items()}
INSTALL_HINTS = {n: s.install_hint for n, s in BACKENDS.items()}
PRETTY = {n: s.pretty for n, s in BACKENDS.items()}
PREFERENCE_ORDER = {pp: tuple(accelerators(pp)) for pp in POWER_PREFERENCES}


@dataclass
class Candidate:
    """One backend checked against this machine: usable or not, and why."""

    name: str
    backend_class: type[Backend] | None = None
    #: (what is missing, explanation) for each problem found; empty when usable.
    problems: list[tuple[str, str]] = field(default_factory=list)
    gpu: GpuInfo | None = None
    notes: list[str] = field(default_factory=list)
    #: The options the backend is checked and created with (after its ``configure``).
    options: dict[str, Any] = field(default_factory=dict)

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


def check_backend(name: str, probes: Probes | None = None, options: Mapping[str, Any] | None = None, *, explicit: bool = True) -> Candidate:
    """Check whether backend ``name`` can run here (its ``availability()``); every problem found is recorded.

    ``explicit``: the backend was named by the caller (e.g. ``WEBNN_TRTX_SIMULATE`` then counts).
    """
    p = probes or current_probes()
    c = Candidate(name)
    try:
        cls = p.load_backend(name)
    except ImportError as e:
        c.problems.append(("backend", f"webnn's {BACKENDS[name].pretty} backend is not installed ({e})"))
        return c
    c.options = cls.configure(dict(options or {}), explicit=explicit, environ=p.environ)
    try:
        a = Availability.of(call_accepting(cls.availability, probes=p, **c.options))
    except Exception as e:  # noqa: BLE001 - a probing failure makes the backend unusable, not selection
        a = Availability([("unavailable", f"availability check failed: {type(e).__name__}: {e}")])
    c.problems += a.problems
    c.notes += a.notes
    c.gpu = a.gpu
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
    gpu: GpuInfo | None = None
    notes: list[str] = field(default_factory=list)
    #: The options the backend is created with (after its ``configure``).
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, c: Candidate, reason: str, **kw: Any) -> Selection:
        assert c.backend_class is not None
        return cls(c.name, c.backend_class, reason, gpu=c.gpu, notes=list(c.notes), options=dict(c.options), **kw)

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


def _unavailable(name: str, c: Candidate, src: str) -> BackendUnavailable:
    err = BackendUnavailable(f"backend {name!r} was requested ({src}) but cannot be used here: {c.reason}")
    err.backend = name
    err.missing = c.missing
    err.problems = list(c.problems)
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
    named = backend or env or None
    if named:
        name = resolve_name(named)
        src = "backend= argument" if backend else f"WEBNN_BACKEND={env}"
        c = check_backend(name, p, options)
        if not c.ok:
            raise _unavailable(name, c, src)
        return Selection.of(c, f"requested by {src}", explicit=True, candidates=[c])
    tried = accelerators(power_preference)  # validates the preference
    rejected: list[tuple[str, str]] = []
    candidates: list[Candidate] = []
    if accelerated:
        for name in tried:
            c = check_backend(name, p, options, explicit=False)
            candidates.append(c)
            if c.ok:
                why = f"accelerated=True, power_preference={power_preference!r}: {BACKENDS[name].pretty} can run here"
                return Selection.of(c, why, rejected=rejected, candidates=candidates)
            rejected.append((name, c.reason))
    c = check_backend(FALLBACK, p, options, explicit=False)
    candidates.append(c)
    if not c.ok:
        raise _unavailable(FALLBACK, c, "as the fallback")
    if not accelerated:
        reason = "accelerated=False: CPU execution requested"
    else:
        names = [BACKENDS[n].pretty for n in tried]
        if not names:
            none = "no accelerator is registered for it"
        else:
            none = (f"{names[0]} cannot" if len(names) == 1 else f"neither {' nor '.join(names)} can") + " run here"
        reason = f"accelerated=True, power_preference={power_preference!r}, but {none}; using the CPU"
    return Selection.of(c, reason, rejected=rejected, candidates=candidates)


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


__all__ = ["Candidate", "Probes", "Selection", "check_backend", "current_probes", "preview", "resolve_name", "select_backend", "use_probes"]
