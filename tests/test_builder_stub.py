"""The builder's typed surface: ``_builder_ops.pyi`` follows the op table, and type checkers accept
README's first example (and reject wrong calls) with the builder methods typed."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

import webnn
from webnn.ops import load_all

ROOT = Path(__file__).resolve().parents[1]
STUB = ROOT / "src" / "webnn" / "_builder_ops.pyi"

# Calls a type checker must reject, each on its own line: (call, what the error is about).
WRONG_CALLS = [
    ("b.conv2d(x)", "filter"),  # a missing operand
    ("b.relu(x, alpha=1.0)", "alpha"),  # an option the op does not have
    ("b.reduce_mean(x, axes=1)", "axes"),  # an option of the wrong type
    ("b.reduceMean(x, keep_dimensions='yes')", "keep_dimensions"),  # a spec alias is typed like its method
    ("y: webnn.MLOperand = b.split(x, 2)", "list"),  # a multi-output op returns list[MLOperand]
]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_builder_stub", ROOT / "tools" / "gen_builder_stub.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stub_class() -> ast.ClassDef:
    tree = ast.parse(STUB.read_text())
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "BuilderOps"]
    assert len(classes) == 1
    return classes[0]


def test_stub_is_current() -> None:
    assert STUB.read_text() == _generator().render(), "src/webnn/_builder_ops.pyi is out of date: run python tools/gen_builder_stub.py"


def test_stub_declares_every_runtime_method_with_its_signature() -> None:
    """Independent of the generator: the stub's methods are the builder's operator methods, with the
    parameters (names, kinds, defaults) the builder binds calls against, plus ``label``."""
    ops = load_all()
    cls = _stub_class()
    defs = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
    aliases = {t.id: n.value.id for n in cls.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Name)}
    assert sorted(defs) == sorted(ops)
    assert aliases == {o.spec_name: o.name for o in ops.values() if o.spec_name != o.name}
    for name, opdef in ops.items():
        method = getattr(webnn.MLGraphBuilder, name)
        runtime = list(inspect.signature(method).parameters.values())[1:]
        args = defs[name].args
        declared = [(a.arg, "positional") for a in args.args[1:]] + [(a.arg, "keyword") for a in args.kwonlyargs]
        expected = [(p.name, "keyword" if p.kind is p.KEYWORD_ONLY else "positional") for p in runtime] + [("label", "keyword")]
        assert declared == expected, name
        defaults = args.defaults + [d for d in args.kw_defaults if d is not None]
        declared_defaults = [ast.literal_eval(d) for d in defaults][:-1]  # the last one is label's ""
        assert declared_defaults == [p.default for p in runtime if p.default is not p.empty], name
        returns = ast.unparse(defs[name].returns) if defs[name].returns else ""
        assert returns == ("list[MLOperand]" if opdef.multi_output else "MLOperand"), name
        if opdef.spec_name != name:
            assert getattr(webnn.MLGraphBuilder, opdef.spec_name) is method


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"^## First example\n.*?```python\n(.*?)```", text, re.S | re.M)
    assert m, "README.md has a '## First example' section with a python block"
    return m.group(1)


def _wrong_calls() -> str:
    lines = ["import webnn", "", "b = webnn.MLGraphBuilder(webnn.MLContext(accelerated=False))", 'x = b.input("x", [2, 3], "float32")']
    return "\n".join(lines + [call for call, _ in WRONG_CALLS]) + "\n"


def _error_lines(output: str, file: Path, pattern: str) -> dict[int, str]:
    """The error messages per line number of ``file`` in a type checker's ``output``."""
    errors: dict[int, str] = {}
    for line in output.splitlines():
        m = re.search(pattern, line)
        if m and Path(m.group("file")).name == file.name:
            n = int(m.group("line"))
            errors[n] = f"{errors[n]}\n{line}" if n in errors else line
    return errors


@pytest.mark.slow
def test_mypy_accepts_the_readme_example_and_rejects_wrong_calls(tmp_path: Path) -> None:
    example, wrong = tmp_path / "readme_example.py", tmp_path / "wrong_calls.py"
    example.write_text(_readme_example())
    wrong.write_text(_wrong_calls())
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary", "--cache-dir", str(tmp_path / "cache")]
    r = subprocess.run([*cmd, str(example), str(wrong)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    pattern = r"^(?P<file>[^:]+):(?P<line>\d+): error:"
    assert _error_lines(r.stdout, example, pattern) == {}, r.stdout + r.stderr
    errors = _error_lines(r.stdout, wrong, pattern)
    first = _wrong_calls().splitlines().index(WRONG_CALLS[0][0]) + 1
    for i, (call, about) in enumerate(WRONG_CALLS):
        assert first + i in errors, f"mypy accepted {call}:\n{r.stdout}{r.stderr}"
        assert about in errors[first + i], errors[first + i]
    assert len(errors) == len(WRONG_CALLS), r.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pyright") is None, reason="pyright is not installed (optional: pip install pyright)")
def test_pyright_accepts_the_readme_example_and_rejects_wrong_calls(tmp_path: Path) -> None:
    example, wrong = tmp_path / "readme_example.py", tmp_path / "wrong_calls.py"
    example.write_text(_readme_example())
    wrong.write_text(_wrong_calls())
    (tmp_path / "pyrightconfig.json").write_text(json.dumps({"extraPaths": [str(ROOT / "src")], "pythonVersion": "3.10"}))
    r = subprocess.run(["pyright", "--outputjson", str(example), str(wrong)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    report = json.loads(r.stdout)
    errors: dict[str, dict[int, str]] = {}
    for d in report["generalDiagnostics"]:
        if d["severity"] == "error":
            lines = errors.setdefault(Path(d["file"]).name, {})
            n = d["range"]["start"]["line"] + 1
            lines[n] = f"{lines[n]}\n{d['message']}" if n in lines else d["message"]
    assert errors.get(example.name, {}) == {}, errors
    got = errors.get(wrong.name, {})
    first = _wrong_calls().splitlines().index(WRONG_CALLS[0][0]) + 1
    for i, (call, about) in enumerate(WRONG_CALLS):
        assert first + i in got, f"pyright accepted {call}: {got}"
        assert about in got[first + i], got[first + i]
    assert len(got) == len(WRONG_CALLS), got


@pytest.mark.slow
def test_wheel_ships_the_typing_files(tmp_path: Path) -> None:
    """py.typed (PEP 561) and the stub are in the built wheel, so installed copies are typed too."""
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(tmp_path / "dist"), str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = (tmp_path / "dist").glob("webnn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"webnn/py.typed", "webnn/_builder_ops.pyi"} <= names, sorted(n for n in names if not n.endswith(".py"))
