"""The ahead-of-time phase on CPU with the real TensorRT-RTX library: parse, build, options, errors."""

from __future__ import annotations

import logging

import numpy as np
import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

import webnn
from webnn.backends.trtx.engines import get_engine
from webnn.backends.trtx.loaders import build_engine, inspect_onnx, network_from_onnx
from webnn.backends.trtx.options import BuildOptions, Profile, default_profile
from webnn.errors import GraphError, TrtxRuntimeFailed, ValidationError

from . import models
from .conftest import LIGHT_MODELS, light_model


def test_all_light_models_are_present() -> None:
    assert len(LIGHT_MODELS) == 9, LIGHT_MODELS


@pytest.mark.parametrize("name", LIGHT_MODELS)
@pytest.mark.slow
def test_light_model_builds(light_engines: dict, name: str) -> None:
    rec = light_engines[name]
    assert rec.engine[:4] == b"vtrt", "a serialized TensorRT-RTX engine"
    assert len(rec.engine) > 10_000
    info = inspect_onnx(light_model(name))
    assert [s.name for s in rec.inputs] == [s.name for s in info.inputs]
    assert [s.name for s in rec.outputs] == [s.name for s in info.outputs]
    assert rec.meta["build_seconds"] > 0


def test_webnn_graph_builds(tmp_path) -> None:
    from webnn.converters import default_registry

    ctx = webnn.MLContext(accelerated=False)
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", webnn.MLOperandDescriptor("float32", [4, 8]))
    w = b.constant(np.arange(32, dtype=np.float32).reshape(4, 8))
    y = b.add(b.mul(x, w), b.max(x, w))
    g = b.build({"y": y})
    rec = get_engine(default_registry().convert(g.info, "onnx").data, progress=False)
    assert [(s.name, s.dtype, s.shape) for s in rec.outputs] == [("y", "float32", (4, 8))]


def test_parser_failure_lists_node_and_op() -> None:
    with pytest.raises(TrtxRuntimeFailed) as e:
        get_engine(models.unsupported_op(), progress=False)
    msg = str(e.value)
    assert msg.splitlines()[0] == "TensorRT-RTX's ONNX parser rejected the model: node 'dedupe' (Unique): checkUnique rejected the node [UNSUPPORTED_NODE]"
    assert isinstance(e.value, GraphError) and isinstance(e.value, webnn.TrtxRuntimeFailed)


def test_unsupported_input_type_names_the_input() -> None:
    from onnx import TensorProto, helper

    g = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["y"], name="add_u32")],
        "u",
        [helper.make_tensor_value_info(n, TensorProto.UINT16, [3]) for n in "ab"],
        [helper.make_tensor_value_info("y", TensorProto.UINT16, [3])],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    with pytest.raises(TrtxRuntimeFailed, match=r"rejected the model: graph input 'a'.*\(and 1 more error\)\n.*graph input 'a'.*\n.*graph input 'b'"):
        get_engine(m, progress=False)


def test_not_onnx() -> None:
    with pytest.raises(TrtxRuntimeFailed, match="not an ONNX model"):
        get_engine(b"\x00\x01garbage", progress=False)


def test_dynamic_input_gets_default_profile() -> None:
    rec = get_engine(models.dynamic_matmul(), progress=False)
    assert rec.options.profiles[0].get("x") == ((1, 8), (1, 8), (64, 8))
    assert [s.shape for s in rec.inputs] == [(-1, 8)]
    assert rec.covers({"x": (64, 8)}) and not rec.covers({"x": (65, 8)}) and not rec.covers({"x": (4, 9)})


def test_explicit_profile_and_its_checks() -> None:
    p = Profile({"x": ([2, 8], [16, 8], [128, 8])})
    rec = get_engine(models.dynamic_matmul(), BuildOptions(profiles=(p,)), progress=False)
    assert rec.covers({"x": (128, 8)}) and not rec.covers({"x": (1, 8)})
    with pytest.raises(TrtxRuntimeFailed, match="has no input 'nope'"):
        get_engine(models.dynamic_matmul(), BuildOptions(profiles=(Profile({"x": [1, 8], "nope": [1]}),)), progress=False)
    with pytest.raises(TrtxRuntimeFailed, match="do not fit its shape"):
        get_engine(models.dynamic_matmul(), BuildOptions(profiles=(Profile({"x": ([1, 9], [1, 9], [2, 9])}),)), progress=False)


def test_profile_and_option_validation() -> None:
    with pytest.raises(ValidationError, match="min <= opt <= max"):
        Profile({"x": ([4], [2], [8])})
    with pytest.raises(ValidationError, match="ranks differ"):
        Profile({"x": ([4], [4, 1], [8])})
    with pytest.raises(ValidationError, match="unknown compute capability"):
        BuildOptions(compute_capabilities=("SM90",))
    with pytest.raises(ValidationError, match="cannot be combined"):
        BuildOptions(compute_capabilities=("current", "SM86"))
    with pytest.raises(ValidationError, match="workspace"):
        BuildOptions(workspace=0)
    with pytest.raises(ValidationError, match="fixes it to 8"):
        default_profile({"x": (-1, 8)}, {"x": (3, 9)})
    assert Profile({"x": {"min": [1], "opt": [2], "max": [3]}}) == Profile({"x": ([1], [2], [3])})


def test_compute_capabilities_and_workspace_build(tmp_path) -> None:
    rec = get_engine(models.tiny(), BuildOptions(compute_capabilities=("SM86", "SM120"), workspace=32 << 20, optimization_level=2), progress=False)
    assert rec.meta["options"]["compute_capabilities"] == ["SM86", "SM120"]
    turing = get_engine(models.tiny(), BuildOptions(compute_capabilities=("SM75",)), progress=False)
    assert turing.engine != rec.engine


@pytest.mark.slow
def test_build_needs_no_gpu_and_reports_progress(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import webnn.backends.trtx.progress as progress

    made = []
    real = progress.make_monitor

    def spy(label, mode, delay=1.0, stream=None):
        m = real(label, mode, delay=0.0, stream=stream)
        made.append(m)
        return m

    monkeypatch.setattr("webnn.backends.trtx.loaders.make_monitor", spy)
    caplog.set_level(logging.INFO, logger="webnn.trtx")
    parsed = network_from_onnx(light_model("squeezenet"))
    data, seconds = build_engine(parsed, BuildOptions(), label="squeezenet", progress=True)
    assert data and seconds > 0
    (m,) = made
    starts = [p for e, p in m.events if e == "start"]
    assert "Building engine" in starts and len(starts) >= 3
    assert [p for e, p in m.events if e == "finish"][-1] == "Building engine"
    assert any("trtx build squeezenet: Building engine started" in r.getMessage() for r in caplog.records)


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import webnn.backends.trtx.progress as progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    monkeypatch.setattr("sys.stderr", out)
    assert progress.progress_mode(None) == "bar"
    monkeypatch.setenv("WEBNN_TRTX_PROGRESS", "0")
    assert progress.progress_mode(None) == "off"
    monkeypatch.delenv("WEBNN_TRTX_PROGRESS")
    m = progress.make_monitor("demo", "bar", delay=0.0, stream=out)
    m.phase_start("Building engine", None, 2)
    m.phase_start("Timing", "Building engine", 4)
    m._last_draw = 0
    m.step_complete("Timing", 1)
    m.phase_finish("Timing")
    m._last_draw = 0
    m.step_complete("Building engine", 0)
    m.phase_finish("Building engine")
    text = out.getvalue()
    assert "\r[webnn trtx] building demo [" in text and "built demo in" in text and text.endswith("\n")
