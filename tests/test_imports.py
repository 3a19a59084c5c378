"""webnn's own imports: no cycle among its modules, no module importing another's private name, and
an import inside a function only where it defers an optional or heavy dependency (with a comment).

The rules of docs/architecture.md, checked by tools/import_audit.py (which also lists the imports
made inside functions, for review).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _audit() -> dict:
    spec = importlib.util.spec_from_file_location("import_audit", ROOT / "tools" / "import_audit.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, mod)  # its dataclasses look their module up
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name].audit(ROOT / "src")


def test_no_import_cycle_and_no_private_name_imported_across_modules() -> None:
    r = _audit()
    assert r["cycles"] == [], f"import cycles: {r['cycles']}"
    private = [f"{i.module}:{i.line} from {i.target} import {', '.join(i.names)}" for i in r["private"]]
    assert private == [], "\n".join(private)
    assert r["module_level"] > 100, "the audit found webnn's imports"  # a broken scan must not pass


def test_function_level_imports_defer_a_heavy_dependency_and_say_so() -> None:
    r = _audit()
    found = [f"{i.module}:{i.line} imports {i.target}" for i, heavy in r["function_imports"] if heavy is None or not i.comment]
    assert found == [], "an import inside a function must defer an optional or heavy dependency, with a comment:\n" + "\n".join(found)
    assert len(r["function_imports"]) > 10  # a broken scan must not pass
def test_documented_submodules_are_attributes_and_import_webnn_stays_light() -> None:
    """``webnn.converters`` (and every name in webnn.SUBMODULES) works right after ``import webnn``,
    imported on first access: ``import webnn`` itself loads no engine, converter or drawing library."""
    import subprocess

    code = (
        "import sys, webnn\n"
        "heavy = [m for m in ('onnx', 'onnxruntime', 'coremltools', 'tensorrt_rtx', 'torch', 'graphviz', 'tokenizers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert 'webnn.converters' not in sys.modules\n"
        "assert webnn.converters.default_registry().formats()\n"
        "for name in sorted(webnn.SUBMODULES):\n"
        "    assert getattr(webnn, name).__name__ == 'webnn.' + name, name\n"
        "    assert name in dir(webnn)\n"
        "assert webnn.compare is webnn.comparison.compare\n"
        "try:\n"
        "    webnn.no_such_thing\n"
        "except AttributeError as e:\n"
        "    assert 'no_such_thing' in str(e)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert p.returncode == 0, p.stderr
