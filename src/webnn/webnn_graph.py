"""The webnn-graph text format (rustnn/webnn-graph): read it through the builder, write it.

A graph file looks like::

    webnn_graph "resnet_head" v1 {
      inputs { x: f32[1, 2048]; }
      consts { W: f32[2048, 1000] @weights("W"); b: f32[1000] @weights("b"); }
      nodes {
        logits = add(matmul(x, W), b);     # not allowed: arguments are names or literals
      }
      outputs { probs; }
    }

with the tensors of ``@weights("key")`` in a ``.safetensors`` file next to the graph
(``model.safetensors`` or ``<stem>.safetensors``, or a ``.weights`` blob with a
``manifest.json``), ``@scalar(v)`` for a value filling the constant and ``@bytes([...])`` for
its little-endian bytes. Reading replays every node through :class:`~webnn.MLGraphBuilder`
(so it is validated like builder code); writing produces text the format's grammar accepts
and that reads back to the same graph (same content hash). See ``docs/webnn-graph.md``.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .builder import MLGraphBuilder
from .errors import GraphFileError, ValidationError
from .files import MAX_STRUCTURE_BYTES, check_regular, open_regular, read_regular
from .ops import load_all
from .types import MAX_TENSOR_BYTE_LENGTH, NUMPY_DTYPES

if TYPE_CHECKING:  # pragma: no cover
    from .context import MLContext, MLGraph
    from .graph import GraphInfo
    from .operand import MLOperand

MAGIC = "webnn_graph"
#: Short data type names of the format -> WebNN data types (i4 / u4 are refused: unsupported here).
SHORT_TYPES = {"f32": "float32", "f16": "float16", "i32": "int32", "u32": "uint32", "i64": "int64", "u64": "uint64", "i8": "int8", "u8": "uint8"}
UNSUPPORTED_SHORT_TYPES = {"i4": "int4", "u4": "uint4"}
LONG_TO_SHORT = {v: k for k, v in SHORT_TYPES.items()}
_KEYWORDS = {"true", "false", "null"}
_IDENT = re.compile(r"[A-Za-z_/$][A-Za-z0-9_./]*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
#: Builder keyword aliases used by writers of the format (``cast(x, type=f32)``).
_ARG_ALIASES = {"cast": {"type": "data_type", "to": "data_type"}}


def _error(where: str, message: str) -> GraphFileError:
    return GraphFileError(f"webnn-graph {where}: {message}")


# -- the document --------------------------------------------------------------------------
@dataclass
class Ref:
    """A bare identifier in an argument (an operand name, or an enum-like word)."""

    name: str


@dataclass
class Node:
    outputs: list[str]
    bracketed: bool
    op: str | None  # None: an alias ``a = b;``
    args: list[Any]
    kwargs: dict[str, Any]
    line: int


@dataclass
class Document:
    """A parsed webnn-graph file (no weights resolved yet)."""

    name: str
    version: int
    quantized: bool = False
    inputs: list[tuple[str, str, list[Any], int]] = field(default_factory=list)  # name, dtype, shape, line
    consts: list[tuple[str, str, list[int], tuple[str, Any] | None, int]] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    outputs: list[tuple[str, int]] = field(default_factory=list)


# -- lexer / parser -----------------------------------------------------------------------
class _Lexer:
    def __init__(self, text: str, where: str, strict: bool = False) -> None:
        self.text = text
        self.where = where
        self.strict = strict
        self.pos = 0
        self.line = 1

    def _skip(self) -> None:
        t = self.text
        while self.pos < len(t):
            c = t[self.pos]
            if c == "\n":
                self.line += 1
                self.pos += 1
            elif c in " \t\r":
                self.pos += 1
            elif c == "#" or (not self.strict and t.startswith("//", self.pos)):  # '#' per the grammar; '//' as writers emit it
                end = t.find("\n", self.pos)
                self.pos = len(t) if end < 0 else end
            else:
                break

    def here(self) -> int:
        """The line of the next token."""
        self._skip()
        return self.line

    def peek(self, k: int = 0) -> tuple[str, Any]:
        save = (self.pos, self.line)
        tok = ("eof", None)
        for _ in range(k + 1):
            tok = self.next()
        self.pos, self.line = save
        return tok

    def next(self) -> tuple[str, Any]:
        self._skip()
        t, p = self.text, self.pos
        if p >= len(t):
            return ("eof", None)
        c = t[p]
        if c == '"':
            out = []
            i = p + 1
            while i < len(t) and t[i] != '"':
                if t[i] == "\\" and i + 1 < len(t) and t[i + 1] in '"\\':
                    out.append(t[i + 1])
                    i += 2
                else:
                    if t[i] == "\n":
                        self.line += 1
                    out.append(t[i])
                    i += 1
            if i >= len(t):
                raise self.fail("unterminated string")
            self.pos = i + 1
            return ("str", "".join(out))
        m = _NUMBER.match(t, p)
        if m and (c != "-" or m.end() > p + 1):
            self.pos = m.end()
            s = m.group()
            if re.fullmatch(r"-?[0-9]+", s):
                return ("num", int(s))
            return ("num", float(s))
        m = _IDENT.match(t, p)
        if m:
            self.pos = m.end()
            return ("id", m.group())
        if c == "@":
            m = _IDENT.match(t, p + 1)
            if not m:
                raise self.fail("expected an annotation name after '@'")
            self.pos = m.end()
            return ("at", m.group())
        if c in "{}[]():;,=":
            self.pos += 1
            return (c, c)
        raise self.fail(f"unexpected character {c!r}")

    def fail(self, message: str) -> ValidationError:
        return _error(f"{self.where} line {self.line}", message)

    def expect(self, kind: str, value: Any = None) -> Any:
        tok = self.next()
        if tok[0] != kind or (value is not None and tok[1] != value):
            want = repr(value) if value is not None else {"id": "a name", "num": "a number", "str": "a string"}.get(kind, repr(kind))
            got = "the end of the file" if tok[0] == "eof" else repr(tok[1])
            raise self.fail(f"expected {want}, got {got}")
        return tok[1]


def parse(text: str, where: str = "<text>", *, strict: bool = False) -> Document:
    """Parse webnn-graph text (``where`` names it in error messages). ``strict`` accepts exactly
    the published grammar (no ``//`` comments, which exporters write but the grammar lacks)."""
    lx = _Lexer(text, where, strict)
    lx.expect("id", MAGIC)
    name = lx.expect("str")
    tok = lx.next()
    if tok == ("id", "v"):
        version = lx.expect("num")
    elif tok[0] == "id" and re.fullmatch(r"v[0-9]+", tok[1]):
        version = int(tok[1][1:])
    else:
        raise lx.fail(f"expected the version 'v1', got {tok[1]!r}")
    if version not in (1, 2):  # rustnn/webnn-graph reads and writes both the same way
        raise lx.fail(f"version v{version} is not supported (this reader implements v1 and v2)")
    doc = Document(name, version)
    if lx.peek() == ("at", "quantized"):
        lx.next()
        doc.quantized = True
    lx.expect("{")
    while True:
        kind, value = lx.next()
        if kind == "eof":
            break
        if kind == "}":
            continue
        if kind != "id" or value not in ("inputs", "consts", "nodes", "outputs"):
            raise lx.fail(f"expected a block (inputs, consts, nodes, outputs) or '}}', got {value!r}")
        lx.expect("{")
        getattr(_Blocks, value)(lx, doc)
    return doc


def _shape(lx: _Lexer, allow_dynamic: bool) -> list[Any]:
    lx.expect("[")
    dims: list[Any] = []
    if lx.peek()[0] == "]":
        lx.next()
        return dims
    while True:
        tok = lx.next()
        if tok[0] == "num" and isinstance(tok[1], int) and tok[1] >= 0:
            dims.append(tok[1])
        elif tok == ("id", "dyn"):
            lx.expect("(")
            dname = lx.expect("str")
            lx.expect(",")
            size = lx.expect("num")
            lx.expect(")")
            if not allow_dynamic:
                raise lx.fail("constant shapes must be static")
            dims.append(("dyn", dname, size))
        else:
            raise lx.fail(f"expected a dimension, got {tok[1]!r}")
        tok = lx.next()
        if tok[0] == "]":
            return dims
        if tok[0] != ",":
            raise lx.fail(f"expected ',' or ']' in a shape, got {tok[1]!r}")


def _type(lx: _Lexer, allow_dynamic: bool) -> tuple[str, list[Any]]:
    dt = lx.expect("id")
    if dt in UNSUPPORTED_SHORT_TYPES:
        raise lx.fail(f"data type {dt} ({UNSUPPORTED_SHORT_TYPES[dt]}) is not supported by this implementation")
    if dt not in SHORT_TYPES:
        raise lx.fail(f"unknown data type {dt!r} (expected one of {', '.join(list(SHORT_TYPES) + list(UNSUPPORTED_SHORT_TYPES))})")
    return SHORT_TYPES[dt], _shape(lx, allow_dynamic)


def _value(lx: _Lexer, depth: int = 0) -> Any:
    if depth > 32:
        raise lx.fail("values are nested more than 32 levels deep")
    kind, v = lx.next()
    if kind in ("num", "str"):
        return v
    if kind == "id":
        if v == "true":
            return True
        if v == "false":
            return False
        if v == "null":
            return None
        return Ref(v)
    if kind == "[":
        items: list[Any] = []
        if lx.peek()[0] == "]":
            lx.next()
            return items
        while True:
            items.append(_value(lx, depth + 1))
            kind, _ = lx.next()
            if kind == "]":
                return items
            if kind != ",":
                raise lx.fail("expected ',' or ']' in an array")
    if kind == "{":
        obj: dict[str, Any] = {}
        if lx.peek()[0] == "}":
            lx.next()
            return obj
        while True:
            k, key = lx.next()
            if k not in ("id", "str"):
                raise lx.fail("expected a key in an object")
            lx.expect(":")
            obj[key] = _value(lx, depth + 1)
            kind, _ = lx.next()
            if kind == "}":
                return obj
            if kind != ",":
                raise lx.fail("expected ',' or '}' in an object")
    raise lx.fail(f"expected a value, got {v!r}")


def _entries(lx: _Lexer) -> Iterator[int]:
    """The line of each entry of a block (the caller parses the entry), then past its ``}``."""
    while lx.peek()[0] != "}":
        yield lx.here()
    lx.next()


def _declaration(lx: _Lexer, allow_dynamic: bool) -> tuple[str, str, list[Any]]:
    """``name: type`` at the start of an inputs or consts entry: (name, data type, shape)."""
    name = lx.expect("id")
    lx.expect(":")
    dt, shape = _type(lx, allow_dynamic=allow_dynamic)
    return name, dt, shape


class _Blocks:
    @staticmethod
    def inputs(lx: _Lexer, doc: Document) -> None:
        for line in _entries(lx):
            name, dt, shape = _declaration(lx, allow_dynamic=True)
            lx.expect(";")
            doc.inputs.append((name, dt, shape, line))

    @staticmethod
    def consts(lx: _Lexer, doc: Document) -> None:
        for line in _entries(lx):
            name, dt, shape = _declaration(lx, allow_dynamic=False)
            init = None
            while lx.peek()[0] == "at":
                ann = lx.next()[1]
                lx.expect("(")
                if ann == "weights":
                    init = ("weights", lx.expect("str"))
                elif ann == "scalar":
                    init = ("scalar", lx.expect("num"))
                elif ann == "bytes":
                    init = ("bytes", _bytes(lx))
                else:
                    raise lx.fail(f"unknown constant annotation @{ann} (expected @weights, @scalar or @bytes)")
                lx.expect(")")
            lx.expect(";")
            doc.consts.append((name, dt, shape, init, line))

    @staticmethod
    def nodes(lx: _Lexer, doc: Document) -> None:
        for line in _entries(lx):
            if lx.peek()[0] == "[":
                lx.next()
                outs = [lx.expect("id")]
                while lx.peek()[0] == ",":
                    lx.next()
                    outs.append(lx.expect("id"))
                lx.expect("]")
                bracketed = True
            else:
                outs = [lx.expect("id")]
                bracketed = False
            lx.expect("=")
            if lx.peek()[0] == "id" and lx.peek(1)[0] == "(":
                op = lx.next()[1]
                lx.next()
                args, kwargs = [], {}
                if lx.peek()[0] != ")":
                    while True:
                        if lx.peek()[0] == "id" and lx.peek(1)[0] == "=":
                            key = lx.next()[1]
                            lx.next()
                            if key in kwargs:
                                raise lx.fail(f"{op}: option {key!r} given twice")
                            kwargs[key] = _value(lx)
                        else:
                            if kwargs:
                                raise lx.fail(f"{op}: a positional argument after named ones")
                            args.append(_value(lx))
                        if lx.peek()[0] == ",":
                            lx.next()
                            continue
                        break
                lx.expect(")")
                node = Node(outs, bracketed, op, args, kwargs, line)
            else:
                v = _value(lx)
                if not isinstance(v, Ref):
                    raise lx.fail(f"{outs[0]!r} is assigned a literal; constants are declared in the consts block with a type")
                if len(outs) != 1:
                    raise lx.fail("an alias assigns one name")
                node = Node(outs, bracketed, None, [v], {}, line)
            lx.expect(";")
            doc.nodes.append(node)

    @staticmethod
    def outputs(lx: _Lexer, doc: Document) -> None:
        for line in _entries(lx):
            doc.outputs.append((lx.expect("id"), line))
            while lx.peek()[0] in (",", ";"):
                lx.next()


def _bytes(lx: _Lexer) -> bytes:
    lx.expect("[")
    out = bytearray()
    if lx.peek()[0] == "]":
        lx.next()
        return bytes(out)
    while True:
        v = lx.expect("num")
        if not isinstance(v, int) or not 0 <= v <= 255:
            raise lx.fail(f"@bytes values must be integers in [0, 255], got {v!r}")
        out.append(v)
        k, _ = lx.next()
        if k == "]":
            return bytes(out)
        if k != ",":
            raise lx.fail("expected ',' or ']' in @bytes")


# -- weights --------------------------------------------------------------------------------
_ST_TYPES = {"F32": "float32", "F16": "float16", "I32": "int32", "U32": "uint32", "I64": "int64", "U64": "uint64", "I8": "int8", "U8": "uint8", "BOOL": "uint8"}


def read_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A safetensors file's tensors (BF16 tensors widened exactly to float32)."""
    path = Path(path)
    check_regular(path, "webnn-graph")  # a FIFO or device is refused, never waited on
    try:
        from safetensors.numpy import load_file  # deferred: only a graph with weights needs it

        return dict(load_file(str(path)))
    except TypeError:
        pass  # a BF16 tensor numpy cannot hold: read the file's layout ourselves
    except Exception as e:  # noqa: BLE001 - a damaged file
        raise GraphFileError(f"webnn-graph: {path}: not a safetensors file ({e})") from None
    raw = read_regular(path, "webnn-graph", sys.maxsize)
    try:
        n = int.from_bytes(raw[:8], "little")
        if not 2 <= n <= min(len(raw) - 8, MAX_STRUCTURE_BYTES):
            raise ValueError(f"header length {n} does not fit the file")
        header = json.loads(raw[8:8 + n])
        if not isinstance(header, dict):
            raise ValueError("the header is not an object")
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise GraphFileError(f"webnn-graph: {path}: not a safetensors file ({e})") from None
    base = 8 + n
    out = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        try:
            lo, hi = entry["data_offsets"]
            if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi <= len(raw) - base):
                raise ValueError(f"data_offsets {[lo, hi]} lie outside the file")
            data = raw[base + lo: base + hi]
            if entry["dtype"] == "BF16":
                arr = (np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            elif entry["dtype"] in _ST_TYPES:
                arr = np.frombuffer(data, dtype=np.dtype(_ST_TYPES[entry["dtype"]]).newbyteorder("<"))
            else:
                raise GraphFileError(f"webnn-graph: {path}: tensor {key!r} has type {entry['dtype']}, which has no WebNN data type")
            out[key] = arr.reshape(entry["shape"])
        except (KeyError, TypeError, ValueError) as e:
            raise GraphFileError(f"webnn-graph: {path}: tensor {key!r}: {type(e).__name__}: {e}") from None
    return out


def _read_manifest(manifest: Path, blob: Path) -> dict[str, bytes]:
    try:
        tensors = json.loads(read_regular(manifest, "webnn-graph")).get("tensors", {})
        if not isinstance(tensors, dict):
            raise ValueError("'tensors' is not an object")
    except (ValueError, AttributeError, RecursionError) as e:
        raise GraphFileError(f"webnn-graph: {manifest}: not a weights manifest ({type(e).__name__}: {e})") from None
    data = read_regular(blob, "webnn-graph", sys.maxsize)
    out = {}
    for key, entry in tensors.items():
        try:
            lo, n = entry["byteOffset"], entry["byteLength"]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, n)):
                raise TypeError(f"byteOffset and byteLength must be integers, got {lo!r}, {n!r}")
        except (KeyError, TypeError) as e:
            raise GraphFileError(f"webnn-graph: {manifest}: tensor {key!r}: {type(e).__name__}: {e}") from None
        if lo < 0 or n < 0 or lo + n > len(data):
            raise GraphFileError(f"webnn-graph: {manifest}: tensor {key!r} lies outside {blob.name}")
        out[key] = data[lo:lo + n]
    return out


def find_weights(graph_path: Path) -> Path | None:
    """The weights file next to a graph: model.safetensors, <stem>.safetensors, <stem>.weights, model.weights."""
    stem = graph_path.stem
    for cand in (f"{stem}.safetensors", "model.safetensors", f"{stem}.weights", "model.weights"):
        p = graph_path.with_name(cand)
        if p.is_file():
            return p
    return None


def _sanitize(key: str) -> str:
    return key.replace("::", "__").replace(".", "_")


def load_weights(path: str | os.PathLike) -> dict[str, Any]:
    """Tensors (numpy arrays) of a .safetensors file, or raw bytes of a .weights blob + manifest."""
    p = Path(path)
    check_regular(p, "webnn-graph: weights file")
    if p.suffix.lower() in (".safetensors", ".safetensor"):
        return read_safetensors(p)
    for cand in (p.with_name(f"{p.stem}.manifest.json"), p.with_name("manifest.json")):
        if cand.is_file():
            return _read_manifest(cand, p)
    raise GraphFileError(f"webnn-graph: {p} is a raw weights blob but no manifest.json / {p.stem}.manifest.json lies next to it")


# -- reading into a builder ---------------------------------------------------------------
def _ops() -> dict[str, Any]:
    table = {}
    for opdef in load_all().values():
        table[opdef.spec_name] = opdef
        table[opdef.name] = opdef
    return table


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _const_array(doc_where: str, name: str, dt: str, shape: list[int], init: Any, weights: Mapping[str, Any], line: int) -> np.ndarray:
    where = f"{doc_where} line {line}"
    dtype = NUMPY_DTYPES[dt]
    count = math.prod(shape)
    if count * dtype.itemsize > MAX_TENSOR_BYTE_LENGTH:
        raise _error(where, f"constant {name!r}: {dt}{shape} is larger than maxTensorByteLength ({MAX_TENSOR_BYTE_LENGTH} bytes)")
    kind, value = init if init is not None else ("weights", name)
    if kind == "scalar":
        if dt not in ("float32", "float16"):
            info = np.iinfo(dtype)
            if not isinstance(value, (int, float)) or not float(value).is_integer() or not info.min <= value <= info.max:
                raise _error(where, f"constant {name!r}: @scalar({value}) is not a {dt} value")
            value = int(value)
        return np.full(shape, value, dtype=dtype)
    if kind == "bytes":
        if len(value) != count * dtype.itemsize:
            raise _error(where, f"constant {name!r}: @bytes has {len(value)} bytes, {dt}{shape} needs {count * dtype.itemsize}")
        return np.frombuffer(cast(bytes, value), dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    key = value
    src = weights.get(key)
    if src is None:
        matches = [k for k in weights if _sanitize(k) == key]
        if len(matches) == 1:
            src = weights[matches[0]]
    if src is None:
        raise _error(where, f"constant {name!r}: weights key {key!r} is not in the weights file")
    if isinstance(src, (bytes, bytearray)):
        if len(src) != count * dtype.itemsize:
            raise _error(where, f"constant {name!r}: weights {key!r} have {len(src)} bytes, {dt}{shape} needs {count * dtype.itemsize}")
        return np.frombuffer(bytes(src), dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    arr = np.asarray(src)
    if list(arr.shape) != list(shape):
        raise _error(where, f"constant {name!r}: weights {key!r} have shape {list(arr.shape)}, the graph declares {shape}")
    if arr.dtype != dtype:
        if arr.dtype == np.bool_ and dt == "uint8":
            arr = arr.astype(np.uint8)
        elif arr.dtype == np.float32 and dt == "float32":
            pass
        else:
            raise _error(where, f"constant {name!r}: weights {key!r} are {arr.dtype.name}, the graph declares {dt}")
    return arr


def replay(doc: Document, builder: MLGraphBuilder, weights: Mapping[str, Any] | None = None, *,
           dims: Mapping[str, int] | None = None, where: str = "<text>") -> dict[str, MLOperand]:
    """Record ``doc`` into ``builder`` (every node through the builder); returns the outputs."""
    weights = weights or {}
    dims = dict(dims or {})
    env: dict[str, MLOperand] = {}
    ops = _ops()

    def define(name: str, value: Any, line: int) -> None:
        if name in env:
            raise _error(f"{where} line {line}", f"{name!r} is defined twice")
        env[name] = value

    for name, dt, shape, line in doc.inputs:
        static = []
        for i, d in enumerate(shape):
            if isinstance(d, tuple):
                if d[1] not in dims:
                    raise _error(f"{where} line {line}", f"input {name!r}: dimension {i} is dynamic ({d[1]!r}, at most {d[2]});"
                                 f" WebNN graphs have static shapes: give dims={{{d[1]!r}: N}}")
                static.append(int(dims[d[1]]))
            else:
                static.append(d)
        try:
            define(name, builder.input(name, static, dt), line)
        except ValidationError as e:
            raise _error(f"{where} line {line}", str(e)) from None
    for name, dt, shape, init, line in doc.consts:
        arr = _const_array(where, name, dt, shape, init, weights, line)
        define(name, builder.constant(arr), line)

    def resolve(v: Any, line: int) -> Any:
        if isinstance(v, Ref):
            if v.name in env:
                return env[v.name]
            if v.name in SHORT_TYPES:
                return SHORT_TYPES[v.name]
            return v.name  # an enum-like bare word
        if isinstance(v, list):
            return [resolve(x, line) for x in v]
        if isinstance(v, dict):
            return {k: resolve(x, line) for k, x in v.items()}
        return v

    for node in doc.nodes:
        loc = f"{where} line {node.line}"
        if node.op is None:
            src = node.args[0].name
            if src not in env:
                raise _error(loc, f"{src!r} is not defined before this line")
            define(node.outputs[0], env[src], node.line)
            continue
        opdef = ops.get(node.op)
        if opdef is None:
            raise _error(loc, f"unknown operator {node.op!r}")
        for v in node.args:  # positional arguments are operands or literals, never bare words
            for r in _refs(v):
                if r not in env:
                    raise _error(loc, f"{node.op}: {r!r} is not defined before this line")
        args = [resolve(a, node.line) for a in node.args]
        aliases = _ARG_ALIASES.get(opdef.name, {})
        kwargs = {}
        for k, v in node.kwargs.items():
            kk = aliases.get(k, _snake(k))
            if kk in kwargs:
                raise _error(loc, f"{node.op}: option {k!r} given twice")
            value = resolve(v, node.line)
            if value is None:
                continue  # null: the option is absent
            kwargs[kk] = value
        try:
            result = getattr(builder, opdef.name)(*args, **kwargs)
        except ValidationError as e:
            raise _error(loc, str(e)) from None
        outs = result if isinstance(result, list) else [result]
        if len(node.outputs) != len(outs):
            raise _error(loc, f"{node.op} gives {len(outs)} output(s), the statement names {len(node.outputs)}")
        for name, o in zip(node.outputs, outs, strict=False):
            define(name, o, node.line)
    outputs: dict[str, MLOperand] = {}
    if not doc.outputs:
        raise _error(where, "the graph has no outputs")
    for name, line in doc.outputs:
        if name not in env:
            raise _error(f"{where} line {line}", f"output {name!r} is not defined")
        if name in outputs:
            raise _error(f"{where} line {line}", f"output {name!r} is listed twice")
        op = env[name]
        if op._kind != "output":  # an input or a constant: WebNN outputs come from operators
            op = builder.identity(op)
        outputs[name] = op
    return outputs


def _refs(v: Any) -> list[str]:
    if isinstance(v, Ref):
        return [v.name]
    if isinstance(v, list):
        return [r for x in v for r in _refs(x)]
    if isinstance(v, dict):
        return [r for x in v.values() for r in _refs(x)]
    return []


def read_info(text: str, weights: Mapping[str, Any] | None = None, *, context: MLContext,
              dims: Mapping[str, int] | None = None, where: str = "<text>") -> GraphInfo:
    """The graph of webnn-graph ``text`` as IR (replayed through a builder for ``context``, not compiled)."""
    doc = parse(text, where)
    b = MLGraphBuilder(context)
    return b._graph_info(replay(doc, b, weights, dims=dims, where=where))


def loads(text: str, context: MLContext, weights: Mapping[str, Any] | None = None, *,
          dims: Mapping[str, int] | None = None, where: str = "<text>") -> MLGraph:
    """Build the graph of webnn-graph ``text`` (``weights``: key -> array or bytes) for ``context``."""
    return context._build_graph(read_info(text, weights, context=context, dims=dims, where=where))


def load(path: str | os.PathLike, context: MLContext, *, weights: str | os.PathLike | None = None,
         dims: Mapping[str, int] | None = None) -> MLGraph:
    """Read a webnn-graph file and build it for ``context``; weights from ``weights`` or the file
    found next to it."""
    p = Path(path)
    text = read_text(p)
    doc = parse(text, str(p))
    needs = any(init is None or init[0] == "weights" for *_, init, _ in doc.consts)
    tensors: Mapping[str, Any] = {}
    if weights is not None:
        tensors = load_weights(weights)
    elif needs:
        found = find_weights(p)
        if found is None:
            raise GraphFileError(f"webnn-graph: {p}: the graph has @weights constants but no"
                                 f" {p.stem}.safetensors, model.safetensors or .weights file lies next to it")
        tensors = load_weights(found)
    return context._build_graph(read_info(text, tensors, context=context, dims=dims, where=str(p)))


def read_text(path: str | os.PathLike) -> str:
    """A webnn-graph file's text: a regular file of at most :data:`~webnn.files.MAX_STRUCTURE_BYTES`, in UTF-8."""
    try:
        return read_regular(path, "webnn-graph").decode("utf-8")
    except UnicodeDecodeError as e:
        raise GraphFileError(f"webnn-graph: {path}: not UTF-8 text ({e})") from None


def is_webnn_graph_text(head: bytes) -> bool:
    """Whether the first bytes of a file start a webnn-graph document (comments allowed)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head[: len(head) - 4].decode("utf-8", "ignore")
    lx = _Lexer(text, "")
    try:
        return lx.next() == ("id", MAGIC)
    except ValidationError:
        return False


# -- writing -------------------------------------------------------------------------------
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def _literal(v: Any, where: str) -> str:
    if v is None:
        return "null"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            raise ValidationError(f"webnn-graph: {where}: the value {f} has no literal in the format (numbers are finite)")
        s = repr(f)
        return s if re.fullmatch(_NUMBER.pattern, s) else f"{f:.17g}"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_literal(x, where) for x in v) + "]"
    raise ValidationError(f"webnn-graph: {where}: cannot write a value of type {type(v).__name__}")


def _check_name(name: str, what: str) -> str:
    if not _IDENT.fullmatch(name) or name in _KEYWORDS or name.startswith("//"):
        raise ValidationError(f"webnn-graph: {what} name {name!r} is not an identifier of the format ([A-Za-z_/$][A-Za-z0-9_./]*)")
    return name


#: Attributes a writer leaves out because another one given determines them.
def _omitted(op_type: str, attrs: Mapping[str, Any]) -> set[str]:
    if op_type == "resample2d" and attrs.get("scales") is not None:
        return {"sizes"}
    if op_type == "conv_transpose2d" and attrs.get("output_sizes") is not None:
        return {"output_padding"}
    return set()


_ATTR_PARAMS = {"cast": {"to": "type"}}


def dumps(info: GraphInfo, name: str = "graph", *, scalars: bool = True) -> tuple[str, dict[str, np.ndarray]]:
    """``(text, weights)``: the graph as webnn-graph text and its ``@weights`` tensors by key."""
    opdefs = load_all()
    used = set(info.inputs) | set(info.outputs)
    names: dict[int, str] = {}
    counter = [0]

    def fresh(prefix: str) -> str:
        while True:
            counter[0] += 1
            n = f"{prefix}{counter[0]}"
            if n not in used:
                used.add(n)
                return n

    for n_, i in info.inputs.items():
        names[i] = _check_name(n_, "input")
    # An output operand takes the output's name (an extra identity when an operand has several).
    extra_outputs = []
    for n_, i in info.outputs.items():
        _check_name(n_, "output")
        if n_ in info.inputs:
            raise ValidationError(f"webnn-graph: output {n_!r} has the name of an input; the format has one namespace")
        if i in names:
            extra_outputs.append((n_, names[i]))
        else:
            names[i] = n_
    lines = [f"{MAGIC} {_literal(name, 'name')} v1 {{"]
    lines.append("  inputs {")
    for n_, i in info.inputs.items():
        d = info.operands[i]
        lines.append(f"    {n_}: {LONG_TO_SHORT[d.data_type]}{_literal(list(d.shape), 'shape')};")
    lines.append("  }")
    weights: dict[str, np.ndarray] = {}
    lines.append("  consts {")
    for i in sorted(info.constants):
        arr = np.asarray(info.constants[i])
        d = info.operands[i]
        cname = names.setdefault(i, fresh("c"))
        value = arr.reshape(-1)[0].item() if arr.size == 1 else None
        decl = f"    {cname}: {LONG_TO_SHORT[d.data_type]}{_literal(list(d.shape), 'shape')}"
        if scalars and arr.ndim == 0 and value is not None and (not isinstance(value, float) or math.isfinite(value)):
            lines.append(f"{decl} @scalar({_literal(value, cname)});")
        else:
            weights[cname] = np.ascontiguousarray(arr)
            lines.append(f'{decl} @weights("{cname}");')
    lines.append("  }")
    lines.append("  nodes {")
    for op in info.operations:
        opdef = opdefs[op.type]
        where = f"operator {op.type}"
        outs = [names.setdefault(o, fresh("v")) for o in op.outputs]
        params = [p for p in opdef.signature.parameters.values()]
        operand_params = [p for p in params if p.name in opdef.limits]
        args: list[str] = []
        k = 0
        for p in operand_params:
            if p.name == "inputs":  # concat's list of operands
                ids = [names[i] for i in op.inputs if i is not None]
                k = len(op.inputs)
                text = "[" + ", ".join(ids) + "]"
            else:
                oid = op.inputs[k] if k < len(op.inputs) else None
                k += 1
                if oid is None:
                    continue
                text = names[oid]
            if p.kind is inspect.Parameter.KEYWORD_ONLY:
                args.append(f"{_camel(p.name)}={text}")
            else:
                args.append(text)
        if k != len(op.inputs):
            raise ValidationError(f"webnn-graph: {where}: {len(op.inputs)} inputs do not match its definition")
        pnames = {p.name for p in params}
        rename = _ATTR_PARAMS.get(op.type, {})
        skip = _omitted(op.type, op.attributes)
        for key, value in op.attributes.items():
            if value is None or key in skip:
                continue
            if key in rename:
                args.append(f"{rename[key]}={_literal(value, where)}")
                continue
            if key not in pnames:
                raise ValidationError(f"webnn-graph: {where}: attribute {key!r} is not an argument of {opdef.spec_name}")
            args.append(f"{_camel(key)}={_literal(value, where)}")
        if op.label:
            args.append(f"label={_literal(op.label, where)}")
        call = f"{opdef.spec_name}({', '.join(args)})"
        target = f"[{', '.join(outs)}]" if opdef.multi_output else outs[0]
        lines.append(f"    {target} = {call};")
    for out_name, src in extra_outputs:
        lines.append(f"    {out_name} = identity({src});")
    lines.append("  }")
    lines.append("  outputs { " + " ".join(f"{n_};" for n_ in info.outputs) + " }")
    lines.append("}")
    return "\n".join(lines) + "\n", weights


_WRITER = {"writer": "webnn.webnn_graph"}


def _written_here(path: Path) -> bool:
    """Whether an existing safetensors file carries this writer's metadata."""
    try:
        with open_regular(path, "save") as f:
            n = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(min(n, 1 << 20)))
        return header.get("__metadata__", {}).get("writer") == _WRITER["writer"]
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, RecursionError, GraphFileError):
        return False


def save(info: GraphInfo, path: str | os.PathLike, *, name: str | None = None) -> tuple[Path, Path | None]:
    """Write ``path`` (the text) and ``<stem>.safetensors`` (the weights, when there are any).

    An existing ``<stem>.safetensors`` is replaced only if this writer wrote it."""
    from safetensors.numpy import save_file  # deferred: only a graph with weights needs it

    p = Path(path)
    text, weights = dumps(info, name or p.stem)
    wpath = p.with_name(f"{p.stem}.safetensors") if weights else None
    if wpath is not None and wpath.exists() and not _written_here(wpath):
        raise ValidationError(f"save: {wpath} exists and was not written by webnn;"
                              " it would be replaced by the graph's weights (move it or save under another name)")
    tmp = p.with_name(p.name + f".tmp{os.getpid()}")
    if wpath is not None:
        wtmp = wpath.with_name(wpath.name + f".tmp{os.getpid()}")
        save_file(weights, str(wtmp), metadata=dict(_WRITER))
        os.replace(wtmp, wpath)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, p)
    return p, wpath


__all__ = ["parse", "replay", "read_info", "loads", "load", "dumps", "save", "load_weights", "read_safetensors", "find_weights",
           "is_webnn_graph_text", "Document"]
