"""Shared fixtures for the ONNX Runtime tests.

CPU tests run the real ONNX Runtime (CPU provider). Tests marked ``gpu`` skip, with the ONNX
Runtime backend's own reason, unless ONNX Runtime can run on CUDA device 0 here (an NVIDIA
GPU and the onnxruntime-gpu wheel whose CUDA provider loads).
"""

from __future__ import annotations

import pytest


def cuda_skip_reason() -> str | None:
    """Why a ``gpu`` test cannot run here, or None when ONNX Runtime runs on CUDA device 0."""
    from webnn.backends.onnxruntime import OnnxRuntimeBackend

    ok, why = OnnxRuntimeBackend.availability(device="cuda")
    return None if ok else f"needs ONNX Runtime on an NVIDIA GPU: {why}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("gpu") is None:
        return
    why = cuda_skip_reason()
    if why is not None:
        pytest.skip(why)
