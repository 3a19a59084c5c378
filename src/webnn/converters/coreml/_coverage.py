"""Print the op coverage table of docs/coreml.md: ``python -m webnn.converters.coreml._coverage``."""

from __future__ import annotations

from ._mil import coverage


def coverage_table() -> str:
    lines = ["| op | status | MIL ops / decomposition / reason |", "| --- | --- | --- |"]
    for name, status, text in coverage():
        lines.append(f"| `{name}` | {status} | {text.replace('|', '/')} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(coverage_table())
