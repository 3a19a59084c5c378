"""``webnn run``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ._util import webnn_cli


@pytest.mark.slow
def test_run_zeros_and_npz(files: Path, tmp_path: Path) -> None:
    p = webnn_cli("run", str(files / "g.webnn"), "-i", f"x={files / 'x.npy'}", "--zeros", "-d", str(tmp_path))
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sum.npy"), np.arange(6).reshape(2, 3))
    np.savez(tmp_path / "in.npz", x=np.ones((2, 3), np.float32), y=np.ones((2, 3), np.float32))
    p = webnn_cli("run", str(files / "g.webnn"), "-i", str(tmp_path / "in.npz"), "-d", str(tmp_path))
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sum.npy"), np.full((2, 3), 2))


@pytest.mark.slow
def test_onnx_on_simulated_trtx_is_labelled(files: Path, onnx_file: Path, tmp_path: Path) -> None:
    """An ONNX file on the TensorRT-RTX executor: the label says what ran, whichever way simulation was asked for."""
    pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')
    ins = ["-i", f"x={files / 'x.npy'}", "-i", f"y={files / 'y.npy'}"]
    cache = {"WEBNN_CACHE_DIR": str(tmp_path / "cache")}
    runs = {
        "flag": (["-b", "trtx", "--simulate"], cache),
        "env": ([], {**cache, "WEBNN_BACKEND": "trtx", "WEBNN_TRTX_SIMULATE": "1"}),
    }
    for how, (extra, env) in runs.items():
        out = tmp_path / how
        p = webnn_cli("run", str(onnx_file), *extra, *ins, "-d", str(out), env=env)
        assert p.returncode == 0, p.stderr
        assert "backend: trtx (simulated)" in p.stdout, (how, p.stdout)
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        np.testing.assert_array_equal(np.load(out / "sum.npy"), x + 1)
        np.testing.assert_array_equal(np.load(out / "scaled.npy"), x * 2)


def test_onnx_runs_through_the_importer_unless_executor(files: Path, onnx_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from webnn import cli

    ins = ["-i", f"x={files / 'x.npy'}", "-i", f"y={files / 'y.npy'}", "--json", "--quiet"]
    results = {}
    for how in ([], ["--executor"]):
        assert cli.main(["run", str(onnx_file), "-b", "onnxruntime", *how, *ins]) == 0
        results[bool(how)] = json.loads(capsys.readouterr().out)
    assert results[False]["time_includes"] == "first run after build"  # an MLGraph built from the import
    assert results[True]["time_includes"].startswith("first run, includes loading the model")  # the executor
    assert results[False]["outputs"] == results[True]["outputs"]
    assert results[False]["outputs"]["sum"]["max"] == 6.0  # x = 0..5, y = 1
    # flags that only mean something for one of the two ways are refused for the other
    assert cli.main(["run", str(onnx_file), "--executor", "--dim", "batch=1", "--zeros"]) == 2
    assert "--input-shape and --dim fix shapes for the importer" in capsys.readouterr().err
    assert cli.main(["run", str(files / "g.webnn"), "--executor", "--zeros"]) == 2
    assert "--executor runs ONNX files as they are" in capsys.readouterr().err
    for bad in (["--dim", "batch"], ["--dim", "batch=x"], ["--input-shape", "x"], ["--input-shape", "x=1,a"]):
        assert cli.main(["run", str(onnx_file), "--zeros", *bad]) == 2
        assert bad[0] in capsys.readouterr().err


def test_unsupported_onnx_nodes_are_listed_whole(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [4])
    m = helper.make_tensor_value_info("m", TensorProto.FLOAT, [3, 3])
    nz = helper.make_tensor_value_info("nz", TensorProto.INT64, None)
    d = helper.make_tensor_value_info("d", TensorProto.FLOAT, [])
    nodes = [helper.make_node("NonZero", ["a"], ["nz"], name="find"), helper.make_node("Det", ["m"], ["d"], name="det")]
    model = helper.make_model(helper.make_graph(nodes, "g", [a, m], [nz, d]), opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(tmp_path / "bad.onnx"))
    p = webnn_cli("run", str(tmp_path / "bad.onnx"), "--zeros")
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("webnn: error:"))
    assert "2 node(s) cannot be expressed in WebNN" in lines[head]
    assert lines[head + 1].strip().startswith("NonZero 'find':") and lines[head + 2].strip().startswith("Det 'det':")
