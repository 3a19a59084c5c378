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
