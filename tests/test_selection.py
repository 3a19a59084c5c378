"""Device detection and backend selection, with the machine faked through injected probes.

The real detection (``webnn.devices.detect``) parses fake ``/proc`` trees and fake
``nvidia-smi`` output; the real selection (``webnn.selection.select_backend``) runs on top.
"""

from __future__ import annotations

import enum
import itertools
import subprocess
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn import devices, selection
from webnn.backends import Backend, CompiledGraph
from webnn.backends.coreml import CoremlBackend
from webnn.backends.onnxruntime import OnnxRuntimeBackend
from webnn.backends.trtx import TrtxBackend

# -- fake machines ------------------------------------------------------------------------------

PROC_INFO = """Model: \t\t NVIDIA GeForce RTX 4090
IRQ:   \t\t 190
GPU UUID: \t GPU-5f1a2b3c-0000-1111-2222-333344445555
Video BIOS: \t 95.02.18.80.5f
Bus Type: \t PCIe
DMA Size: \t 47 bits
Bus Location: \t 0000:01:00.0
Device Minor: \t 0
"""
PROC_VERSION = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Feb 22 01:25:25 UTC 2024\n"


def fake_proc(tmp_path: Path, gpus: int = 1) -> str:
    root = tmp_path / "nvidia"
    for i in range(gpus):
        d = root / "gpus" / f"0000:0{i + 1}:00.0"
        d.mkdir(parents=True)
        (d / "information").write_text(PROC_INFO.replace("0000:01:00.0", f"0000:0{i + 1}:00.0").replace("Device Minor: \t 0", f"Device Minor: \t {i}"))
    (root / "version").write_text(PROC_VERSION)
    return str(root)


def no_cuda(platform: str) -> dict:
    raise AssertionError("the CUDA driver must not be touched on a machine without a driver")


def smi(output: str | Exception):
    calls = []

    def run(cmd, timeout):
        calls.append((list(cmd), timeout))
        if isinstance(output, Exception):
            raise output
        return output

    run.calls = calls
    return run


def probes(
    tmp_path: Path, *, proc: bool = False, smi_out: str | Exception | None = None, cuda=no_cuda, platform: str = "linux", env: dict | None = None
) -> devices.DeviceProbes:
    return devices.DeviceProbes(
        platform=platform,
        proc_root=fake_proc(tmp_path) if proc else str(tmp_path / "absent"),
        wsl_libcuda=str(tmp_path / "no-wsl"),
        which=(lambda n: "/usr/bin/nvidia-smi") if smi_out is not None else (lambda n: None),
        run=smi(smi_out) if smi_out is not None else smi(AssertionError("nvidia-smi is not on PATH")),
        cuda_driver=cuda,
        environ=env or {},
    )


# -- detection ----------------------------------------------------------------------------------


def test_no_driver_no_gpu_and_cuda_untouched(tmp_path: Path) -> None:
    r = devices.detect(probes(tmp_path))
    assert r.gpus == () and not r.driver_present
    assert "no NVIDIA GPU detected" in r.summary()
    assert f"no {tmp_path / 'absent'}" in r.summary() and "nvidia-smi not on PATH" in r.summary()


def test_procfs_then_cuda_driver_for_compute_capability(tmp_path: Path) -> None:
    seen = []

    def cuda(platform: str) -> dict:
        seen.append(platform)
        return {
            "driver_version": "12.4",
            "devices": [{"index": 0, "name": "NVIDIA GeForce RTX 4090", "cc": (8, 9), "memory_mib": 24564, "bus_id": "00000000:01:00.0"}],
        }

    r = devices.detect(probes(tmp_path, proc=True, cuda=cuda))
    assert seen == ["linux"]
    assert r.driver_present and r.driver_version == "550.54.14"
    (g,) = r.gpus
    assert g.name == "NVIDIA GeForce RTX 4090" and g.compute_capability == (8, 9) and g.bus_id == "0000:01:00.0"
    assert g.uuid == "GPU-5f1a2b3c-0000-1111-2222-333344445555" and g.memory_mib == 24564
    assert r.sources == ("procfs", "libcuda")


def test_procfs_without_cc_when_cuda_query_fails(tmp_path: Path) -> None:
    def cuda(platform: str) -> dict:
        raise OSError("libcuda.so.1: cannot open shared object file")

    r = devices.detect(probes(tmp_path, proc=True, cuda=cuda))
    assert r.gpus[0].compute_capability is None
    assert any("CUDA driver query failed" in n for n in r.notes)


def test_nvidia_smi(tmp_path: Path) -> None:
    out = (
        "0, NVIDIA H100 80GB HBM3, 9.0, 81559, 550.90.07, 00000000:19:00.0, GPU-aaaa\n"
        "1, Tesla P100-PCIE-16GB, 6.0, 16280, 550.90.07, 00000000:3B:00.0, GPU-bbbb\n"
    )
    p = probes(tmp_path, smi_out=out)
    r = devices.detect(p)
    assert [g.name for g in r.gpus] == ["NVIDIA H100 80GB HBM3", "Tesla P100-PCIE-16GB"]
    assert [g.compute_capability for g in r.gpus] == [(9, 0), (6, 0)]
    assert r.gpus[0].memory_mib == 81559 and r.driver_version == "550.90.07" and r.gpus[1].bus_id == "0000:3b:00.0"
    ((cmd, timeout),) = p.run.calls
    assert "compute_cap" in cmd[1] and timeout <= 5


def test_nvidia_smi_old_driver_without_compute_cap_field(tmp_path: Path) -> None:
    calls = []

    def run(cmd, timeout):
        calls.append(cmd)
        if "compute_cap" in cmd[1]:
            raise RuntimeError('Field "compute_cap" is not a valid field to query.')
        return "0, Quadro RTX 6000, 24576, 470.1, 00000000:01:00.0, GPU-cccc\n"

    p = probes(tmp_path, smi_out="", cuda=lambda plat: {"devices": [{"index": 0, "name": "Quadro RTX 6000", "cc": (7, 5), "bus_id": "0000:01:00.0"}]})
    p.run = run
    r = devices.detect(p)
    assert len(calls) == 2 and r.gpus[0].compute_capability == (7, 5)


def test_nvidia_smi_without_driver_and_timeout(tmp_path: Path) -> None:
    r = devices.detect(probes(tmp_path, smi_out=RuntimeError("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")))
    assert r.gpus == () and not r.driver_present and "nvidia-smi failed" in r.summary()
    r = devices.detect(probes(tmp_path, smi_out=subprocess.TimeoutExpired("nvidia-smi", 3)))
    assert r.gpus == () and "timed out" in r.summary()


def test_cuda_visible_devices(tmp_path: Path) -> None:
    out = "0, NVIDIA A100-SXM4-40GB, 8.0, 40960, 550, 00000000:01:00.0, GPU-aaaa\n1, NVIDIA A100-SXM4-40GB, 8.0, 40960, 550, 00000000:02:00.0, GPU-bbbb\n"
    assert [g.index for g in devices.detect(probes(tmp_path, smi_out=out, env={"CUDA_VISIBLE_DEVICES": "1"})).gpus] == [1]
    assert [g.uuid for g in devices.detect(probes(tmp_path, smi_out=out, env={"CUDA_VISIBLE_DEVICES": "GPU-bbbb,0"})).gpus] == ["GPU-bbbb", "GPU-aaaa"]
    r = devices.detect(probes(tmp_path, smi_out=out, env={"CUDA_VISIBLE_DEVICES": ""}))
    assert r.gpus == () and len(r.hidden) == 2 and "hidden by CUDA_VISIBLE_DEVICES" in r.summary()
    assert devices.detect(probes(tmp_path, smi_out=out, env={"CUDA_VISIBLE_DEVICES": "-1"})).gpus == ()


def test_macos_has_no_nvidia(tmp_path: Path) -> None:
    r = devices.detect(probes(tmp_path, proc=True, smi_out="garbage", platform="darwin"))
    assert r.gpus == () and "macOS" in r.summary()


def test_detect_is_cached_per_process() -> None:
    a = devices.detect()
    assert devices.detect() is a
    assert devices.detect(refresh=True) == a


# -- selection matrix -------------------------------------------------------------------------


class FakeCompiled(CompiledGraph):
    """Runs on ONNX Runtime but reports the fake accelerator (and says it is simulated)."""

    simulated = True

    def __init__(self, name: str, inner: CompiledGraph) -> None:
        self.backend = name
        self._inner = inner

    def run(self, inputs):
        return self._inner.run(inputs)


class FakeAccel(Backend):
    """A stand-in accelerator: builds any graph except those with a ``rejected_ops`` op."""

    name = "fake"
    rejected_ops: tuple[str, ...] = ("pow",)
    error: type[Exception] = webnn.TrtxRuntimeFailed

    def __init__(self, **options) -> None:
        self.options = options

    def compile(self, info):
        for op in info.operations:
            if op.type in self.rejected_ops:
                raise self.error(f"op {op.type} is not supported by {self.name}")
        return FakeCompiled(self.name, OnnxRuntimeBackend().compile(info))


class FakeTrtx(FakeAccel):
    """Compiles on ONNX Runtime, but is checked like the real TensorRT-RTX backend (on the fake machine)."""

    name = "trtx"
    availability = TrtxBackend.availability
    configure = TrtxBackend.configure


class FakeCoreml(FakeAccel):
    name = "coreml"
    error = webnn.CoremlRuntimeFailed
    availability = CoremlBackend.availability


#: What the TensorRT-RTX availability check reads from the library: 1.7's compute capabilities (no SM90).
FAKE_TRT = types.SimpleNamespace(__version__="1.7.1.116", ComputeCapability=enum.Enum("ComputeCapability", "NONE CURRENT SM75 SM80 SM86 SM89 SM120 SM121"))


def machine(
    tmp_path: Path, *, gpu: bool, trt: bool, cc: tuple[int, int] = (8, 9), macos: bool = False, coreml: bool = True, env: dict | None = None
) -> selection.Probes:
    """A fake machine: detection runs on fake nvidia-smi output; packages/backends are faked."""
    out = f"0, NVIDIA Test GPU, {cc[0]}.{cc[1]}, 8192, 560.1, 00000000:01:00.0, GPU-test\n" if gpu and not macos else None
    dp = probes(tmp_path, smi_out=out, platform="darwin" if macos else "linux")
    installed = {"onnxruntime", *(["tensorrt_rtx", "cuda"] if trt else []), *(["coremltools"] if coreml else [])}
    classes = {"onnxruntime": OnnxRuntimeBackend, "trtx": FakeTrtx, "coreml": FakeCoreml}

    def import_module(name: str):
        if name.split(".")[0] not in installed:
            raise ImportError(f"No module named {name!r}")
        return FAKE_TRT if name == "tensorrt_rtx" else types.ModuleType(name)

    return selection.Probes(
        platform="darwin" if macos else "linux",
        devices=lambda: devices.detect(dp),
        module_available=lambda m: m.split(".")[0] in installed,
        import_module=import_module,
        load_backend=classes.__getitem__,
        environ=env or {},
    )


def expected(accelerated: bool, pref: str, gpu: bool, trt: bool, cc_ok: bool, macos: bool) -> str:
    trtx_ok = gpu and trt and cc_ok and not macos
    coreml_ok = macos
    if not accelerated:
        return "onnxruntime"
    order = {"high-performance": [("trtx", trtx_ok)], "low-power": [("coreml", coreml_ok)], "default": [("trtx", trtx_ok), ("coreml", coreml_ok)]}[pref]
    return next((n for n, ok in order if ok), "onnxruntime")


MATRIX = list(itertools.product([True, False], ["default", "high-performance", "low-power"], [True, False], [True, False], [True, False], [True, False]))


@pytest.mark.parametrize("accelerated,pref,gpu,trt,cc_ok,macos", MATRIX)
def test_selection_matrix(tmp_path: Path, accelerated: bool, pref: str, gpu: bool, trt: bool, cc_ok: bool, macos: bool) -> None:
    p = machine(tmp_path, gpu=gpu, trt=trt, cc=(8, 6) if cc_ok else (6, 1), macos=macos)
    s = selection.select_backend(accelerated, pref, probes=p)
    want = expected(accelerated, pref, gpu, trt, cc_ok, macos)
    assert s.name == want, s.explain()
    assert s.backend_class is {"onnxruntime": OnnxRuntimeBackend, "trtx": FakeTrtx, "coreml": FakeCoreml}[want]
    text = s.explain()
    if want == "onnxruntime" and accelerated:
        rejected = dict(s.rejected)
        if "trtx" in rejected:
            why = rejected["trtx"]
            if macos:
                assert "macOS" in why
            elif not gpu:
                assert "no NVIDIA GPU" in why
            if not trt:
                assert "not installed" in why and "webnn[trtx]" in why
            if gpu and trt and not cc_ok and not macos:
                assert "compute capability 6.1" in why and "7.5" in why
        if "coreml" in rejected:
            assert "CoreML needs macOS" in rejected["coreml"]
        assert "cannot run here" in s.reason or "can run here" in s.reason
    if want == "trtx":
        assert s.gpu is not None and s.gpu.compute_capability == (8, 6)
        assert "NVIDIA Test GPU" in text
    if not accelerated:
        assert "accelerated=False" in s.reason and not s.rejected


@pytest.mark.parametrize(
    "kw,backend,missing,words",
    [
        (dict(gpu=False, trt=True), "trtx", "gpu", "no NVIDIA GPU detected"),
        (dict(gpu=True, trt=False), "trtx", "package", "TensorRT-RTX is not installed"),
        (dict(gpu=True, trt=True, cc=(6, 1)), "trtx", "compute_capability", "compute capability 6.1"),
        (dict(gpu=True, trt=True, macos=True), "trtx", "platform", "does not run on macOS"),
        (dict(gpu=False, trt=False), "coreml", "platform", "CoreML needs macOS"),
        (dict(gpu=False, trt=False, macos=True, coreml=False), "coreml", "package", "coremltools is not installed"),
    ],
)
def test_explicit_backend_that_cannot_run_says_what_is_missing(tmp_path: Path, kw: dict, backend: str, missing: str, words: str) -> None:
    with pytest.raises(webnn.BackendUnavailable, match=words) as ei:
        selection.select_backend(True, "default", backend, probes=machine(tmp_path, **kw))
    assert ei.value.missing == missing and ei.value.backend == backend


def test_explicit_backend_and_environment_variable(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=True, trt=True)
    assert selection.select_backend(False, "low-power", "tensorrt", probes=p).name == "trtx"  # alias, overrides accelerated
    assert selection.select_backend(True, "high-performance", "ort", probes=p).name == "onnxruntime"
    p_env = machine(tmp_path, gpu=True, trt=True, env={"WEBNN_BACKEND": "onnxruntime"})
    s = selection.select_backend(True, "high-performance", probes=p_env)
    assert s.name == "onnxruntime" and s.explicit and "WEBNN_BACKEND" in s.reason
    assert selection.select_backend(True, "high-performance", "trtx", probes=p_env).name == "trtx"  # argument beats env
    assert selection.select_backend(True, "high-performance", probes=machine(tmp_path, gpu=True, trt=True, env={"WEBNN_BACKEND": "auto"})).name == "trtx"
    with pytest.raises(webnn.ValidationError, match="unknown backend 'cuda'"):
        selection.select_backend(True, "default", "cuda", probes=p)


def test_backend_module_missing_and_availability_false(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=True, trt=True)
    p.load_backend = lambda name: (_ for _ in ()).throw(ImportError("No module named 'webnn.backends.trtx'")) if name == "trtx" else OnnxRuntimeBackend
    s = selection.select_backend(True, "high-performance", probes=p)
    assert s.name == "onnxruntime" and "backend is not installed" in dict(s.rejected)["trtx"]

    class Broken(FakeTrtx):
        @classmethod
        def availability(cls):
            return False, "CUDA driver 470 is too old for CUDA 13"

    p = machine(tmp_path, gpu=True, trt=True)
    p.load_backend = lambda name: Broken if name == "trtx" else OnnxRuntimeBackend
    with pytest.raises(webnn.BackendUnavailable, match="too old") as ei:
        selection.select_backend(True, "default", "trtx", probes=p)
    assert ei.value.missing == "unavailable"


def test_gpu_tensorrt_rtx_does_not_support_is_rejected_with_the_supported_list(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=True, trt=True, cc=(9, 0))  # an H100/H200: TensorRT-RTX has no SM90 target
    s = selection.select_backend(True, "high-performance", probes=p)
    why = dict(s.rejected)["trtx"]
    assert s.name == "onnxruntime" and "NVIDIA Test GPU has compute capability 9.0" in why
    assert "supports compute capability 7.5, 8.0, 8.6, 8.9, 12.0, 12.1" in why
    with pytest.raises(webnn.BackendUnavailable, match="compute capability 9.0") as ei:
        selection.select_backend(True, "default", "trtx", probes=p)
    assert ei.value.missing == "compute_capability"
    assert selection.select_backend(True, "default", "trtx", options={"simulate": True}, probes=p).name == "trtx"


def test_simulate_skips_hardware_checks(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=False, trt=True)
    s = selection.select_backend(True, "high-performance", options={"simulate": True}, probes=p)
    assert s.name == "trtx" and any("simulated" in n for n in s.notes)
    assert selection.select_backend(True, "high-performance", "trtx", options={"simulate": True}, probes=p).name == "trtx"
    with pytest.raises(webnn.BackendUnavailable, match="not installed"):
        selection.select_backend(True, "high-performance", "trtx", options={"simulate": True}, probes=machine(tmp_path, gpu=False, trt=False))


def test_this_machine_without_gpu_picks_onnxruntime_and_says_why() -> None:
    if devices.detect().gpus:
        pytest.skip("this machine has an NVIDIA GPU")
    ctx = webnn.MLContext(accelerated=True, power_preference="high-performance")
    assert ctx.backend == "onnxruntime"
    text = ctx.describe()
    assert "high-performance" in text and "rejected trtx" in text
    assert "no NVIDIA GPU detected" in text or "not installed" in text


# -- contexts on a faked machine: options, fallback, strict ------------------------------------


def graph_with(ctx: webnn.MLContext, op: str) -> webnn.MLGraph:
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [2, 2])
    two = b.constant(np.full((2, 2), 2, np.float32))
    return b.build({"y": getattr(b, op)(x, two)})


def test_context_on_accelerator_and_per_graph_fallback(tmp_path: Path) -> None:
    with selection.use_probes(machine(tmp_path, gpu=True, trt=True)):
        ctx = webnn.MLContext(accelerated=True, power_preference="high-performance", intra_op_threads=1)
    assert ctx.backend == "trtx" and "ignored" not in ctx.describe()
    assert ctx._backend.options == {"intra_op_threads": 1}  # FakeTrtx takes **options
    x = np.array([[1, 2], [3, 4]], np.float32)
    g_ok = graph_with(ctx, "add")
    assert g_ok.backend == "trtx" and g_ok.fallback_reason is None
    np.testing.assert_array_equal(ctx.compute(g_ok, {"x": x})["y"], x + 2)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g_fb = graph_with(ctx, "pow")
    fallback = [m for m in w if issubclass(m.category, webnn.FallbackWarning)]
    assert len(fallback) == 1, [str(m.message) for m in w]
    msg = str(fallback[0].message)
    assert "trtx" in msg and "op pow" in msg and "onnxruntime" in msg
    assert fallback[0].filename == __file__  # points at the caller's build()
    assert g_fb.backend == "onnxruntime" and not g_fb.simulated and "op pow" in g_fb.fallback_reason
    np.testing.assert_array_equal(ctx.compute(g_fb, {"x": x})["y"], x**2)


def test_strict_context_raises_instead_of_falling_back(tmp_path: Path) -> None:
    with selection.use_probes(machine(tmp_path, gpu=True, trt=True)):
        ctx = webnn.MLContext(power_preference="high-performance", strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(webnn.TrtxRuntimeFailed, match="op pow"):
            graph_with(ctx, "pow")


def test_coreml_fallback_on_macos(tmp_path: Path) -> None:
    with selection.use_probes(machine(tmp_path, gpu=False, trt=False, macos=True)):
        ctx = webnn.ML().create_context(power_preference="low-power")
    assert ctx.backend == "coreml"
    with pytest.warns(webnn.FallbackWarning, match="coreml cannot build this graph.*CoremlRuntimeFailed"):
        g = graph_with(ctx, "pow")
    assert g.backend == "onnxruntime"


def test_options_the_chosen_backend_does_not_take_are_ignored_when_auto(tmp_path: Path) -> None:
    with selection.use_probes(machine(tmp_path, gpu=False, trt=False)):
        ctx = webnn.MLContext(power_preference="high-performance", device_id=1)
        assert ctx.backend == "onnxruntime" and "options not used by onnxruntime: device_id" in ctx.describe()
        with pytest.raises(TypeError):
            webnn.MLContext(backend="onnxruntime", device_id=1)  # named backend: options must fit


def test_environment_variable_through_mlcontext(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNN_BACKEND", "trtx")
    p = machine(tmp_path, gpu=False, trt=True)
    p.environ = __import__("os").environ
    with selection.use_probes(p):
        with pytest.raises(webnn.BackendUnavailable, match="WEBNN_BACKEND=trtx.*no NVIDIA GPU"):
            webnn.MLContext(accelerated=False)
    monkeypatch.setenv("WEBNN_BACKEND", "onnxruntime")
    assert webnn.MLContext(power_preference="high-performance").backend == "onnxruntime"


def test_preview_lists_every_preference(tmp_path: Path) -> None:
    out = selection.preview(machine(tmp_path, gpu=True, trt=True))
    assert {k: v.name for k, v in out.items()} == {
        "accelerated=False": "onnxruntime",
        "default": "trtx",
        "high-performance": "trtx",
        "low-power": "onnxruntime",
    }
    assert out["low-power"].to_json()["rejected"][0]["backend"] == "coreml"


def test_simulate_environment_variable_counts_only_for_a_named_backend(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=False, trt=True, env={"WEBNN_TRTX_SIMULATE": "1"})
    assert selection.select_backend(True, "high-performance", "trtx", probes=p).name == "trtx"
    assert selection.select_backend(True, "high-performance", probes=p).name == "onnxruntime"
    with pytest.raises(webnn.BackendUnavailable, match="no NVIDIA GPU"):
        selection.select_backend(True, "high-performance", "trtx", options={"simulate": False}, probes=p)


class FakeCoremlUnits(FakeCoreml):
    def __init__(self, power_preference: str = "default", compute_units: str | None = None) -> None:
        self.power_preference = power_preference


class FakeTrtxSim(FakeTrtx):
    def __init__(self, simulate: bool | None = None) -> None:
        self.simulate = simulate


@pytest.mark.parametrize("pref", ["low-power", "default"])
def test_power_preference_reaches_backends_that_take_it(tmp_path: Path, pref: str) -> None:
    p = machine(tmp_path, gpu=False, trt=False, macos=True)
    p.load_backend = lambda name: {"onnxruntime": OnnxRuntimeBackend, "trtx": FakeTrtx, "coreml": FakeCoremlUnits}[name]
    with selection.use_probes(p):
        ctx = webnn.MLContext(power_preference=pref)
    assert ctx.backend == "coreml" and ctx._backend.power_preference == pref


def test_simulation_env_is_ignored_when_trtx_is_chosen_automatically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNN_TRTX_SIMULATE", "1")
    p = machine(tmp_path, gpu=True, trt=True, env={"WEBNN_TRTX_SIMULATE": "1"})  # the environment selection reads
    p.load_backend = lambda name: {"onnxruntime": OnnxRuntimeBackend, "trtx": FakeTrtxSim}[name]
    with selection.use_probes(p):
        auto = webnn.MLContext(power_preference="high-performance")
        named = webnn.MLContext(backend="trtx")
    assert auto.backend == "trtx" and auto._backend.simulate is False
    assert named._backend.simulate is True
