"""What the TensorRT-RTX backend says when something is missing (no TensorRT-RTX needed here)."""

from __future__ import annotations

import pytest

from webnn.backends.trtx import device, lib


@pytest.fixture
def no_trt(monkeypatch: pytest.MonkeyPatch):
    lib._import.cache_clear()
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):  # noqa: ANN001, ANN202
        if name == "tensorrt_rtx" or name.startswith("tensorrt_rtx."):
            raise ImportError("No module named 'tensorrt_rtx'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    yield
    monkeypatch.setattr(builtins, "__import__", real)
    lib._import.cache_clear()


def test_missing_package_names_the_install_command(no_trt) -> None:  # noqa: ANN001
    from webnn.backends.trtx import TrtxBackend
    from webnn.errors import BackendUnavailable

    for simulate in (None, True, False):
        ok, why = TrtxBackend.availability(simulate=simulate)
        assert not ok and 'pip install "webnn[trtx]"' in why and "not installed" in why
    with pytest.raises(BackendUnavailable, match=r'pip install "webnn\[trtx\]"'):
        TrtxBackend(simulate=True)
    with pytest.raises(BackendUnavailable, match=r'pip install "webnn\[trtx\]"'):
        lib.trt()


def test_no_driver_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    device.probe.cache_clear()
    monkeypatch.setenv("WEBNN_TRTX_FAKE_NO_GPU", "1")
    try:
        ok, why, gpu = device.check_gpu()
        assert not ok and gpu is None and "no CUDA driver" in why
        pytest.importorskip("tensorrt_rtx")
        from webnn.backends.trtx import TrtxBackend

        ok, why = TrtxBackend.availability()
        assert not ok and "no CUDA driver" in why and "WEBNN_TRTX_SIMULATE=1" in why
        assert TrtxBackend.availability(simulate=True) == (True, "")
    finally:
        device.probe.cache_clear()


def test_unsupported_compute_capability(monkeypatch: pytest.MonkeyPatch) -> None:
    old = device.Gpu(0, "Tesla V100", (7, 0), 16 << 30)
    monkeypatch.setattr(device, "probe", lambda: device.DeviceProbe(True, "", (old,), 12040))
    ok, why, gpu = device.check_gpu(0)
    assert not ok and gpu is old and "compute capability 7.0" in why and "7.5 (Turing) or newer" in why
    ok, why, _ = device.check_gpu(1)
    assert not ok and "GPU 1 does not exist" in why
    h100 = device.Gpu(0, "NVIDIA H100", (9, 0), 80 << 30)
    monkeypatch.setattr(device, "probe", lambda: device.DeviceProbe(True, "", (h100,), 13000))
    assert device.check_gpu(0)[0]
    assert "H100" in device.probe().describe() and "9.0" in device.probe().describe()


def test_compute_capability_hook() -> None:
    pytest.importorskip("tensorrt_rtx")
    from webnn.backends.trtx import TrtxBackend

    assert TrtxBackend.supports_compute_capability((8, 6)) == (True, "")
    assert TrtxBackend.supports_compute_capability((9, 0))[0]
    ok, why = TrtxBackend.supports_compute_capability((7, 0))
    assert not ok and "7.5" in why


def test_this_machine_probe_is_consistent() -> None:
    p = device.probe()
    assert p.ok == bool(p.gpus)
    if not p.ok:
        assert p.reason


def test_simulate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn.backends.trtx.simulate import simulate_requested

    monkeypatch.delenv("WEBNN_TRTX_SIMULATE", raising=False)
    assert simulate_requested() is False and simulate_requested(True) is True
    for v, want in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("WEBNN_TRTX_SIMULATE", v)
        assert simulate_requested() is want
    assert simulate_requested(False) is False  # the option wins over the environment
