"""The webnn-graph text format: files written by the public PyTorch exporter, round trips of
every conformance graph, content sniffing, and the reader's errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn import webnn_graph as wg

DATA = Path(__file__).parent / "data" / "torch2webnn"
SOURCE = json.loads((DATA / "SOURCE.json").read_text())
CASES = sorted(c for c in SOURCE["cases"] if c != "pointwise_math")


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(backend="onnxruntime")


@pytest.mark.parametrize("case", CASES)
def test_torch2webnn_exported_graph(case: str, ctx: webnn.MLContext) -> None:
    d = DATA / case
    graph = webnn.load_graph(d / "model.webnn", ctx)  # text, told from the .webnn zip by content
    doc = wg.parse((d / "model.webnn").read_text())
    names = [n for n, *_ in doc.inputs]
    feeds = {n: np.load(d / f"input_{i}.npy") for i, n in enumerate(names)}
    out = ctx.compute(graph, feeds)
    for i, (name, _) in enumerate(doc.outputs):
        np.testing.assert_allclose(out[name], np.load(d / f"expected_{i}.npy"), rtol=1e-5, atol=1e-5)


def test_torch2webnn_mistyped_constant_is_refused(ctx: webnn.MLContext) -> None:
    # The exporter writes "x + 1" with a float x as add(x, <i32 scalar>): WebNN rejects mixed types.
    with pytest.raises(webnn.ValidationError, match=r"line \d+: add: argument 'b': data type int32 must match a's data type float32"):
        webnn.load_graph(DATA / "pointwise_math" / "model.webnn", ctx)


def _conformance_infos():
    from tests.conformance.harness import DATA as CDATA
    from tests.conformance.harness import all_case_ids, load_cases

    for op_file, index, name in all_case_ids(CDATA):
        yield name, load_cases(op_file, CDATA)[index]


def _info(case: dict, ctx: webnn.MLContext) -> webnn.GraphInfo:
    """A conformance case's graph as IR (the harness's steps without compiling)."""
    from tests.conformance import harness

    captured = {}

    def fake_create(context, info):
        captured["info"] = info
        raise _Stop

    orig = webnn.MLGraph._create
    webnn.MLGraph._create = classmethod(lambda cls, context, info: fake_create(context, info))
    try:
        harness.build_case(case, ctx)
    except _Stop:
        pass
    finally:
        webnn.MLGraph._create = orig
    return captured["info"]


class _Stop(Exception):
    pass


def test_every_conformance_graph_round_trips(ctx: webnn.MLContext) -> None:
    count = skipped = 0
    for name, case in _conformance_infos():
        try:
            info = _info(case, ctx)
        except (webnn.ValidationError, KeyError):
            continue  # a case that expects a validation error builds no graph
        try:
            text, weights = wg.dumps(info, name="case")
        except webnn.ValidationError as e:
            assert "has no literal in the format" in str(e) or "is not an identifier" in str(e), f"{name}: {e}"
            skipped += 1
            continue
        wg.parse(text, strict=True)  # the published grammar accepts what is written
        back = wg.read_info(text, weights, context=ctx)
        assert back.content_hash() == info.content_hash(), f"{name}: the graph changed in a round trip\n{text}"
        count += 1
    assert count > 900, (count, skipped)  # the WPT-derived graphs (cases expecting errors build none)
    assert skipped < 10, skipped  # graphs holding a non-finite option value, which the format cannot write


def test_save_and_load_graph_both_formats(tmp_path: Path, ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3], "float32")
    w = b.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    y = b.relu(b.matmul(x, w))
    graph = b.build({"y": y, "x_again": b.identity(x)})
    feed = {"x": np.random.default_rng(1).random((2, 3)).astype(np.float32)}
    expected = ctx.compute(graph, feed)
    for fmt, fname in (("webnn", "a.webnn"), ("webnn-graph", "b.webnn"), ("webnn-graph", "c.txt")):
        graph.save(tmp_path / fname, format=fmt)
        loaded = webnn.load_graph(tmp_path / fname, ctx)
        assert loaded.info.content_hash() == graph.info.content_hash()
        got = ctx.compute(loaded, feed)
        for k in expected:
            np.testing.assert_array_equal(got[k], expected[k])
    assert (tmp_path / "b.safetensors").is_file() and (tmp_path / "c.safetensors").is_file()
    graph.save(tmp_path / "b.webnn", format="webnn-graph")  # its own weights file: replaced
    (tmp_path / "e.safetensors").write_bytes(b"someone else's")
    with pytest.raises(webnn.ValidationError, match="e.safetensors exists and was not written by webnn"):
        graph.save(tmp_path / "e.webnn", format="webnn-graph")
    assert (tmp_path / "e.safetensors").read_bytes() == b"someone else's"
    assert (tmp_path / "b.webnn").read_text().startswith('webnn_graph "b" v1 {')
    with pytest.raises(webnn.ValidationError, match="format must be"):
        graph.save(tmp_path / "d", format="onnx")


GRAPH = """# a comment
webnn_graph "t" v1 {
  inputs { x: f32[2, 2]; }
  consts {
    s: f32[2, 2] @scalar(0.5);
    b: i32[2] @bytes([1, 0, 0, 0, 255, 255, 255, 255]);
  }
  nodes {
    y = mul(x, s);
    [z] = cast(b, type=f32);
    w = add(y, z);
    alias = w;
  }
  outputs { alias; x; }
}
"""


def test_reader_scalars_bytes_aliases_and_input_outputs(ctx: webnn.MLContext) -> None:
    graph = wg.loads(GRAPH, ctx)
    x = np.array([[1, 2], [3, 4]], np.float32)
    out = ctx.compute(graph, {"x": x})
    np.testing.assert_array_equal(out["alias"], x * 0.5 + np.array([1, -1], np.float32))
    np.testing.assert_array_equal(out["x"], x)


@pytest.mark.parametrize(
    "text,match",
    [
        (GRAPH.replace("y = mul(x, s)", "y = mul(x, q)"), r"line 9: mul: 'q' is not defined before this line"),
        (GRAPH.replace("mul(x, s)", "frobnicate(x, s)"), r"unknown operator 'frobnicate'"),
        (GRAPH.replace("v1", "v3"), r"version v3 is not supported"),
        (GRAPH.replace("x: f32[2, 2]", "x: i4[2, 2]"), r"i4 \(int4\) is not supported"),
        (GRAPH.replace("x: f32[2, 2]", 'x: f32[dyn("batch", 8), 2]'), r"dimension 0 is dynamic \('batch', at most 8\)"),
        (GRAPH.replace("w = add", "y = add"), r"'y' is defined twice"),
        (GRAPH.replace("@bytes([1, 0, 0, 0, 255, 255, 255, 255])", "@bytes([1, 2])"), r"@bytes has 2 bytes, int32\[2\] needs 8"),
        (GRAPH.replace("outputs { alias; x; }", "outputs { nothing; }"), r"output 'nothing' is not defined"),
        (GRAPH.replace("mul(x, s);", "mul(x, s)"), r"expected ';'"),
        (GRAPH.replace("y = mul(x, s);", "y = 3;"), r"is assigned a literal"),
        ("webnn_graph \"t\" v1 {\n inputs { x: f32[2]; }\n nodes { y = softmax(x, axis=3); }\n outputs { y; } }", r"line 3: softmax: argument 'axis'"),
        (GRAPH.replace("s: f32[2, 2] @scalar(0.5)", "s: f32[100000, 100000] @scalar(0.5)"), r"larger than maxTensorByteLength"),
        (GRAPH.replace("axis", "axis").replace("type=f32", "type=" + "[" * 40 + "]" * 40), r"nested more than 32 levels"),
    ],
)
def test_reader_errors(text: str, match: str, ctx: webnn.MLContext) -> None:
    with pytest.raises(webnn.ValidationError, match=match):
        wg.loads(text, ctx)


def test_dynamic_dimensions_fixed_by_dims(ctx: webnn.MLContext) -> None:
    text = GRAPH.replace("x: f32[2, 2]", 'x: f32[dyn("batch", 8), 2]')
    assert wg.read_info(text, dims={"batch": 2}, context=ctx).input_descriptors()["x"].shape == (2, 2)


def test_weights_next_to_the_file(tmp_path: Path, ctx: webnn.MLContext) -> None:
    from safetensors.numpy import save_file

    (tmp_path / "g.webnn").write_text(
        'webnn_graph "g" v1 { inputs { x: f32[3]; } consts { w: f32[3] @weights("layer_weight"); }'
        " nodes { y = add(x, w); } outputs { y; } }"
    )
    with pytest.raises(webnn.ValidationError, match="no g.safetensors, model.safetensors or .weights file"):
        webnn.load_graph(tmp_path / "g.webnn", ctx)
    save_file({"layer.weight": np.ones(3, np.float32)}, str(tmp_path / "model.safetensors"))  # found by its sanitized key
    g = webnn.load_graph(tmp_path / "g.webnn", ctx)
    np.testing.assert_array_equal(ctx.compute(g, {"x": np.zeros(3, np.float32)})["y"], np.ones(3, np.float32))
    save_file({"layer_weight": np.ones(4, np.float32)}, str(tmp_path / "g.safetensors"))
    with pytest.raises(webnn.ValidationError, match=r"weights 'layer_weight' have shape \[4\], the graph declares \[3\]"):
        webnn.load_graph(tmp_path / "g.webnn", ctx)


def test_writer_refuses_what_the_format_cannot_hold(ctx: webnn.MLContext) -> None:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x:0", [2], "float32")
    g = b.build({"y": b.relu(x)})
    with pytest.raises(webnn.ValidationError, match=r"input name 'x:0' is not an identifier"):
        wg.dumps(g.info)


def test_bf16_safetensors_widen_to_float32(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    t = torch.tensor([1.5, -2.25, 3.0e38], dtype=torch.bfloat16)
    save_file({"w": t, "i": torch.arange(3)}, str(tmp_path / "w.safetensors"))
    got = wg.read_safetensors(tmp_path / "w.safetensors")
    np.testing.assert_array_equal(got["w"], t.float().numpy())
    np.testing.assert_array_equal(got["i"], np.arange(3))
