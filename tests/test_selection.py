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
from webnn.backends import Backend, CompiledGraph, Distribution
from webnn.backends.coreml import CoremlBackend
from webnn.backends.onnxruntime import OnnxRuntimeBackend, OnnxRuntimeCudaBackend
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
    tmp_path: Path,
    *,
    proc: bool = False,
    smi_out: str | Exception | None = None,
    cuda=no_cuda,
    platform: str = "linux",
    env: dict | None = None,
    nvml=None,  # None (no NVML answer) or a fake answer's callable
) -> devices.DeviceProbes:
    return devices.DeviceProbes(
        nvml=nvml,
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
    OPTIONS = TrtxBackend.OPTIONS  # takes what the real backend takes, no more


class FakeCoreml(FakeAccel):
    name = "coreml"
    error = webnn.CoremlRuntimeFailed
    availability = CoremlBackend.availability
    OPTIONS = CoremlBackend.OPTIONS


class FakeOrtCuda(FakeAccel):
    """Compiles on ONNX Runtime's CPU provider, but is checked like ONNX Runtime on CUDA (on the fake machine)."""

    name = "onnxruntime"
    availability = OnnxRuntimeCudaBackend.availability
    configure = OnnxRuntimeCudaBackend.configure
    OPTIONS = OnnxRuntimeCudaBackend.OPTIONS  # takes what the real backend takes, no more


class FakeOrt(types.ModuleType):
    """What the ONNX Runtime CUDA checks read from onnxruntime: version, wheel, providers, and a probe session
    that gets the CUDA provider only when its libraries "load" (ONNX Runtime drops a provider it cannot load)."""

    def __init__(self, *, gpu_wheel: bool, cuda_loads: bool = True, version: str = "1.31.1") -> None:
        super().__init__("onnxruntime")
        self.__version__ = version
        self.package_name = "onnxruntime-gpu" if gpu_wheel else "onnxruntime"
        self.cuda_version = "13.0" if gpu_wheel else ""
        gpu = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
        self._providers = gpu if gpu_wheel else ["AzureExecutionProvider", "CPUExecutionProvider"]
        self.cuda_loads = cuda_loads
        self.sessions: list[list[str]] = []

    def get_available_providers(self) -> list[str]:
        return list(self._providers)

    class SessionOptions:
        log_severity_level = 2

    def InferenceSession(self, model: bytes, so: object, providers: list) -> types.SimpleNamespace:
        assert isinstance(model, bytes) and model, "the probe passes a serialized model"
        names = [p[0] if isinstance(p, tuple) else p for p in providers]
        got = [n for n in names if n in self._providers and (n != "CUDAExecutionProvider" or self.cuda_loads)]
        self.sessions.append(got)
        return types.SimpleNamespace(get_providers=lambda: list(got))


def ort_distributions(*names: str, version: str = "1.31.1") -> tuple[Distribution, ...]:
    return tuple(Distribution(n, version, "/site-packages") for n in names)


#: What the TensorRT-RTX availability check reads from the library: 1.7's compute capabilities (no SM90).
FAKE_TRT = types.SimpleNamespace(__version__="1.7.1.116", ComputeCapability=enum.Enum("ComputeCapability", "NONE CURRENT SM75 SM80 SM86 SM89 SM120 SM121"))


CLASSES = {"onnxruntime": OnnxRuntimeBackend, "onnxruntime-cuda": FakeOrtCuda, "trtx": FakeTrtx, "coreml": FakeCoreml}


def machine(
    tmp_path: Path,
    *,
    gpu: bool,
    trt: bool,
    cc: tuple[int, int] = (8, 9),
    macos: bool = False,
    coreml: bool = True,
    env: dict | None = None,
    ort_gpu: bool = False,
    cuda_loads: bool = True,
    dists: tuple[Distribution, ...] | None = None,
) -> selection.Probes:
    """A fake machine: detection runs on fake nvidia-smi output; packages/backends are faked.

    ``ort_gpu``: the installed onnxruntime is the GPU wheel (else the CPU one); ``cuda_loads``:
    its CUDA provider's libraries load; ``dists``: the ONNX Runtime distributions installed.
    """
    out = f"0, NVIDIA Test GPU, {cc[0]}.{cc[1]}, 8192, 560.1, 00000000:01:00.0, GPU-test\n" if gpu and not macos else None
    dp = probes(tmp_path, smi_out=out, platform="darwin" if macos else "linux")
    installed = {"onnxruntime", *(["tensorrt_rtx", "cuda"] if trt else []), *(["coremltools"] if coreml else [])}
    fake_ort = FakeOrt(gpu_wheel=ort_gpu, cuda_loads=cuda_loads)
    if dists is None:
        dists = ort_distributions("onnxruntime-gpu" if ort_gpu else "onnxruntime")

    def import_module(name: str):
        if name.split(".")[0] not in installed:
            raise ImportError(f"No module named {name!r}")
        return {"tensorrt_rtx": FAKE_TRT, "onnxruntime": fake_ort}.get(name) or types.ModuleType(name)

    return selection.Probes(
        platform="darwin" if macos else "linux",
        devices=lambda: devices.detect(dp),
        module_available=lambda m: m.split(".")[0] in installed,
        import_module=import_module,
        load_backend=CLASSES.__getitem__,
        environ=env or {},
        distributions=lambda m: dists if m == "onnxruntime" else (),
    )


def expected(accelerated: bool, pref: str, gpu: bool, trt: bool, cc_ok: bool, macos: bool, ort_gpu: bool = False) -> str:
    trtx_ok = gpu and trt and cc_ok and not macos
    ort_cuda_ok = gpu and ort_gpu and not macos
    coreml_ok = macos
    if not accelerated:
        return "onnxruntime"
    order = {
        "high-performance": [("trtx", trtx_ok), ("onnxruntime-cuda", ort_cuda_ok)],
        "low-power": [("coreml", coreml_ok)],
        "default": [("trtx", trtx_ok), ("onnxruntime-cuda", ort_cuda_ok), ("coreml", coreml_ok)],
    }[pref]
    return next((n for n, ok in order if ok), "onnxruntime")


BOOL = [True, False]
MATRIX = list(itertools.product(BOOL, ["default", "high-performance", "low-power"], BOOL, BOOL, BOOL, BOOL, BOOL))


@pytest.mark.parametrize("accelerated,pref,gpu,trt,cc_ok,macos,ort_gpu", MATRIX)
def test_selection_matrix(tmp_path: Path, accelerated: bool, pref: str, gpu: bool, trt: bool, cc_ok: bool, macos: bool, ort_gpu: bool) -> None:
    p = machine(tmp_path, gpu=gpu, trt=trt, cc=(8, 6) if cc_ok else (6, 1), macos=macos, ort_gpu=ort_gpu)
    s = selection.select_backend(accelerated, pref, probes=p)
    want = expected(accelerated, pref, gpu, trt, cc_ok, macos, ort_gpu)
    assert s.name == want, s.explain()
    assert s.backend_class is CLASSES[want]
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
        if "onnxruntime-cuda" in rejected:
            why = rejected["onnxruntime-cuda"]
            if macos:
                assert "does not run on macOS" in why
            elif not gpu:
                assert "no NVIDIA GPU" in why
            elif not ort_gpu:
                assert "CPU wheel" in why and "no CUDAExecutionProvider" in why and "webnn[cuda]" in why
        assert "cannot run here" in s.reason or "can run here" in s.reason
    if want == "onnxruntime-cuda":
        assert s.options["device"] == "cuda" and s.gpu is not None and s.gpu.name == "NVIDIA Test GPU"
        assert "trtx" in dict(s.rejected) and "CUDAExecutionProvider on cuda:0" in text
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
    p.load_backend = lambda name: (_ for _ in ()).throw(ImportError("No module named 'webnn.backends.trtx'")) if name == "trtx" else CLASSES[name]
    s = selection.select_backend(True, "high-performance", probes=p)
    assert s.name == "onnxruntime" and "backend is not installed" in dict(s.rejected)["trtx"]

    class Broken(FakeTrtx):
        @classmethod
        def availability(cls):
            return False, "CUDA driver 470 is too old for CUDA 13"

    p = machine(tmp_path, gpu=True, trt=True)
    p.load_backend = lambda name: Broken if name == "trtx" else CLASSES[name]
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
        ctx = webnn.MLContext(accelerated=True, power_preference="high-performance", intra_op_threads=1, workspace=1 << 20)
    assert ctx.backend == "trtx" and "options not used by trtx: intra_op_threads" in ctx.describe()
    assert ctx._backend.options == {"workspace": 1 << 20}  # only the options TensorRT-RTX declares reach it
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
        ctx = webnn.MLContext(power_preference="high-performance", workspace=1 << 20)
        assert ctx.backend == "onnxruntime" and "options not used by onnxruntime: workspace" in ctx.describe()
        with pytest.raises(webnn.ValidationError, match="onnxruntime takes no option 'workspace'"):
            webnn.MLContext(backend="onnxruntime", workspace=1 << 20)  # named backend: options must fit
        with pytest.raises(webnn.ValidationError, match="unknown option 'device_id'"):
            webnn.MLContext(power_preference="high-performance", device_id=1)  # no backend takes it


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
    p.load_backend = lambda name: {**CLASSES, "coreml": FakeCoremlUnits}[name]
    with selection.use_probes(p):
        ctx = webnn.MLContext(power_preference=pref)
    assert ctx.backend == "coreml" and ctx._backend.power_preference == pref


def test_simulation_env_is_ignored_when_trtx_is_chosen_automatically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNN_TRTX_SIMULATE", "1")
    p = machine(tmp_path, gpu=True, trt=True, env={"WEBNN_TRTX_SIMULATE": "1"})  # the environment selection reads
    p.load_backend = lambda name: {**CLASSES, "trtx": FakeTrtxSim}[name]
    with selection.use_probes(p):
        auto = webnn.MLContext(power_preference="high-performance")
        named = webnn.MLContext(backend="trtx")
    assert auto.backend == "trtx" and auto._backend.simulate is False
    assert named._backend.simulate is True


# -- ONNX Runtime on CUDA: the route for NVIDIA GPUs TensorRT-RTX cannot use -----------------------


@pytest.mark.parametrize(
    "kw,want,why",
    [
        (dict(gpu=False, trt=True, ort_gpu=True), "onnxruntime", {"trtx": "no NVIDIA GPU", "onnxruntime-cuda": "no NVIDIA GPU"}),
        (dict(gpu=True, trt=False, ort_gpu=True), "onnxruntime-cuda", {"trtx": "TensorRT-RTX is not installed"}),
        (dict(gpu=True, trt=True, cc=(9, 0), ort_gpu=True), "onnxruntime-cuda", {"trtx": "NVIDIA Test GPU has compute capability 9.0"}),
        (dict(gpu=True, trt=True, cc=(8, 9), ort_gpu=True), "trtx", {}),
        (
            dict(gpu=True, trt=True, cc=(9, 0), ort_gpu=False),
            "onnxruntime",
            {"onnxruntime-cuda": "is the CPU wheel ('onnxruntime'), whose providers are AzureExecutionProvider, CPUExecutionProvider"},
        ),
        (dict(gpu=True, trt=False, ort_gpu=True, cuda_loads=False), "onnxruntime", {"onnxruntime-cuda": "without CUDAExecutionProvider"}),
    ],
    ids=["no-gpu", "gpu-without-trtx", "h200-sm90", "gpu-with-trtx", "cpu-wheel-only", "cuda-libraries-missing"],
)
@pytest.mark.parametrize("pref", ["high-performance", "default"])
def test_cuda_route_every_branch(tmp_path: Path, kw: dict, want: str, why: dict, pref: str) -> None:
    p = machine(tmp_path, **kw)
    s = selection.select_backend(True, pref, probes=p)
    assert s.name == want, s.explain()
    rejected = dict(s.rejected)
    for name, words in why.items():
        assert words in rejected[name], rejected[name]
    text = s.explain()
    if want == "onnxruntime-cuda":
        assert f"power_preference={pref!r}: ONNX Runtime (CUDA) can run here" in s.reason
        assert "device: GPU 0: NVIDIA Test GPU" in text and "onnxruntime-gpu 1.31.1 (CUDA 13.0): CUDAExecutionProvider on cuda:0" in text
    if want == "onnxruntime":
        assert "using the CPU" in s.reason and s.options.get("device", "cpu") == "cpu"
    # low-power never tries a GPU route; accelerated=False is the CPU
    assert selection.select_backend(True, "low-power", probes=p).name == "onnxruntime"
    assert selection.select_backend(False, pref, probes=p).name == "onnxruntime"


def test_cuda_route_probe_session_runs_once_per_process(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=True, trt=False, ort_gpu=True)
    fake = p.import_module("onnxruntime")
    for _ in range(3):
        assert selection.select_backend(True, "high-performance", probes=p).name == "onnxruntime-cuda"
    assert fake.sessions == [["CUDAExecutionProvider", "CPUExecutionProvider"]]


@pytest.mark.parametrize(
    "kw,missing,words",
    [
        (dict(gpu=False, trt=False, ort_gpu=True), "gpu", "no NVIDIA GPU detected"),
        (dict(gpu=True, trt=False, ort_gpu=False), "package", "CPU wheel ('onnxruntime')"),
        (dict(gpu=True, trt=False, ort_gpu=True, cuda_loads=False), "unavailable", "without CUDAExecutionProvider"),
        (dict(gpu=True, trt=False, ort_gpu=True, macos=True), "platform", "does not run on macOS"),
    ],
)
@pytest.mark.parametrize("how", [dict(backend="onnxruntime", device="cuda"), dict(backend="onnxruntime-cuda"), dict(backend="ort-cuda", device=0)])
def test_explicit_cuda_that_cannot_run_says_what_is_missing(tmp_path: Path, kw: dict, missing: str, words: str, how: dict) -> None:
    how = dict(how)
    name = how.pop("backend")
    with pytest.raises(webnn.BackendUnavailable) as ei:
        selection.select_backend(False, "default", name, options=how, probes=machine(tmp_path, **kw))
    assert ei.value.missing == missing and words in str(ei.value), str(ei.value)


def test_cpu_wheel_message_names_installed_wheel_providers_and_fix(tmp_path: Path) -> None:
    with pytest.raises(webnn.BackendUnavailable) as ei:
        selection.select_backend(True, "default", "onnxruntime", options={"device": "cuda"}, probes=machine(tmp_path, gpu=True, trt=False, ort_gpu=False))
    msg = str(ei.value)
    assert "onnxruntime 1.31.1 is the CPU wheel" in msg and "AzureExecutionProvider, CPUExecutionProvider" in msg
    assert 'pip install "webnn[cuda]"' in msg and "pip uninstall -y onnxruntime onnxruntime-gpu" in msg


def test_both_wheels_installed_is_reported(tmp_path: Path) -> None:
    dists = ort_distributions("onnxruntime", "onnxruntime-gpu")
    with pytest.raises(webnn.BackendUnavailable) as ei:  # the CPU wheel's files won
        p = machine(tmp_path, gpu=True, trt=False, ort_gpu=False, dists=dists)
        selection.select_backend(True, "default", "onnxruntime", options={"device": "cuda"}, probes=p)
    msg = str(ei.value)
    assert "onnxruntime 1.31.1 and onnxruntime-gpu 1.31.1 are both installed in /site-packages" in msg
    assert "pip uninstall -y onnxruntime onnxruntime-gpu && pip install --no-deps onnxruntime-gpu==1.31.1" in msg
    # the GPU wheel's files won
    s = selection.select_backend(True, "high-performance", probes=machine(tmp_path, gpu=True, trt=False, ort_gpu=True, dists=dists))
    assert s.name == "onnxruntime-cuda" and any("both installed" in n and "can break" in n for n in s.notes)


def test_device_option_picks_the_gpu_and_the_cpu_fallback_stays_on_the_cpu(tmp_path: Path) -> None:
    p = machine(tmp_path, gpu=True, trt=False, ort_gpu=True)
    s = selection.select_backend(True, "high-performance", options={"device": 0}, probes=p)
    assert s.name == "onnxruntime-cuda" and s.options["device"] == 0
    s = selection.select_backend(True, "high-performance", options={"device": 1}, probes=p)
    assert s.name == "onnxruntime" and s.options["device"] == "cpu"  # GPU 1 does not exist: the CPU, not GPU 1
    assert "GPU 1 does not exist" in dict(s.rejected)["onnxruntime-cuda"]
    assert selection.select_backend(False, "default", options={"device": "cuda"}, probes=p).options["device"] == "cpu"
    with pytest.raises(webnn.BackendUnavailable, match="asks for the CPU"):
        selection.select_backend(True, "default", "onnxruntime-cuda", options={"device": "cpu"}, probes=p)


@pytest.mark.parametrize(
    "device,words",
    [("gpu", "'cpu', 'cuda', 'cuda:N' or a GPU index"), (True, "got True"), (-1, "GPU index .*>= 0"), ("cuda:x", "'cuda:x'"), (1.5, "got 1.5")],
)
def test_invalid_device_is_a_validation_error(device: object, words: str) -> None:
    with pytest.raises(webnn.ValidationError, match=words):
        webnn.MLContext(backend="onnxruntime", device=device)
    ctx = webnn.MLContext(backend="onnxruntime", device="CPU")  # the context stays usable; case does not matter
    assert ctx.backend == "onnxruntime" and ctx._backend.placement.kind == "cpu"


def test_context_on_the_cuda_route(tmp_path: Path) -> None:
    with selection.use_probes(machine(tmp_path, gpu=True, trt=True, cc=(9, 0), ort_gpu=True)):
        ctx = webnn.MLContext(power_preference="high-performance")
        text = ctx.describe()
    assert ctx.backend == "onnxruntime" and ctx.selection.name == "onnxruntime-cuda"
    assert ctx._backend.options == {"device": "cuda"}
    assert "backend: onnxruntime-cuda" in text and "rejected trtx: NVIDIA Test GPU has compute capability 9.0" in text
    assert "engine: onnxruntime" in text
    x = np.array([[1, 2], [3, 4]], np.float32)
    np.testing.assert_array_equal(ctx.compute(graph_with(ctx, "add"), {"x": x})["y"], x + 2)


def test_named_cuda_backend_describes_its_engine(tmp_path: Path) -> None:
    with selection.use_probes(machine(tmp_path, gpu=True, trt=False, ort_gpu=True)):
        ctx = webnn.MLContext(backend="onnxruntime", device="cuda:0")
        text = ctx.describe()
    assert ctx._backend.placement.is_cuda and ctx._backend.gpu.name == "NVIDIA Test GPU"
    assert "engine: onnxruntime-gpu 1.31.1 (CUDA 13.0): CUDAExecutionProvider on cuda:0 (NVIDIA Test GPU)" in text
    assert "CPUExecutionProvider for the nodes CUDA has no kernel for" in text


def test_preview_shows_the_cuda_route(tmp_path: Path) -> None:
    out = selection.preview(machine(tmp_path, gpu=True, trt=True, cc=(9, 0), ort_gpu=True))
    want = {"accelerated=False": "onnxruntime", "default": "onnxruntime-cuda", "high-performance": "onnxruntime-cuda", "low-power": "onnxruntime"}
    assert {k: v.name for k, v in out.items()} == want
