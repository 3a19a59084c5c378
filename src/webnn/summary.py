"""A graph in a few words: the one-line ``repr`` and the notebook table of ``GraphInfo`` and ``MLGraph``.

Both take the data of ``GraphInfo.summary()`` / ``MLGraph.summary()``: operation count and
kinds, inputs, outputs, constants and their bytes, and for a built graph where it runs.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["count", "html_table", "human_bytes", "short_repr"]


def human_bytes(n: float) -> str:
    """``1000 B``, ``1.5 KiB``, ``2.0 GiB``..."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def count(n: int, word: str) -> str:
    """``1 operation``, ``3 operations``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def short_repr(kind: str, s: dict[str, Any]) -> str:
    """``<GraphInfo (x: float32[2]) -> (y: float32[2]): 5 operations, 3 constants (1.2 KiB)>`` (and where an MLGraph runs)."""
    ins = ", ".join(f"{n}: {d}" for n, d in s["inputs"].items())
    outs = ", ".join(f"{n}: {d}" for n, d in s["outputs"].items())
    where = ""
    if "backend" in s:
        where = f" on {s['backend']}" + (" (simulated)" if s["simulated"] else "") + (" after a fallback" if s["fallback_reason"] else "")
    return (f"<{kind} ({ins}) -> ({outs}): {count(s['operations'], 'operation')}, {count(s['constants'], 'constant')} "
            f"({human_bytes(s['constant_bytes'])}){where}>")


def _rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    types = s["op_types"]
    shown = ", ".join(f"{html.escape(t)} &times;{n}" for t, n in list(types.items())[:8]) + (", &hellip;" if len(types) > 8 else "")
    rows = []
    if "backend" in s:
        rows.append(("runs on", html.escape(s["backend"]) + (" (simulated)" if s["simulated"] else "")))
        if s["fallback_reason"]:
            rows.append(("fell back", f"from {html.escape(s['context_backend'])}: {html.escape(s['fallback_reason'])}"))
    rows += [
        ("operations", f'<span class="webnn-op-count">{s["operations"]}</span> ({shown})'),
        ("inputs", "<br>".join(f"{html.escape(n)}: {html.escape(d)}" for n, d in s["inputs"].items()) or "none"),
        ("outputs", "<br>".join(f"{html.escape(n)}: {html.escape(d)}" for n, d in s["outputs"].items())),
        ("constants", f"{s['constants']} ({human_bytes(s['constant_bytes'])})"),
    ]
    return rows


def html_table(kind: str, s: dict[str, Any]) -> str:
    """A compact HTML table: operation count and kinds, inputs, outputs, constants, backend."""
    body = "".join(f'<tr><th style="text-align:left;padding-right:1em">{k}</th><td style="text-align:left">{v}</td></tr>' for k, v in _rows(s))
    return f'<table class="webnn-summary"><caption style="text-align:left"><b>{kind}</b></caption>{body}</table>'
