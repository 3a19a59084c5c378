"""Pictures and summaries of graphs: Graphviz drawings, a standalone HTML page, notebook tables.

- :func:`to_dot` describes a graph for Graphviz (the ``graphviz`` package): a box per operation
  with its output data types and shapes, the graph's inputs, constants (shape, bytes) and
  outputs, and, for a built :class:`~webnn.MLGraph`, the backend it runs on, what fell back
  and why.
- :func:`render` writes ``.svg``/``.png``/``.pdf`` (Graphviz's ``dot`` program draws them),
  ``.dot``/``.gv`` (the description itself) or ``.html`` (a page with the summary, the drawing
  when ``dot`` is installed, and a searchable table of every operation; without ``dot`` the page
  says so and keeps the rest).
- :func:`summary_html` is the compact table ``MLGraph._repr_html_`` and
  ``GraphInfo._repr_html_`` show in notebooks; :func:`short_repr` their one-line ``repr``.

webnn runs a graph on one backend as a whole (no partitioning): every box of a built graph
carries the backend that computes it; when the context's accelerator could not build the graph,
it ran on ONNX Runtime instead, and the boxes of the operation the error names are marked.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import summary as _summary
from .graph import GraphInfo, Operation
from .summary import human_bytes

if TYPE_CHECKING:  # pragma: no cover
    import graphviz  # deferred: the Python binding of Graphviz, only to draw

__all__ = ["FORMATS", "DotUnavailable", "html_page", "human_bytes", "render", "short_repr", "summary", "summary_html", "to_dot"]

#: File suffix -> what :func:`render` writes.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".html": "html", ".htm": "html"}
#: Fill colour of the operation boxes per backend (the one a graph runs on).
BACKEND_COLORS = {"onnxruntime": "#fff4cc", "trtx": "#d8f0d0", "coreml": "#dde8fa"}
_INPUT_COLOR, _OUTPUT_COLOR, _CONST_COLOR, _FAILED_COLOR = "#cdeccd", "#cfe0f7", "#eeeeee", "#c62828"
#: Attributes shown in an op box: at most this many, each at most this long as JSON.
_ATTRS, _ATTR_LEN = 4, 40

INSTALL_DOT = "Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; conda: conda install graphviz"


class DotUnavailable(RuntimeError):
    """Graphviz's ``dot`` program is not installed (or does not run), so no drawing can be made."""


def _info_and_graph(model: Any) -> tuple[GraphInfo, Any]:
    """(the IR, the built MLGraph or None) of an MLGraph or a GraphInfo."""
    if isinstance(model, GraphInfo):
        return model, None
    info = getattr(model, "info", None)
    if isinstance(info, GraphInfo) and hasattr(model, "fallback_reason"):
        return info, model
    raise TypeError(f"expected an MLGraph or GraphInfo, got {type(model).__name__}")


def _desc(d: Any) -> str:
    return f"{d.data_type}{list(d.shape)}"


def summary(model: Any) -> dict[str, Any]:
    """``model.summary()``: counts and descriptors of a graph (and, for an MLGraph, where it runs)."""
    info, graph = _info_and_graph(model)
    return (graph if graph is not None else info).summary()


def short_repr(model: Any) -> str:
    """The one-line ``repr`` of an MLGraph or GraphInfo."""
    _, graph = _info_and_graph(model)
    return _summary.short_repr("MLGraph" if graph is not None else "GraphInfo", summary(model))


def summary_html(model: Any) -> str:
    """A compact HTML table: operation count and kinds, inputs, outputs, constants, backend."""
    _, graph = _info_and_graph(model)
    return _summary.html_table("MLGraph" if graph is not None else "GraphInfo", summary(model))


# -- Graphviz ----------------------------------------------------------------------------------


def _label(*lines: str) -> str:
    """A Graphviz label: lines escaped, joined by DOT's centred line break."""
    import graphviz  # deferred: the Python binding of Graphviz, only to draw

    return "\\n".join(graphviz.escape(line) for line in lines if line)


def _attr_lines(op: Operation) -> list[str]:
    lines = []
    for k, v in op.attributes.items():
        if v is None or v == [] or v == {}:
            continue
        text = json.dumps(v, separators=(",", ":"))
        if len(text) <= _ATTR_LEN:
            lines.append(f"{k}={text}")
        if len(lines) == _ATTRS:
            break
    return lines


def _failed_ops(info: GraphInfo, reason: str | None) -> set[int]:
    """Indices of the operations a fallback reason names (by op type, or by label)."""
    if not reason:
        return set()
    hit = set()
    for i, op in enumerate(info.operations):
        if re.search(rf"\b{re.escape(op.type)}\b", reason) or (op.label and op.label in reason):
            hit.add(i)
    return hit


def to_dot(model: Any, *, title: str | None = None, constants: bool = True) -> graphviz.Digraph:
    """The graph as a :class:`graphviz.Digraph` (``constants=False`` leaves constants out)."""
    import graphviz  # deferred: only for drawings

    info, graph = _info_and_graph(model)
    s = summary(model)
    heading = [title or "", f"{s['operations']} operations"]
    color = "#ffffff"
    failed: set[int] = set()
    if graph is not None:
        heading.append(f"runs on {graph.backend}" + (" (simulated)" if graph.simulated else ""))
        if graph.fallback_reason:
            heading.append(f"fell back from {graph.context.backend}: {graph.fallback_reason}")
            failed = _failed_ops(info, graph.fallback_reason)
        color = BACKEND_COLORS.get(graph.backend, "#ffffff")
    g = graphviz.Digraph("webnn", graph_attr={"rankdir": "TB", "label": _label(*heading), "labelloc": "t", "fontname": "Helvetica"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10"}, edge_attr={"arrowsize": "0.6"})
    producers = info.producers()
    for name, oid in info.inputs.items():
        g.node(f"o{oid}", _label(f"input {name}", _desc(info.operands[oid])), shape="ellipse", style="filled", fillcolor=_INPUT_COLOR)
    if constants:
        for oid, arr in info.constants.items():
            d = info.operands[oid]
            value = f"= {arr.reshape(-1)[0].item():g}" if arr.size == 1 and arr.dtype.kind in "biuf" else ""
            g.node(f"o{oid}", _label(f"constant {_desc(d)}", human_bytes(arr.nbytes), value), shape="note", style="filled",
                   fillcolor=_CONST_COLOR, fontsize="8")
    for i, op in enumerate(info.operations):
        outs = [_desc(info.operands[o]) for o in op.outputs]
        attrs: dict[str, str] = {"shape": "box", "style": "filled,rounded", "fillcolor": color}
        if i in failed:
            attrs.update(color=_FAILED_COLOR, penwidth="2.5", tooltip=f"{graph.context.backend if graph else ''}: {graph.fallback_reason if graph else ''}")
        g.node(f"n{i}", _label(op.type + (f"  '{op.label}'" if op.label else ""), *_attr_lines(op), "-> " + ", ".join(outs)), **attrs)
    op_index = {id(op): i for i, op in enumerate(info.operations)}
    for i, op in enumerate(info.operations):
        for name, used in zip(op.input_names, op.inputs, strict=False):
            if used is None:
                continue
            src = producers.get(used)
            if src is not None:
                tail = f"n{op_index[id(src)]}"
                label = f"{src.outputs.index(used)}" if len(src.outputs) > 1 else ""
            elif used in info.constants and not constants:
                continue
            else:
                tail, label = f"o{used}", ""
            g.edge(tail, f"n{i}", label=_label(label), tooltip=name)
    for name, oid in info.outputs.items():
        g.node(f"out_{name}", _label(f"output {name}", _desc(info.operands[oid])), shape="ellipse", style="filled", fillcolor=_OUTPUT_COLOR)
        src = producers.get(oid)
        g.edge(f"n{op_index[id(src)]}" if src is not None else f"o{oid}", f"out_{name}")
    return g


def _pipe(dot: graphviz.Digraph, fmt: str) -> bytes:
    import graphviz  # deferred: the Python binding of Graphviz, only to draw

    try:
        return dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise DotUnavailable(f"drawing {fmt.upper()} needs Graphviz's `dot` program, which is not on PATH ({INSTALL_DOT})") from None
    except graphviz.CalledProcessError as e:
        err = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        raise DotUnavailable(f"Graphviz's dot failed: {err[-1] if err else e}") from None


# -- HTML ----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em} table{border-collapse:collapse} th,td{padding:2px 8px;vertical-align:top;text-align:left}
table.webnn-ops td,table.webnn-ops th{border-bottom:1px solid #ddd;font-size:.9em}
.drawing{overflow:auto;border:1px solid #ccc;padding:.5em;margin:1em 0} .note{color:#7a4b00}
.failed td{color:#c62828;font-weight:bold} input[type=search]{margin:.5em 0;padding:3px;width:20em}
"""

_JS = """
(function () {
  var box = document.getElementById('webnn-filter');
  var rows = Array.prototype.slice.call(document.querySelectorAll('table.webnn-ops tbody tr'));
  var shown = document.getElementById('webnn-shown');
  box.addEventListener('input', function () {
    var q = box.value.toLowerCase(), n = 0;
    rows.forEach(function (r) {
      var hit = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
      r.style.display = hit ? '' : 'none';
      if (hit) { n += 1; }
    });
    shown.textContent = String(n);
  });
}());
"""


def _operand_name(info: GraphInfo, oid: int, producers: dict[int, Operation], index: dict[int, int]) -> str:
    for name, i in info.inputs.items():
        if i == oid:
            return f"input {name}"
    if oid in info.constants:
        return f"constant {_desc(info.operands[oid])}"
    p = producers.get(oid)
    return f"#{index[id(p)]}" + (f"[{p.outputs.index(oid)}]" if p is not None and len(p.outputs) > 1 else "") if p is not None else f"%{oid}"


def html_page(model: Any, *, title: str = "webnn graph", svg: str | None = None, note: str = "") -> str:
    """A standalone page (no external resources): the summary, the drawing ``svg`` if given (else
    ``note`` says why not), and a searchable table of every operation."""
    info, graph = _info_and_graph(model)
    producers = info.producers()
    index = {id(op): i for i, op in enumerate(info.operations)}
    failed = _failed_ops(info, graph.fallback_reason if graph is not None else None)
    rows = []
    for i, op in enumerate(info.operations):
        ins = ", ".join(
            f"{html.escape(n)}={html.escape(_operand_name(info, oid, producers, index))}"
            for n, oid in zip(op.input_names, op.inputs, strict=False)
            if oid is not None
        )
        outs = ", ".join(html.escape(_desc(info.operands[o])) for o in op.outputs)
        attrs = html.escape(", ".join(_attr_lines(op)))
        cls = ' class="failed"' if i in failed else ""
        rows.append(f"<tr{cls}><td>{i}</td><td>{html.escape(op.type)}</td><td>{html.escape(op.label)}</td><td>{ins}</td>"
                    f"<td>{outs}</td><td>{attrs}</td></tr>")
    n = len(info.operations)
    drawing = f'<div class="drawing">{svg}</div>' if svg else f'<p class="note">{html.escape(note)}</p>' if note else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body><h1>{html.escape(title)}: <span id="webnn-op-count">{n}</span> operations</h1>
{summary_html(model)}
{drawing}
<h2>Operations</h2>
<input type="search" id="webnn-filter" placeholder="filter (op type, shape, name)" aria-label="filter operations">
<span><span id="webnn-shown">{n}</span> of {n} shown</span>
<table class="webnn-ops"><thead><tr><th>#</th><th>op</th><th>label</th><th>inputs</th><th>outputs</th><th>attributes</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<script>{_JS}</script>
</body></html>
"""


def render(model: Any, path: str | os.PathLike, *, title: str | None = None, constants: bool = True) -> dict[str, Any]:
    """Write a picture of ``model`` (MLGraph or GraphInfo) to ``path``, its format from the suffix
    (:data:`FORMATS`). Returns ``{"path", "format", "drawing"}``; ``drawing`` is False for an HTML
    page made without ``dot`` (:class:`DotUnavailable` for the other formats)."""
    out = Path(path)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"{out}: unknown picture format {out.suffix!r} (expected one of {', '.join(FORMATS)})")
    name = title or out.stem
    dot = to_dot(model, title=name, constants=constants)
    drawing = True
    if fmt == "dot":
        out.write_text(dot.source, encoding="utf-8")
    elif fmt == "html":
        try:
            svg = _pipe(dot, "svg").decode("utf-8")
            svg = svg[svg.index("<svg"):]  # inline: without the XML prologue and doctype
            page = html_page(model, title=name, svg=svg)
        except DotUnavailable as e:
            drawing = False
            page = html_page(model, title=name, note=f"No drawing: {e}. The summary and the table below need nothing else.")
        out.write_text(page, encoding="utf-8")
    else:
        out.write_bytes(_pipe(dot, fmt))
    return {"path": str(out), "format": fmt, "drawing": drawing, "operations": len(_info_and_graph(model)[0].operations)}
