"""The ``webnn`` command line, end to end through ``python -m webnn`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import webnn

SRC = str(Path(__file__).resolve().parents[1] / "src")


def webnn_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("WEBNN_BACKEND", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "webnn", *args], capture_output=True, text=True, cwd=cwd, env=e, timeout=120)


def one_line_error(p: subprocess.CompletedProcess, rc: int, *words: str) -> None:
    assert p.returncode == rc, (p.returncode, p.stdout, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("webnn: error")]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    ctx = webnn.MLContext(accelerated=False)
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 3])
    y = b.input("y", [2, 3])
    g = b.build({"sum": b.add(x, y), "scaled": b.mul(x, b.constant(np.full((2, 3), 2, np.float32)))})
    g.save(d / "g.webnn")
    np.save(d / "x.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
    np.save(d / "y.npy", np.ones((2, 3), np.float32))
    np.save(d / "x64.npy", np.ones((2, 3)))
    return d


def test_help_and_version() -> None:
    p = webnn_cli("--help")
    assert p.returncode == 0
    for cmd in ("info", "convert", "run", "bench", "cache", "demo"):
        assert cmd in p.stdout
    p = webnn_cli("run", "--help")
    assert p.returncode == 0 and "--input" in p.stdout and "--output-dir" in p.stdout
    p = webnn_cli("--version")
    assert p.returncode == 0 and webnn.__version__ in p.stdout


def test_info_json(tmp_path: Path) -> None:
    p = webnn_cli("info", "--json", env={"WEBNN_CACHE_DIR": str(tmp_path / "c")})
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert set(info["backends"]) >= {"onnxruntime", "trtx", "coreml"}
    assert info["backends"]["onnxruntime"]["usable"] and info["backends"]["onnxruntime"]["version"]
    assert set(info["selection"]) == {"accelerated=False", "default", "high-performance", "low-power"}
    assert info["selection"]["accelerated=False"]["backend"] == "onnxruntime"
    assert "gpus" in info["gpus"] and info["cache"]["dir"] == str(tmp_path / "c")
    if not info["gpus"]["gpus"]:
        assert info["selection"]["high-performance"]["backend"] == "onnxruntime"
        assert info["selection"]["high-performance"]["rejected"][0]["backend"] == "trtx"


def test_info_text() -> None:
    p = webnn_cli("info")
    assert p.returncode == 0, p.stderr
    for word in ("backends:", "onnxruntime", "GPUs:", "selection here:", "high-performance", "cache:"):
        assert word in p.stdout


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


def test_run_zeros_and_npz(files: Path, tmp_path: Path) -> None:
    p = webnn_cli("run", str(files / "g.webnn"), "-i", f"x={files / 'x.npy'}", "--zeros", "-d", str(tmp_path))
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sum.npy"), np.arange(6).reshape(2, 3))
    np.savez(tmp_path / "in.npz", x=np.ones((2, 3), np.float32), y=np.ones((2, 3), np.float32))
    p = webnn_cli("run", str(files / "g.webnn"), "-i", str(tmp_path / "in.npz"), "-d", str(tmp_path))
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "sum.npy"), np.full((2, 3), 2))


def test_bench_json(files: Path) -> None:
    p = webnn_cli("bench", str(files / "g.webnn"), "--iterations", "20", "--warmup", "2", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["iterations"] == 20 and r["warmup"] == 2
    assert r["min_ms"] <= r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"] and r["throughput_per_s"] > 0
    assert "bench: 20/20" in p.stderr  # plain progress lines when piped, no bar
    assert "\r" not in p.stderr
    p = webnn_cli("bench", str(files / "g.webnn"), "-n", "5", "--mode", "dispatch")
    assert p.returncode == 0, p.stderr
    assert "p50" in p.stdout and "runs/s" in p.stdout and "dispatch" in p.stdout


def test_user_errors(files: Path, tmp_path: Path) -> None:
    g = str(files / "g.webnn")
    one_line_error(webnn_cli("run", str(tmp_path / "missing.webnn")), 2, "missing.webnn", "no such file")
    one_line_error(webnn_cli("run", g, "-i", f"nope={files / 'x.npy'}", "-i", f"x={files / 'x.npy'}"), 2, "unknown input 'nope'", "x: float32[2, 3]")
    one_line_error(webnn_cli("run", g, "-i", f"x={files / 'x.npy'}"), 2, "missing input 'y'", "--zeros")
    one_line_error(webnn_cli("run", g, "-i", f"x={files / 'x64.npy'}", "-i", f"y={files / 'y.npy'}"), 2, "dtype float64")
    one_line_error(webnn_cli("run", g, "-i", "x=absent.npy"), 2, "absent.npy: no such file")
    one_line_error(webnn_cli("run", g, "-i", "x"), 2, "--input x")
    one_line_error(webnn_cli("run", g, "--backend", "cuda"), 2, "unknown backend 'cuda'")
    one_line_error(webnn_cli("run"), 2, "MODEL")
    one_line_error(webnn_cli("frobnicate"), 2, "invalid choice")
    one_line_error(webnn_cli("convert", str(files / "x.npy"), "--to", "onnx", "-o", str(tmp_path / "o.onnx")), 2, "not a saved webnn graph")
    one_line_error(webnn_cli("bench", g, "-n", "0"), 2, "--iterations")
    assert webnn_cli("convert", g, "--to", "onnx", "-o", str(tmp_path / "g.onnx")).returncode == 0
    one_line_error(webnn_cli("run", str(tmp_path / "g.onnx"), "--backend", "coreml", "--zeros"), 2, "CoreML cannot run ONNX files")
    if sys.platform != "darwin":
        one_line_error(webnn_cli("run", g, "--backend", "coreml", "--zeros"), 3, "coreml", "needs macOS")


def test_requested_backend_unavailable(files: Path) -> None:
    from webnn import devices

    if devices.detect().gpus:
        pytest.skip("this machine has an NVIDIA GPU")
    one_line_error(webnn_cli("run", str(files / "g.webnn"), "--backend", "trtx", "--zeros"), 3, "trtx", "cannot be used")


def test_debug_shows_traceback(tmp_path: Path) -> None:
    p = webnn_cli("--debug", "convert", str(tmp_path / "absent"), "--to", "onnx", "-o", str(tmp_path / "o"))
    assert p.returncode == 2 and "webnn: error" in p.stderr
    p = webnn_cli("run", "--debug", str(tmp_path))
    assert p.returncode == 2 and "is a directory" in p.stderr
    (tmp_path / "junk.webnn").write_bytes(b"PK\x03\x04 not really a zip")
    p = webnn_cli("--debug", "convert", str(tmp_path / "junk.webnn"), "--to", "onnx", "-o", str(tmp_path / "o"))
    assert p.returncode == 2 and "Traceback" in p.stderr


def test_cache_info_and_clear(tmp_path: Path) -> None:
    env = {"WEBNN_CACHE_DIR": str(tmp_path / "cache")}
    p = webnn_cli("cache", "info", "--json", env=env)
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["dir"] == str(tmp_path / "cache") and info["bytes"] == 0
    from webnn import cache_dir

    os.environ["WEBNN_CACHE_DIR"] = env["WEBNN_CACHE_DIR"]
    try:
        (cache_dir.ensure_cache_dir("engines") / "a.engine").write_bytes(b"x" * 1000)
    finally:
        del os.environ["WEBNN_CACHE_DIR"]
    p = webnn_cli("cache", "info", env=env)
    assert p.returncode == 0 and "1000 B" in p.stdout and "engines" in p.stdout
    p = webnn_cli("cache", "clear", env=env)
    assert p.returncode == 0 and "cleared" in p.stdout
    assert not (tmp_path / "cache" / "engines").exists()
    # In a directory without the marker only webnn's own entries go.
    other = tmp_path / "home"
    (other / "trtx" / "locks").mkdir(parents=True)
    (other / "trtx" / "k.engine").write_bytes(b"e" * 10)
    (other / "precious.txt").write_text("keep")
    p = webnn_cli("cache", "clear", env={"WEBNN_CACHE_DIR": str(other)})
    assert p.returncode == 0, p.stderr
    assert "kept precious.txt" in p.stdout
    assert (other / "precious.txt").exists() and not (other / "trtx").exists()


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from webnn import cache_dir

    monkeypatch.delenv("WEBNN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir.cache_dir() == tmp_path / "xdg" / "webnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir.cache_dir("trtx") == tmp_path / ".cache" / "webnn" / "trtx"
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "w"))
    assert cache_dir.cache_dir() == tmp_path / "w"


def test_demo_hook_is_wired(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn import cli
    from webnn.models import minilm

    seen = {}
    monkeypatch.setattr(minilm, "demo", lambda backend=None: seen.setdefault("backend", backend) and 0)
    assert cli.main(["demo", "--backend", "onnxruntime"]) == 0
    assert seen == {"backend": "onnxruntime"}
    monkeypatch.delattr(minilm, "demo")
    assert cli.main(["demo"]) == 2


def test_progress_bar_on_a_terminal() -> None:
    import io

    from webnn.cli import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    s = Tty()
    p = Progress(10, "bench", stream=s)
    for _ in range(10):
        p.update()
    p.close()
    assert "\rbench [" in s.getvalue() and "10/10" in s.getvalue()
    plain = io.StringIO()
    p = Progress(8, "bench", stream=plain)
    for _ in range(8):
        p.update()
    assert plain.getvalue().splitlines() == ["bench: 2/8", "bench: 4/8", "bench: 6/8", "bench: 8/8"]
