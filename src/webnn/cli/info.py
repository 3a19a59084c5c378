"""``webnn info``: installed backends, GPUs, what each power preference picks here, the cache."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from typing import Any

from .. import __version__, cache_dir, devices, selection
from ..backends import BACKENDS
from ..backends.ort_cuda import installation
from ._args import AddParser, add_json_flag, examples
from ._errors import EXIT_OK
from ._output import human_bytes, print_json


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "info",
        help="backends, GPUs, what each power preference picks, cache",
        description="What webnn finds on this machine: installed backends and whether each can run here (and why not), "
        "NVIDIA GPUs, what each power preference would pick, and the cache directory.",
        epilog=examples("webnn info", "webnn info --json | python3 -m json.tool"),
    )
    add_json_flag(s)
    s.set_defaults(handler=handle)


def _dist_version(module: str) -> tuple[str | None, str | None]:
    """(distribution name, version) providing ``module``, without importing it."""
    from importlib import metadata  # deferred: ~25 ms, a quarter of the CLI's own start-up

    try:
        dists = metadata.packages_distributions().get(module, [])
    except Exception:  # noqa: BLE001 - broken package metadata: report "not installed"
        dists = []
    for name in sorted(set(dists), key=len):
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None, None


def _backend(name: str) -> dict[str, Any]:
    module = BACKENDS[name].engine_module
    dist, version = _dist_version(module) if module else (None, None)
    entry = {"engine": module, "package": dist, "version": version, "installed": version is not None, **selection.check_backend(name).to_json()}
    if module == "onnxruntime" and version:
        try:
            import onnxruntime  # deferred: heavy, and only to list its execution providers

            entry["providers"] = onnxruntime.get_available_providers()
            # which wheel the imported files came from (CPU or GPU), and every ONNX Runtime wheel installed
            entry["wheel"] = installation(onnxruntime, selection.current_probes().distributions("onnxruntime")).to_json()
        except Exception:  # noqa: BLE001 - an installed but broken onnxruntime shows no providers
            pass
    return entry


def gather_info() -> dict[str, Any]:
    """Everything ``webnn info`` shows, as JSON-ready data."""
    report = devices.detect()
    sel = {}
    for label, s in selection.preview().items():
        sel[label] = s.to_json() if isinstance(s, selection.Selection) else {"error": f"{type(s).__name__}: {s}"}
    return {
        "webnn": __version__,
        "python": platform.python_version(),
        "platform": {"system": sys.platform, "machine": platform.machine(), "release": platform.release()},
        "backends": {name: _backend(name) for name in BACKENDS},
        "gpus": report.to_json(),
        "gpu_summary": report.summary(),
        "WEBNN_BACKEND": os.environ.get("WEBNN_BACKEND") or None,
        "selection": sel,
        "cache": cache_dir.cache_info(),
    }


def _backend_lines(info: dict[str, Any]) -> list[str]:
    out = []
    for name, b in info["backends"].items():
        pkg = f"{b['package']} {b['version']}" if b["version"] else "not installed"
        state = "usable" if b["usable"] else f"not usable: {b['reason']}"
        out.append(f"  {name:<16} {pkg:<30} {state}")
        if name == "onnxruntime-cuda" and b.get("wheel"):
            w = b["wheel"]
            out.append(f"  {'':<16} wheel: {w['wheel']} {w['version']}; providers: {', '.join(w['providers'])}")
        for n in b.get("notes", []):
            out.append(f"  {'':<16} note: {n}")
    return out


def _gpu_lines(info: dict[str, Any]) -> list[str]:
    g = info["gpus"]
    if not g["gpus"]:
        return [f"  none ({info['gpu_summary'].removeprefix('no NVIDIA GPU detected (').rstrip(')')})"]
    out = []
    for gpu in g["gpus"]:
        mem = f", {gpu['memory_mib'] / 1024:.0f} GiB" if gpu["memory_mib"] else ""
        out.append(f"  {gpu['index']}: {gpu['name']}, compute capability {gpu['compute_capability'] or 'unknown'}{mem}")
    if g["driver_version"]:
        out.append(f"  driver {g['driver_version']} (found via {', '.join(g['sources'])})")
    return out


def _selection_lines(info: dict[str, Any]) -> list[str]:
    out = []
    for label, s in info["selection"].items():
        if "error" in s:
            out.append(f"  {label:<18} -> error: {s['error']}")
            continue
        gpu = f" on {s['gpu']['name']}" if s.get("gpu") else ""
        out.append(f"  {label:<18} -> {s['backend']}{gpu}")
    rejected = {}
    for s in info["selection"].values():
        for r in s.get("rejected", []):
            rejected[r["backend"]] = r["reason"]
    out += [f"  ({name} rejected: {why})" for name, why in rejected.items()]
    return out


def render(info: dict[str, Any]) -> str:
    """The text report of :func:`gather_info`'s data."""
    override = f" (WEBNN_BACKEND={info['WEBNN_BACKEND']} overrides every choice)" if info["WEBNN_BACKEND"] else ""
    c = info["cache"]
    usage = f"{human_bytes(c['bytes'])} in {c['files']} file(s)" if c["exists"] else "empty (not created yet)"
    return "\n".join(
        [f"webnn {info['webnn']} (Python {info['python']}, {info['platform']['system']} {info['platform']['machine']})", "", "backends:"]
        + _backend_lines(info)
        + ["", "GPUs:"]
        + _gpu_lines(info)
        + ["", "selection here:" + override]
        + _selection_lines(info)
        + ["", "cache:", f"  {c['dir']}: {usage}"]
    )


def handle(args: argparse.Namespace) -> int:
    info = gather_info()
    if args.json:
        print_json(info)
    else:
        print(render(info))
    return EXIT_OK
