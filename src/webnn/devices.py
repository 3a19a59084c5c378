"""GPU detection without importing any GPU library.

:func:`detect` answers "which NVIDIA GPUs are here, with which compute capability" fast and
without side effects where there is nothing to find:

1. ``/proc/driver/nvidia`` (Linux driver): GPU models, bus ids, UUIDs and the driver version,
   read from plain files.
2. ``nvidia-smi`` when it is on ``PATH`` (Linux, Windows, WSL): run once with a short timeout
   to read names, compute capability, memory and driver version.
3. The CUDA driver library through :mod:`ctypes` (``libcuda.so.1`` / ``nvcuda.dll``), only when
   a driver was found by 1 or 2 (or WSL's ``/usr/lib/wsl/lib/libcuda.so.1`` exists) and a GPU's
   compute capability is still unknown. CUDA is never initialised on a machine without a driver.

The result is cached per process (``detect(refresh=True)`` re-probes). Everything the
detection touches goes through :class:`DeviceProbes`, so tests inject fake ``/proc`` trees,
fake ``nvidia-smi`` output or a fake driver and run the real parsing code.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = ["GpuInfo", "DeviceReport", "DeviceProbes", "detect", "parse_nvidia_smi", "parse_proc_information"]


@dataclass(frozen=True)
class GpuInfo:
    """One NVIDIA GPU as detected (fields are ``None`` when the probe that knows them did not run)."""

    index: int
    name: str
    compute_capability: tuple[int, int] | None = None
    memory_mib: int | None = None
    uuid: str | None = None
    bus_id: str | None = None
    vendor: str = "NVIDIA"

    @property
    def compute_capability_str(self) -> str | None:
        cc = self.compute_capability
        return None if cc is None else f"{cc[0]}.{cc[1]}"

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "vendor": self.vendor,
            "compute_capability": self.compute_capability_str,
            "memory_mib": self.memory_mib,
            "uuid": self.uuid,
            "bus_id": self.bus_id,
        }

    def __str__(self) -> str:
        parts = [f"GPU {self.index}: {self.name}"]
        if self.compute_capability:
            parts.append(f"compute capability {self.compute_capability_str}")
        if self.memory_mib:
            parts.append(f"{self.memory_mib / 1024:.0f} GiB")
        return ", ".join(parts)


@dataclass(frozen=True)
class DeviceReport:
    """What detection found: GPUs visible to CUDA, the driver, and how it was found out."""

    gpus: tuple[GpuInfo, ...] = ()
    driver_present: bool = False
    driver_version: str | None = None
    #: Probes that contributed data ("procfs", "nvidia-smi", "libcuda").
    sources: tuple[str, ...] = ()
    #: Human-readable notes: what was looked at and what failed.
    notes: tuple[str, ...] = ()
    #: GPUs found but hidden by ``CUDA_VISIBLE_DEVICES``.
    hidden: tuple[GpuInfo, ...] = ()

    def summary(self) -> str:
        """One line: the GPUs, or why none were found."""
        if self.gpus:
            drv = f" (driver {self.driver_version})" if self.driver_version else ""
            return "; ".join(str(g) for g in self.gpus) + drv
        if self.hidden:
            return f"{len(self.hidden)} NVIDIA GPU(s) present but hidden by CUDA_VISIBLE_DEVICES"
        why = "; ".join(self.notes) if self.notes else "nothing found"
        return f"no NVIDIA GPU detected ({why})"

    def to_json(self) -> dict:
        return {
            "gpus": [g.to_json() for g in self.gpus],
            "hidden_by_cuda_visible_devices": [g.to_json() for g in self.hidden],
            "driver_present": self.driver_present,
            "driver_version": self.driver_version,
            "sources": list(self.sources),
            "notes": list(self.notes),
        }


def _run(cmd: Sequence[str], timeout: float) -> str:
    """Run ``cmd``; return stdout, raise OSError/subprocess errors on failure or timeout."""
    res = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        msg = (res.stdout + res.stderr).strip().splitlines()
        raise RuntimeError(msg[0] if msg else f"exit status {res.returncode}")
    return res.stdout


def _cuda_driver_query(platform: str) -> dict[str, Any]:
    """Ask the CUDA driver API (through ctypes) for every device's name, capability, memory, bus id.

    Only called when a driver is known to be present. Returns
    ``{"driver_version": "12.4", "devices": [{"index", "name", "cc", "memory_mib", "bus_id"}]}``.
    """
    lib = ctypes.WinDLL("nvcuda.dll") if platform == "win32" else ctypes.CDLL("libcuda.so.1")  # type: ignore[attr-defined]

    def check(rc: int, what: str) -> None:
        if rc != 0:
            raise RuntimeError(f"{what} returned CUDA error {rc}")

    check(lib.cuInit(0), "cuInit")
    ver = ctypes.c_int()
    check(lib.cuDriverGetVersion(ctypes.byref(ver)), "cuDriverGetVersion")
    count = ctypes.c_int()
    check(lib.cuDeviceGetCount(ctypes.byref(count)), "cuDeviceGetCount")
    devices = []
    for i in range(count.value):
        dev = ctypes.c_int()
        check(lib.cuDeviceGet(ctypes.byref(dev), i), "cuDeviceGet")
        name = ctypes.create_string_buffer(256)
        check(lib.cuDeviceGetName(name, 256, dev), "cuDeviceGetName")
        major, minor = ctypes.c_int(), ctypes.c_int()
        check(lib.cuDeviceGetAttribute(ctypes.byref(major), 75, dev), "cuDeviceGetAttribute")  # COMPUTE_CAPABILITY_MAJOR
        check(lib.cuDeviceGetAttribute(ctypes.byref(minor), 76, dev), "cuDeviceGetAttribute")  # COMPUTE_CAPABILITY_MINOR
        mem = ctypes.c_size_t()
        total = getattr(lib, "cuDeviceTotalMem_v2", None) or lib.cuDeviceTotalMem
        mem_mib = mem.value // (1024 * 1024) if total(ctypes.byref(mem), dev) == 0 else None
        bus = ctypes.create_string_buffer(64)
        bus_id = bus.value.decode() if lib.cuDeviceGetPCIBusId(bus, 64, dev) == 0 else None
        devices.append({"index": i, "name": name.value.decode(errors="replace"), "cc": (major.value, minor.value), "memory_mib": mem_mib, "bus_id": bus_id})
    v = ver.value
    return {"driver_version": f"{v // 1000}.{(v % 1000) // 10}", "devices": devices}


@dataclass
class DeviceProbes:
    """Everything :func:`detect` looks at. Tests replace fields to fake a machine."""

    platform: str = field(default_factory=lambda: sys.platform)
    proc_root: str = "/proc/driver/nvidia"
    wsl_libcuda: str = "/usr/lib/wsl/lib/libcuda.so.1"
    which: Callable[[str], str | None] = shutil.which
    run: Callable[[Sequence[str], float], str] = _run
    #: Called only when a driver is present; ``None`` disables the ctypes probe.
    cuda_driver: Callable[[str], dict[str, Any]] | None = _cuda_driver_query
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    smi_timeout: float = 3.0


# -- parsing ----------------------------------------------------------------------------------

_DRIVER_RE = re.compile(r"Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)*)")


def parse_proc_information(text: str) -> dict[str, str]:
    """Parse ``/proc/driver/nvidia/gpus/<bus>/information`` into ``{key: value}``."""
    out = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


_SMI_FIELDS = ("index", "name", "compute_cap", "memory.total", "driver_version", "pci.bus_id", "uuid")


def parse_nvidia_smi(text: str, fields: Sequence[str] = _SMI_FIELDS) -> list[dict[str, str]]:
    """Parse ``nvidia-smi --query-gpu=... --format=csv,noheader,nounits`` output."""
    rows = []
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(fields):
            continue
        rows.append(dict(zip(fields, values, strict=True)))
    return rows


def _cc(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _int(text: str | None) -> int | None:
    try:
        return int(float(text)) if text not in (None, "", "[N/A]", "N/A") else None
    except ValueError:
        return None


def _norm_bus(bus: str | None) -> str | None:
    """PCI bus ids come as 0000:01:00.0 (procfs) or 00000000:01:00.0 (nvidia-smi/CUDA)."""
    if not bus:
        return None
    m = re.fullmatch(r"([0-9a-fA-F]+):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])", bus.strip())
    if not m:
        return bus.strip().lower()
    return f"{int(m.group(1), 16):04x}:{m.group(2).lower()}:{m.group(3).lower()}.{m.group(4)}"


# -- probes -----------------------------------------------------------------------------------


def _from_procfs(p: DeviceProbes, notes: list[str]) -> tuple[bool, str | None, list[GpuInfo]]:
    root = Path(p.proc_root)
    if not root.is_dir():
        notes.append(f"no {p.proc_root}")
        return False, None, []
    version = None
    try:
        m = _DRIVER_RE.search((root / "version").read_text())
        version = m.group(1) if m else None
    except OSError:
        pass
    gpus = []
    gdir = root / "gpus"
    entries = sorted(gdir.iterdir()) if gdir.is_dir() else []
    for i, d in enumerate(entries):
        try:
            info = parse_proc_information((d / "information").read_text())
        except OSError:
            continue
        minor = _int(info.get("Device Minor"))
        gpus.append(
            GpuInfo(
                index=i if minor is None else minor,
                name=info.get("Model", "NVIDIA GPU"),
                uuid=info.get("GPU UUID") or None,
                bus_id=_norm_bus(info.get("Bus Location") or d.name),
            )
        )
    if not gpus:
        notes.append(f"{p.proc_root} lists no GPUs")
    return True, version, sorted(gpus, key=lambda g: g.index)


def _from_smi(p: DeviceProbes, notes: list[str]) -> tuple[str | None, list[GpuInfo]] | None:
    exe = p.which("nvidia-smi")
    if not exe:
        notes.append("nvidia-smi not on PATH")
        return None
    fields = list(_SMI_FIELDS)
    for _attempt in range(2):
        try:
            out = p.run([exe, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"], p.smi_timeout)
        except subprocess.TimeoutExpired:
            notes.append(f"nvidia-smi timed out after {p.smi_timeout:g} s")
            return None
        except Exception as e:  # noqa: BLE001 - any failure means "no answer from nvidia-smi"
            msg = str(e)
            if "compute_cap" in msg and "compute_cap" in fields:  # drivers before ~510 lack the field
                fields.remove("compute_cap")
                continue
            notes.append(f"nvidia-smi failed: {msg[:200]}")
            return None
        break
    rows = parse_nvidia_smi(out, fields)
    gpus = [
        GpuInfo(
            index=index if (index := _int(r.get("index"))) is not None else i,
            name=r.get("name", "NVIDIA GPU"),
            compute_capability=_cc(r.get("compute_cap")),
            memory_mib=_int(r.get("memory.total")),
            uuid=r.get("uuid") or None,
            bus_id=_norm_bus(r.get("pci.bus_id")),
        )
        for i, r in enumerate(rows)
    ]
    version = next((r["driver_version"] for r in rows if r.get("driver_version")), None)
    if not gpus:
        notes.append("nvidia-smi lists no GPUs")
    return version, gpus


def _from_cuda(p: DeviceProbes, notes: list[str]) -> tuple[str | None, list[GpuInfo]] | None:
    if p.cuda_driver is None:
        return None
    try:
        res = p.cuda_driver(p.platform)
    except Exception as e:  # noqa: BLE001 - a broken driver is "no answer", not a crash
        notes.append(f"CUDA driver query failed: {str(e)[:200]}")
        return None
    gpus = [
        GpuInfo(index=d["index"], name=d.get("name", "NVIDIA GPU"), compute_capability=tuple(d["cc"]) if d.get("cc") else None,
                memory_mib=d.get("memory_mib"), bus_id=_norm_bus(d.get("bus_id")))
        for d in res.get("devices", [])
    ]
    return res.get("driver_version"), gpus


def _merge(base: list[GpuInfo], extra: list[GpuInfo]) -> list[GpuInfo]:
    """Fill unknown fields of ``base`` GPUs from ``extra`` (matched by bus id, else by index)."""
    if not base:
        return list(extra)
    by_bus = {g.bus_id: g for g in extra if g.bus_id}
    by_index = {g.index: g for g in extra}
    out = []
    for g in base:
        e = by_bus.get(g.bus_id) if g.bus_id else None
        if e is None and not by_bus:
            e = by_index.get(g.index)
        if e is not None:
            g = replace(
                g,
                compute_capability=g.compute_capability or e.compute_capability,
                memory_mib=g.memory_mib or e.memory_mib,
                uuid=g.uuid or e.uuid,
                bus_id=g.bus_id or e.bus_id,
                name=g.name if g.name and g.name != "NVIDIA GPU" else e.name,
            )
        out.append(g)
    return out


def _visible(gpus: list[GpuInfo], environ: Mapping[str, str]) -> tuple[list[GpuInfo], list[GpuInfo]]:
    """Split GPUs into (visible, hidden) per ``CUDA_VISIBLE_DEVICES`` (indices or UUIDs)."""
    spec = environ.get("CUDA_VISIBLE_DEVICES")
    if spec is None:
        return gpus, []
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    visible: list[GpuInfo] = []
    for w in wanted:
        if w.lstrip("-").isdigit():
            idx = int(w)
            if idx < 0:
                break  # CUDA stops at the first invalid entry
            match = next((g for g in gpus if g.index == idx), None)
        else:
            match = next((g for g in gpus if g.uuid and (g.uuid == w or g.uuid.startswith(w))), None)
        if match is None:
            break
        if match not in visible:
            visible.append(match)
    hidden = [g for g in gpus if g not in visible]
    return visible, hidden


def _detect(p: DeviceProbes) -> DeviceReport:
    notes: list[str] = []
    sources: list[str] = []
    if p.platform == "darwin":
        return DeviceReport(notes=("macOS has no NVIDIA CUDA driver",))
    gpus: list[GpuInfo] = []
    driver = False
    version = None
    if p.platform.startswith("linux"):
        driver, version, gpus = _from_procfs(p, notes)
        if gpus:
            sources.append("procfs")
        if not driver and os.path.exists(p.wsl_libcuda):
            driver = True  # WSL2: the Windows driver is exposed through libcuda, not /proc
            notes.append("WSL CUDA driver library found")
    smi = _from_smi(p, notes)
    if smi is not None:
        sversion, sgpus = smi
        if sgpus:
            sources.append("nvidia-smi")
            driver = True
            gpus = _merge(sgpus, gpus)  # nvidia-smi knows more; procfs fills gaps
        version = version or sversion
    if driver and (not gpus or any(g.compute_capability is None for g in gpus)):
        cuda = _from_cuda(p, notes)
        if cuda is not None:
            cversion, cgpus = cuda
            if cgpus:
                sources.append("libcuda")
            gpus = _merge(gpus, cgpus)
            version = version or cversion
    gpus = sorted(gpus, key=lambda g: g.index)
    visible, hidden = _visible(gpus, p.environ)
    if hidden and not visible:
        notes.append(f"CUDA_VISIBLE_DEVICES={p.environ.get('CUDA_VISIBLE_DEVICES')!r} hides every GPU")
    return DeviceReport(tuple(visible), driver, version, tuple(sources), tuple(notes), tuple(hidden))


_cache: DeviceReport | None = None
_lock = threading.Lock()


def detect(probes: DeviceProbes | None = None, *, refresh: bool = False) -> DeviceReport:
    """Detect NVIDIA GPUs. With default probes the answer is cached for the process."""
    global _cache
    if probes is not None:
        return _detect(probes)
    with _lock:
        if _cache is None or refresh:
            _cache = _detect(DeviceProbes())
        return _cache
