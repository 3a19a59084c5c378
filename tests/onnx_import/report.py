"""The generated sections of docs/onnx-import.md: the operator table and the node-test report.

``python tools/onnx_import_report.py`` rewrites them; tests/onnx_import checks they are current.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable
from pathlib import Path

import onnx

from webnn.onnx._registry import GENERIC_REFUSALS, MAX_VERIFIED_OPSET, REFUSED_OPS, load_ops

DOC = Path(__file__).resolve().parents[2] / "docs" / "onnx-import.md"


def _schemas() -> dict[str, list]:
    out: dict[str, list] = collections.defaultdict(list)
    for s in onnx.defs.get_all_schemas_with_history():
        if s.domain == "" and s.since_version <= MAX_VERIFIED_OPSET:
            out[s.name].append(s)
    return {k: sorted(v, key=lambda s: s.since_version) for k, v in sorted(out.items())}


def _function_from(schemas: list) -> int | None:
    versions = [v for s in schemas for v in list(s.function_opset_versions) + list(s.context_dependent_function_opset_versions)]
    return min(versions) if versions else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def operator_rows() -> list[tuple[str, str, str, str]]:
    """(operator, versions, how, refused when / notes) for every standard-domain operator."""
    ops = load_ops()
    rows = []
    for name, schemas in _schemas().items():
        versions = [s.since_version for s in schemas]
        handlers = ops.get(name, [])
        covered = [v for v in versions if any(h.covers(v) for h in handlers)]
        deprecated = " (deprecated)" if schemas[-1].deprecated else ""
        if handlers:
            kinds = sorted({h.kind for h in handlers if any(h.covers(v) for v in versions)})
            how = " / ".join(kinds) or "direct"
            notes = [h.note for h in handlers if h.note]
            refuses = {}
            for h in handlers:
                refuses.update(h.refuses)
            parts = []
            if refuses:
                parts.append("refused when: " + "; ".join(f"{v} (`{k}`)" for k, v in refuses.items()))
            missing = [v for v in versions if v not in covered]
            if missing:
                fn = _function_from(schemas)
                parts.append(f"versions {', '.join(map(str, missing))} refused (`opset`)"
                             + (f"; ONNX function from opset {fn}" if fn and name in REFUSED_OPS else ""))
            parts.extend(dict.fromkeys(notes))
            rows.append((name + deprecated, ", ".join(map(str, covered)), how, "; ".join(parts)))
        elif name in REFUSED_OPS:
            rows.append((name + deprecated, "", "refused", REFUSED_OPS[name]))
        else:
            fn = _function_from(schemas)
            if fn is not None:
                rows.append((name + deprecated, f"opset ≥ {fn}", "ONNX function",
                             "its ONNX function body is imported node by node (earlier opsets define none: refused, `op`)"))
            else:
                rows.append((name + deprecated, "", "refused", "no WebNN mapping (`op`)"))
    return rows


def render_table() -> str:
    rows = operator_rows()
    counts = collections.Counter(r[2].split(" / ")[0] if r[2] != "direct / decomposition" else "direct" for r in rows)
    lines = [
        f"{len(rows)} standard-domain operators (ONNX {onnx.__version__}, schemas up to opset {MAX_VERIFIED_OPSET}): "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + ".",
        "",
        "Refusals any operator can give: " + "; ".join(f"`{k}`: {v}" for k, v in GENERIC_REFUSALS.items()) + ".",
        "",
        "| Operator | Versions (since) | How | Refused when / notes |",
        "|---|---|---|---|",
    ]
    for name, versions, how, notes in rows:
        lines.append(f"| {name} | {versions} | {how} | {_cell(notes)} |")
    return "\n".join(lines)


def _short(detail: str) -> str:
    return re.sub(r"'[^']*'", "…", detail)[:80]


def render_report(results: Iterable) -> str:
    results = list(results)
    by_op: dict[str, list] = collections.defaultdict(list)
    for r in results:
        by_op[r.op].append(r)
    total = collections.Counter(r.status for r in results)
    variant = collections.Counter(r.variant for r in results if r.variant)
    lines = [
        f"{len(results)} node test cases: **{total['pass']} imported and passing**, {total['float16']} passing within "
        f"float16 rounding (see below), **{total['refused']} refused**, **{total['fail']} failing**. "
        f"Of the refused cases, {sum(variant.values())} are refused only because a parameter input is computed at run time; "
        f"with those inputs known at import (made initializers), {variant['pass']} pass, {variant['refused']} are still refused "
        f"and {variant['fail']} fail.",
        "",
        "| ONNX op | cases | pass | refused | fail | pass with parameters known | refusal reasons (key: count) |",
        "|---|---|---|---|---|---|---|",
    ]
    for op in sorted(by_op):
        rs = by_op[op]
        c = collections.Counter(r.status for r in rs)
        keys = collections.Counter(k for r in rs for _, _, k, _ in r.refusals)
        vpass = sum(1 for r in rs if r.variant == "pass")
        reasons = ", ".join(f"`{k}`: {v}" for k, v in sorted(keys.items()))
        lines.append(f"| {op} | {len(rs)} | {c['pass'] + c['float16']} | {c['refused']} | {c['fail']} | {vpass or ''} | {reasons} |")
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    if begin not in text or end not in text:
        raise ValueError(f"{DOC}: missing the {name!r} markers")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def section(text: str, name: str) -> str:
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")
