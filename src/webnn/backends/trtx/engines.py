"""Getting an engine for ONNX bytes: a verified cache entry if there is one, else an AOT build.

:func:`get_engine` is the one entry point: it inspects the model (dynamic inputs), settles
the optimization profiles, computes the cache key, loads and verifies the entry, and on a
miss builds the engine under the key's inter-process lock (so concurrent builders of one
key build it once) and stores it.

When a model has dynamic inputs and no profile was given, an existing engine of the same
model and options whose profile covers the requested shapes is reused before a new
default profile is derived from the shapes (see :func:`~.options.default_profile`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .cache import EngineCache
from .legalize import VERSION as LEGALIZE_VERSION
from .legalize import legalize
from .lib import trt_version
from .loaders import OnnxInfo, TensorSpec, inspect_onnx
from .logger import log
from .options import BuildOptions, Profile, cache_key, default_profile
from .worker import build


@dataclass
class EngineRecord:
    """A serialized engine with what produced it and how it was obtained."""

    key: str
    engine: bytes = field(repr=False)
    onnx: bytes = field(repr=False)
    meta: dict = field(repr=False)
    options: BuildOptions
    source: str  # "built" or "cache"
    seconds: float  # build time, or cache read + verification time
    cache: EngineCache | None = field(default=None, repr=False)
    #: The (legalized) ONNX the engine was built from, when built in this process.
    built_from: bytes | None = field(default=None, repr=False)

    @property
    def inputs(self) -> list[TensorSpec]:
        return [TensorSpec.from_json(d) for d in self.meta["io"]["inputs"]]

    @property
    def outputs(self) -> list[TensorSpec]:
        return [TensorSpec.from_json(d) for d in self.meta["io"]["outputs"]]

    @property
    def views(self) -> dict[str, str]:
        """I/O the engine holds in another type of the same width: name -> the model's dtype."""
        return {s.name: s.model_dtype for s in self.inputs + self.outputs if s.model_dtype}

    @property
    def profiles(self) -> list[Profile]:
        return list(self.options.profiles)

    @property
    def label(self) -> str:
        return str(self.meta.get("label", "model"))

    def profile_for(self, shapes: Mapping[str, Sequence[int]]) -> int | None:
        """Index of the first optimization profile whose ranges hold every given input shape
        (0 when no input is dynamic); None when the shapes fit the engine in no profile."""
        specs = {s.name: s for s in self.inputs}
        dynamic = {}
        for name, shape in shapes.items():
            s = specs.get(name)
            if s is None:
                continue
            if len(shape) != len(s.shape) or any(d >= 0 and d != x for d, x in zip(s.shape, shape, strict=True)):
                return None
            if s.dynamic:
                dynamic[name] = shape
        if not dynamic:
            return 0
        for k, p in enumerate(self.profiles):
            if all(p.contains(n, sh) for n, sh in dynamic.items()):
                return k
        return None

    def covers(self, shapes: Mapping[str, Sequence[int]]) -> bool:
        """Whether the input shapes fit the engine (its static shapes, one profile's ranges)."""
        return self.profile_for(shapes) is not None


def _family(info: OnnxInfo, version: str, options: BuildOptions) -> str:
    material = {"onnx": info.sha256, "trt": version, "legalize": LEGALIZE_VERSION, "options": options.with_profiles(()).to_json()}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def get_engine(
    onnx_bytes: bytes,
    options: BuildOptions | None = None,
    *,
    cache: EngineCache | None = None,
    hints: Mapping[str, Sequence[int]] | None = None,
    label: str | None = None,
    progress: bool | None = None,
    info: OnnxInfo | None = None,
) -> EngineRecord:
    """The engine for ``onnx_bytes`` built with ``options`` (from ``cache`` when it holds a valid one)."""
    options = options or BuildOptions()
    onnx_bytes = bytes(onnx_bytes)
    info = info or inspect_onnx(onnx_bytes)
    if cache is not None and not cache.usable():  # not the user's, or writable by others: warned once
        cache = None
    version = trt_version()
    label = label or f"onnx:{info.sha256[:12]}"
    family = _family(info, version, options)
    auto_profile = False
    dyn = info.dynamic_inputs()
    if not options.profiles and dyn:
        auto_profile = True
        if cache is not None and hints:
            for key, meta in cache.find(lambda m: m.get("family") == family and m.get("auto_profile")):
                try:
                    opts = BuildOptions.from_json(meta["options"])
                except Exception:  # noqa: BLE001 - unreadable metadata: not a candidate
                    continue
                if all(opts.profiles[0].contains(n, s) for n, s in hints.items() if n in dyn):
                    rec = _load(cache, key, version, onnx_bytes, opts, info)
                    if rec is not None:
                        return rec
        options = options.with_profiles([default_profile(dyn, hints)])
    key = cache_key(info.sha256, version, options)
    if cache is None:
        return _build(onnx_bytes, info, options, key, version, family, auto_profile, label, progress, None)
    rec = _load(cache, key, version, onnx_bytes, options, info)
    if rec is not None:
        return rec
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(cache.lock(key))
        except OSError as e:  # a read-only or broken cache directory must not stop the graph
            log.warning("webnn trtx cache: %s is unusable (%s); building without the cache", cache.dir, e)
            return _build(onnx_bytes, info, options, key, version, family, auto_profile, label, progress, None)
        rec = _load(cache, key, version, onnx_bytes, options, info)  # another process may have built it meanwhile
        if rec is not None:
            return rec
        return _build(onnx_bytes, info, options, key, version, family, auto_profile, label, progress, cache)


def _with_model_dtypes(specs: list[TensorSpec], model: tuple[TensorSpec, ...]) -> list[TensorSpec]:
    """The engine's I/O, each marked with the model's dtype where the engine holds the same bytes in another type."""
    types = {s.name: s.dtype for s in model}
    out = []
    for s in specs:
        m = types.get(s.name, s.dtype)
        out.append(TensorSpec(s.name, s.dtype, s.shape, m if m != s.dtype else ""))
    return out


def io_problem(meta: Mapping, info: OnnxInfo) -> str | None:
    """Why an engine's recorded I/O table cannot be the one TensorRT-RTX parsed from the model
    ``info`` describes (names, order of outputs, ranks, static dimensions, data types); None when
    it fits. A cache entry whose table does not fit is not trusted."""
    try:
        ins = [TensorSpec.from_json(d) for d in meta["io"]["inputs"]]
        outs = [TensorSpec.from_json(d) for d in meta["io"]["outputs"]]
        # An engine may hold an input or output in another type of the same width than the model
        # (emulated types); the table then records the model's type as "model_dtype".
        model_types = {d["name"]: d.get("model_dtype") or d["dtype"] for d in meta["io"]["inputs"] + meta["io"]["outputs"]}
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return f"unreadable I/O table ({type(e).__name__}: {e})"
    if [s.name for s in outs] != [s.name for s in info.outputs]:
        return f"outputs {[s.name for s in outs]} are not the model's {[s.name for s in info.outputs]}"
    model_inputs = {s.name: s for s in info.inputs}
    if len({s.name for s in ins}) != len(ins) or any(s.name not in model_inputs for s in ins):
        return f"inputs {[s.name for s in ins]} are not inputs of the model ({', '.join(model_inputs)})"
    for s, m in [(s, model_inputs[s.name]) for s in ins] + list(zip(outs, info.outputs, strict=True)):
        recorded = model_types.get(s.name, s.dtype)
        if not m.dtype.startswith("onnx:") and not recorded.startswith("trt:") and recorded != m.dtype:
            return f"{s.name!r} is recorded as {recorded}, the model says {m.dtype}"
        if m.shape and (len(s.shape) != len(m.shape) or any(a >= 0 and b >= 0 and a != b for a, b in zip(s.shape, m.shape, strict=True))):
            return f"{s.name!r} is recorded with shape {list(s.shape)}, the model says {list(m.shape)}"
    return None


def _load(cache: EngineCache, key: str, version: str, onnx_bytes: bytes, options: BuildOptions, info: OnnxInfo) -> EngineRecord | None:
    entry = cache.load(key, "engine", trt_version=version)
    if entry is None:
        return None
    if entry.meta.get("onnx_sha256") != hashlib.sha256(onnx_bytes).hexdigest():
        cache.discard(key, reason="entry belongs to another model")
        return None
    problem = io_problem(entry.meta, info)
    if problem is not None:
        cache.discard(key, reason=f"its I/O table does not fit the model: {problem}")
        return None
    return EngineRecord(key, entry.payload, onnx_bytes, entry.meta, options, "cache", entry.seconds, cache)


def _build(
    onnx_bytes: bytes,
    info: OnnxInfo,
    options: BuildOptions,
    key: str,
    version: str,
    family: str,
    auto_profile: bool,
    label: str,
    progress: bool | None,
    cache: EngineCache | None,
) -> EngineRecord:
    start = time.perf_counter()
    source, rewrites = legalize(onnx_bytes)
    built = build(source, options, label=label, progress=progress, info=info if not rewrites else inspect_onnx(source))
    engine = built.engine
    meta = {
        "label": label,
        "trt_version": version,
        "onnx_sha256": info.sha256,
        "family": family,
        "auto_profile": auto_profile,
        "options": options.to_json(),
        "legalized": rewrites,
        "io": {
            "inputs": [s.to_json() for s in _with_model_dtypes(built.inputs, info.inputs)],
            "outputs": [s.to_json() for s in _with_model_dtypes(built.outputs, info.outputs)],
        },
        "parse_seconds": round(built.parse_seconds, 4),
        "build_seconds": round(built.build_seconds, 4),
        "created": time.time(),
        "host": platform.node(),
    }
    seconds = time.perf_counter() - start
    if cache is not None:
        try:
            cache.store(key, "engine", engine, meta)
        except OSError as e:  # a read-only or full cache directory must not stop the graph
            log.warning("webnn trtx cache: could not store %s in %s (%s)", label, cache.dir, e)
    meta = dict(meta, key=key, kind="engine")
    return EngineRecord(key, engine, onnx_bytes, meta, options, "built", seconds, cache, built_from=source)
