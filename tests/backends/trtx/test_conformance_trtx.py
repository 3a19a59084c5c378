"""Every WPT-derived conformance case (tests/conformance/data and data_extra) on TensorRT-RTX.

Each case runs the real ahead-of-time build and the simulated runtime through
``MLContext(backend="trtx", simulate=True, strict=True)`` (no fallback: a refused graph raises)
and through the executor API on the exported ONNX, and must match the case's expected values, or
be refused at build time with its reason (tests/backends/trtx/conformance.py). One test per operator file
(the cases of a file share a context and an engine cache, in which the executor API finds the
engines the MLContext path built: each ONNX model is built once). Each test also checks its row
of the generated table in docs/trtx.md, so the table cannot go stale.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("tensorrt_rtx", reason='TensorRT-RTX is not installed (pip install "webnn[trtx]")')

from .conformance import OpResult, Summary, documented_rows, documented_totals, op_files, row, run_op_file, totals

pytestmark = pytest.mark.slow  # about 2 minutes on 2 cores for all of it

FILES = op_files()
#: Operator files run in this many processes at once (each with its own build worker).
PROCESSES = max(1, min(4, os.cpu_count() or 1))


@pytest.fixture(scope="module")
def engine_cache_root() -> Iterator[Path]:
    """Engine caches for this module, one directory per operator file (so no directory holds
    thousands of entries), on a RAM disk when there is one (its fsync is free)."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="webnn-trtx-conformance-", dir=base))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest, engine_cache_root: Path) -> Iterator[dict[str, Future[OpResult]]]:
    """The selected operator files, started at once in a few processes (the work is the same as
    running them one after the other; on several cores it takes a fraction of the time)."""
    wanted = {
        (i.callspec.params["dataset"], i.callspec.params["op_file"]) for i in request.session.items if i.originalname == "test_conformance_on_tensorrt_rtx"
    }
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no TensorRT or ONNX Runtime state forked
    pool = ProcessPoolExecutor(PROCESSES, mp_context=ctx)
    try:
        yield {f"{d}/{f}": pool.submit(run_op_file, f, d, engine_cache_root / d / f[:-5]) for d, f in FILES if (d, f) in wanted}
    finally:
        pool.shutdown(cancel_futures=True)  # a run stopped early (-x) does not wait for the files it will not check


@pytest.mark.parametrize("dataset,op_file", FILES, ids=[f"{d}:{f[:-5]}" for d, f in FILES])
def test_conformance_on_tensorrt_rtx(dataset: str, op_file: str, results: dict[str, Future[OpResult]]) -> None:
    result = results[f"{dataset}/{op_file}"].result()
    problems = result.problems()
    assert not problems, f"{len(problems)} failing:\n" + "\n".join(problems[:40])
    documented = documented_rows().get(result.op)
    measured = row(result)
    assert documented == measured, (
        f"docs/trtx.md's conformance table is stale for {result.op} (run: python tools/trtx_report.py)\n  documented: {documented}\n  measured:   {measured}"
    )


def test_documented_totals_add_up() -> None:
    rows = [Summary.parse(line) for line in documented_rows().values()]
    assert len(rows) == len(FILES), "docs/trtx.md's conformance table lists every operator file (run: python tools/trtx_report.py)"
    assert documented_totals() == totals(rows)
