"""Regenerate docs/onnx-import.md's operator table and ONNX node-test report.

    python tools/onnx_import_report.py            # both sections (runs every node test case)
    python tools/onnx_import_report.py --table    # the operator table only (no cases run)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.onnx_import import report  # noqa: E402


def main(argv: list[str]) -> int:
    text = report.DOC.read_text()
    text = report.replace_section(text, "operators", report.render_table())
    if "--table" not in argv:
        from tests.onnx_import.harness import collect, run_all

        t0 = time.perf_counter()
        collect()
        t1 = time.perf_counter()
        results = run_all()
        t2 = time.perf_counter()
        text = report.replace_section(text, "node-tests", report.render_report(results))
        fails = [r for r in results if r.status == "fail" or r.variant == "fail"]
        for r in fails:
            print(f"FAIL {r.name}: {r.detail or r.variant_detail}")
        print(f"{len(results)} cases: collected in {t1 - t0:.1f} s, run in {t2 - t1:.1f} s")
    report.DOC.write_text(text)
    print(f"wrote {report.DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
