"""Serve a WebNN graph with Ray Serve: replicas, dynamic batching, a handle API and HTTP.

``pip install "webnn[serve]"`` brings Ray Serve; importing this module does not import Ray
(only :func:`deployment`, :func:`run` and the command line's ``webnn serve`` do). Each replica
creates its own :class:`~webnn.MLContext` (the usual backend selection, on the replica's
machine), builds the graph, and answers requests; Ray Serve does the routing, the
autoscaling, the HTTP proxy and the request batching (``@serve.batch``). See docs/serving.md.

A graph whose inputs all start with the same dynamic dimension (``dyn(batch, N)`` in the
webnn-graph text format, a shared ``dim_param`` in ONNX, or a :class:`GraphFactory`) is
*batched*: each request carries any number of rows of it, concurrent requests are stacked into
one ``compute`` on a graph built (lazily, once) for the smallest of :attr:`ServeOptions.batch_sizes`
that holds them, padded by repeating the last row, and the outputs are split back. Rows must be
independent (that is what a batch dimension means). Other graphs run one request per compute.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import webnn_graph
from .context import MLContext, MLGraph
from .errors import BackendUnavailable, GraphError, ValidationError
from .model_files import load_model_file, sniff
from .types import NUMPY_DTYPES, MLOperandDescriptor

#: What ``pip install`` brings Ray Serve (the ``serve`` extra).
INSTALL_HINT = 'Ray Serve is not installed: pip install "webnn[serve]"'
#: Media type of a binary request/response body: a numpy ``.npz`` archive, arrays by name.
NPZ_MEDIA_TYPE = "application/x-npz"


# -- what is served --------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelFile:
    """A graph file (``.webnn`` zip, webnn-graph text, or ONNX through the importer).

    ``dims`` / ``input_shapes`` fix symbolic dimensions as :func:`webnn.model_files.load_model_file`
    does; a dynamic first dimension shared by every input and not fixed by ``dims`` is the batch
    dimension.
    """

    path: str
    dims: Mapping[str, int] = field(default_factory=dict)
    input_shapes: Mapping[str, Sequence[int]] = field(default_factory=dict)

    def batch_dimension(self) -> tuple[str, int | None] | None:
        """``(name, largest size or None)`` of the batch dimension, or None for a static graph."""
        kind = sniff(self.path)
        if kind == "webnn-graph":
            doc = webnn_graph.parse(Path(self.path).read_text(encoding="utf-8"), str(self.path))
            firsts = [shape[0] if shape else None for _, _, shape, _ in doc.inputs]
            dyn = [d for d in firsts if isinstance(d, tuple)]
            if firsts and len(dyn) == len(firsts):
                names = {d[1] for d in dyn}
                if len(names) == 1 and (name := names.pop()) not in self.dims:
                    sizes = [d[2] for d in dyn if d[2] is not None]
                    return name, (min(sizes) if sizes else None)
            return None
        if kind == "onnx":
            import onnx  # deferred: heavy, only for an ONNX file

            model = onnx.load(str(self.path), load_external_data=False)
            init = {t.name for t in model.graph.initializer}
            params = []
            for vi in model.graph.input:
                if vi.name in init:
                    continue
                dims = vi.type.tensor_type.shape.dim
                if vi.name in self.input_shapes or not dims or not dims[0].dim_param:
                    return None
                params.append(dims[0].dim_param)
            if params and len(set(params)) == 1 and params[0] not in self.dims:
                return params[0], None
            return None
        return None  # the .webnn zip stores static shapes

    def build(self, context: MLContext, batch: int | None) -> MLGraph:
        """The graph for ``context``, with the batch dimension fixed to ``batch`` (None: static)."""
        dims = dict(self.dims)
        if batch is not None:
            found = self.batch_dimension()
            if found is None:
                raise ValidationError(f"serve: {self.path} has no batch dimension")
            dims[found[0]] = batch
        return load_model_file(self.path, context, dims=dims or None, input_shapes=dict(self.input_shapes) or None)

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class GraphFactory:
    """A graph built by code: ``fn(context, batch)`` returns the MLGraph for ``batch`` rows
    (``batched=False``: ``fn(context, None)``, served one request per compute). ``fn`` must be
    picklable (a module-level function or a ``functools.partial`` of one): replicas call it."""

    fn: Callable[[Any, Any], Any]
    batched: bool = True
    max_batch: int | None = None
    name: str = "graph"

    def batch_dimension(self) -> tuple[str, int | None] | None:
        return ("batch", self.max_batch) if self.batched else None

    def build(self, context: MLContext, batch: int | None) -> MLGraph:
        return self.fn(context, batch)

    def __str__(self) -> str:
        return self.name


Source = ModelFile | GraphFactory


def as_source(source: str | os.PathLike | Source) -> Source:
    """A :class:`ModelFile` for a path; sources pass through."""
    if isinstance(source, (ModelFile, GraphFactory)):
        return source
    if isinstance(source, (str, os.PathLike)):
        return ModelFile(os.fspath(source))
    raise ValidationError(f"serve: expected a model file path, a ModelFile or a GraphFactory, got {type(source).__name__}")


# -- options ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServeOptions:
    """How a graph is deployed. ``replicas`` fixes the replica count; ``min_replicas`` and
    ``max_replicas`` (both given) enable Ray Serve's autoscaling instead, aiming at
    ``target_ongoing_requests`` per replica. ``num_cpus`` / ``num_gpus`` are each replica's Ray
    resources; ``max_batch`` is the most rows one compute takes (1: no batching) and
    ``batch_wait_s`` how long a replica waits for a batch to fill. ``batch_sizes`` are the sizes
    graphs are built for (default: powers of two up to ``max_batch``, and ``max_batch``).
    ``prebuild`` builds every batch size's graph when a replica starts (default: on first use).
    ``accelerated`` (default: whether the replica has GPUs), ``power_preference``, ``backend`` and
    ``backend_options`` make each replica's MLContext."""

    replicas: int = 1
    min_replicas: int | None = None
    max_replicas: int | None = None
    target_ongoing_requests: float = 2.0
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    max_batch: int = 8
    batch_wait_s: float = 0.005
    batch_sizes: tuple[int, ...] | None = None
    prebuild: bool = False
    max_ongoing_requests: int = 64
    accelerated: bool | None = None
    power_preference: str = "default"
    backend: str | None = None
    backend_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def positive_int(name: str, v: Any) -> None:
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValidationError(f"serve: {name} must be an integer >= 1, got {v!r}")

        positive_int("replicas", self.replicas)
        positive_int("max_batch", self.max_batch)
        positive_int("max_ongoing_requests", self.max_ongoing_requests)
        if (self.min_replicas is None) != (self.max_replicas is None):
            raise ValidationError("serve: autoscaling needs both min_replicas and max_replicas")
        if self.min_replicas is not None and self.max_replicas is not None:
            if not isinstance(self.min_replicas, int) or isinstance(self.min_replicas, bool) or self.min_replicas < 0:
                raise ValidationError(f"serve: min_replicas must be an integer >= 0, got {self.min_replicas!r}")
            positive_int("max_replicas", self.max_replicas)
            if self.max_replicas < self.min_replicas:
                raise ValidationError(f"serve: max_replicas ({self.max_replicas}) is below min_replicas ({self.min_replicas})")
        for name in ("num_cpus", "num_gpus", "batch_wait_s"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0:
                raise ValidationError(f"serve: {name} must be a number >= 0, got {v!r}")
        if not self.target_ongoing_requests > 0:
            raise ValidationError(f"serve: target_ongoing_requests must be > 0, got {self.target_ongoing_requests!r}")
        if self.batch_sizes is not None:
            sizes = tuple(self.batch_sizes)
            for s in sizes:
                positive_int("each of batch_sizes", s)
            if self.max_batch not in sizes or max(sizes) != self.max_batch:
                raise ValidationError(f"serve: batch_sizes {list(sizes)} must include max_batch ({self.max_batch}) as the largest")
            object.__setattr__(self, "batch_sizes", tuple(sorted(set(sizes))))

    def sizes(self) -> tuple[int, ...]:
        """The batch sizes graphs are built for, ascending."""
        if self.batch_sizes is not None:
            return self.batch_sizes
        out, n = [], 1
        while n < self.max_batch:
            out.append(n)
            n *= 2
        return (*out, self.max_batch)

    def context_options(self) -> dict[str, Any]:
        accelerated = self.num_gpus > 0 if self.accelerated is None else self.accelerated
        return {"accelerated": accelerated, "power_preference": self.power_preference, "backend": self.backend, **self.backend_options}

    def deployment_options(self) -> dict[str, Any]:
        """Keyword arguments of Ray Serve's ``Deployment.options``."""
        opts: dict[str, Any] = {
            "ray_actor_options": {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus},
            "max_ongoing_requests": self.max_ongoing_requests,
        }
        if self.min_replicas is not None:
            opts["autoscaling_config"] = {"min_replicas": self.min_replicas, "max_replicas": self.max_replicas,
                                          "target_ongoing_requests": self.target_ongoing_requests}
        else:
            opts["num_replicas"] = self.replicas
        return opts


def batch_size_for(rows: int, sizes: Sequence[int]) -> int:
    """The smallest of ``sizes`` (ascending) holding ``rows``."""
    for s in sizes:
        if s >= rows:
            return s
    raise ValidationError(f"serve: {rows} rows exceed the largest batch size {sizes[-1]}")


# -- requests --------------------------------------------------------------------------------
def check_inputs(inputs: Any, descriptors: Mapping[str, MLOperandDescriptor], *, max_rows: int | None) -> tuple[dict[str, np.ndarray], int]:
    """Validate a request against the graph's input descriptors; returns (arrays, rows).

    ``max_rows`` None: a static graph, every shape must match exactly (rows is 1). Otherwise the
    first dimension is the batch dimension: any 1..max_rows rows, the same in every input, and the
    other dimensions as described.
    """
    if not isinstance(inputs, Mapping):
        raise ValidationError(f"serve: inputs must be a mapping of input name -> array, got {type(inputs).__name__}")
    names = set(descriptors)
    if set(inputs) != names:
        parts = []
        if missing := sorted(names - set(inputs)):
            parts.append(f"missing input(s) {', '.join(map(repr, missing))}")
        if extra := sorted(map(str, set(inputs) - names)):
            parts.append(f"unknown input(s) {', '.join(map(repr, extra))}")
        raise ValidationError(f"serve: {'; '.join(parts)} (graph inputs: {', '.join(sorted(names))})")
    feed: dict[str, np.ndarray] = {}
    rows: int | None = None
    for name, desc in descriptors.items():
        a = inputs[name]
        if not isinstance(a, np.ndarray):
            raise ValidationError(f"serve: input {name!r} must be a numpy array, got {type(a).__name__}")
        if a.dtype != desc.dtype:
            raise ValidationError(f"serve: input {name!r} has dtype {a.dtype}, expected {desc.data_type}")
        want = list(desc.shape)
        if max_rows is None:
            if list(a.shape) != want:
                raise ValidationError(f"serve: input {name!r} has shape {list(a.shape)}, expected {want}")
        else:
            if a.ndim != len(want) or list(a.shape[1:]) != want[1:]:
                raise ValidationError(f"serve: input {name!r} has shape {list(a.shape)}, expected [rows, {', '.join(map(str, want[1:]))}]"
                                      f" (rows 1..{max_rows})")
            if not 1 <= a.shape[0] <= max_rows:
                raise ValidationError(f"serve: input {name!r} has {a.shape[0]} rows, expected 1..{max_rows}")
            if rows is not None and a.shape[0] != rows:
                raise ValidationError(f"serve: input {name!r} has {a.shape[0]} rows, other inputs have {rows}")
            rows = a.shape[0]
        feed[name] = np.ascontiguousarray(a)
    return feed, rows or 1


def stack(requests: Sequence[Mapping[str, np.ndarray]], size: int) -> dict[str, np.ndarray]:
    """Concatenate requests' arrays along the batch dimension, padded to ``size`` rows by
    repeating the last row (a real row, so padding never produces values a zero row might)."""
    out = {}
    for name in requests[0]:
        a = np.concatenate([r[name] for r in requests], axis=0)
        if a.shape[0] < size:
            a = np.concatenate([a, np.repeat(a[-1:], size - a.shape[0], axis=0)], axis=0)
        out[name] = a
    return out


def split(outputs: Mapping[str, np.ndarray], rows: Sequence[int]) -> list[dict[str, np.ndarray]]:
    """The inverse of :func:`stack`: each request's rows of every output (padding dropped)."""
    res, start = [], 0
    for n in rows:
        res.append({name: np.array(a[start : start + n]) for name, a in outputs.items()})
        start += n
    return res


# -- wire format (HTTP) ----------------------------------------------------------------------
def decode_json(body: bytes | str, descriptors: Mapping[str, MLOperandDescriptor]) -> tuple[dict[str, np.ndarray], str]:
    """``{"inputs": {name: tensor}}`` -> arrays, and the encoding used (``"list"`` or ``"base64"``).

    A tensor is a nested list (converted to the input's data type; integers must be integral and
    in range) or ``{"dtype": ..., "shape": [...], "data": "<base64 of little-endian bytes>"}``.
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise ValidationError(f"serve: the request body is not valid JSON ({type(e).__name__}: {e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("inputs"), dict):
        raise ValidationError('serve: the JSON body must be an object {"inputs": {name: tensor, ...}}')
    out: dict[str, np.ndarray] = {}
    kinds = set()
    for name, value in doc["inputs"].items():
        desc = descriptors.get(name)
        if desc is None:
            out[name] = np.empty(0)  # reported as unknown by check_inputs
            continue
        if isinstance(value, dict):
            kinds.add("base64")
            out[name] = _from_base64(name, value)
        else:
            kinds.add("list")
            out[name] = _from_list(name, value, desc)
    return out, ("base64" if kinds == {"base64"} else "list")


def _from_base64(name: str, t: Mapping[str, Any]) -> np.ndarray:
    if set(t) != {"dtype", "shape", "data"}:
        raise ValidationError(f'serve: input {name!r}: a base64 tensor has exactly the keys "dtype", "shape", "data", got {sorted(t)}')
    dt, shape, data = t["dtype"], t["shape"], t["data"]
    if dt not in NUMPY_DTYPES:
        raise ValidationError(f"serve: input {name!r}: unknown dtype {dt!r} (one of {', '.join(NUMPY_DTYPES)})")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ValidationError(f"serve: input {name!r}: shape must be a list of integers >= 0, got {shape!r}")
    if not isinstance(data, str):
        raise ValidationError(f"serve: input {name!r}: data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValidationError(f"serve: input {name!r}: data is not valid base64 ({e})") from None
    dtype = NUMPY_DTYPES[dt].newbyteorder("<")
    count = math.prod(shape)
    if len(raw) != count * dtype.itemsize:
        raise ValidationError(f"serve: input {name!r}: {len(raw)} bytes of data, shape {shape} of {dt} needs {count * dtype.itemsize}")
    return np.frombuffer(raw, dtype=dtype).astype(NUMPY_DTYPES[dt]).reshape(shape)


def _from_list(name: str, value: Any, desc: MLOperandDescriptor) -> np.ndarray:
    try:
        a = np.array(value)
    except (ValueError, RecursionError) as e:  # ragged, or nested deeper than numpy's 64 dimensions
        raise ValidationError(f"serve: input {name!r}: not a rectangular nested list of numbers ({e})") from None
    target = desc.dtype
    if a.dtype.kind not in "iuf":
        raise ValidationError(f"serve: input {name!r}: expected a nested list of numbers, got {a.dtype.name} elements")
    if target.kind in "iu" and a.size:
        if a.dtype.kind == "f":
            raise ValidationError(f"serve: input {name!r} is {desc.data_type}: the list holds non-integers")
        info = np.iinfo(target)
        if a.min() < info.min or a.max() > info.max:
            raise ValidationError(f"serve: input {name!r}: values outside the range of {desc.data_type}")
    return a.astype(target)


def encode_json(outputs: Mapping[str, np.ndarray], encoding: str) -> dict[str, Any]:
    """``{"outputs": {name: tensor}}`` in the request's encoding."""
    if encoding == "base64":
        return {"outputs": {n: {"dtype": str(a.dtype), "shape": list(a.shape),
                                "data": base64.b64encode(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()).decode()}
                            for n, a in outputs.items()}}
    return {"outputs": {n: a.tolist() for n, a in outputs.items()}}


def decode_npz(body: bytes) -> dict[str, np.ndarray]:
    """A ``.npz`` body (``np.savez``) -> arrays by name; pickled objects are refused."""
    try:
        z = np.load(io.BytesIO(body), allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise ValueError("a single .npy array, not an .npz archive")
        with z:
            return {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - ValueError, zipfile.BadZipFile, ... from a hostile body
        raise ValidationError(f"serve: the body is not a valid .npz archive ({e})") from None


def encode_npz(outputs: Mapping[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    arrays: dict[str, Any] = {str(k): v for k, v in outputs.items()}
    np.savez(buf, **arrays)
    return buf.getvalue()


# -- the replica -----------------------------------------------------------------------------
class GraphReplica:
    """One replica's state: its context, its graphs (one per batch size, built on first use) and
    the request checks. Ray-free; :func:`deployment` wraps it in a Ray Serve deployment."""

    def __init__(self, source: Source, options: ServeOptions) -> None:
        self.source = source
        self.options = options
        self.context = MLContext(**options.context_options())
        found = source.batch_dimension()
        self.batched = found is not None
        self.sizes: tuple[int, ...] = options.sizes() if self.batched else ()
        if found is not None and found[1] is not None and options.max_batch > found[1]:
            raise ValidationError(f"serve: max_batch {options.max_batch} exceeds the batch dimension's limit {found[1]} in {source}")
        self.graphs: dict[int | None, MLGraph] = {}
        first = self.graph(self.sizes[0] if self.batched else None)
        self.input_descriptors = dict(first.input_descriptors)
        self.output_descriptors = dict(first.output_descriptors)
        self.max_rows = options.max_batch if self.batched else None
        if options.prebuild:
            for size in self.sizes:
                self.graph(size)
        #: requests answered and computes run (fewer computes than requests: batching worked)
        self.stats = {"requests": 0, "computes": 0}
        # One compute at a time per replica (a context's device queue), off the event loop.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webnn-compute")

    def graph(self, batch: int | None) -> MLGraph:
        """The graph for ``batch`` rows (None: the static graph), built once."""
        g = self.graphs.get(batch)
        if g is None:
            g = self.source.build(self.context, batch)
            if batch is not None:
                for kind, descs in (("input", g.input_descriptors), ("output", g.output_descriptors)):
                    for name, d in descs.items():
                        if not d.shape or d.shape[0] != batch:
                            raise GraphError(f"serve: {self.source}: {kind} {name!r} has shape {list(d.shape)} when built for batch {batch};"
                                             " every input and output must start with the batch dimension")
            self.graphs[batch] = g
        return g

    def check(self, inputs: Any) -> tuple[dict[str, np.ndarray], int]:
        return check_inputs(inputs, self.input_descriptors, max_rows=self.max_rows)

    def compute_batch(self, feeds: Sequence[Mapping[str, np.ndarray]], rows: Sequence[int]) -> list[dict[str, np.ndarray]]:
        """Stack checked requests, compute once, split the outputs back."""
        size = batch_size_for(sum(rows), self.sizes)
        out = self.context.compute(self.graph(size), stack(feeds, size))
        self.stats["requests"] += len(feeds)
        self.stats["computes"] += 1
        return split(out, rows)

    def compute_one(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.context.compute(self.graph(None), feed)
        self.stats["requests"] += 1
        self.stats["computes"] += 1
        return out

    async def in_pool(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def describe(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "backend": self.context.backend, "batched": self.batched, "sizes": list(self.sizes),
                "built": sorted(k for k in self.graphs if k is not None), **self.stats,
                "inputs": {n: {"dtype": d.data_type, "shape": list(d.shape)} for n, d in self.input_descriptors.items()},
                "outputs": {n: {"dtype": d.data_type, "shape": list(d.shape)} for n, d in self.output_descriptors.items()}}


def _rows(items: Sequence[tuple[dict[str, np.ndarray], int]]) -> int:
    return sum(n for _, n in items)


_DEPLOYMENT: Any = None


def _ray_serve() -> Any:
    try:
        from ray import serve  # optional: the serve extra
    except ImportError as e:
        raise BackendUnavailable(INSTALL_HINT) from e
    return serve


def _deployment_class() -> Any:
    """The Ray Serve deployment class (defined on first use, so importing webnn never imports Ray)."""
    global _DEPLOYMENT
    if _DEPLOYMENT is not None:
        return _DEPLOYMENT
    serve = _ray_serve()
    # Ray Serve's HTTP types (starlette comes with ray[serve])
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response

    @serve.deployment(name="webnn")
    class WebNNGraph:
        """Serves one graph: ``handle.compute.remote({name: array})`` or HTTP POST (JSON or .npz)."""

        def __init__(self, source: Source, options: ServeOptions) -> None:
            self.replica = GraphReplica(source, options)
            self.batched_compute.set_max_batch_size(options.max_batch)
            self.batched_compute.set_batch_wait_timeout_s(options.batch_wait_s)

        @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.005, batch_size_fn=_rows)
        async def batched_compute(self, items: list[tuple[dict[str, np.ndarray], int]]) -> list[dict[str, np.ndarray]]:
            return await self.replica.in_pool(self.replica.compute_batch, [f for f, _ in items], [n for _, n in items])

        async def compute(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
            """Outputs by name for one request (a :class:`~webnn.ValidationError` for a bad one)."""
            feed, rows = self.replica.check(inputs)
            if self.replica.batched:
                return await self.batched_compute((feed, rows))
            return await self.replica.in_pool(self.replica.compute_one, feed)

        def describe(self) -> dict[str, Any]:
            """The replica's process id, backend, batch sizes (built so far) and descriptors."""
            return self.replica.describe()

        async def __call__(self, request: Request) -> Response:
            if request.method == "GET":
                return JSONResponse(self.replica.describe())
            try:
                body = await request.body()
                npz = request.headers.get("content-type", "").split(";")[0].strip() == NPZ_MEDIA_TYPE
                if npz:
                    inputs, encoding = decode_npz(body), "npz"
                else:
                    inputs, encoding = decode_json(body, self.replica.input_descriptors)
                outputs = await self.compute(inputs)
            except ValidationError as e:
                return JSONResponse({"error": str(e)}, status_code=400)
            except Exception as e:  # noqa: BLE001 - a failing backend is a 500 with its message, never a dead replica
                return JSONResponse({"error": f"{type(e).__name__}: {e}"}, status_code=500)
            if encoding == "npz":
                return Response(encode_npz(outputs), media_type=NPZ_MEDIA_TYPE)
            return JSONResponse(encode_json(outputs, encoding))

    _DEPLOYMENT = WebNNGraph
    return WebNNGraph


def deployment(source: str | os.PathLike | Source, options: ServeOptions | None = None) -> Any:
    """A Ray Serve application serving ``source`` (pass it to ``serve.run``)."""
    src = as_source(source)
    opts = options or ServeOptions()
    found = src.batch_dimension()  # checks the file here, before any replica starts
    if found is not None and found[1] is not None and opts.max_batch > found[1]:
        raise ValidationError(f"serve: max_batch {opts.max_batch} exceeds the batch dimension's limit {found[1]} in {src}")
    return _deployment_class().options(**opts.deployment_options()).bind(src, opts)


def run(source: str | os.PathLike | Source, options: ServeOptions | None = None, *, name: str = "webnn", route_prefix: str = "/",
        blocking: bool = False) -> Any:
    """Deploy ``source`` on the connected Ray cluster (``ray.init`` first, or a local one starts)
    as application ``name`` at HTTP ``route_prefix``; returns its ``DeploymentHandle``."""
    serve = _ray_serve()
    return serve.run(deployment(source, options), name=name, route_prefix=route_prefix, blocking=blocking)


__all__ = [
    "ModelFile", "GraphFactory", "ServeOptions", "GraphReplica", "as_source", "deployment", "run",
    "check_inputs", "stack", "split", "batch_size_for", "decode_json", "encode_json", "decode_npz", "encode_npz",
    "NPZ_MEDIA_TYPE", "INSTALL_HINT",
]
