"""The ahead-of-time phase in single steps: ONNX bytes -> network -> serialized engine.

- :func:`inspect_onnx` reads an ONNX model's inputs/outputs (which dimensions are dynamic)
  without TensorRT, so the engine cache key can be computed before any parsing;
- :func:`network_from_onnx` parses the bytes with TensorRT-RTX's ONNX parser; failures
  raise :class:`~webnn.TrtxRuntimeFailed` listing every parser error with node name and
  op type;
- :func:`build_engine` configures the builder (workspace, optimization profiles, compute
  capabilities, progress monitor) and returns the serialized engine bytes.

None of this needs a GPU or a CUDA driver.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import TrtxRuntimeFailed
from .dtypes import trt_dtype_name
from .lib import trt
from .logger import BENIGN, capture, get_logger, summarize
from .options import BuildOptions, Profile
from .progress import make_monitor, progress_mode

if TYPE_CHECKING:
    import onnx

#: TensorRT builds are CPU-heavy and share one logger; one at a time per process.
BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class TensorSpec:
    """One input or output: name, numpy dtype name (``"onnx:<type>"`` when numpy has none), shape (-1: dynamic).

    ``model_dtype`` is set on an engine's I/O when the model's type differs: the engine then
    holds the same bytes in ``dtype`` (uint32 as int32, uint64 as int64; see :mod:`.emulate`),
    and runners reinterpret the buffer, never convert it.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    model_dtype: str = ""

    @property
    def dynamic(self) -> bool:
        return any(d < 0 for d in self.shape)

    @property
    def public_dtype(self) -> str:
        """The dtype callers give and get (the model's)."""
        return self.model_dtype or self.dtype

    def to_json(self) -> dict:
        d = {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}
        if self.model_dtype:
            d["model_dtype"] = self.model_dtype
        return d

    @classmethod
    def from_json(cls, d: dict) -> TensorSpec:
        return cls(d["name"], d["dtype"], tuple(d["shape"]), d.get("model_dtype", ""))


@dataclass(frozen=True)
class OnnxInfo:
    """What the cache key and default profiles need to know about an ONNX model."""

    sha256: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    nodes: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (name, op_type) per node

    def dynamic_inputs(self) -> dict[str, tuple[int, ...]]:
        return {t.name: t.shape for t in self.inputs if t.dynamic}


def _onnx_dtype(elem_type: int) -> str:
    import onnx  # deferred: onnx is heavy, loaded with the first model

    try:
        return onnx.helper.tensor_dtype_to_np_dtype(elem_type).name
    except (KeyError, TypeError, ValueError):
        return f"onnx:{onnx.TensorProto.DataType.Name(elem_type) if elem_type in onnx.TensorProto.DataType.values() else elem_type}"


def _spec(vi: onnx.ValueInfoProto) -> TensorSpec:
    tt = vi.type.tensor_type
    dims = []
    if tt.HasField("shape"):
        for d in tt.shape.dim:
            dims.append(int(d.dim_value) if d.HasField("dim_value") else -1)
    return TensorSpec(vi.name, _onnx_dtype(tt.elem_type), tuple(dims))


def inspect_onnx(onnx_bytes: bytes) -> OnnxInfo:
    """Inputs (initializers excluded), outputs and nodes of an ONNX model; TrtxRuntimeFailed if unreadable."""
    import onnx  # deferred: onnx is heavy, loaded with the first model

    data = bytes(onnx_bytes)
    try:
        model = onnx.ModelProto.FromString(data)
    except Exception as e:  # protobuf DecodeError and friends
        raise TrtxRuntimeFailed(f"TensorRT-RTX: the bytes are not an ONNX model ({type(e).__name__}: {e})") from e
    if not model.HasField("graph"):
        raise TrtxRuntimeFailed("TensorRT-RTX: the bytes are not an ONNX model (no graph)")
    g = model.graph
    inits = {i.name for i in g.initializer} | {i.name for i in g.sparse_initializer}
    return OnnxInfo(
        hashlib.sha256(data).hexdigest(),
        tuple(_spec(v) for v in g.input if v.name not in inits),
        tuple(_spec(v) for v in g.output),
        tuple((n.name, n.op_type) for n in g.node),
    )


@dataclass
class ParsedNetwork:
    """A parsed network; the builder and parser must outlive the network, so they travel with it."""

    builder: Any
    network: Any
    parser: Any
    seconds: float

    def inputs(self) -> list[TensorSpec]:
        return [_trt_spec(self.network.get_input(i)) for i in range(self.network.num_inputs)]

    def outputs(self) -> list[TensorSpec]:
        return [_trt_spec(self.network.get_output(i)) for i in range(self.network.num_outputs)]


def _trt_spec(t: Any) -> TensorSpec:
    return TensorSpec(t.name, trt_dtype_name(t.dtype), tuple(int(d) for d in t.shape))


def _node_details(msgs: list[str], name: str) -> str:
    """The TensorRT error logged for a node the parser calls just "Invalid Node" (API usage errors)."""
    for m in msgs:
        if "Error Code" in m and (f"({name}:" in m or f" {name}:" in m or name in m.split("(", 1)[-1][: len(name) + 2]):
            return m.strip()
    useful = [m.strip() for m in msgs if "Error Code" in m and "cudaError" not in m]
    return useful[0] if useful else ""


def _parser_errors(parser: Any, info: OnnxInfo | None, msgs: list[str] | None = None) -> list[str]:
    out = []
    for i in range(parser.num_errors):
        e = parser.get_error(i)
        name, op, idx = e.node_name(), e.node_operator(), e.node()
        if (not name or not op) and info is not None and 0 <= idx < len(info.nodes):
            name = name or info.nodes[idx][0]
            op = op or info.nodes[idx][1]
        desc = e.desc().strip()
        if desc in ("false", "") and e.func():
            desc = f"{e.func()} rejected the node"
        if desc.startswith("Invalid Node") and msgs:
            detail = _node_details(msgs, name)
            if detail and detail not in desc:
                desc = f"{desc}: {detail}"
        desc = " ".join(ln.strip() for ln in desc.splitlines() if ln.strip() and not any(b in ln for b in BENIGN))
        if e.func() == "importInput":
            where = f"graph input {e.file()!r}"  # the parser reports the input's name in the file field
        elif idx >= 0 or name or op:
            where = f"node {name or '#' + str(idx)!r} ({op or 'unknown op'})"
        else:
            where = "model"
        out.append(f"{where}: {desc} [{str(e.code()).split('.')[-1]}]")
    return out


def network_from_onnx(onnx_bytes: bytes, info: OnnxInfo | None = None) -> ParsedNetwork:
    """Parse ONNX bytes into a TensorRT-RTX network (no GPU needed)."""
    t = trt()
    logger = get_logger()
    start = time.perf_counter()
    with capture() as msgs:
        builder = t.Builder(logger)
        if builder is None:
            raise TrtxRuntimeFailed(f"TensorRT-RTX: could not create a builder ({summarize(msgs)})")
        network = builder.create_network(0)
        if network is None:
            raise TrtxRuntimeFailed(f"TensorRT-RTX: could not create a network ({summarize(msgs) or 'no reason given'})")
        parser = t.OnnxParser(network, logger)
        ok = parser.parse(bytes(onnx_bytes))
    if not ok:
        errors = _parser_errors(parser, info, msgs)
        if not errors:
            errors = [summarize(msgs) or "no error reported"]
        n = len(errors)
        first = f"TensorRT-RTX's ONNX parser rejected the model: {errors[0]}" + (f" (and {n - 1} more error{'s' if n > 2 else ''})" if n > 1 else "")
        raise TrtxRuntimeFailed(first + ("\n  " + "\n  ".join(errors) if n > 1 else ""))
    return ParsedNetwork(builder, network, parser, time.perf_counter() - start)


def check_profiles(parsed: ParsedNetwork, profiles: tuple[Profile, ...]) -> None:
    """Every dynamic input needs a shape range in every profile; unknown names are errors."""
    ins = {s.name: s for s in parsed.inputs()}
    net = parsed.network
    for i in range(net.num_inputs):
        t_in = net.get_input(i)
        if t_in.is_shape_tensor:
            raise TrtxRuntimeFailed(
                f"input {t_in.name!r} is a shape tensor (its values set output shapes); TensorRT-RTX needs the range of its "
                "values in an optimization profile, which webnn does not support yet"
            )
    for k, p in enumerate(profiles):
        for name, lo, _opt, _hi in p.shapes:
            s = ins.get(name)
            if s is None:
                raise TrtxRuntimeFailed(f"optimization profile {k}: the model has no input {name!r} (inputs: {', '.join(ins)})")
            if len(lo) != len(s.shape) or any(d >= 0 and not (a == d) for a, d in zip(lo, s.shape, strict=True)):
                raise TrtxRuntimeFailed(f"optimization profile {k}: input {name!r} ranges {list(lo)}.. do not fit its shape {list(s.shape)}")
        for s in ins.values():
            if s.dynamic and p.get(s.name) is None:
                raise TrtxRuntimeFailed(f"optimization profile {k}: dynamic input {s.name!r} {list(s.shape)} has no shape range")


def build_engine(
    parsed: ParsedNetwork, options: BuildOptions, *, label: str = "model", progress: bool | None = None, monitor: Any = None
) -> tuple[bytes, float]:
    """Build the serialized engine for a parsed network; returns (engine bytes, seconds).

    ``monitor``: an ``IProgressMonitor`` to use instead of the one ``progress`` asks for.
    """
    t = trt()
    builder, network = parsed.builder, parsed.network
    check_profiles(parsed, options.profiles)
    config = builder.create_builder_config()
    if config is None:
        raise TrtxRuntimeFailed("TensorRT-RTX: could not create a builder configuration")
    if options.workspace is not None:
        config.set_memory_pool_limit(t.MemoryPoolType.WORKSPACE, int(options.workspace))
    if options.compute_capabilities:
        config.num_compute_capabilities = len(options.compute_capabilities)
        for i, cc in enumerate(options.compute_capabilities):
            if not config.set_compute_capability(getattr(t.ComputeCapability, cc.upper()), i):
                raise TrtxRuntimeFailed(f"TensorRT-RTX refused compute capability {cc}")
    if options.optimization_level is not None:
        config.builder_optimization_level = int(options.optimization_level)
    for k, p in enumerate(options.profiles):
        prof = builder.create_optimization_profile()
        with capture() as msgs:
            for name, lo, opt, hi in p.shapes:
                prof.set_shape(name, lo, opt, hi)
            index = config.add_optimization_profile(prof)
        if index < 0:  # TensorRT-RTX's way of refusing a profile
            raise TrtxRuntimeFailed(f"TensorRT-RTX refused optimization profile {k} ({p.to_json()}): {summarize(msgs) or 'no reason given'}")
    mode = "off" if monitor is not None else progress_mode(progress)
    if monitor is not None:
        config.progress_monitor = monitor
    elif mode != "off":
        config.progress_monitor = make_monitor(label, mode)
    start = time.perf_counter()
    with BUILD_LOCK, capture() as msgs:
        serialized = builder.build_serialized_network(network, config)
    seconds = time.perf_counter() - start
    if serialized is None:
        detail = summarize(msgs) or "no error reported"
        raise TrtxRuntimeFailed(f"TensorRT-RTX could not build an engine for {label}: {detail}")
    data = bytes(memoryview(serialized))
    del serialized
    return data, seconds
