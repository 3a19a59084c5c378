"""Op inputs are named by the op definition's signature: the IR, the converters and saved graphs
use those names; graphs saved with format version 1 (inputs by position) still load."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.graph import GraphInfo, Operation
from webnn.ops import L, Node, OpDef, load_all

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def test_input_names_are_the_operand_parameters_in_signature_order():
    for name, opdef in load_all().items():
        params = opdef.signature.parameters
        operands = tuple(n for n, p in params.items() if re.search(r"\bMLOperand\b", str(p.annotation)))
        assert opdef.inputs == operands, name
    assert load_all()["conv2d"].inputs == ("input", "filter", "bias")
    assert load_all()["lstm"].inputs[3:] == ("bias", "recurrent_bias", "peephole_weight", "initial_hidden_state", "initial_cell_state")
    assert load_all()["concat"].variadic == "inputs"


def test_an_op_definition_must_declare_limits_for_exactly_its_operands():
    def f(input, other, *, axis=0) -> Node:
        return Node(input.descriptor)

    f.__annotations__.update(input="MLOperand", other="MLOperand | None")
    with pytest.raises(RuntimeError, match=r"toy.*without limits \['other'\]"):
        OpDef("toy", "toy", f, {"input": L()})
    with pytest.raises(RuntimeError, match=r"toy.*non-parameters \['axes'\]"):
        OpDef("toy", "toy", f, {"input": L(), "other": L(), "axes": L()})
    assert OpDef("toy", "toy", f, {"input": L(), "other": L(), "output": L()}).inputs == ("input", "other")


def _conv_graph(ctx, bias: bool) -> tuple[webnn.MLGraph, Operation]:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 2, 4, 4], "float32")
    f = b.constant(np.ones((3, 2, 3, 3), np.float32))
    opts = {"bias": b.constant(np.arange(3, dtype=np.float32))} if bias else {}
    g = b.build({"y": b.conv2d(x, f, padding=[1, 1, 1, 1], **opts)})
    return g, g.info.operations[0]


def test_operation_reads_inputs_and_attributes_by_name(ctx):
    g, op = _conv_graph(ctx, bias=False)
    assert op.input_names == ("input", "filter", "bias")
    assert op.input() == op.input("input") == g.info.inputs["x"]
    assert op.input("filter") in g.info.constants
    assert op.input("bias") is None
    assert tuple(g.info.input_descriptor(op, "filter").shape) == (3, 2, 3, 3)
    with pytest.raises(LookupError, match=r"conv2d has no input 'weight' \(its inputs: input, filter, bias\)"):
        op.input("weight")
    with pytest.raises(LookupError, match=r"conv2d: the optional input 'bias' is absent"):
        g.info.input_descriptor(op, "bias")
    assert op.attr("padding") == [1, 1, 1, 1]
    with pytest.raises(LookupError, match=r"conv2d: attribute 'pads' is missing"):
        op.attr("pads")
    b = webnn.MLGraphBuilder(ctx)
    xs = [b.input(f"x{i}", [2], "float32") for i in range(3)]
    cat = b.build({"y": b.concat(xs, 0)}).info.operations[0]
    assert cat.input_names == ("inputs",) * 3
    with pytest.raises(LookupError, match=r"concat: input 'inputs' is a sequence"):
        cat.input("inputs")


def test_saved_graphs_store_inputs_by_name(ctx, tmp_path):
    g, _ = _conv_graph(ctx, bias=True)
    g.save(tmp_path / "g.webnn")
    with zipfile.ZipFile(tmp_path / "g.webnn") as z:
        structure = json.loads(z.read("graph.json"))
    assert structure["version"] == 2
    assert structure["operations"][0]["inputs"] == {"input": 0, "filter": 1, "bias": 2}
    loaded = webnn.load_graph(tmp_path / "g.webnn", ctx)
    assert loaded.info.operations == g.info.operations
    assert loaded.info.content_hash() == g.info.content_hash()


def _v1_graph(ctx) -> webnn.MLGraph:
    """The graph tests/ops/data/graph_v1.webnn holds, built anew (that file was written by webnn 0.1.0 at
    commit 7882492, whose format version 1 stored operation inputs by position)."""
    b = webnn.MLGraphBuilder(ctx)
    rng = np.random.default_rng(7)
    x = b.input("x", [2, 3, 4], "float32")
    w = b.constant(rng.standard_normal((1, 15, 4)).astype(np.float32))
    r = b.constant(rng.standard_normal((1, 15, 5)).astype(np.float32))
    rb = b.constant(rng.standard_normal((1, 15)).astype(np.float32))
    h, seq = b.gru(x, w, r, 2, 5, recurrent_bias=rb, return_sequence=True)
    img = b.reshape(seq, [1, 2, 3, 5])
    f = b.constant(rng.standard_normal((4, 2, 2, 2)).astype(np.float32))
    conv = b.conv2d(img, f, padding=[1, 0, 0, 1])
    gm = b.gemm(b.reshape(h, [3, 5]), b.constant(rng.standard_normal((5, 2)).astype(np.float32)), c=b.constant(np.ones((2,), np.float32)))
    parts = [b.reshape(conv, [3, 20]), b.reshape(b.pad(gm, [0, 1], [0, 1], mode="edge"), [3, 4]), b.clamp(b.reshape(gm, [3, 2]), min_value=-0.5)]
    return b.build({"y": b.concat(parts, 1), "h": h})


def test_version_1_graphs_still_load(ctx):
    path = DATA / "graph_v1.webnn"
    with zipfile.ZipFile(path) as z:
        assert json.loads(z.read("graph.json"))["version"] == 1
    old = webnn.load_graph(path, ctx)
    new = _v1_graph(ctx)
    assert old.info.operations == new.info.operations
    gru = old.info.operations[0]
    assert gru.input("recurrent_bias") in old.info.constants
    assert gru.input("bias") is None and gru.input("initial_hidden_state") is None
    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4)
    a, b = ctx.compute(old, {"x": x}), ctx.compute(new, {"x": x})
    for k in ("y", "h"):
        np.testing.assert_array_equal(a[k], b[k])


def _rewrite(src: Path, dst: Path, edit) -> Path:
    """A copy of a saved graph with its structure edited (checksums and hash kept as they were)."""
    with zipfile.ZipFile(src) as z:
        structure = json.loads(z.read("graph.json"))
        blob = z.read("weights.bin")
    edit(structure)
    structure.pop("content_hash")
    with zipfile.ZipFile(dst, "w") as z:
        z.writestr("graph.json", json.dumps(structure))
        z.writestr("weights.bin", blob)
    return dst


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s["operations"][0]["inputs"].update(weight=1), r"operation 0 \(conv2d\): unknown inputs \['weight'\]"),
        (lambda s: s["operations"][0]["inputs"].pop("filter"), r"operation 0 \(conv2d\): required input 'filter' is missing"),
        (lambda s: s["operations"][0]["inputs"].update(bias=99), r"operation 0 \(conv2d\): input 'bias' is not an operand id: 99"),
        (lambda s: s["operations"][0]["inputs"].update(bias="2"), r"input 'bias' is not an operand id: '2'"),
        (lambda s: s["operations"][0].update(inputs=[0, 1, 2]), r"inputs must be an object of input name -> operand id"),
        (lambda s: s["operations"][0].update(type="conv3d"), r"operation 0 \(conv3d\): unknown operator 'conv3d'"),
        (lambda s: s["operations"][0].update(outputs=[-1]), r"outputs must be a list of operand ids"),
        (lambda s: s.update(version=1), r"operation 0 \(conv2d\): inputs must be a list"),
        (lambda s: s.update(version=3), r"unsupported format/version 'webnn-graph'/3"),
    ],
)
def test_load_rejects_malformed_operations(ctx, tmp_path, edit, message):
    g, _ = _conv_graph(ctx, bias=True)
    g.save(tmp_path / "g.webnn")
    bad = _rewrite(tmp_path / "g.webnn", tmp_path / "bad.webnn", edit)
    with pytest.raises(webnn.ValidationError, match=message):
        GraphInfo.load(bad)


def test_load_rejects_a_version_1_operation_with_the_wrong_input_count(ctx, tmp_path):
    def edit(s: dict) -> None:
        s["version"] = 1
        s["operations"][0]["inputs"] = [0, 1]

    g, _ = _conv_graph(ctx, bias=True)
    g.save(tmp_path / "g.webnn")
    with pytest.raises(webnn.ValidationError, match=r"conv2d takes 3 inputs \(input, filter, bias\), the operation has 2"):
        GraphInfo.load(_rewrite(tmp_path / "g.webnn", tmp_path / "bad.webnn", edit))
