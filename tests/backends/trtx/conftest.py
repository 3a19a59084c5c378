"""Shared fixtures for the TensorRT-RTX tests.

CPU tests run the real TensorRT-RTX library (parser, builder, cache); they skip only when
the ``tensorrt_rtx`` package is missing. Tests marked ``gpu`` skip, with the TensorRT-RTX
backend's reason, unless a supported NVIDIA GPU (and cuda-python) are present.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import pytest

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
LIGHT_MODELS = sorted(p.stem.replace("light_", "") for p in LIGHT_DIR.glob("light_*.onnx"))


def gpu_skip_reason(probes=None) -> str | None:
    """Why a ``gpu`` test cannot run on this machine (``probes``: a faked one), or None when it can.

    The reason is the TensorRT-RTX backend's own availability: no GPU, a GPU TensorRT-RTX does
    not support (e.g. compute capability 9.0), or a missing package.
    """
    from webnn.backends.trtx import TrtxBackend

    ok, why = TrtxBackend.availability(probes, simulate=False)
    return None if ok else f"needs TensorRT-RTX on a supported NVIDIA GPU: {why}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("gpu") is None:
        return
    why = gpu_skip_reason()
    if why is not None:
        pytest.skip(why)


def light_model(name: str) -> bytes:
    return (LIGHT_DIR / f"light_{name}.onnx").read_bytes()


def light_input(name: str) -> tuple[str, np.ndarray]:
    """The input onnx's backend test runner feeds these models (arange / n), and its name."""
    m = onnx.load_from_string(light_model(name))
    inits = {i.name for i in m.graph.initializer}
    (x,) = [i for i in m.graph.input if i.name not in inits]
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in x.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return x.name, (np.arange(n).reshape(shape) / n).astype(np.float32)


def light_reference(name: str) -> np.ndarray:
    t = onnx.TensorProto()
    t.ParseFromString((LIGHT_DIR / f"light_{name}_output_0.pb").read_bytes())
    return onnx.numpy_helper.to_array(t)


@pytest.fixture(scope="session")
def session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One engine cache shared by the session's tests, so each light model is built once."""
    return tmp_path_factory.mktemp("trtx-session-cache")


@pytest.fixture(scope="session")
def light_engines(session_cache_dir: Path) -> dict:
    """name -> EngineRecord for every light model (built once per session, then cached)."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install \"webnn[trtx]\")")
    from webnn.backends.trtx.cache import EngineCache
    from webnn.backends.trtx.engines import get_engine

    cache = EngineCache(session_cache_dir)
    return {n: get_engine(light_model(n), cache=cache, label=n, progress=False) for n in LIGHT_MODELS}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory, also set as WEBNN_CACHE_DIR so nothing touches ~/.cache."""
    d = tmp_path / "cache"
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(d))
    return d


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never write to the user's real cache directory.
    if "WEBNN_CACHE_DIR" not in os.environ:
        monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "default-cache"))
