"""Build options for TensorRT-RTX engines; with the ONNX bytes and the library version they form the cache key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ...errors import ValidationError
from .lib import compute_capabilities

#: Upper bound given to a dynamic dimension when nothing says otherwise (at least 2x the hint).
DEFAULT_DYNAMIC_MAX = 64

Shape = tuple[int, ...]


def _shape(v: Any, what: str) -> Shape:
    try:
        s = tuple(int(d) for d in v)
    except (TypeError, ValueError):
        raise ValidationError(f"{what}: expected a sequence of integers, got {v!r}") from None
    if any(d < 0 for d in s):
        raise ValidationError(f"{what}: dimensions must be >= 0, got {list(s)}")
    return s


@dataclass(frozen=True)
class Profile:
    """One optimization profile: input name -> (min, opt, max) shapes.

    ``Profile({"x": ([1, 3], [8, 3], [32, 3])})``; a single shape means min = opt = max.
    Also accepts ``{"x": {"min": ..., "opt": ..., "max": ...}}``.
    """

    shapes: tuple[tuple[str, Shape, Shape, Shape], ...]

    def __init__(self, shapes: Mapping[str, Any] | Iterable[tuple[str, Shape, Shape, Shape]]) -> None:
        items = []
        if isinstance(shapes, Mapping):
            for name, v in shapes.items():
                if isinstance(v, Mapping):
                    lo, opt, hi = (_shape(v[k], f"profile {name!r} {k}") for k in ("min", "opt", "max"))
                elif len(v) == 3 and all(isinstance(x, (list, tuple)) for x in v):
                    lo, opt, hi = (_shape(x, f"profile {name!r}") for x in v)
                else:
                    lo = opt = hi = _shape(v, f"profile {name!r}")
                items.append((str(name), lo, opt, hi))
        else:
            items = [(str(n), _shape(a, n), _shape(b, n), _shape(c, n)) for n, a, b, c in shapes]
        for name, lo, opt, hi in items:
            if not (len(lo) == len(opt) == len(hi)):
                raise ValidationError(f"profile for {name!r}: min/opt/max ranks differ ({list(lo)}, {list(opt)}, {list(hi)})")
            if not all(a <= b <= c for a, b, c in zip(lo, opt, hi, strict=True)):
                raise ValidationError(f"profile for {name!r}: need min <= opt <= max per dimension, got {list(lo)}, {list(opt)}, {list(hi)}")
        object.__setattr__(self, "shapes", tuple(sorted(items)))

    def get(self, name: str) -> tuple[Shape, Shape, Shape] | None:
        for n, lo, opt, hi in self.shapes:
            if n == name:
                return lo, opt, hi
        return None

    def contains(self, name: str, shape: Sequence[int]) -> bool:
        r = self.get(name)
        if r is None:
            return True
        lo, _, hi = r
        return len(shape) == len(lo) and all(a <= d <= b for a, d, b in zip(lo, shape, hi, strict=True))

    def to_json(self) -> dict:
        return {n: {"min": list(lo), "opt": list(opt), "max": list(hi)} for n, lo, opt, hi in self.shapes}

    def __repr__(self) -> str:
        return f"Profile({self.to_json()})"


def default_profile(dynamic_inputs: Mapping[str, Sequence[int]], hints: Mapping[str, Sequence[int]] | None = None) -> Profile:
    """A profile for inputs with dynamic dimensions (``-1``): min 1, opt = the hint (or 1), max = max(64, 2 x hint)."""
    hints = hints or {}
    shapes = {}
    for name, dims in dynamic_inputs.items():
        hint = hints.get(name)
        if hint is not None and len(hint) != len(dims):
            raise ValidationError(f"input {name!r}: shape {list(hint)} has rank {len(hint)}, the model's input has rank {len(dims)}")
        lo, opt, hi = [], [], []
        for i, d in enumerate(dims):
            if d >= 0:
                if hint is not None and int(hint[i]) != d:
                    raise ValidationError(f"input {name!r}: dimension {i} is {int(hint[i])}, the model fixes it to {d}")
                lo.append(d)
                opt.append(d)
                hi.append(d)
            else:
                h = max(1, int(hint[i])) if hint is not None else 1
                lo.append(1)
                opt.append(h)
                hi.append(max(DEFAULT_DYNAMIC_MAX, 2 * h))
        shapes[name] = (lo, opt, hi)
    return Profile(shapes)


@dataclass(frozen=True)
class BuildOptions:
    """What the ahead-of-time build is told; every field is part of the engine cache key.

    - ``workspace``: workspace memory-pool limit in bytes (None: TensorRT-RTX's default);
    - ``profiles``: optimization profiles; empty means one derived from the model (see
      :func:`default_profile`) when the model has dynamic inputs;
    - ``compute_capabilities``: target GPUs, e.g. ``("SM86", "SM89")`` or ``("current",)``
      (needs a GPU at build time); the names the installed TensorRT-RTX knows are accepted
      (:func:`~.lib.compute_capabilities`); empty means TensorRT-RTX's portable default
      (compute capability 8.0, 8.6, 8.9, 12.0 and later);
    - ``optimization_level``: the builder optimization level (None: default).
    """

    workspace: int | None = None
    profiles: tuple[Profile, ...] = field(default=())
    compute_capabilities: tuple[str, ...] = field(default=())
    optimization_level: int | None = None

    def __post_init__(self) -> None:
        if self.workspace is not None and (not isinstance(self.workspace, int) or self.workspace <= 0):
            raise ValidationError(f"trtx: workspace must be a positive number of bytes, got {self.workspace!r}")
        profs = tuple(p if isinstance(p, Profile) else Profile(p) for p in (self.profiles or ()))
        object.__setattr__(self, "profiles", profs)
        ccs = []
        if self.compute_capabilities:
            names = ("current", *compute_capabilities().values())  # what the installed TensorRT-RTX can target
            for c in self.compute_capabilities:
                key = str(c).lower().replace(".", "").replace("sm_", "sm")
                canon = next((n for n in names if n.lower() == key), None)
                if canon is None:
                    raise ValidationError(f"trtx: unknown compute capability {c!r} (expected one of {', '.join(names)})")
                ccs.append(canon)
        if "current" in ccs and len(ccs) > 1:
            raise ValidationError("trtx: compute capability 'current' cannot be combined with others")
        object.__setattr__(self, "compute_capabilities", tuple(ccs))
        if self.optimization_level is not None and not (0 <= int(self.optimization_level) <= 5):
            raise ValidationError(f"trtx: optimization_level must be in 0..5, got {self.optimization_level!r}")

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> BuildOptions:
        """The inverse of :meth:`to_json`."""
        return cls(
            workspace=d.get("workspace"),
            profiles=tuple(Profile(p) for p in d.get("profiles", [])),
            compute_capabilities=tuple(d.get("compute_capabilities", [])),
            optimization_level=d.get("optimization_level"),
        )

    def with_profiles(self, profiles: Sequence[Profile]) -> BuildOptions:
        return replace(self, profiles=tuple(profiles))

    def to_json(self) -> dict:
        return {
            "workspace": self.workspace,
            "profiles": [p.to_json() for p in self.profiles],
            "compute_capabilities": list(self.compute_capabilities),
            "optimization_level": self.optimization_level,
        }


#: Bump when anything about how engines are built or stored changes meaning.
KEY_SCHEMA = 1


def cache_key(onnx_sha256: str, trt_version: str, options: BuildOptions) -> str:
    """sha256 over the ONNX bytes' hash, the TensorRT-RTX version and every build option."""
    from .legalize import VERSION as LEGALIZE_VERSION  # deferred: legalize imports onnx (heavy), options must not

    material = {"schema": KEY_SCHEMA, "legalize": LEGALIZE_VERSION, "onnx": onnx_sha256, "trt": trt_version, "options": options.to_json()}
    return hashlib.sha256(json.dumps(material, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
