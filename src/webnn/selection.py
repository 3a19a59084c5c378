"""Backend selection: which engine an MLContext uses, and why."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .backends import Backend
from .errors import BackendUnavailable, ValidationError


@dataclass
class Selection:
    """The chosen backend with the reasons for the choice and for each rejection."""

    name: str
    backend_class: type[Backend]
    reason: str
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def explain(self) -> str:
        lines = [f"backend: {self.name} ({self.reason})"]
        lines += [f"rejected {n}: {why}" for n, why in self.rejected]
        return "\n".join(lines)


def _resolve(name: str) -> str:
    from .context import BACKEND_ALIASES, BACKENDS

    n = BACKEND_ALIASES.get(name.lower(), name.lower())
    if n not in BACKENDS:
        raise ValidationError(f"unknown backend {name!r} (expected one of {', '.join(BACKENDS)})")
    return n


def _try(name: str) -> tuple[type[Backend] | None, str]:
    from .context import backend_class

    try:
        cls = backend_class(name)
    except ImportError as e:
        return None, f"not installed ({e})"
    ok, why = cls.availability()
    return (cls, "") if ok else (None, why)


def select_backend(accelerated: bool, power_preference: str, backend: str | None = None) -> Selection:
    """Choose a backend: explicit ``backend`` / ``WEBNN_BACKEND`` first, else by preference."""
    explicit = backend or os.environ.get("WEBNN_BACKEND") or None
    if explicit:
        name = _resolve(explicit)
        cls, why = _try(name)
        if cls is None:
            raise BackendUnavailable(f"backend {name!r} was requested but cannot be used: {why}")
        src = "backend= argument" if backend else "WEBNN_BACKEND environment variable"
        return Selection(name, cls, f"requested by the {src}")
    rejected: list[tuple[str, str]] = []
    if accelerated:
        order = {"high-performance": ["trtx"], "low-power": ["coreml"], "default": ["trtx", "coreml"]}[power_preference]
        for name in order:
            cls, why = _try(name)
            if cls is not None:
                return Selection(name, cls, f"accelerated=True, power_preference={power_preference!r}", rejected)
            rejected.append((name, why))
    cls, _ = _try("onnxruntime")
    assert cls is not None
    reason = "accelerated=False" if not accelerated else "no accelerator backend is available"
    return Selection("onnxruntime", cls, reason, rejected)
