"""Run one graph on several backends and compare their outputs (as Polygraphy's ``--compare`` does).

:func:`compare` builds the same graph (an :class:`~webnn.MLGraph`, a
:class:`~webnn.GraphInfo` or any model file) on each backend named, feeds every one the same
inputs (given, or seeded random ones) and reports, per output and per backend after the first,
the largest absolute error, relative error and ULP distance against the first backend. A
backend passes when every element satisfies ``|x - ref| <= atol + rtol * |ref|`` (numpy's
``isclose``; NaN matches NaN) and has the reference's dtype and shape.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backends import resolve_name
from .context import MLContext, MLGraph
from .errors import ValidationError
from .graph import GraphInfo
from .model_files import read_graph_info
from .types import MLOperandDescriptor

#: Default tolerances (those of Polygraphy's ``--atol``/``--rtol``).
ATOL = 1e-5
RTOL = 1e-5

#: Float dtype -> the signed integer type of the same width, and its lowest value (for ULP distances).
_INT_OF: dict[np.dtype, tuple[type[np.signedinteger], int]] = {
    np.dtype(f): (i, int(np.iinfo(i).min)) for f, i in ((np.float16, np.int16), (np.float32, np.int32), (np.float64, np.int64))
}


def random_inputs(descriptors: Mapping[str, MLOperandDescriptor], seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs: floats uniform in [0, 1), zeros for integer types (always valid indices)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, d in descriptors.items():
        shape = tuple(d.shape)
        out[name] = rng.random(shape).astype(d.dtype) if d.dtype.kind == "f" else np.zeros(shape, d.dtype)
    return out


def _ordered(a: np.ndarray) -> np.ndarray:
    """Floats as integers whose order (and differences) follow the floats': adjacent floats differ by 1."""
    int_type, lowest = _INT_OF[a.dtype]
    i = a.view(int_type).astype(np.int64)
    return np.where(i < 0, np.int64(lowest) - i, i)


def ulp_distance(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Element-wise distance in units in the last place (representable values between them) for
    float arrays of the same dtype (+0 and -0 are 0 apart; NaN against NaN is 0, against a number
    the largest value); the absolute difference for integers."""
    if x.dtype != ref.dtype:
        raise ValidationError(f"ulp_distance: dtypes differ ({x.dtype} vs {ref.dtype})")
    if x.dtype.kind != "f":
        return np.abs(x.astype(np.int64) - ref.astype(np.int64)) if x.dtype.kind in "biu" else (x != ref).astype(np.int64)
    if x.dtype == np.float64:
        # differences of int64 order keys can exceed int64: compare in float64 of the keys (exact to 2**53)
        d = np.abs(_ordered(x).astype(np.float64) - _ordered(ref).astype(np.float64))
    else:
        d = np.abs(_ordered(x) - _ordered(ref)).astype(np.float64)
    nx, nr = np.isnan(x), np.isnan(ref)
    d = np.where(nx & nr, 0.0, d)
    return np.where(nx ^ nr, np.inf, d)


@dataclass
class OutputDiff:
    """One output of one backend against the reference backend."""

    output: str
    backend: str
    dtype: str
    shape: list[int]
    max_abs: float
    max_rel: float
    max_ulp: float
    #: Elements outside ``atol + rtol * |ref|``.
    mismatches: int
    size: int
    passed: bool
    #: Why the output could not be compared element-wise (dtype or shape differ), else "".
    problem: str = ""

    def to_json(self) -> dict[str, Any]:
        def num(v: float) -> float | str:
            return v if np.isfinite(v) else str(v)

        return {"output": self.output, "backend": self.backend, "dtype": self.dtype, "shape": self.shape,
                "max_abs": num(self.max_abs), "max_rel": num(self.max_rel), "max_ulp": num(self.max_ulp),
                "mismatches": self.mismatches, "size": self.size, "passed": self.passed, "problem": self.problem}


def diff(output: str, backend: str, x: np.ndarray, ref: np.ndarray, atol: float, rtol: float) -> OutputDiff:
    """Compare one output array with the reference's."""
    x, ref = np.asarray(x), np.asarray(ref)
    if x.dtype != ref.dtype or x.shape != ref.shape:
        problem = f"{x.dtype}{list(x.shape)} vs the reference's {ref.dtype}{list(ref.shape)}"
        return OutputDiff(output, backend, str(x.dtype), list(x.shape), np.inf, np.inf, np.inf, int(ref.size), int(ref.size), False, problem)
    if x.size == 0:
        return OutputDiff(output, backend, str(x.dtype), list(x.shape), 0.0, 0.0, 0.0, 0, 0, True)
    xf, rf = x.astype(np.float64), ref.astype(np.float64)
    both_nan = np.isnan(xf) & np.isnan(rf)
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_err = np.where(both_nan | (xf == rf), 0.0, np.abs(xf - rf))
        abs_err = np.where(np.isnan(abs_err), np.inf, abs_err)
        rel_err = np.where(abs_err == 0, 0.0, abs_err / np.abs(rf))
    close = np.isclose(xf, rf, atol=atol, rtol=rtol, equal_nan=True)
    bad = int(close.size - np.count_nonzero(close))
    return OutputDiff(
        output, backend, str(x.dtype), list(x.shape), float(abs_err.max()), float(np.nan_to_num(rel_err, nan=np.inf).max()),
        float(ulp_distance(x, ref).max()), bad, int(x.size), bad == 0,
    )


@dataclass
class Comparison:
    """The outcome of :func:`compare`: per output and backend after the first, a :class:`OutputDiff`."""

    backends: list[str]
    #: Backend name -> what actually ran (``"trtx (simulated)"``, ``"onnxruntime"``...).
    ran_on: dict[str, str]
    atol: float
    rtol: float
    seed: int
    diffs: list[OutputDiff] = field(default_factory=list)
    #: The arrays each backend returned (not in :meth:`to_json`).
    outputs: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def reference(self) -> str:
        return self.backends[0]

    @property
    def passed(self) -> bool:
        return all(d.passed for d in self.diffs)

    def __bool__(self) -> bool:
        return self.passed

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "backends": self.backends, "ran_on": self.ran_on, "atol": self.atol,
                "rtol": self.rtol, "seed": self.seed, "passed": self.passed, "outputs": [d.to_json() for d in self.diffs]}

    def table(self) -> str:
        """The comparison as an aligned text table, with a PASSED/FAILED line."""
        head = ("output", "backend", "max abs", "max rel", "max ULP", "mismatches", "")
        rows = [head]
        for d in self.diffs:
            mism = f"{d.mismatches}/{d.size}"
            rows.append((d.output, d.backend, f"{d.max_abs:.3g}", f"{d.max_rel:.3g}", f"{d.max_ulp:.0f}" if np.isfinite(d.max_ulp) else "inf",
                         mism, "ok" if d.passed else ("FAIL: " + d.problem if d.problem else "FAIL")))
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows]
        ran = ", ".join(self.ran_on[b] for b in self.backends)
        verdict = "PASSED" if self.passed else "FAILED"
        return "\n".join([f"reference: {self.ran_on[self.reference]}; compared: {ran}", *lines,
                          f"{verdict} (atol {self.atol:g}, rtol {self.rtol:g}, seed {self.seed})"])

    def __str__(self) -> str:
        return self.table()


def _graph_info(model: Any, input_shapes: Mapping[str, Sequence[int]] | None, dims: Mapping[str, int] | None) -> GraphInfo:
    if isinstance(model, MLGraph):
        return model.info
    if isinstance(model, GraphInfo):
        return model
    if isinstance(model, (str, os.PathLike)):
        return read_graph_info(model, input_shapes=input_shapes, dims=dims)
    raise ValidationError(f"compare: expected an MLGraph, GraphInfo or model file path, got {type(model).__name__}")


def compare(
    model: Any,
    backends: Sequence[str],
    inputs: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    atol: float = ATOL,
    rtol: float = RTOL,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dims: Mapping[str, int] | None = None,
) -> Comparison:
    """Run ``model`` on each of ``backends`` (at least two; the first is the reference) with the same
    inputs and compare every output against the reference's.

    ``inputs`` not given are :func:`random_inputs` drawn with ``seed``. Each backend builds the
    graph in a context of its own with ``strict=True``, so a backend that cannot build the graph
    raises instead of quietly falling back to ONNX Runtime. ``options``: backend name -> options
    for its context (e.g. ``{"trtx": {"simulate": True}}``). ``input_shapes``/``dims`` fix
    symbolic dimensions of an ONNX file.
    """
    names = [resolve_name(b) for b in backends]
    if len(names) < 2:
        raise ValidationError(f"compare: name at least two backends, got {list(backends)!r}")
    if len(set(names)) != len(names):
        raise ValidationError(f"compare: each backend once, got {names!r}")
    for what, v in (("atol", atol), ("rtol", rtol)):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0:
            raise ValidationError(f"compare: {what} must be a number >= 0, got {v!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValidationError(f"compare: seed must be an integer >= 0, got {seed!r}")
    unknown = sorted(set(options or {}) - set(names))
    if unknown:
        raise ValidationError(f"compare: options given for backends not compared: {', '.join(unknown)}")
    info = _graph_info(model, input_shapes, dims)
    descs = info.input_descriptors()
    feed = random_inputs(descs, seed)
    given = dict(inputs or {})
    extra = sorted(set(given) - set(descs))
    if extra:
        raise ValidationError(f"compare: unknown input(s) {', '.join(map(repr, extra))} (graph inputs: {', '.join(descs)})")
    feed.update(given)
    result = Comparison(names, {}, float(atol), float(rtol), seed)
    for name in names:
        ctx = MLContext(backend=name, strict=True, **dict((options or {}).get(name, {})))
        graph = ctx._build_graph(info)
        try:
            result.outputs[name] = {k: np.asarray(v) for k, v in ctx.compute(graph, feed).items()}
            result.ran_on[name] = graph.backend + (" (simulated)" if graph.simulated else "")
        finally:
            graph.destroy()
    ref = result.outputs[names[0]]
    for name in names[1:]:
        for out, r in ref.items():
            result.diffs.append(diff(out, name, result.outputs[name][out], r, atol, rtol))
    return result


__all__ = ["ATOL", "RTOL", "Comparison", "OutputDiff", "compare", "diff", "random_inputs", "ulp_distance"]
