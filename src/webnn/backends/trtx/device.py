"""Find a CUDA driver and NVIDIA GPUs, without initialising CUDA where no driver is installed.

The probe loads the driver library (``libcuda.so.1`` / ``nvcuda.dll``) with ctypes and
calls ``cuInit`` only once that library loaded, so machines without a driver pay nothing
and never see CUDA's error spew. The result is computed once per process.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from dataclasses import dataclass, field

#: Oldest compute capability TensorRT-RTX runs on (Turing, with an explicit SM75 build).
MIN_COMPUTE_CAPABILITY = (7, 5)
#: Compute capabilities a default (portable) TensorRT-RTX engine targets.
DEFAULT_ENGINE_CCS = ((8, 0), (8, 6), (8, 9), (12, 0))

_CU_ATTR_CC_MAJOR = 75
_CU_ATTR_CC_MINOR = 76


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    compute_capability: tuple[int, int]
    total_memory: int

    @property
    def sm(self) -> str:
        return f"SM{self.compute_capability[0]}{self.compute_capability[1]}"


@dataclass(frozen=True)
class DeviceProbe:
    """What this machine offers for CUDA: ``ok`` when a driver initialised and a GPU exists."""

    ok: bool
    reason: str
    gpus: tuple[Gpu, ...] = field(default=())
    driver_version: int = 0

    def describe(self) -> str:
        if not self.ok:
            return self.reason
        gs = ", ".join(f"{g.name} (compute capability {g.compute_capability[0]}.{g.compute_capability[1]})" for g in self.gpus)
        return f"CUDA driver {self.driver_version // 1000}.{self.driver_version % 1000 // 10}; {gs}"


def _load_driver() -> tuple[ctypes.CDLL | None, str]:
    if sys.platform == "darwin":
        return None, "no CUDA on macOS (TensorRT-RTX needs an NVIDIA GPU on Linux or Windows)"
    names = ["nvcuda.dll"] if sys.platform == "win32" else ["libcuda.so.1", "libcuda.so"]
    errors = []
    for n in names:
        try:
            return ctypes.CDLL(n), ""
        except OSError as e:
            errors.append(str(e))
    return None, f"no CUDA driver found (could not load {names[0]}: {errors[0] if errors else 'not found'}); TensorRT-RTX needs an NVIDIA GPU and its driver"


@functools.lru_cache(maxsize=None)
def probe() -> DeviceProbe:
    """Probe once: driver present, cuInit succeeds, GPUs and their compute capabilities."""
    if os.environ.get("WEBNN_TRTX_FAKE_NO_GPU"):  # lets tests see the no-GPU path on a GPU machine
        return DeviceProbe(False, "no CUDA driver found (WEBNN_TRTX_FAKE_NO_GPU is set)")
    lib, why = _load_driver()
    if lib is None:
        return DeviceProbe(False, why)
    try:
        rc = lib.cuInit(0)
        if rc != 0:
            return DeviceProbe(False, f"the CUDA driver failed to initialise (cuInit error {rc}); is an NVIDIA GPU present and the driver loaded?")
        ver = ctypes.c_int(0)
        lib.cuDriverGetVersion(ctypes.byref(ver))
        count = ctypes.c_int(0)
        rc = lib.cuDeviceGetCount(ctypes.byref(count))
        if rc != 0 or count.value == 0:
            return DeviceProbe(False, "the CUDA driver reports no NVIDIA GPU", driver_version=ver.value)
        gpus = []
        for i in range(count.value):
            dev = ctypes.c_int(0)
            if lib.cuDeviceGet(ctypes.byref(dev), i) != 0:
                continue
            name = ctypes.create_string_buffer(256)
            lib.cuDeviceGetName(name, 256, dev)
            major, minor = ctypes.c_int(0), ctypes.c_int(0)
            lib.cuDeviceGetAttribute(ctypes.byref(major), _CU_ATTR_CC_MAJOR, dev)
            lib.cuDeviceGetAttribute(ctypes.byref(minor), _CU_ATTR_CC_MINOR, dev)
            mem = ctypes.c_size_t(0)
            fn = getattr(lib, "cuDeviceTotalMem_v2", None) or lib.cuDeviceTotalMem
            fn(ctypes.byref(mem), dev)
            gpus.append(Gpu(i, name.value.decode(errors="replace"), (major.value, minor.value), mem.value))
    except (AttributeError, OSError) as e:
        return DeviceProbe(False, f"the CUDA driver library is unusable ({e})")
    return DeviceProbe(True, "", tuple(gpus), ver.value)


def check_gpu(device: int = 0) -> tuple[bool, str, Gpu | None]:
    """Whether TensorRT-RTX can run on GPU ``device`` here, and why not."""
    p = probe()
    if not p.ok:
        return False, p.reason, None
    if device >= len(p.gpus):
        return False, f"GPU {device} does not exist (found {len(p.gpus)})", None
    g = p.gpus[device]
    if g.compute_capability < MIN_COMPUTE_CAPABILITY:
        cc = f"{g.compute_capability[0]}.{g.compute_capability[1]}"
        return False, f"{g.name} has compute capability {cc}; TensorRT-RTX needs 7.5 (Turing) or newer", g
    return True, "", g
