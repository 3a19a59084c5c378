"""What the TensorRT-RTX backend says when something is missing, on faked machines.

The GPU comes from :func:`webnn.devices.detect` (the one GPU probe); which GPUs TensorRT-RTX
supports comes from the library's ``trt.ComputeCapability`` enum, here a stand-in with the
members of TensorRT-RTX 1.7 (no SM90) so that nothing needs the library installed.
"""

from __future__ import annotations

import enum
import types

import pytest

from webnn import devices
from webnn.backends import Probes
from webnn.backends.trtx import TrtxBackend, lib

#: tensorrt_rtx 1.7 as far as availability looks at it.
TRT_1_7 = types.SimpleNamespace(__version__="1.7.1.116", ComputeCapability=enum.Enum("ComputeCapability", "NONE CURRENT SM75 SM80 SM86 SM89 SM120 SM121"))


def machine(*gpus: devices.GpuInfo, installed: tuple[str, ...] = ("tensorrt_rtx", "cuda"), platform: str = "linux", summary: str = "") -> Probes:
    """A fake machine: these GPUs (no GPU: a report that says ``summary``), these packages."""
    modules = {"tensorrt_rtx": TRT_1_7, "cuda.bindings.runtime": types.ModuleType("cuda.bindings.runtime")}

    def import_module(name: str) -> types.ModuleType:
        if name.split(".")[0] not in installed:
            raise ImportError(f"No module named {name!r}")
        return modules[name]

    report = devices.DeviceReport(gpus=gpus, driver_present=bool(gpus), notes=(summary,) if summary else ())
    return Probes(
        platform=platform,
        devices=lambda: report,
        module_available=lambda m: m.split(".")[0] in installed,
        import_module=import_module,
        environ={},
    )


RTX4090 = devices.GpuInfo(0, "NVIDIA GeForce RTX 4090", (8, 9), 24564)
H200 = devices.GpuInfo(0, "NVIDIA H200", (9, 0), 143771)


@pytest.fixture
def no_trt(monkeypatch: pytest.MonkeyPatch):
    lib._import.cache_clear()
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "tensorrt_rtx" or name.startswith("tensorrt_rtx."):
            raise ImportError("No module named 'tensorrt_rtx'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    yield
    monkeypatch.setattr(builtins, "__import__", real)
    lib._import.cache_clear()


def test_missing_package_names_the_install_command(no_trt) -> None:
    from webnn.errors import BackendUnavailable

    for simulate in (None, True, False):
        ok, why = TrtxBackend.availability(machine(RTX4090, installed=("cuda",)), simulate=simulate)
        assert not ok and 'pip install "webnn[trtx]"' in why and "not installed" in why
        # the package is there but does not import (this machine, with the import refused)
        ok, why = TrtxBackend.availability(Probes(devices=lambda: devices.DeviceReport(gpus=(RTX4090,))), simulate=simulate)
        assert not ok and 'pip install "webnn[trtx]"' in why and "not installed" in why
    with pytest.raises(BackendUnavailable, match=r'pip install "webnn\[trtx\]"'):
        TrtxBackend(simulate=True)
    with pytest.raises(BackendUnavailable, match=r'pip install "webnn\[trtx\]"'):
        lib.trt()


def test_no_gpu_reason() -> None:
    a = TrtxBackend.availability(machine(summary="no /proc/driver/nvidia"))
    assert not a.ok and a.missing == "gpu" and "no NVIDIA GPU detected (no /proc/driver/nvidia)" in a.reason
    assert "WEBNN_TRTX_SIMULATE=1" in a.reason and "simulate=True" in a.reason
    assert TrtxBackend.availability(machine(summary="no driver"), simulate=True) == (True, "")
    a = TrtxBackend.availability(machine(RTX4090), device=1)
    assert not a.ok and a.missing == "gpu" and "GPU 1 does not exist" in a.reason
    a = TrtxBackend.availability(machine(RTX4090, installed=("tensorrt_rtx",)))
    assert not a.ok and a.missing == "package" and "cuda-python" in a.reason
    assert TrtxBackend.availability(machine(RTX4090, installed=("tensorrt_rtx",)), simulate=True).ok, "the simulation needs no cuda-python"
    assert TrtxBackend.availability(machine(RTX4090, platform="darwin")).missing == "platform"


def test_supported_gpu() -> None:
    a = TrtxBackend.availability(machine(RTX4090))
    assert a == (True, "") and a.gpu is RTX4090 and not a.problems


@pytest.mark.parametrize("gpu", [H200, devices.GpuInfo(0, "Tesla V100", (7, 0))])
def test_unsupported_compute_capability_names_gpu_capability_and_the_supported_list(gpu: devices.GpuInfo) -> None:
    a = TrtxBackend.availability(machine(gpu))
    assert not a.ok and a.missing == "compute_capability" and a.gpu is gpu
    assert f"{gpu.name} has compute capability {gpu.compute_capability_str}" in a.reason
    assert "TensorRT-RTX 1.7.1.116 supports compute capability 7.5, 8.0, 8.6, 8.9, 12.0, 12.1" in a.reason
    assert "WEBNN_TRTX_SIMULATE=1" in a.reason
    assert TrtxBackend.availability(machine(gpu), simulate=True).ok


def test_unknown_compute_capability_is_assumed_supported_with_a_note() -> None:
    gpu = devices.GpuInfo(0, "NVIDIA GPU")
    a = TrtxBackend.availability(machine(gpu))
    assert a.ok and any("unknown" in n for n in a.notes)


def test_compute_capabilities_come_from_the_library_enum() -> None:
    ccs = lib.compute_capabilities(TRT_1_7)
    assert ccs == {(7, 5): "SM75", (8, 0): "SM80", (8, 6): "SM86", (8, 9): "SM89", (12, 0): "SM120", (12, 1): "SM121"}
    assert lib.format_compute_capabilities(ccs) == "7.5, 8.0, 8.6, 8.9, 12.0, 12.1"
    assert TrtxBackend.supports_compute_capability((8, 6), TRT_1_7) == (True, "")
    ok, why = TrtxBackend.supports_compute_capability((9, 0), TRT_1_7)
    assert not ok and "7.5, 8.0, 8.6, 8.9, 12.0, 12.1" in why


def test_installed_library_has_no_hopper_target() -> None:
    trt = pytest.importorskip("tensorrt_rtx")
    ccs = lib.compute_capabilities()
    assert set(ccs.values()) == {n for n in trt.ComputeCapability.__members__ if n.startswith("SM")}
    assert (9, 0) not in ccs and (8, 6) in ccs


def test_gpu_tests_skip_with_the_backends_reason() -> None:
    from .conftest import gpu_skip_reason

    why = gpu_skip_reason(machine(H200))
    assert why is not None and "NVIDIA H200 has compute capability 9.0" in why and "12.1" in why
    assert "no NVIDIA GPU detected" in gpu_skip_reason(machine(summary="no driver"))
    assert gpu_skip_reason(machine(RTX4090)) is None


def test_simulate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from webnn.backends.trtx.simulate import simulate_requested

    monkeypatch.delenv("WEBNN_TRTX_SIMULATE", raising=False)
    assert simulate_requested() is False and simulate_requested(True) is True
    for v, want in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("WEBNN_TRTX_SIMULATE", v)
        assert simulate_requested() is want
        assert simulate_requested(None, {"WEBNN_TRTX_SIMULATE": v}) is want
    assert simulate_requested(False) is False  # the option wins over the environment
    assert simulate_requested(None, {}) is False  # an explicit environment replaces the process's


def test_configure_reads_the_environment_only_for_a_named_backend() -> None:
    env = {"WEBNN_TRTX_SIMULATE": "1"}
    assert TrtxBackend.configure({}, explicit=True, environ=env) == {"simulate": True}
    assert TrtxBackend.configure({}, explicit=False, environ=env) == {"simulate": False}
    assert TrtxBackend.configure({"simulate": False}, explicit=True, environ=env) == {"simulate": False}
    assert TrtxBackend.configure({"device": 1}, explicit=False, environ={}) == {"device": 1}
