"""GPU discovery through NVML (nvidia-ml-py), with the other probes as fallbacks (webnn.devices).

The NVML answers here are what :func:`webnn.devices._nvml_query` returns; the real query runs on
this machine too (on one without an NVIDIA driver it must fail and hand over to nvidia-smi).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from webnn import devices

SMI = "0, NVIDIA H100 80GB HBM3, 9.0, 81559, 570.86.15, 00000000:01:00.0, GPU-1111\n"


def nvml_answer() -> dict[str, Any]:
    return {"driver_version": "580.65.06", "devices": [
        {"index": 0, "name": "NVIDIA GeForce RTX 5090", "cc": (12, 0), "memory_mib": 32607, "uuid": "GPU-aaaa", "bus_id": "00000000:01:00.0"},
        {"index": 1, "name": "NVIDIA RTX A6000", "cc": (8, 6), "memory_mib": 49140, "uuid": "GPU-bbbb", "bus_id": "00000000:41:00.0"},
    ]}


def machine(tmp_path: Path, nvml: Any, smi_out: str | None = None) -> devices.DeviceProbes:
    calls: list[list[str]] = []

    def run(cmd: Any, timeout: float) -> str:
        calls.append(list(cmd))
        if smi_out is None:
            raise AssertionError("nvidia-smi must not be run when NVML answered")
        return smi_out

    def no_cuda(platform: str) -> dict:
        raise AssertionError("libcuda is not needed when the compute capability is known")

    p = devices.DeviceProbes(platform="linux", proc_root=str(tmp_path / "absent"), wsl_libcuda=str(tmp_path / "no-wsl"),
                             which=lambda n: "/usr/bin/nvidia-smi", run=run, cuda_driver=no_cuda, environ={}, nvml=nvml)
    p.calls = calls  # type: ignore[attr-defined]
    return p


def test_nvml_answers_and_nvidia_smi_is_not_run(tmp_path: Path) -> None:
    r = devices.detect(machine(tmp_path, nvml_answer))
    assert r.sources == ("nvml",) and r.driver_present and r.driver_version == "580.65.06"
    assert [(g.name, g.compute_capability, g.memory_mib, g.uuid, g.bus_id) for g in r.gpus] == [
        ("NVIDIA GeForce RTX 5090", (12, 0), 32607, "GPU-aaaa", "0000:01:00.0"),
        ("NVIDIA RTX A6000", (8, 6), 49140, "GPU-bbbb", "0000:41:00.0"),
    ]


def test_without_an_nvml_answer_nvidia_smi_is_the_fallback(tmp_path: Path) -> None:
    def broken() -> dict:
        raise RuntimeError("NVML Shared Library Not Found")

    p = machine(tmp_path, broken, smi_out=SMI)
    r = devices.detect(p)
    assert r.sources == ("nvidia-smi",) and r.gpus[0].compute_capability == (9, 0)
    assert "NVML: NVML Shared Library Not Found" in r.notes and len(p.calls) == 1  # type: ignore[attr-defined]

    def missing() -> dict:
        raise ImportError("No module named 'pynvml'")

    r = devices.detect(machine(tmp_path, missing, smi_out=SMI))
    assert "nvidia-ml-py (NVML) is not installed" in r.notes and r.sources == ("nvidia-smi",)


def test_the_real_nvml_query_here(tmp_path: Path) -> None:
    """NVML as installed on this machine: without a driver it fails, and detection goes on without it."""
    pynvml = pytest.importorskip("pynvml", reason="nvidia-ml-py is not installed")
    try:
        answer = devices._nvml_query()
    except pynvml.NVMLError as e:
        r = devices.detect(machine(tmp_path, devices._nvml_query, smi_out=""))
        assert any(n.startswith("NVML: ") for n in r.notes) and not r.gpus, (e, r.notes)
        return
    assert answer["devices"], "NVML initialised, so it lists the GPUs"
    assert all(d["name"] and d["uuid"].startswith(("GPU-", "MIG-")) for d in answer["devices"])
    r = devices.detect()
    assert "nvml" in r.sources and len(r.gpus) + len(r.hidden) == len(answer["devices"])
