"""Saved graphs are untrusted input (issue 11, items 5-7): load_graph_info / load_graph refuse every
malformed file with a GraphFileError naming the problem, read no more than the header declares,
never block on a FIFO, and replay every operation through the builder's op definitions."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import webnn
from webnn import GraphFileError
from webnn.builder import load_graph_info
from webnn.graph import _digest
from webnn.types import NUMPY_DTYPES, MLOperandDescriptor


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def _graph(ctx: webnn.MLContext) -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 4, 4], "float32")
    w = b.constant(np.arange(2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 2, 3, 3) / 10)
    y = b.conv2d(x, w, padding=[1, 1, 1, 1])
    z = b.max_pool2d(b.relu(y), window_dimensions=[2, 2], strides=[2, 2])
    return b.build({"z": z, "s": b.reduce_sum(z, axes=[1])})


def _parts(path: Path) -> tuple[dict, bytes]:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("graph.json")), z.read("weights.bin")


def _rehash(structure: dict, blob: bytes) -> None:
    """Set the content hash a writer would compute for this structure (so only the edit is wrong)."""
    constants = {}
    for key, e in structure.get("constants", {}).items():
        try:
            d = MLOperandDescriptor.from_json(structure["operands"][int(key)])
            constants[int(key)] = np.frombuffer(blob[e["offset"] : e["offset"] + e["length"]], NUMPY_DTYPES[d.data_type]).reshape(d.shape)
        except Exception:  # noqa: BLE001 - an edit that breaks the table: the hash does not matter then
            return
    stored = {k: v for k, v in structure.items() if k not in ("constants", "content_hash")}
    structure["content_hash"] = _digest(stored, constants)


def _write(path: Path, structure: Any, blob: bytes, *, rehash: bool = True, raw_json: bytes | None = None) -> Path:
    if rehash and isinstance(structure, dict):
        _rehash(structure, blob)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("graph.json", raw_json if raw_json is not None else json.dumps(structure))
        z.writestr("weights.bin", blob)
    return path


def _edited(tmp_path: Path, ctx: webnn.MLContext, edit: Callable[[dict], Any], *, rehash: bool = True) -> Path:
    src = tmp_path / "g.webnn"
    _graph(ctx).save(src)
    structure, blob = _parts(src)
    edit(structure)
    return _write(tmp_path / "bad.webnn", structure, blob, rehash=rehash)


def _op(s: dict, t: str) -> dict:
    return next(o for o in s["operations"] if o["type"] == t)


def _deep(n: int) -> Any:
    v: Any = 0
    for _ in range(n):
        v = [v]
    return v


MALFORMED: list[tuple[str, Callable[[dict], Any], str]] = [
    ("no operands", lambda s: s.pop("operands"), r"graph.json has no 'operands'"),
    ("operands not a list", lambda s: s.update(operands={"0": 1}), r"'operands' must be a JSON array"),
    ("operand not an object", lambda s: s["operands"].__setitem__(0, 7), r"operand 0: expected an object"),
    ("operand without shape", lambda s: s["operands"][0].pop("shape"), r"operand 0: missing 'shape'"),
    ("bad data type", lambda s: s["operands"][0].update(dataType="float64"), r"operand 0: .*float64"),
    ("zero dimension", lambda s: s["operands"][0].update(shape=[1, 0, 4, 4]), r"operand 0: .*dimension"),
    ("no operations", lambda s: s.pop("operations"), r"no 'operations'"),
    ("operation not an object", lambda s: s["operations"].__setitem__(0, "relu"), r"operation 0 \(\?\): expected an object"),
    ("operation without outputs", lambda s: s["operations"][0].pop("outputs"), r"operation 0 \(conv2d\): missing 'outputs'"),
    ("unknown operator", lambda s: s["operations"][0].update(type="conv9d"), r"unknown operator 'conv9d'"),
    ("input id out of range", lambda s: s["operations"][0]["inputs"].update(input=10**6), r"not an operand id: 1000000"),
    ("input id a bool", lambda s: s["operations"][0]["inputs"].update(input=True), r"not an operand id: True"),
    ("used before defined", lambda s: s["operations"][0]["inputs"].update(input=len(s["operands"]) - 1), r"which nothing before it defines"),
    ("operand defined twice", lambda s: _op(s, "relu")["outputs"].__setitem__(0, 0), r"operand 0 is already defined"),
    ("attributes not an object", lambda s: s["operations"][0].update(attributes=[1]), r"attributes must be an object"),
    ("attribute refused by the op", lambda s: _op(s, "reduce_sum")["attributes"].update(axes=[7]), r"reduce_sum.*axes.*out of range"),
    ("unknown attribute", lambda s: _op(s, "relu")["attributes"].update(alpha=1.0), r"relu.*alpha"),
    ("pooling window 2**40", lambda s: _op(s, "max_pool2d")["attributes"].update(window_dimensions=[2**40, 2**40]), r"max_pool2d.*window_dimensions"),
    ("nested attribute", lambda s: _op(s, "max_pool2d")["attributes"].update(strides=_deep(900)), r"max_pool2d.*strides"),
    ("non-string label", lambda s: _op(s, "relu").update(label=5), r"relu.*label"),
    ("output descriptor disagrees", lambda s: s["operands"][_op(s, "relu")["outputs"][0]].update(shape=[1, 2, 4, 5]),
     r"saved as float32\[1, 2, 4, 5\], the operation gives float32\[1, 2, 4, 4\]"),
    ("output data type disagrees", lambda s: s["operands"][_op(s, "conv2d")["outputs"][0]].update(dataType="float16"), r"saved as float16"),
    ("inputs not an object", lambda s: s.update(inputs=["x"]), r"'inputs' must be a JSON object"),
    ("input id a string", lambda s: s["inputs"].update(x="0"), r"input 'x' is not an operand id"),
    ("graph output is an input", lambda s: s["outputs"].update(z=0), r"output 'z'.*produced by an operator|outputs must be produced"),
    ("no outputs", lambda s: s.update(outputs={}), r"no outputs"),
    ("constant key not an id", lambda s: s["constants"].update({"w": s["constants"].popitem()[1]}), r"constant 'w' is not an operand id"),
    ("constant length disagrees", lambda s: next(iter(s["constants"].values())).update(length=4), r"constant \d+ has 4 bytes, its descriptor"),
    ("constant checksum", lambda s: next(iter(s["constants"].values())).update(sha256="0" * 64), r"corrupt \(checksum mismatch\)"),
    ("constant table entry not an object", lambda s: s["constants"].update(dict.fromkeys(s["constants"], 3)), r"expected \{offset, length, sha256\}"),
    ("constant is also an input", lambda s: s["constants"].update({"0": next(iter(s["constants"].values()))}), r"its descriptor|also a constant"),
    ("unsupported version", lambda s: s.update(version=3), r"unsupported format/version 'webnn-graph'/3"),
    ("no format", lambda s: s.pop("format"), r"unsupported format/version None"),
]


@pytest.mark.parametrize("edit,message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_files_raise_one_documented_error(tmp_path: Path, ctx: webnn.MLContext, edit: Callable[[dict], Any], message: str) -> None:
    bad = _edited(tmp_path, ctx, edit)
    with pytest.raises(GraphFileError, match=message) as info:
        webnn.load_graph(bad, ctx)
    assert str(bad) in str(info.value)
    assert isinstance(info.value, webnn.ValidationError)


@pytest.mark.parametrize("depth", [900, 5000, 100_000])
def test_deeply_nested_values_are_refused(tmp_path: Path, ctx: webnn.MLContext, depth: int) -> None:
    src = tmp_path / "g.webnn"
    _graph(ctx).save(src)
    structure, blob = _parts(src)
    _op(structure, "max_pool2d")["attributes"]["strides"] = "@NESTED@"
    structure.pop("content_hash")
    text = json.dumps(structure).replace('"@NESTED@"', "[" * depth + "1" + "]" * depth)
    bad = _write(tmp_path / "bad.webnn", None, blob, rehash=False, raw_json=text.encode())
    with pytest.raises(GraphFileError, match=r"not valid JSON|content hash is missing|strides"):
        webnn.load_graph(bad, ctx)


def test_content_hash_is_required_and_checked(tmp_path: Path, ctx: webnn.MLContext) -> None:
    with pytest.raises(GraphFileError, match="content hash is missing"):
        load_graph_info(_edited(tmp_path, ctx, lambda s: s.pop("content_hash"), rehash=False))
    with pytest.raises(GraphFileError, match="content hash mismatch"):
        load_graph_info(_edited(tmp_path, ctx, lambda s: _op(s, "max_pool2d")["attributes"].update(strides=[1, 1]), rehash=False))


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"\xff\xfe not utf-8", r"graph.json is not valid JSON"),
        (b"[1, 2]", r"holds a list, expected an object"),
        (b"{" * 100_000, r"not valid JSON"),
    ],
    ids=["not utf-8", "not an object", "nested 100000 deep"],
)
def test_unreadable_structure(tmp_path: Path, raw: bytes, message: str) -> None:
    bad = _write(tmp_path / "bad.webnn", None, b"", rehash=False, raw_json=raw)
    with pytest.raises(GraphFileError, match=message):
        load_graph_info(bad)


def test_not_an_archive_or_incomplete(tmp_path: Path, ctx: webnn.MLContext) -> None:
    (tmp_path / "junk.webnn").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(GraphFileError, match="not a saved webnn graph"):
        load_graph_info(tmp_path / "junk.webnn")
    src = tmp_path / "g.webnn"
    _graph(ctx).save(src)
    structure, _ = _parts(src)
    with zipfile.ZipFile(tmp_path / "nw.webnn", "w") as z:
        z.writestr("graph.json", json.dumps(structure))
    with pytest.raises(GraphFileError, match="no weights.bin"):
        load_graph_info(tmp_path / "nw.webnn")
    with pytest.raises(GraphFileError, match="no such file"):
        webnn.load_graph(tmp_path / "missing.webnn", ctx)
    with pytest.raises(GraphFileError, match="directory"):
        webnn.load_graph(tmp_path, ctx)


def test_weights_that_inflate_beyond_the_declared_constants_are_not_read(tmp_path: Path, ctx: webnn.MLContext) -> None:
    src = tmp_path / "g.webnn"
    _graph(ctx).save(src)
    structure, blob = _parts(src)
    bomb = tmp_path / "bomb.webnn"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", json.dumps(structure))
        with z.open("weights.bin", "w") as f:
            f.write(blob)
            chunk = b"\0" * (1 << 20)
            for _ in range(256):  # 256 MiB more than the constants table describes
                f.write(chunk)
    assert bomb.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(GraphFileError, match=r"weights.bin holds \d+ bytes, the constants table describes"):
            load_graph_info(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"read {peak} bytes for a refused file"


def test_constants_that_inflate_a_thousandfold_are_not_read(tmp_path: Path) -> None:
    # A small file whose constants table honestly declares 64 MiB of zeros: refused by the ratio,
    # before anything is inflated.
    n = 16 << 20
    desc = {"dataType": "float32", "shape": [n]}
    data = b"\0" * (4 * n)
    structure = {
        "format": "webnn-graph", "version": 2, "operands": [desc, desc], "inputs": {},
        "operations": [{"type": "relu", "inputs": {"input": 0}, "outputs": [1], "attributes": {}}],
        "outputs": {"y": 1}, "constants": {"0": {"offset": 0, "length": 4 * n, "sha256": hashlib.sha256(data).hexdigest()}},
    }
    bomb = tmp_path / "bomb.webnn"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", json.dumps(structure))
        z.writestr("weights.bin", data)
    del data
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(GraphFileError, match=r"weights.bin would inflate from \d+ to 67108864 bytes, more than 100-fold"):
            load_graph_info(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_structure_larger_than_the_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn import files

    monkeypatch.setattr(files, "MAX_STRUCTURE_BYTES", 1 << 20)
    bad = tmp_path / "big.webnn"
    with zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", b" " * (4 << 20) + b"{}")
        z.writestr("weights.bin", b"")
    with pytest.raises(GraphFileError, match="graph.json would inflate to"):
        load_graph_info(bad)


def _returns_within(fn: Callable[[], Any], seconds: float) -> BaseException | None:
    """The exception ``fn`` raised, asserting it returned within ``seconds`` (a FIFO must never block)."""
    out: list[BaseException | None] = [None]

    def run() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            out[0] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked on a FIFO"
    return out[0]


def test_fifo_is_refused_without_blocking(tmp_path: Path, ctx: webnn.MLContext) -> None:
    fifo = tmp_path / "pipe.webnn"
    os.mkfifo(fifo)
    for fn in (lambda: webnn.load_graph(fifo, ctx), lambda: load_graph_info(fifo)):
        err = _returns_within(fn, 10)
        assert isinstance(err, GraphFileError) and "FIFO" in str(err), err


def test_lstm_with_absurd_steps_is_refused_before_conversion(tmp_path: Path, ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 1, 3], "float32")
    w = b.constant(np.zeros((1, 8, 3), np.float32))
    r = b.constant(np.zeros((1, 8, 2), np.float32))
    g = b.build({"h": b.lstm(x, w, r, 2, 2)[0]})
    g.save(tmp_path / "l.webnn")
    structure, blob = _parts(tmp_path / "l.webnn")
    _op(structure, "lstm")["attributes"]["steps"] = 2**40
    bad = _write(tmp_path / "bad.webnn", structure, blob)
    err = _returns_within(lambda: webnn.load_graph(bad, ctx), 30)
    assert isinstance(err, GraphFileError) and "steps" in str(err), err


def test_loaded_graph_is_the_built_graph(tmp_path: Path, ctx: webnn.MLContext) -> None:
    g = _graph(ctx)
    g.save(tmp_path / "g.webnn")
    loaded = webnn.load_graph(tmp_path / "g.webnn", ctx)
    assert loaded.info.content_hash() == g.info.content_hash()
    assert loaded.output_descriptors == g.output_descriptors
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4)).astype(np.float32)
    a, c = ctx.compute(g, {"x": x}), ctx.compute(loaded, {"x": x})
    for k in a:
        np.testing.assert_array_equal(a[k], c[k])


def test_every_conformance_graph_survives_save_and_load(tmp_path: Path, ctx: webnn.MLContext) -> None:
    from test_webnn_graph import _conformance_infos, _info

    count = 0
    for name, case in _conformance_infos():
        try:
            info = _info(case, ctx)
        except (webnn.ValidationError, KeyError):
            continue
        buf = tmp_path / "c.webnn"
        info.save(buf)
        back = load_graph_info(buf)
        assert back.content_hash() == info.content_hash(), name
        count += 1
    assert count > 900


def test_saved_weights_end_where_the_constants_table_says(tmp_path: Path, ctx: webnn.MLContext) -> None:
    # The writer's side of the bound the reader applies: weights.bin ends with the last constant.
    _graph(ctx).save(tmp_path / "g.webnn")
    structure, blob = _parts(tmp_path / "g.webnn")
    assert len(blob) == max(e["offset"] + e["length"] for e in structure["constants"].values())
    for e in structure["constants"].values():
        assert hashlib.sha256(blob[e["offset"] : e["offset"] + e["length"]]).hexdigest() == e["sha256"]
