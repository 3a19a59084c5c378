"""The MIL emitter and rule registry (imports coremltools). One rule per operator lives in
this package's family modules, as in the ONNX converter.

A rule is ``fn(e: Emitter, op: Operation) -> None`` registered with :func:`rule`; it reads
the op's inputs by name as MIL vars (``e.x(op, "bias")``) and its attributes (``op.attr(...)``),
builds MIL ops with ``mb`` and binds the op's outputs with :meth:`Emitter.set`; the
registration also declares the op's integer traits (:class:`Traits`). Ops MIL lacks are
decomposed exactly inside their rule; ops that cannot be expressed are registered with
:func:`unsupported` and a specific reason.

Data types (see :mod:`._io` and docs/coreml.md): float32/float16 stay as they are (a float16
graph computes in float16; float32 graphs are converted with ``compute_precision=FLOAT32``
so CoreML does not lower them to float16); every integer type is carried as int32, the only
integer type MIL computes with. int8/uint8 are exact (results that can leave their range are
wrapped modulo 2^8 like two's-complement hardware); int64/uint64/uint32 are carried only
where int32 holds them exactly (checked inputs, range-checked constants, ops whose results
stay within their inputs' range, indices) and refused with a specific ConversionError elsewhere.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ConversionError
from ...graph import GraphInfo, Operation
from ...ops import load_all
from ...types import MLOperandDescriptor
from ._io import CARRIER, INT32_MAX, INT32_MIN, METADATA_KEY, NP_CARRIER, WIDE, IoPlan, IoSpec, feature_names, from_feature, to_feature

# coremltools logs a warning per native proxy it cannot load (always, off macOS) and warns about
# untested torch/scikit-learn versions at import: keep those out of the user's log. Its other
# modules below are loaded by this first import.
_log_disable = logging.root.manager.disable
logging.disable(logging.WARNING)
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import coremltools as ct
finally:
    logging.disable(_log_disable)
from coremltools.converters import _converters_entry as _ct_entry  # noqa: E402
from coremltools.converters.mil import Builder as mb  # noqa: E402
from coremltools.converters.mil.mil import Function, Program, Var, types  # noqa: E402
from coremltools.converters.mil.mil.passes import pass_pipeline as _ct_passes  # noqa: E402

from . import zip_directory  # noqa: E402
from ._eval import reference_value_inference  # noqa: E402

#: Deployment target: macOS 15 / iOS 18 (float16 model features, int8/uint8 casts, iOS18 opset).
TARGET = ct.target.iOS18
TARGET_NAME = "iOS18 (macOS 15)"
#: Core ML's largest tensor rank.
MAX_RANK = 5

Rule = Callable[["Emitter", Operation], None]
RULES: dict[str, Rule] = {}
#: op type -> how it maps (MIL ops / decomposition), for docs/coreml.md.
MAPPINGS: dict[str, str] = {}
#: op type -> why it cannot be converted.
UNSUPPORTED: dict[str, str] = {}


@dataclass(frozen=True)
class Traits:
    """How an op's rule treats int64/uint64/uint32 operands, which the program carries in int32.

    - ``wide``: the op's results never leave the range of its inputs, so wide operands carried
      (exactly) in int32 stay exact. Other ops refuse wide operands (``cast`` decides per pair).
    - ``moves``: the op only moves or selects values (implies ``wide``): a value saturated into
      int32 before it is the same as one saturated after it, which lets index-only values be
      clamped on the way in.
    - ``index_inputs``: the inputs read as indices (WebNN clamps them into the indexed dimension).
    """

    wide: bool = False
    moves: bool = False
    index_inputs: tuple[str, ...] = ()


#: op type -> its rule's traits.
TRAITS: dict[str, Traits] = {}


def rule(
    *names: str,
    mil: str | Mapping[str, str] = "",
    wide: bool | Collection[str] = False,
    moves: bool | Collection[str] = False,
    index_inputs: Sequence[str] = (),
) -> Callable[[Rule], Rule]:
    """Register ``fn`` as the CoreML rule for the given WebNN op types.

    ``mil`` describes the mapping for the coverage table (one text for all names, or one per name).
    ``wide`` and ``moves`` (see :class:`Traits`) hold for all names (True) or for the names listed;
    ``index_inputs`` names the inputs read as indices.
    """

    def which(flag: bool | Collection[str], what: str) -> Collection[str]:
        if isinstance(flag, bool):
            return names if flag else ()
        if not set(flag) <= set(names):
            raise RuntimeError(f"CoreML rule {names}: {what} names ops it does not register: {sorted(set(flag) - set(names))}")
        return flag

    wide_ops, move_ops = which(wide, "wide"), which(moves, "moves")

    def register(fn: Rule) -> Rule:
        for n in names:
            if n in RULES:
                raise RuntimeError(f"CoreML rule for {n} defined twice")
            RULES[n] = fn
            MAPPINGS[n] = mil.get(n, "") if isinstance(mil, Mapping) else mil
            TRAITS[n] = Traits(wide=n in wide_ops or n in move_ops, moves=n in move_ops, index_inputs=tuple(index_inputs))
        return fn

    return register


def unsupported(name: str, reason: str) -> None:
    """Register ``name`` as an op this converter cannot express, with the specific reason."""

    def fn(e: Emitter, op: Operation) -> None:
        raise ConversionError(f"coreml: {op.type} is not supported: {reason}")

    rule(name, mil="unsupported")(fn)
    UNSUPPORTED[name] = reason


def wide_refusal(op_type: str, data_type: str) -> str:
    return (
        f"coreml: {op_type} on {data_type} is not supported: CoreML ML Programs compute integers in int32 only and "
        f"the {data_type} result of {op_type} can exceed int32's range"
    )


class Emitter:
    """Builds the MIL ops of one graph; maps operand ids to MIL vars (in their carrier types)."""

    def __init__(self, info: GraphInfo, plan: IoPlan) -> None:
        self.info = info
        self.plan = plan
        self.v: dict[int, Var] = {}
        self.bools: dict[int, Var] = {}
        self.current: Operation | None = None
        #: operand id -> (operation, input name) for each use.
        self.consumers: dict[int, list[tuple[Operation, str]]] = {}
        for op in info.operations:
            for name, oid in zip(op.input_names, op.inputs, strict=True):
                if oid is not None:
                    self.consumers.setdefault(oid, []).append((op, name))
        self._outputs = set(info.outputs.values())
        self._clampable: dict[int, bool] = {}

    # -- descriptors -----------------------------------------------------------------------
    def xd(self, op: Operation, name: str | None = None) -> MLOperandDescriptor:
        """Descriptor of ``op``'s input ``name`` (default: its first input), which must be given."""
        return self.info.input_descriptor(op, name)

    def yd(self, op: Operation, i: int = 0) -> MLOperandDescriptor:
        return self.info.operands[op.outputs[i]]

    def const_value(self, op: Operation, name: str) -> np.ndarray | None:
        """The constant data of ``op``'s input ``name`` (None when it is absent or not a constant)."""
        oid = op.input(name)
        return None if oid is None else self.info.constants.get(oid)

    def clampable(self, oid: int) -> bool:
        """Whether every use of operand ``oid`` is as indices (possibly through data movement).

        Such a value may be saturated into int32's range: WebNN clamps indices into the
        indexed dimension, so the result is the same.
        """
        if oid in self._clampable:
            return self._clampable[oid]
        self._clampable[oid] = False  # guards cycles (none in a DAG)
        ok = oid not in self._outputs and bool(self.consumers.get(oid))
        for op, name in self.consumers.get(oid, []):
            if not ok:
                break
            traits = TRAITS.get(op.type, Traits())
            if name in traits.index_inputs:
                continue
            ok = traits.moves and all(self.clampable(o) for o in op.outputs)
        self._clampable[oid] = ok
        return ok

    # -- vars ------------------------------------------------------------------------------
    def var(self, oid: int) -> Var:
        v = self.v.get(oid)
        if v is not None:
            return v
        if oid in self.info.constants:
            v = self.v[oid] = self._constant(oid)
            return v
        raise ConversionError(f"coreml converter: operand {oid} is used before it is defined")

    def x(self, op: Operation, name: str | None = None) -> Var | None:
        """MIL var of ``op``'s input ``name`` (default: its first input); None for an absent optional input."""
        oid = op.input(name)
        return None if oid is None else self.var(oid)

    def xs(self, op: Operation) -> list[Var]:
        return [self.var(o) for o in op.inputs if o is not None]

    def set(self, op: Operation, var: Var, i: int = 0) -> None:
        """Bind ``op``'s i-th output to ``var`` (checked against the output's descriptor)."""
        oid = op.outputs[i]
        d = self.info.operands[oid]
        want = CARRIER[d.data_type]
        got = types.builtin_to_string(var.dtype)
        if got != want:
            raise ConversionError(f"coreml converter: {op.type} output {i} is {got}, expected {want} (for {d.data_type})")
        shape = tuple(int(s) for s in var.shape) if var.shape is not None else None
        if shape != tuple(d.shape):
            raise ConversionError(f"coreml converter: {op.type} output {i} has shape {shape}, expected {tuple(d.shape)}")
        self.v[oid] = var

    def set_bool(self, op: Operation, b: Var, i: int = 0) -> None:
        """Bind a uint8 (0/1) output from a MIL bool var; the bool is kept for later logical uses."""
        self.set(op, mb.cast(x=b, dtype="int32"), i)
        self.bools[op.outputs[i]] = b

    def bool_of(self, op: Operation, name: str) -> Var:
        """``op``'s input ``name`` (uint8) as a MIL bool: non-zero is true."""
        oid = op.input(name)
        if oid is None:
            raise LookupError(f"{op.type}: the optional input {name!r} is absent")
        b = self.bools.get(oid)
        if b is None:
            b = mb.not_equal(x=self.var(oid), y=np.int32(0))
            self.bools[oid] = b
        return b

    # -- constants -------------------------------------------------------------------------
    def _constant(self, oid: int) -> Var:
        arr = np.asarray(self.info.constants[oid])
        dt = self.info.operands[oid].data_type
        carrier = CARRIER[dt]
        if dt in WIDE and arr.size:
            lo, hi = (INT32_MIN if dt == "int64" else 0), INT32_MAX
            if arr.min() < lo or arr.max() > hi:
                if self.clampable(oid):
                    arr = np.clip(arr.astype(object), lo, hi).astype(np.int64)
                else:
                    users = ", ".join(sorted({op.type for op, _ in self.consumers.get(oid, [])}))
                    raise ConversionError(
                        f"coreml: a {dt} constant (used by {users}) holds values outside [{lo}, {hi}]: CoreML ML Programs "
                        f"compute integers in int32 only"
                    )
        return self.const(arr.astype(NP_CARRIER[carrier]), carrier)

    def const(self, value: Any, carrier: str) -> Var:
        """A MIL const of the given carrier type ("fp32", "fp16", "int32" or "bool")."""
        dtype = np.bool_ if carrier == "bool" else NP_CARRIER[carrier]
        return mb.const(val=np.asarray(value, dtype=dtype))

    def s(self, value: Any, like: Var | str) -> np.ndarray:
        """A scalar of ``like``'s MIL type (a var or a carrier name), for use as an op input."""
        carrier = like if isinstance(like, str) else types.builtin_to_string(like.dtype)
        dtype = np.bool_ if carrier == "bool" else NP_CARRIER[carrier]
        with np.errstate(over="ignore"):
            return np.array(value, dtype=dtype)

    def wrap(self, v: Var, data_type: str) -> Var:
        """Reduce an int32 result to ``data_type``'s range modulo 2^8 for int8/uint8 (else ``v``).

        The offset keeps the dividend non-negative for |v| < 2^24, so floor and truncating
        modulo agree.
        """
        if data_type == "int8":
            t = mb.mod(x=mb.add(x=v, y=np.int32(128 + (1 << 24))), y=np.int32(256))
            return mb.sub(x=t, y=np.int32(128))
        if data_type == "uint8":
            return mb.mod(x=mb.add(x=v, y=np.int32(1 << 24)), y=np.int32(256))
        return v

    def select(self, cond: Any, a: Any, b: Any) -> Var:
        """``select(cond, a, b)`` with the output broadcast over all three operands.

        MIL's ``select`` infers its output shape from ``a`` and ``b`` only, so when ``cond``
        is larger, ``a`` is broadcast to the full shape first (numpy constants at conversion
        time, vars with reshape + tile: exact for every value).
        """
        def shape(v: Any) -> tuple[int, ...]:
            return tuple(int(d) for d in (v.shape if isinstance(v, Var) else np.shape(v)))

        full = np.broadcast_shapes(shape(cond), shape(a), shape(b))
        if np.broadcast_shapes(shape(a), shape(b)) != full:
            if isinstance(a, Var):
                a = broadcast_to(a, shape(a), full)
            else:
                a = np.ascontiguousarray(np.broadcast_to(a, full))
        return mb.select(cond=cond, a=a, b=b)

    @staticmethod
    def carrier_of_var(v: Var) -> str:
        return types.builtin_to_string(v.dtype)

    def cast(self, v: Var, carrier: str) -> Var:
        return v if types.builtin_to_string(v.dtype) == carrier else mb.cast(x=v, dtype=carrier)


def broadcast_to(x: Var, shape_in: Sequence[int], shape_out: Sequence[int]) -> Var:
    """``x`` (of shape ``shape_in``) broadcast to ``shape_out`` exactly: reshape to the output rank,
    then tile the size-1 axes."""
    shape_in, shape_out = list(shape_in), list(shape_out)
    padded = [1] * (len(shape_out) - len(shape_in)) + shape_in
    if padded != shape_in:
        x = mb.reshape(x=x, shape=np.array(padded, dtype=np.int32))
    reps = [o // i for i, o in zip(padded, shape_out, strict=True)]
    if any(r != 1 for r in reps):
        x = mb.tile(x=x, reps=np.array(reps, dtype=np.int32))
    return x


# -- program construction ---------------------------------------------------------------------
def _load_rules() -> None:
    pkg = __name__.rsplit(".", 1)[0]
    for mod in pkgutil.iter_modules(importlib.import_module(pkg).__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{pkg}.{mod.name}")


def io_plan(info: GraphInfo) -> IoPlan:
    """How the graph's inputs and outputs become CoreML features."""
    e = Emitter(info, IoPlan((), ()))
    taken: set[str] = set()
    in_names = feature_names(list(info.inputs), taken)
    out_names = feature_names(list(info.outputs), taken)
    inputs = []
    for (name, oid), feat in zip(info.inputs.items(), in_names, strict=True):
        d = info.operands[oid]
        narrow = ("clamp" if e.clampable(oid) else "check") if d.data_type in WIDE else ""
        inputs.append(IoSpec(name, feat, d.data_type, tuple(d.shape), CARRIER[d.data_type], tuple(d.shape) or (1,), narrow))
    outputs = []
    for (name, oid), feat in zip(info.outputs.items(), out_names, strict=True):
        d = info.operands[oid]
        outputs.append(IoSpec(name, feat, d.data_type, tuple(d.shape), CARRIER[d.data_type], tuple(d.shape)))
    placeholder = placeholder_out = ""
    if not inputs:
        placeholder, placeholder_out = feature_names(["placeholder", "placeholder_output"], taken)
    return IoPlan(tuple(inputs), tuple(outputs), placeholder, placeholder_out)


def _check_op(e: Emitter, op: Operation) -> None:
    for oid in list(op.inputs) + list(op.outputs):
        if oid is None:
            continue
        d = e.info.operands[oid]
        if len(d.shape) > MAX_RANK:
            raise ConversionError(
                f"coreml: {op.type} has a rank-{len(d.shape)} operand (shape {list(d.shape)}): Core ML supports tensors of rank <= {MAX_RANK}"
            )
    traits = TRAITS.get(op.type, Traits())
    if traits.wide:
        return
    for name, oid in zip(op.input_names, op.inputs, strict=True):
        if oid is not None and name not in traits.index_inputs and e.info.operands[oid].data_type in WIDE:
            raise ConversionError(wide_refusal(op.type, e.info.operands[oid].data_type))
    for oid in op.outputs:
        if e.info.operands[oid].data_type in WIDE:
            raise ConversionError(wide_refusal(op.type, e.info.operands[oid].data_type))


def _emit(e: Emitter, feeds: Mapping[int, Var]) -> list[Var]:
    """Emit every op; returns the output vars, named by their features."""
    if not RULES:
        _load_rules()
    info = e.info
    for oid, v in feeds.items():
        e.v[oid] = v
    for op in info.operations:
        fn = RULES.get(op.type)
        if fn is None:
            raise ConversionError(f"coreml: no rule for operator {op.type!r}")
        _check_op(e, op)
        e.current = op
        try:
            fn(e, op)
        except ConversionError:
            raise
        except Exception as exc:  # a converter bug or a MIL type error: say which op
            raise ConversionError(f"coreml converter: failed on {op.type} ({type(exc).__name__}: {exc})") from exc
        for oid in op.outputs:
            if oid not in e.v:
                raise ConversionError(f"coreml converter: the {op.type} rule did not bind output {oid}")
    e.current = None
    outs = []
    for spec in e.plan.outputs:
        v = e.var(info.outputs[spec.name])
        outs.append(mb.identity(x=v, name=spec.feature))
    return outs


def _feature_var(spec: IoSpec, v: Var) -> Var:
    return mb.reshape(x=v, shape=np.zeros((0,), np.int32)) if spec.shape == () else v


def to_mil_program(info: GraphInfo) -> tuple[Program, IoPlan]:
    """Build the MIL program for a graph (before coremltools' pass pipeline)."""
    plan = io_plan(info)
    e = Emitter(info, plan)
    specs = {s.feature: mb.TensorSpec(shape=s.feature_shape, dtype=types.string_to_builtin(s.carrier)) for s in plan.inputs}
    if plan.placeholder:
        specs[plan.placeholder] = mb.TensorSpec(shape=(1,), dtype=types.fp16)
    with Function(specs, opset_version=TARGET) as func:
        feeds = {info.inputs[s.name]: _feature_var(s, func.inputs[s.feature]) for s in plan.inputs}
        outs = _emit(e, feeds)
        if plan.placeholder:
            outs.append(mb.identity(x=func.inputs[plan.placeholder], name=plan.placeholder_output))
        func.set_outputs(outs)
    prog = Program()
    prog.add_function("main", func)
    return prog, plan


def _evaluation_program(info: GraphInfo, inputs: Mapping[str, np.ndarray]) -> tuple[Function, IoPlan, list[Var]]:
    plan = io_plan(info)
    e = Emitter(info, plan)
    with _LOCK, _quiet(), reference_value_inference():
        with Function({}, opset_version=TARGET) as func:
            feeds = {info.inputs[s.name]: _feature_var(s, mb.const(val=to_feature(s, inputs[s.name]))) for s in plan.inputs}
            outs = _emit(e, feeds)
            func.set_outputs(outs)
    return func, plan, outs


def evaluate(info: GraphInfo, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray | None]:
    """Evaluate the converted program with coremltools' MIL value inference (numpy), off macOS.

    The graph's inputs become constants, so every MIL op with a value-inference function
    computes its result while the program is built (conv and conv_transpose, which have none
    in coremltools, get numpy references from :mod:`._eval`). This checks the *conversion*
    (layouts, decompositions, index handling) on any platform; it is not CoreML's runtime.
    An output is None when some MIL op on its path has no value inference.
    """
    _, plan, outs = _evaluation_program(info, inputs)
    result: dict[str, np.ndarray | None] = {}
    for spec, v in zip(plan.outputs, outs, strict=True):
        result[spec.name] = None if v.val is None else from_feature(spec, np.asarray(v.val))
    return result


def missing_value_inference(info: GraphInfo, inputs: Mapping[str, np.ndarray]) -> list[str]:
    """MIL op types whose value inference is missing when evaluating ``info`` (see :func:`evaluate`)."""
    func, _, _ = _evaluation_program(info, inputs)
    out = set()
    for op in func.operations:
        if all(v.val is None for v in op.outputs) and all(getattr(i, "val", None) is not None for i in op.inputs.values() if isinstance(i, Var)):
            out.add(op.op_type)
    return sorted(out)


# -- conversion to an ML Program ----------------------------------------------------------------
_LOCK = threading.Lock()
#: coremltools' default pass pipeline without the passes that change results: division by a
#: constant rewritten as multiplication by its reciprocal (not correctly rounded), int32
#: operands narrowed to int16 ahead of gathers (gather data can exceed int16), and mul + add
#: by per-channel constants folded into ``batch_norm`` (rounds differently from the spec's formula).
_DROPPED_PASSES = ("common::divide_to_multiply", "common::add_int16_cast", "common::fuse_elementwise_to_batchnorm")


def pass_pipeline() -> Any:
    p = _ct_passes.PassPipeline.DEFAULT
    p.remove_passes(list(_DROPPED_PASSES))
    return p


class _NoCollect:
    """Stands in for the ``gc`` module inside ``ct.convert``, whose full ``gc.collect()`` after
    every conversion costs more than the conversion itself in a large process."""

    @staticmethod
    def collect(*_: Any) -> int:
        return 0


class _quiet:
    """Silence coremltools' progress bars, warnings and logging during a conversion (and skip
    its forced garbage collection). Used under ``_LOCK``."""

    def __enter__(self) -> None:
        pp, entry = _ct_passes, _ct_entry
        self._pp, self._entry = pp, entry
        self._tqdm, self._gc = getattr(pp, "tqdm", None), getattr(entry, "gc", None)
        if self._tqdm is not None:
            pp.tqdm = lambda it, **_: it
        if self._gc is not None:
            entry.gc = _NoCollect
        self._warn = warnings.catch_warnings()
        self._warn.__enter__()
        warnings.simplefilter("ignore")
        self._log = logging.root.manager.disable
        logging.disable(logging.WARNING)

    def __exit__(self, *exc: Any) -> None:
        logging.disable(self._log)
        self._warn.__exit__(*exc)
        if self._tqdm is not None:
            self._pp.tqdm = self._tqdm
        if self._gc is not None:
            self._entry.gc = self._gc


def to_mlmodel(info: GraphInfo) -> tuple[Any, IoPlan]:
    """Convert a graph to a ``coremltools.models.MLModel`` (not loaded: no CoreML needed)."""
    with _LOCK, _quiet():
        prog, plan = to_mil_program(info)
        try:
            model = ct.convert(
                prog,
                convert_to="mlprogram",
                minimum_deployment_target=TARGET,
                compute_precision=ct.precision.FLOAT32,
                pass_pipeline=pass_pipeline(),
                skip_model_load=True,
            )
        except Exception as exc:
            raise ConversionError(f"coreml: coremltools rejected the program ({type(exc).__name__}: {exc})") from exc
    model.user_defined_metadata[METADATA_KEY] = plan.to_json()
    model.short_description = "WebNN graph converted by webnn"
    return model, plan


def to_package(info: GraphInfo) -> tuple[bytes, IoPlan]:
    """Convert a graph and return the zipped ``.mlpackage`` bytes with its I/O plan."""
    model, plan = to_mlmodel(info)
    with tempfile.TemporaryDirectory(prefix="webnn-coreml-") as d:
        path = Path(d) / "model.mlpackage"
        with _LOCK, _quiet():
            model.save(str(path))
        return zip_directory(path), plan


def coverage() -> list[tuple[str, str, str]]:
    """(op, status, mapping or reason) for every op of the op table, for docs/coreml.md."""
    if not RULES:
        _load_rules()
    rows = []
    for name in sorted(load_all()):
        if name in UNSUPPORTED:
            rows.append((name, "unsupported", UNSUPPORTED[name]))
        elif name in RULES:
            rows.append((name, "converted", MAPPINGS.get(name, "")))
        else:
            rows.append((name, "missing", "no rule yet"))
    return rows


__all__ = [
    "Emitter",
    "rule",
    "unsupported",
    "RULES",
    "UNSUPPORTED",
    "to_mil_program",
    "to_mlmodel",
    "evaluate",
    "to_package",
    "coverage",
    "IoPlan",
    "IoSpec",
    "mb",
    "np",
]
