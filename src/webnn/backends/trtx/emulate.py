"""Integer types TensorRT-RTX lacks, emulated exactly in int32/int64 (one legalization pass).

TensorRT-RTX has no uint32/uint64 tensors at all, and computes almost nothing on uint8 (only
Cast, Identity and Equal) or int8 (which it treats as a quantized type; its constants are
taken for quantized weights). Each such value is *carried* in a type TensorRT-RTX computes on:

============  =========  ==================================================================
type          carried    engine input/output
============  =========  ==================================================================
uint8, int8   int32      the same type, cast to/from int32 at the boundary (exact)
uint32        int64      int32 holding the same bits (the runner reinterprets the buffer)
uint64        int64      int64 holding the same bits; carried as that bit pattern
============  =========  ==================================================================

Every rewritten node computes exactly what the original computes on every input:

- data movement (reshape, transpose, concat, gather, slice, pad, tile, where, ...) and
  ``Equal`` copy or compare values, so they run on the carrier as they are;
- arithmetic that can leave the type's range (add, sub, mul, neg, abs, cumulative sums, int8
  division) is followed by a reduction to the range (``Mod`` by 2^8 or 2^32: the low bits, as
  the original's two's-complement wrap-around gives; int32/int64 wrap-around keeps those
  bits). uint64 needs none: int64 arithmetic on the same bits *is* uint64 arithmetic modulo
  2^64. Sum/product reductions become a tree of such element-wise steps (integer reduction
  kernels may accumulate in floating point);
- ordering (comparisons, max, min, clamp, argmin/argmax, reduce max/min, max pooling) on
  uint64 maps unsigned order onto signed order by adding 2^63 (the sign-bit flip), and back;
- casts follow the WebNN cast table: integer -> integer keeps the low bits of the target's
  width (``Mod`` in a type wide enough, then an in-range cast); float -> uint64 splits off
  2^63 so values up to 2^64 convert; uint64 -> float rounds to nearest-even explicitly.

What cannot be done exactly is refused at build time naming the node, the op and the limit:
division and remainder on uint64 (unsigned 64-bit division), ``Pow`` and ``ReduceMean`` on an
emulated type, bitwise ops (TensorRT-RTX has none), and any op this pass does not know.
int8 weights feeding ``DequantizeLinear`` stay int8 (TensorRT-RTX's quantized-weights path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .graphedit import GraphEdit, attr, drop_value_info, infer, np_dtype, refuse, type_name

U8, I8, U32, U64 = TensorProto.UINT8, TensorProto.INT8, TensorProto.UINT32, TensorProto.UINT64
I32, I64, BOOL = TensorProto.INT32, TensorProto.INT64, TensorProto.BOOL
FLOATS = (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE)
INT64_MIN = -(2**63)


@dataclass(frozen=True)
class Carrier:
    """How one ONNX type is carried inside the engine."""

    type: int
    carrier: int  # INT32 or INT64: what the engine computes on
    io: int  # the engine's input/output type for it
    bits: bool  # carried as the same bit pattern (uint64 in int64) rather than by value


CARRIERS: dict[int, Carrier] = {
    U8: Carrier(U8, I32, U8, False),
    I8: Carrier(I8, I32, I8, False),
    U32: Carrier(U32, I64, I32, False),
    U64: Carrier(U64, I64, I64, True),
}

#: Value range of each integer type.
RANGE: dict[int, tuple[int, int]] = {
    U8: (0, 255),
    I8: (-128, 127),
    TensorProto.UINT16: (0, 2**16 - 1),
    TensorProto.INT16: (-(2**15), 2**15 - 1),
    U32: (0, 2**32 - 1),
    I32: (-(2**31), 2**31 - 1),
    U64: (0, 2**64 - 1),
    I64: (-(2**63), 2**63 - 1),
    BOOL: (0, 1),
}

#: Ops that only move, select or compare for equality: they run on the carrier as they are.
MOVE = {
    "Identity", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Concat", "Split", "Slice", "Gather",
    "GatherElements", "GatherND", "Expand", "Tile", "Pad", "Where", "Trilu", "DepthToSpace", "SpaceToDepth", "Shape",
    "Size", "ReverseSequence", "Compress", "Equal",
}  # fmt: skip
COMPARE = {"Less", "Greater", "LessOrEqual", "GreaterOrEqual"}
#: Ordering ops whose value outputs are (biased, for uint64) values: op -> value input indices.
ORDER_VALUES = {"Max": None, "Min": None, "Clip": None, "ReduceMax": (0,), "ReduceMin": (0,), "MaxPool": (0,), "TopK": (0,)}
ARG = {"ArgMax", "ArgMin"}
#: Arithmetic whose exact result may leave the type's range: reduced to it afterwards.
WRAP = {"Add", "Sub", "Mul", "Neg", "Sum", "CumSum"}
#: Reductions computed as a tree of element-wise ops (exact and wrapping; ONNX Runtime's integer
#: reduction kernels accumulate through double): op -> (element-wise step before, combining op).
TREE = {"ReduceSum": (None, "Add"), "ReduceProd": (None, "Mul"), "ReduceSumSquare": ("Mul", "Add"), "ReduceL1": ("Abs", "Add")}
SCATTER = {"ScatterND", "ScatterElements"}


def carried_type(model: onnx.ModelProto) -> bool:
    """Whether any value can be of an emulated type (cheap: where such types can first appear)."""
    g = model.graph
    vis = list(g.input) + list(g.output)
    if any(v.type.tensor_type.elem_type in CARRIERS for v in vis if v.type.HasField("tensor_type")):
        return True
    if any(t.data_type in CARRIERS for t in g.initializer):
        return True
    for n in g.node:
        if n.op_type == "Cast" and attr(n, "to") in CARRIERS:
            return True
        if n.op_type in ("Constant", "ConstantOfShape"):
            v = attr(n, "value")
            if v is not None and getattr(v, "data_type", None) in CARRIERS:
                return True
        if n.op_type == "QuantizeLinear":
            return True
    return False


def _native_qdq(g: onnx.GraphProto, types: dict[str, int]) -> set[str]:
    """int8/uint8 values that stay native: constants and Q outputs read only by DequantizeLinear."""
    consumers: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for n in g.node:
        for k, x in enumerate(n.input):
            consumers.setdefault(x, []).append((n, k))
    graph_outputs = {o.name for o in g.output}
    produced_by_q = {o for n in g.node if n.op_type == "QuantizeLinear" for o in n.output[:1]}
    inits = {t.name for t in g.initializer}
    out = set()
    for name, t in types.items():
        if t not in (I8, U8) or name in graph_outputs or not (name in inits or name in produced_by_q):
            continue
        uses = consumers.get(name, [])
        if uses and all(n.op_type == "DequantizeLinear" and k in (0, 2) for n, k in uses):
            out.add(name)
    return out


class _Emulation:
    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        self.e = GraphEdit(model)
        self.types, self.shapes = infer(model)
        native = _native_qdq(model.graph, self.types)
        self.carried: dict[str, Carrier] = {n: CARRIERS[t] for n, t in self.types.items() if t in CARRIERS and n not in native}
        self.cur: dict[str, str] = {}  # original value -> the name of its representation in the new graph

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def rep(t: int) -> int:
        """The type the engine computes values of ONNX type ``t`` in."""
        return CARRIERS[t].carrier if t in CARRIERS else t

    def cast(self, x: str, to: int, out: str | None = None) -> str:
        e = self.e
        return e.node("Cast", [x], out or 1, to=to)

    def wrap(self, x: str, t: int, work: int, out: str | None = None) -> str:
        """``x`` (an exact integer in ``work``: int32/int64) reduced to type ``t``'s range by its low bits."""
        e = self.e
        wdt = np_dtype(work)

        def c(v: int) -> str:
            return e.const(np.array(v, wdt))

        if t == U8:
            return e.node("Mod", [x, c(256)], out or 1)
        if t == I8:
            return e.node("Sub", [e.node("Mod", [e.node("Add", [x, c(128)]), c(256)]), c(128)], out or 1)
        if t == U32 and work == I64:
            return e.node("Mod", [x, c(2**32)], out or 1)
        if t == I32 and work == I64:
            return e.node("Sub", [e.node("Mod", [e.node("Add", [x, c(2**31)]), c(2**32)]), c(2**31)], out or 1)
        return e.node("Identity", [x], out) if out else x

    def bias(self, x: str, out: str | None = None) -> str:
        """uint64 bits -> int64 with the same order (adding 2^63 flips the sign bit; its own inverse)."""
        return self.e.node("Add", [x, self.e.const(np.array(INT64_MIN, np.int64))], out or 1)

    def is_carried(self, name: str) -> bool:
        return bool(name) and name in self.carried

    # -- the pass ----------------------------------------------------------------------
    def run(self) -> list[str]:
        g, e = self.model.graph, self.e
        if not self.carried:
            return []
        kinds = sorted({type_name(c.type) for c in self.carried.values()})
        self._initializers()
        self._inputs()
        aliases = self._outputs_aliases()
        for n in g.node:
            e.at(n)
            ins = [self.cur.get(x, x) if x else "" for x in n.input]
            outs = [aliases.get(y, y) for y in n.output]
            if not any(self.is_carried(x) for x in list(n.input) + list(n.output)):
                if ins != list(n.input) or outs != list(n.output):
                    m = onnx.NodeProto()
                    m.CopyFrom(n)
                    del m.input[:], m.output[:]
                    m.input.extend(ins)
                    m.output.extend(outs)
                    e.keep(m)
                else:
                    e.keep(n)
                continue
            self._node(n, ins, outs)
        self._outputs(aliases)
        drop_value_info(self.model, self.carried)
        e.note(f"{', '.join(kinds)} emulated in int32/int64 ({len(self.carried)} value(s))")
        return e.commit()

    def _initializers(self) -> None:
        g = self.model.graph
        for t in g.initializer:
            c = self.carried.get(t.name)
            if c is None:
                continue
            arr = numpy_helper.to_array(t)
            new = arr.view(np.int64) if c.bits else arr.astype(np_dtype(c.carrier))
            t.CopyFrom(numpy_helper.from_array(np.asarray(new, order="C"), t.name))
        for t in g.sparse_initializer:
            if t.values.name in self.carried:
                raise refuse(onnx.NodeProto(name=t.values.name, op_type="sparse initializer"), "sparse initializers of emulated types are not supported")
        for vi in g.input:  # initializers also listed as inputs (older models)
            if vi.name in self.e.inits and vi.name in self.carried:
                vi.type.tensor_type.elem_type = self.carried[vi.name].carrier

    def _inputs(self) -> None:
        g, e = self.model.graph, self.e
        for vi in g.input:
            c = self.carried.get(vi.name)
            if c is None or vi.name in e.inits:
                continue
            vi.type.tensor_type.elem_type = c.io
            if c.bits:
                continue  # uint64: the int64 input already holds the bits
            inner = e.fresh(vi.name)
            e._base = vi.name
            if c.type == U32:  # int32 bits -> the value (x mod 2^32)
                e.node("Mod", [self.cast(vi.name, I64), e.const(np.array(2**32, np.int64))], inner)
            else:
                self.cast(vi.name, c.carrier, inner)
            self.cur[vi.name] = inner

    def _outputs_aliases(self) -> dict[str, str]:
        aliases = {}
        for vo in self.model.graph.output:
            c = self.carried.get(vo.name)
            if c is not None and not c.bits:
                aliases[vo.name] = self.e.fresh(vo.name)
        return aliases

    def _outputs(self, aliases: dict[str, str]) -> None:
        e = self.e
        for vo in self.model.graph.output:
            c = self.carried.get(vo.name)
            if c is None:
                continue
            vo.type.tensor_type.elem_type = c.io
            if c.bits:
                src = self.cur.get(vo.name, vo.name)
                if src != vo.name:
                    e.node("Identity", [src], vo.name)
                continue
            src = aliases[vo.name] if any(vo.name in n.output for n in self.model.graph.node) else self.cur.get(vo.name, vo.name)
            e._base = vo.name
            if c.type == U32:  # the value -> int32 with the same bits
                self.cast(self.wrap(src, I32, I64), I32, vo.name)
            else:
                self.cast(src, c.io, vo.name)

    # -- nodes -------------------------------------------------------------------------
    def _node(self, n: onnx.NodeProto, ins: list[str], outs: list[str]) -> None:
        op = n.op_type
        ti = [self.types.get(x) if x else None for x in n.input]
        to = [self.types.get(y) for y in n.output]
        emulated = sorted({type_name(self.carried[x].type) for x in list(n.input) + list(n.output) if self.is_carried(x)})
        what = "/".join(emulated)
        rule = _RULES.get(op)
        if rule is None:
            if op in MOVE or (op in SCATTER and attr(n, "reduction", b"none") in (b"none", "none")):
                rule = _same
            else:
                raise refuse(n, f"TensorRT-RTX has no {what} tensors, and webnn emulates {op} on them only for the ops it knows exactly")
        rule(self, n, ins, outs, ti, to, what)

    def emit(self, n: onnx.NodeProto, ins: Sequence[str], outs: Sequence[str], op: str | None = None, **override: object) -> None:
        """``n`` itself (or as ``op``) with new inputs/outputs, keeping its name and attributes."""
        m = onnx.NodeProto()
        m.CopyFrom(n)
        if op is not None:
            m.op_type = op
        del m.input[:], m.output[:]
        m.input.extend(ins)
        m.output.extend(outs)
        for k, v in override.items():
            for a in list(m.attribute):
                if a.name == k:
                    m.attribute.remove(a)
            if v is not None:
                m.attribute.append(helper.make_attribute(k, v))
        self.e.keep(m)


Rule = Callable[[_Emulation, onnx.NodeProto, list[str], list[str], list, list, str], None]


def _same(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    em.emit(n, ins, outs)


def _refuse(reason: str) -> Rule:
    def rule(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
        raise refuse(n, reason.format(what=what))

    return rule


def _compare(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    if U64 in ti:
        ins = [em.bias(x) if em.is_carried(o) else x for x, o in zip(ins, n.input, strict=True)]
    em.emit(n, ins, outs)


def _order(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    if U64 not in ti:
        em.emit(n, ins, outs)
        return
    which = ORDER_VALUES[n.op_type]
    idx = range(len(ins)) if which is None else which
    ins = [em.bias(x) if (k in idx and x and em.is_carried(n.input[k])) else x for k, x in enumerate(ins)]
    tmp = em.e.fresh()
    em.emit(n, ins, [tmp, *outs[1:]])
    em.bias(tmp, outs[0])


def _arg(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    em.emit(n, [em.bias(ins[0]) if ti[0] == U64 else ins[0], *ins[1:]], outs)


def _wrapping(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    t = to[0]
    c = CARRIERS.get(t)
    if c is None or c.bits:  # uint64: int64 arithmetic on the same bits is exact modulo 2^64
        em.emit(n, ins, outs)
        return
    tmp = em.e.fresh()
    em.emit(n, ins, [tmp])
    em.wrap(tmp, t, c.carrier, outs[0])


def _abs(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    if ti[0] in (U8, U32, U64):  # unsigned: |x| = x
        em.e.node("Identity", [ins[0]], outs[0], name=n.name or None)
        return
    _wrapping(em, n, ins, outs, ti, to, what)  # int8: |-128| = 128 wraps to -128


def _relu(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    if ti[0] in (U8, U32, U64):
        em.e.node("Identity", [ins[0]], outs[0], name=n.name or None)
        return
    em.e.node("Max", [ins[0], em.e.const(np.array(0, np.int32))], outs[0], name=n.name or None)  # int8 in int32: no int32 Relu


def _reduce_tree(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    """Sum/product reductions of an emulated type as a tree of wrapping element-wise ops over the reduced elements.

    The reduced axes are moved last and flattened to one axis of K elements, halved ceil(log2 K)
    times (``x[:h] op x[h:2h]``, an odd last element carried along): O(log K) nodes, static shapes.
    """
    e, t = em.e, to[0]
    shape = em.shapes.get(n.input[0])
    if shape is None or any(d is None for d in shape):
        raise refuse(n, f"TensorRT-RTX has no {what} tensors, and the exact emulation of {n.op_type} needs a static input shape")
    dims = [int(d) for d in shape]  # type: ignore[arg-type]
    rank = len(dims)
    axes_v = attr(n, "axes")
    if axes_v is None and len(n.input) > 1 and n.input[1]:
        given = e.constant_value(n.input[1])
        if given is None:
            raise refuse(n, f"TensorRT-RTX has no {what} tensors, and the exact emulation of {n.op_type} needs constant axes")
        axes_v = [int(a) for a in given.reshape(-1)]
    if not axes_v:
        axes_v = [] if attr(n, "noop_with_empty_axes", 0) else list(range(rank))
    axes = sorted({a % rank for a in axes_v}) if rank else []
    keep = bool(attr(n, "keepdims", 1))
    c = CARRIERS[t]
    step, op = TREE[n.op_type]

    def combine(op_type: str, a: str, b: str | None = None) -> str:
        y = e.node(op_type, [a] if b is None else [a, b])
        return y if c.bits else em.wrap(y, t, c.carrier)

    x = ins[0]
    if step == "Mul":
        x = combine("Mul", x, x)
    elif step == "Abs" and t == I8:  # unsigned values are their own |x|
        x = combine("Abs", x)
    out_shape = [1 if i in axes else d for i, d in enumerate(dims)] if keep else [d for i, d in enumerate(dims) if i not in axes]
    kept = [i for i in range(rank) if i not in axes]
    k = int(np.prod([dims[a] for a in axes], dtype=np.int64)) if axes else 1
    i64 = lambda v: e.const(np.array(v, np.int64))  # noqa: E731
    if k == 0:  # nothing to reduce: the identity of the combining op
        ident = e.const(np.array(0 if op == "Add" else 1, np_dtype(c.carrier)))
        e.node("Expand", [ident, i64(out_shape)], outs[0], name=n.name or None)
        return
    if kept + axes != list(range(rank)):
        x = e.node("Transpose", [x], perm=kept + axes)
    x = e.node("Reshape", [x, i64([dims[i] for i in kept] + [k])])
    last = i64([-1])
    while k > 1:
        h = k // 2
        y = combine(op, e.node("Slice", [x, i64([0]), i64([h]), last]), e.node("Slice", [x, i64([h]), i64([2 * h]), last]))
        if k % 2:
            y = e.node("Concat", [y, e.node("Slice", [x, i64([2 * h]), i64([k]), last])], axis=-1)
        x, k = y, h + k % 2
    e.node("Reshape", [x, i64(out_shape)], outs[0], name=n.name or None)


def _div_mod(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    if U64 in ti:
        raise refuse(n, "TensorRT-RTX has no uint64 tensors, and uint64 division needs unsigned 64-bit arithmetic, which it lacks (its integers are signed)")
    if n.op_type == "Div" and to[0] == I8:  # -128 / -1 = 128 wraps to -128
        _wrapping(em, n, ins, outs, ti, to, what)
        return
    em.emit(n, ins, outs)  # unsigned values are non-negative: truncation = floor; |remainder| < |divisor|


def _sign(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    if ti[0] != U64:
        em.emit(n, ins, outs)
        return
    e = em.e
    zero, one = e.const(np.array(0, np.int64)), e.const(np.array(1, np.int64))
    e.node("Where", [e.node("Equal", [ins[0], zero]), zero, one], outs[0], name=n.name or None)


def _dequantize(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    ins = list(ins)
    for k in (0, 2):
        if k < len(n.input) and em.is_carried(n.input[k]):
            ins[k] = em.cast(ins[k], em.carried[n.input[k]].io)  # in range: exact
    em.emit(n, ins, outs)


def _quantize(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    ins = list(ins)
    if len(n.input) > 2 and em.is_carried(n.input[2]):
        ins[2] = em.cast(ins[2], em.carried[n.input[2]].io)
    if em.is_carried(n.output[0]):
        tmp = em.e.fresh()
        em.emit(n, ins, [tmp, *outs[1:]])
        em.cast(tmp, em.carried[n.output[0]].carrier, outs[0])
    else:
        em.emit(n, ins, outs)


def _constant(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    v = attr(n, "value")
    if v is None or v.data_type not in CARRIERS:
        raise refuse(n, f"a {what} constant given other than as a tensor value is not supported")
    c = CARRIERS[v.data_type]
    arr = numpy_helper.to_array(v)
    new = arr.view(np.int64) if c.bits else arr.astype(np_dtype(c.carrier))
    em.emit(n, ins, outs, value=numpy_helper.from_array(np.asarray(new, order="C")))


def _cast(em: _Emulation, n: onnx.NodeProto, ins: list[str], outs: list[str], ti: list, to: list, what: str) -> None:
    s = ti[0]
    d = attr(n, "to") if n.op_type == "Cast" else (em.types.get(n.input[1]) if len(n.input) > 1 else None)
    x, out = ins[0], outs[0]
    if d is None:
        raise refuse(n, "the cast's target type is unknown")
    rd = em.rep(d)
    e = em.e
    e.at(n)
    if d in FLOATS:
        if s == U64:
            _uint64_to_float(em, x, d, out, n.name)
        else:
            em.cast(x, d, out)  # the same value, so the same rounding
        return
    if d == BOOL:
        em.cast(x, BOOL, out)
        return
    if s == BOOL:
        em.cast(x, rd, out)
        return
    if s in FLOATS or s is None:
        if d == U64 and s in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.BFLOAT16):
            _float_to_uint64(em, x, s, out)
            return
        work = I64 if d in (U32, I64, U64) else I32
        v = em.wrap(em.cast(x, work), d, work)  # truncation when in range; out of range is implementation-defined
        em.cast(v, rd, out) if rd != work else e.node("Identity", [v], out)
        return
    rs = em.rep(s)
    if {s, d} == {U64, I64}:  # the same 64 bits
        e.node("Identity", [x], out)
        return
    lo_s, hi_s = RANGE.get(s, RANGE[I64])
    lo_d, hi_d = RANGE[d]
    if lo_d <= lo_s and hi_s <= hi_d and s != U64:  # every value fits: the same value
        em.cast(x, rd, out) if rs != rd else e.node("Identity", [x], out)
        return
    work = I64 if I64 in (rs, rd) else I32
    v = x if rs == work else em.cast(x, work)
    v = em.wrap(v, d, work)
    em.cast(v, rd, out) if rd != work else e.node("Identity", [v], out)


def _float_to_uint64(em: _Emulation, x: str, s: int, out: str) -> None:
    """float -> uint64 for values up to 2^64: values >= 2^63 convert as (x - 2^63) + 2^63 (the subtraction is exact there)."""
    e = em.e
    two63 = e.const(np.array(2.0**63, np_dtype(s)))
    big = e.node("GreaterOrEqual", [x, two63])
    c = em.cast(e.node("Where", [big, e.node("Sub", [x, two63]), x]), I64)
    e.node("Where", [big, em.bias(c), c], out)


def _uint64_to_float(em: _Emulation, v: str, d: int, out: str, name: str) -> None:
    """uint64 (bits in int64) -> float, rounded to nearest-even once.

    Below 2^63 the int64 value is the value. From 2^63 on, u = 2^63 + r: r is rounded to a
    multiple of the target's spacing there (2^40 for float32) in integer arithmetic, ties to
    even, and 2^63 + r' is then exact in float32 (float16 overflows to +inf there).
    """
    e = em.e
    neg = e.node("Less", [v, e.const(np.array(0, np.int64))])
    small = em.cast(v, d)
    if d == TensorProto.FLOAT16:
        big = e.const(np.array(np.inf, np.float16))
    else:
        significand: dict[int, int] = {TensorProto.FLOAT: 24, TensorProto.DOUBLE: 53, TensorProto.BFLOAT16: 8}
        p = significand[d]
        s = 64 - p
        r = em.bias(v)  # u - 2^63, in [0, 2^63)
        if s <= 0:
            big = e.node("Add", [em.cast(r, d), e.const(np.array(2.0**63, np_dtype(d)))])
        else:
            step = e.const(np.array(2**s, np.int64))
            half = e.const(np.array(2 ** (s - 1), np.int64))
            q = e.node("Div", [r, step])
            rem = e.node("Mod", [r, step])
            odd = e.node("Equal", [e.node("Mod", [q, e.const(np.array(2, np.int64))]), e.const(np.array(1, np.int64))])
            up = e.node("Or", [e.node("Greater", [rem, half]), e.node("And", [e.node("Equal", [rem, half]), odd])])
            q = e.node("Add", [q, em.cast(up, I64)])
            f = em.cast(q, TensorProto.FLOAT)
            big = e.node("Add", [e.node("Mul", [f, e.const(np.array(2.0**s, np.float32))]), e.const(np.array(2.0**63, np.float32))])
            if d != TensorProto.FLOAT:
                big = em.cast(big, d)
    e.node("Where", [neg, big, small], out, name=name or None)


_RULES: dict[str, Rule] = {
    **{op: _compare for op in COMPARE},
    **{op: _order for op in ORDER_VALUES},
    **{op: _arg for op in ARG},
    **{op: _wrapping for op in WRAP},
    **{op: _reduce_tree for op in TREE},
    "Abs": _abs,
    "Relu": _relu,
    "Div": _div_mod,
    "Mod": _div_mod,
    "Sign": _sign,
    "Cast": _cast,
    "CastLike": _cast,
    "Constant": _constant,
    "ConstantOfShape": _constant,
    "DequantizeLinear": _dequantize,
    "QuantizeLinear": _quantize,
    "Pow": _refuse("TensorRT-RTX has no {what} tensors, and an exact Pow on them is not implemented (compute it in int32/int64)"),
    "ReduceMean": _refuse("TensorRT-RTX has no {what} tensors, and an exact integer mean on them is not implemented"),
    **{
        op: _refuse("TensorRT-RTX has no bitwise operations (and no {what} tensors)")
        for op in ("BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot", "BitShift")
    },
}


def emulate_integers(model: onnx.ModelProto) -> list[str]:
    """Rewrite ``model`` in place so no value has a type of :data:`CARRIERS`; returns what changed."""
    if not carried_type(model):
        return []
    return _Emulation(model).run()
