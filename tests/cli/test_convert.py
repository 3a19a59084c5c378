"""``webnn convert``, and ``webnn run`` on the converted ONNX file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ._util import webnn_cli


@pytest.mark.slow
def test_convert_then_run(files: Path, tmp_path: Path) -> None:
    p = webnn_cli("convert", str(files / "g.webnn"), "--to", "onnx", "-o", str(tmp_path / "g.onnx"))
    assert p.returncode == 0, p.stderr
    assert "wrote" in p.stdout
    import onnx

    onnx.checker.check_model(onnx.load(str(tmp_path / "g.onnx")))
    for model in (files / "g.webnn", tmp_path / "g.onnx"):
        out = tmp_path / f"out-{model.suffix[1:]}"
        p = webnn_cli("run", str(model), "--backend", "onnxruntime", "--input", f"x={files / 'x.npy'}", "-i", f"y={files / 'y.npy'}", "--output-dir", str(out))
        assert p.returncode == 0, p.stderr
        assert "backend: onnxruntime" in p.stdout and "output sum: float32[2, 3]" in p.stdout and "time:" in p.stdout
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        np.testing.assert_array_equal(np.load(out / "sum.npy"), x + 1)
        np.testing.assert_array_equal(np.load(out / "scaled.npy"), x * 2)


def test_convert_to_coreml_writes_a_package_coremltools_opens(files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ct = pytest.importorskip("coremltools", reason='the CoreML converter needs coremltools (pip install "webnn[coreml]")')
    from webnn import cli

    out = tmp_path / "g.mlpackage"
    assert cli.main(["convert", str(files / "g.webnn"), "--to", "coreml", "-o", str(out), "--json", "--quiet"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["format"] == "coreml" and r["files"][0]["path"] == str(out) and r["files"][0]["bytes"] > 0
    assert out.is_dir() and (out / "Manifest.json").is_file()
    model = ct.models.MLModel(str(out), skip_model_load=True)  # a directory package, as Xcode opens it
    spec = model.get_spec()
    assert spec.WhichOneof("Type") == "mlProgram"
    assert sorted(i.name for i in spec.description.input) == ["x", "y"]
    assert sorted(o.name for o in spec.description.output) == ["scaled", "sum"]
    # converting again replaces the package; a path that is not a package is refused, never replaced
    assert cli.main(["convert", str(files / "g.webnn"), "--to", "coreml", "-o", str(out), "--quiet"]) == 0
    precious = tmp_path / "precious.mlpackage"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    assert cli.main(["convert", str(files / "g.webnn"), "--to", "coreml", "-o", str(precious), "--quiet"]) == 2
    assert (precious / "notes.txt").read_text() == "mine"
    assert cli.main(["convert", str(files / "g.webnn"), "--to", "coreml", "-o", str(tmp_path / "g.zip"), "--quiet"]) == 2


def test_onnx_converts_through_the_importer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An ONNX file with a symbolic batch becomes a saved graph and webnn-graph text (static shapes), and they run."""
    import onnx
    from onnx import TensorProto, helper

    from webnn import cli

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])
    model = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]), opset_imports=[helper.make_opsetid("", 17)])
    src = tmp_path / "m.onnx"
    onnx.save(model, str(src))
    assert cli.main(["convert", str(src), "--to", "webnn", "-o", str(tmp_path / "m.webnn"), "--quiet"]) == 2  # batch is symbolic
    assert "--dim batch=N" in capsys.readouterr().err
    assert cli.main(["convert", str(src), "--to", "webnn", "-o", str(tmp_path / "m.webnn"), "--dim", "batch=2", "--quiet"]) == 0
    assert cli.main(["convert", str(src), "--to", "webnn-graph", "-o", str(tmp_path / "m.txt"), "--input-shape", "x=4,3", "--quiet"]) == 0
    capsys.readouterr()
    assert "x: f32[4, 3]" in (tmp_path / "m.txt").read_text()
    np.save(tmp_path / "x.npy", np.array([[-1, 2, -3], [4, -5, 6]], np.float32))
    assert cli.main(["run", str(tmp_path / "m.webnn"), "-i", f"x={tmp_path / 'x.npy'}", "--json", "--quiet"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["outputs"]["y"]["shape"] == [2, 3] and r["outputs"]["y"]["min"] == 0 and r["outputs"]["y"]["max"] == 6


@pytest.mark.parametrize("command, out", [("convert", "x.onnx"), ("show", "x.svg")])
def test_output_into_a_missing_directory_is_a_user_error(command: str, out: str, files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from webnn import cli

    target = tmp_path / "missing" / out
    extra = ["--to", "onnx"] if command == "convert" else []
    assert cli.main([command, str(files / "g.webnn"), *extra, "-o", str(target), "--quiet"]) == 2
    assert f"-o {target}: {target.parent}: no such directory" in capsys.readouterr().err
    assert not target.parent.exists()
