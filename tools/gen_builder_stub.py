"""Write ``src/webnn/_builder_ops.pyi``: the typed declarations of MLGraphBuilder's operator methods.

    python tools/gen_builder_stub.py           # rewrite the stub from the op table
    python tools/gen_builder_stub.py --check   # exit 1 if the stub is out of date

The builder's operator methods are installed at import from the op table (``webnn.ops``), which
type checkers cannot see; ``webnn.builder`` declares them through this stub's ``BuilderOps``
class (a base class for type checkers only). Each method has its op definition's parameters and
annotations, plus the builder's ``label`` keyword; it returns ``MLOperand``, or
``list[MLOperand]`` for a multi-output op. Each spec (camelCase) name is an alias of its
method. tests/test_builder_stub.py fails when the stub differs from what this script writes.
"""

from __future__ import annotations

import argparse
import builtins
import collections.abc
import inspect
import json
import keyword
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUB = ROOT / "src" / "webnn" / "_builder_ops.pyi"
sys.path.insert(0, str(ROOT / "src"))

from webnn.ops import OpDef, load_all  # noqa: E402

HEADER = '''\
"""Typed declarations of MLGraphBuilder's operator methods, for type checkers only.

Generated from the op table (webnn.ops) by tools/gen_builder_stub.py: do not edit by hand.
At runtime webnn.builder installs these methods from the same table.
"""
'''
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _default(value: object) -> str:
    """A default as stub text: literals as written, anything else ``...``."""
    if isinstance(value, str) and value.isascii():
        return json.dumps(value)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    return "..."


def _annotation(opdef: OpDef, param: inspect.Parameter, imports: dict[str, set[str]]) -> str:
    """The parameter's annotation text; records the import each name it uses needs."""
    text = param.annotation
    if text is inspect.Parameter.empty:
        raise SystemExit(f"operator {opdef.name}: parameter {param.name!r} has no annotation")
    if not isinstance(text, str):  # the op modules use postponed annotations (strings)
        raise SystemExit(f"operator {opdef.name}: annotation of {param.name!r} is not a string: {text!r}")
    namespace = opdef.fn.__globals__
    for name in IDENT.findall(text):
        if hasattr(builtins, name):  # None, int, list, ...
            continue
        obj = namespace.get(name)
        module = getattr(obj, "__module__", None)
        if obj is None or module is None:
            raise SystemExit(f"operator {opdef.name}: cannot resolve {name!r} in the annotation {text!r} of {param.name!r}")
        if module in ("typing", "collections.abc"):
            module = "collections.abc" if hasattr(collections.abc, name) else "typing"
        elif module.startswith("webnn."):
            module = "." + module[len("webnn.") :]
        imports.setdefault(module, set()).add(name)
    return text


def method(opdef: OpDef, imports: dict[str, set[str]]) -> str:
    """One ``def`` line (however long: wrapped, it would repeat the op definition's lines): the op's
    parameters, then ``label``."""
    parts = ["self"]
    star = False
    names = set(opdef.signature.parameters)
    for p in opdef.signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise SystemExit(f"operator {opdef.name}: parameter kind {p.kind.name} of {p.name!r} is not supported by the stub generator")
        if keyword.iskeyword(p.name):
            raise SystemExit(f"operator {opdef.name}: parameter {p.name!r} is a Python keyword")
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = f"{p.name}: {_annotation(opdef, p, imports)}"
        if p.default is not p.empty:
            text += f" = {_default(p.default)}"
        parts.append(text)
    if "label" not in names:
        if not star:
            parts.append("*")
        parts.append('label: str = ""')
    result = "list[MLOperand]" if opdef.multi_output else "MLOperand"
    imports.setdefault(".operand", set()).add("MLOperand")
    return f"    def {opdef.name}({', '.join(parts)}) -> {result}: ..."


def render() -> str:
    """The stub's text for the current op table."""
    ops = load_all()
    imports: dict[str, set[str]] = {}
    defs = [method(ops[n], imports) for n in sorted(ops)]
    aliases = [f"    {ops[n].spec_name} = {n}" for n in sorted(ops, key=lambda n: ops[n].spec_name) if ops[n].spec_name != n]
    stdlib = sorted(m for m in imports if not m.startswith("."))
    local = sorted(m for m in imports if m.startswith("."))
    lines = [HEADER]
    lines += [f"from {m} import {', '.join(sorted(imports[m]))}" for m in stdlib]
    if stdlib:
        lines.append("")
    lines += [f"from {m} import {', '.join(sorted(imports[m]))}" for m in local]
    doc = '"""The operator methods of :class:`~webnn.MLGraphBuilder` (snake_case, then the spec\'s camelCase aliases)."""'
    lines += ["", "class BuilderOps:", f"    {doc}", ""]
    lines += defs
    lines += ["", "    # the specification's (camelCase) names", *aliases]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the stub is out of date, write nothing")
    args = ap.parse_args(argv)
    text = render()
    current = STUB.read_text() if STUB.exists() else ""
    if args.check:
        if current != text:
            print(f"{STUB.relative_to(ROOT)} is out of date: run python tools/gen_builder_stub.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        STUB.write_text(text)
        print(f"wrote {STUB.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
