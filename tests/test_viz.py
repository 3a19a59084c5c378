"""webnn.viz: what the pictures and summaries say about a graph, and where it runs.

The "refusing" backend registered here is ONNX Runtime that raises UnsupportedError for any
graph with a ``pow`` (as an accelerator refuses an op it lacks), so the context falls back
for real and the picture must say what fell back and why.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn import backends, viz
from webnn.backends import BackendSpec
from webnn.backends.onnxruntime import OnnxRuntimeBackend
from webnn.errors import UnsupportedError

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it)")


class RefusingBackend(OnnxRuntimeBackend):
    name = "refusing"

    def compile(self, info: webnn.GraphInfo):
        if any(op.type == "pow" for op in info.operations):
            raise UnsupportedError("op pow: this backend has no pow")
        return super().compile(info)


@pytest.fixture()
def refusing(monkeypatch: pytest.MonkeyPatch) -> webnn.MLContext:
    spec = BackendSpec("refusing", f"{__name__}:RefusingBackend", "refusing ONNX Runtime", "onnxruntime", "onnxruntime", "pip install onnxruntime")
    monkeypatch.setitem(backends.BACKENDS, "refusing", spec)
    return webnn.MLContext(backend="refusing")


def build(ctx: webnn.MLContext) -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 3, 8, 8], "float32")
    w = b.constant(np.ones((4, 3, 3, 3), np.float32))
    y = b.relu(b.conv2d(x, w, padding=[1, 1, 1, 1]))
    z = b.pow(y, b.constant(np.float32(2.0)))
    return b.build({"y": y, "z": z})


def test_repr_is_short_and_html_is_a_summary_table() -> None:
    g = build(webnn.MLContext(accelerated=False))
    for obj, kind in ((g, "MLGraph"), (g.info, "GraphInfo")):
        r = repr(obj)
        assert r.startswith(f"<{kind} (x: float32[1, 3, 8, 8]) -> (y: float32[1, 4, 8, 8], z: float32[1, 4, 8, 8]): 3 operations, 2 constants")
        assert len(r) < 200
        h = obj._repr_html_()
        assert h.startswith('<table class="webnn-summary">') and '<span class="webnn-op-count">3</span>' in h
        assert "conv2d &times;1" in h and "2 (436 B)" in h  # the filter's 432 bytes and the exponent's 4
    assert "runs on" in g._repr_html_() and "runs on" not in g.info._repr_html_()


def test_dot_has_ops_with_shapes_inputs_constants_outputs() -> None:
    g = build(webnn.MLContext(accelerated=False))
    src = viz.to_dot(g.info, title="t").source
    for text in ("conv2d", "relu", "pow", "input x", "output y", "output z", "constant float32[4, 3, 3, 3]", "432 B", "= 2",
                 "-> float32[1, 4, 8, 8]", "padding=[1,1,1,1]"):
        assert text in src, text
    assert src.count("-> float32[1, 4, 8, 8]") == 3
    assert "constant" not in viz.to_dot(g.info, constants=False).source


def test_fallback_is_shown_with_its_reason(refusing: webnn.MLContext, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", webnn.FallbackWarning)
        g = build(refusing)
    assert g.backend == "onnxruntime" and "no pow" in g.fallback_reason
    s = viz.summary(g)
    assert (s["backend"], s["context_backend"]) == ("onnxruntime", "refusing")
    src = viz.to_dot(g).source
    assert "fell back from refusing" in src and "this backend has no pow" in src
    pow_node = next(line for line in src.splitlines() if "label=pow" in line or 'label="pow' in line)
    assert viz._FAILED_COLOR in pow_node
    conv_node = next(line for line in src.splitlines() if 'label="conv2d' in line)
    assert viz._FAILED_COLOR not in conv_node
    page = tmp_path / "g.html"
    viz.render(g, page)
    text = page.read_text()
    assert "fell back" in text and "this backend has no pow" in text and '<tr class="failed"><td>2</td><td>pow</td>' in text


def test_html_without_dot_keeps_summary_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH: graphviz cannot run it
    g = build(webnn.MLContext(accelerated=False))
    r = viz.render(g, tmp_path / "g.html")
    assert r["drawing"] is False
    text = (tmp_path / "g.html").read_text()
    assert "<svg" not in text and "No drawing" in text and "apt-get install graphviz" in text
    assert '<span id="webnn-op-count">3</span> operations' in text
    with pytest.raises(viz.DotUnavailable, match="needs Graphviz's `dot`"):
        viz.render(g, tmp_path / "g.svg")
    viz.render(g, tmp_path / "g.dot")  # the description itself needs no dot
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


@needs_dot
def test_svg_is_drawn(tmp_path: Path) -> None:
    g = build(webnn.MLContext(accelerated=False))
    r = viz.render(g, tmp_path / "g.svg")
    svg = (tmp_path / "g.svg").read_text()
    assert r["drawing"] and "<svg" in svg and "conv2d" in svg and "float32[1, 4, 8, 8]" in svg
