"""No valid graph can crash the user's process (builds run in a worker process; worker.py).

Every scenario runs in a child interpreter, so a crash that escapes the guard fails the test
(a non-zero exit status, e.g. -11 for SIGSEGV) instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

pytestmark = pytest.mark.slow  # each test starts an interpreter and builds: seconds

SRC = str(Path(__file__).resolve().parents[3] / "src")

#: ONNX of ``relu(tile(x[], []))`` (TensorRT-RTX 1.7's builder segfaults on it unless legalized).
TILE_RELU = """
from onnx import TensorProto, helper
def tile_relu(dt=TensorProto.FLOAT):
    nodes = [helper.make_node("Tile", ["x", "r"], ["t"], name="tile_0"), helper.make_node("Relu", ["t"], ["y"], name="relu_0")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", dt, [])], [helper.make_tensor_value_info("y", dt, [])],
                          initializer=[helper.make_tensor("r", TensorProto.INT64, [0], [])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
"""


def run_child(code: str, tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC, WEBNN_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("WEBNN_TRTX_BUILD_WORKER", None)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=tmp_path)


def ok(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 0, f"the child process exited with {p.returncode}\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-3000:]}"
    return p.stdout


def test_the_reproducers_build_and_run_on_an_engine(tmp_path: Path) -> None:
    """``b.relu(b.tile(b.input("x", [], "float32"), []))`` and the float16 ``tile`` alone: legalized, they build."""
    out = ok(run_child(
        """
        import numpy as np, webnn
        ctx = webnn.MLContext(backend="trtx", simulate=True, strict=True, progress=False)
        b = webnn.MLGraphBuilder(ctx)
        g = b.build({"y": b.relu(b.tile(b.input("x", webnn.MLOperandDescriptor("float32", [])), []))})
        assert g.backend == "trtx" and g.simulated, g.backend
        print("f32", ctx.compute(g, {"x": np.array(-2.5, np.float32)})["y"].tolist(), ctx.compute(g, {"x": np.array(3.0, np.float32)})["y"].tolist())
        b = webnn.MLGraphBuilder(ctx)
        g = b.build({"y": b.tile(b.input("x", webnn.MLOperandDescriptor("float16", [])), [])})
        assert g.backend == "trtx", g.backend
        y = ctx.compute(g, {"x": np.array(1.5, np.float16)})["y"]
        print("f16", y.dtype, y.shape, y.tolist())
        """,
        tmp_path,
    ))
    assert "f32 0.0 3.0" in out
    assert "f16 float16 () 1.5" in out


def test_a_crash_in_the_library_becomes_trtx_runtime_failed_naming_the_node(tmp_path: Path) -> None:
    """The unlegalized crasher straight into the builder: the worker dies, the caller gets an error naming
    the node; the worker is started again for the next build, which succeeds."""
    out = ok(run_child(
        TILE_RELU + """
from webnn.backends.trtx import worker
from webnn.backends.trtx.options import BuildOptions
from webnn.errors import TrtxRuntimeFailed
w = worker.worker()
try:
    worker.build(tile_relu(), BuildOptions(), label="crasher", progress=False)
    print("NO CRASH")
except TrtxRuntimeFailed as e:
    print("ERROR", e)
first = w.pid
from onnx import TensorProto, helper
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
built = worker.build(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString(), BuildOptions(), label="next", progress=False)
print("NEXT", len(built.engine) > 0, w.pid is not None and w.pid == first)
""",
        tmp_path,
    ))
    if "NO CRASH" in out:
        pytest.skip("this TensorRT-RTX build no longer crashes on the unlegalized reproducer (nothing left to guard against here)")
    assert "ERROR TensorRT-RTX crashed (killed by SIGSEGV) while building crasher" in out
    assert "ends at node 'relu_0' (Relu, reading tile_0(Tile))" in out
    assert "NEXT True True" in out  # the restarted worker serves later builds


def test_a_crash_under_mlcontext_falls_back_with_a_warning(tmp_path: Path) -> None:
    """With the crasher's rewrite switched off, MLContext turns the crash into a FallbackWarning naming the
    op and computes on ONNX Runtime; strict=True raises TrtxRuntimeFailed instead. The process lives on."""
    out = ok(run_child(
        """
        import warnings, numpy as np, webnn
        from webnn.backends.trtx import engines
        engines.legalize = lambda m: (m, [])  # what the build would see without legalization
        def graph(ctx):
            b = webnn.MLGraphBuilder(ctx)
            return b.build({"y": b.relu(b.tile(b.input("x", webnn.MLOperandDescriptor("float32", [])), []))})
        ctx = webnn.MLContext(backend="trtx", simulate=True, progress=False)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            g = graph(ctx)
        print("BACKEND", g.backend, ctx.compute(g, {"x": np.array(-1.0, np.float32)})["y"].tolist())
        print("WARNINGS", [str(x.message) for x in w if issubclass(x.category, webnn.FallbackWarning)])
        try:
            graph(webnn.MLContext(backend="trtx", simulate=True, strict=True, progress=False))
        except webnn.TrtxRuntimeFailed as e:
            print("STRICT", e)
        """,
        tmp_path,
    ))
    if "killed by" not in out:
        pytest.skip("this TensorRT-RTX build no longer crashes on the unlegalized reproducer")
    assert "BACKEND onnxruntime 0.0" in out
    assert "Relu" in out.split("WARNINGS", 1)[1].splitlines()[0]
    assert "STRICT" in out and "killed by SIGSEGV" in out.split("STRICT", 1)[1]


def test_webnn_run_on_the_reproducer_does_not_crash(tmp_path: Path) -> None:
    (tmp_path / "make.py").write_text(TILE_RELU + "\nimport sys\nopen(sys.argv[1], 'wb').write(tile_relu())\n")
    env = dict(os.environ, PYTHONPATH=SRC, WEBNN_CACHE_DIR=str(tmp_path / "cache"))
    subprocess.run([sys.executable, str(tmp_path / "make.py"), str(tmp_path / "m.onnx")], check=True, env=env)
    p = subprocess.run(
        [sys.executable, "-m", "webnn", "run", str(tmp_path / "m.onnx"), "--backend", "trtx", "--simulate", "--zeros"],
        capture_output=True, text=True, env=env, timeout=240,
    )
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert "trtx" in p.stdout and "output y" in p.stdout


def test_a_cache_hit_does_not_start_the_worker(tmp_path: Path) -> None:
    code = """
        import sys, webnn
        from webnn.backends.trtx import worker
        ctx = webnn.MLContext(backend="trtx", simulate=True, strict=True, progress=False)
        b = webnn.MLGraphBuilder(ctx)
        g = b.build({"y": b.relu(b.input("x", webnn.MLOperandDescriptor("float32", [4])))})
        print("STARTS", worker.worker().starts)
        """
    assert "STARTS 1" in ok(run_child(code, tmp_path))  # cold: the build starts the worker
    assert "STARTS 0" in ok(run_child(code, tmp_path))  # the same graph from the cache: no worker at all
