"""The README's main command on a fresh virtual environment: what it installs, how big, how long.

Reads the main-job line of README.md (the one installing ``".[demo]"``), makes a new venv in a
temporary folder, runs the line in it (the install, then ``webnn demo``, with its own cache
folder so the weights are fetched as on a new machine), and reports: install and demo seconds,
the venv's size, whether torch (or any NVIDIA/CUDA wheel) was installed, and the packages.
Prints a table and writes bench/results/fresh_venv.json.

    python tools/fresh_venv.py [--no-cache] [--keep]

``--no-cache`` makes pip download everything (no wheel cache), as on a new machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Distributions that must not be in the main job's venv.
HEAVY = re.compile(r"^(torch|triton|sentence-transformers|transformers|nvidia-.*-cu\d+|nvidia-cuda-.*)$", re.IGNORECASE)


def main_command(readme: Path = ROOT / "README.md") -> tuple[str, str]:
    """(install part, run part) of the README's main-job line ``... pip install ... ".[demo]" && webnn demo``."""
    for line in readme.read_text().splitlines():
        if '".[demo]"' in line and "pip install" in line and not line.lstrip().startswith("#"):
            install, sep, run = line.partition("&&")
            if not sep:
                raise SystemExit(f"README main-job line has no '&& webnn demo': {line!r}")
            return install.strip(), run.strip()
    raise SystemExit('README.md has no main-job line installing ".[demo]"')


def du(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def run_in_venv(venv: Path, command: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    p = subprocess.run(["bash", "-c", f". {venv}/bin/activate && {command}"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, p


def measure(no_cache: bool = False, keep: bool = False) -> dict:
    install, demo = main_command()
    work = Path(tempfile.mkdtemp(prefix="webnn-fresh-venv-"))
    venv = work / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "WEBNN_"))}
    env["WEBNN_CACHE_DIR"] = str(work / "cache")  # the weights are fetched as on a new machine
    if no_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        venv_s = time.perf_counter() - t0
        install_s, p = run_in_venv(venv, install, env)
        if p.returncode != 0:
            raise RuntimeError(f"`{install}` failed in a fresh venv:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
        demo_s, d = run_in_venv(venv, demo, env)
        listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True)
        packages = {x["name"]: x["version"] for x in json.loads(listed.stdout)}
        return {
            "install_command": install,
            "demo_command": demo,
            "pip_cache": not no_cache,
            "python": sys.version.split()[0],
            "venv_seconds": round(venv_s, 1),
            "install_seconds": round(install_s, 1),
            "demo_seconds": round(demo_s, 1),
            "demo_returncode": d.returncode,
            "demo_stdout": d.stdout[-2000:],
            "demo_stderr": d.stderr[-2000:],
            "venv_bytes": du(venv),
            "weights_cache_bytes": du(work / "cache"),
            "heavy": sorted(n for n in packages if HEAVY.match(n)),
            "packages": packages,
        }
    finally:
        if keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-cache", action="store_true", help="no pip wheel cache (as on a new machine)")
    ap.add_argument("--keep", action="store_true", help="keep the venv and its cache folder")
    args = ap.parse_args()
    r = measure(no_cache=args.no_cache, keep=args.keep)
    mb = 1024 * 1024
    print(f"| {'README main command':<24} | {r['install_command']} && {r['demo_command']} |")
    for k, v in (("pip wheel cache", "used" if r["pip_cache"] else "not used"), ("install", f"{r['install_seconds']} s"),
                 ("webnn demo (1st run)", f"{r['demo_seconds']} s, exit {r['demo_returncode']}"), ("venv size", f"{r['venv_bytes'] / mb:.0f} MiB"),
                 ("weights in the cache", f"{r['weights_cache_bytes'] / mb:.0f} MiB"), ("packages", str(len(r["packages"]))),
                 ("torch / CUDA wheels", ", ".join(r["heavy"]) or "none")):
        print(f"| {k:<24} | {v} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "fresh_venv.json").write_text(json.dumps(r, indent=2))
    if r["heavy"] or r["demo_returncode"] != 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
