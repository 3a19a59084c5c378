"""Run every WPT-derived conformance case on ONNX Runtime and write docs/conformance.md.

    python tools/conformance_report.py
"""

from __future__ import annotations

import collections
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import webnn  # noqa: E402
from tests.conformance.harness import all_case_ids, build_case, check_close, load_cases  # noqa: E402
from tests.conformance.xfail import XFAIL  # noqa: E402

DOC = ROOT / "docs" / "conformance.md"


def main() -> int:
    ctx = webnn.MLContext(accelerated=False)
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: list[tuple[str, str]] = []
    for op_file, index, name in all_case_ids():
        op = op_file[:-5]
        case = load_cases(op_file)[index]
        try:
            graph, feeds, expected = build_case(case, ctx)
            out = ctx.compute(graph, feeds)
            for k, exp in expected.items():
                check_close(out[k], exp, case.get("tolerance"), k)
            counts[op]["pass"] += 1
        except Exception as e:  # noqa: BLE001 - report every failure
            if name in XFAIL:
                counts[op]["xfail"] += 1
            else:
                counts[op]["fail"] += 1
                failures.append((name, f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"))
    total = collections.Counter()
    lines = [
        "# Conformance",
        "",
        "The WPT-derived WebNN conformance cases (`tests/conformance/data/`, converted from the",
        "web-platform-tests WebNN suite, BSD-3-Clause) run through the public API on ONNX Runtime",
        "with each case's tolerance (`tests/conformance/test_conformance.py`). This page is generated",
        "by `python tools/conformance_report.py`.",
        "",
        "| operator | cases | pass | expected failure | fail |",
        "|---|---:|---:|---:|---:|",
    ]
    for op in sorted(counts):
        c = counts[op]
        total.update(c)
        lines.append(f"| {op} | {sum(c.values())} | {c['pass']} | {c['xfail']} | {c['fail']} |")
    lines.append(f"| **total** | {sum(total.values())} | {total['pass']} | {total['xfail']} | {total['fail']} |")
    lines += ["", "## Expected failures", ""]
    lines += [f"- `{n}`: {why}" for n, why in sorted(XFAIL.items())] or ["None."]
    if failures:
        lines += ["", "## Failures", ""] + [f"- `{n}`: {why}" for n, why in failures]
    lines += [
        "",
        "## Notes on the data",
        "",
        "- In 7 `clamp` cases (minValue/maxValue as ±Infinity or NaN, minValue == maxValue) the",
        "  JSON conversion had turned ±Infinity/NaN option and data values into `null`; our copy",
        "  restores them (`tests/conformance/data/clamp.json`), since `null` is not a number and two",
        "  cases had become identical inputs with different expected outputs.",
        "- BigInt option values (`\"9007199254740992n\"`) and `\"Infinity\"`/`\"NaN\"` strings inside",
        "  options are read as numbers by the harness.",
        "",
        "Operators without shared cases are tested in `tests/ops/` against float64 numpy",
        "references written from the specification's formulas.",
        "",
    ]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines))
    print(f"{total['pass']} passed, {total['fail']} failed, {total['xfail']} expected failures -> {DOC}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
