"""What runs a model for ``run`` and ``bench``: a saved graph through MLContext and MLGraph,
an ONNX file on the library's executor for the selected backend. No execution logic here."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import selection
from ..context import MLContext, load_graph
from ._args import backend_options
from ._errors import UserError, unavailable
from ._executors import RunFn, open_onnx, runs_onnx
from ._inputs import InputSpecs, model_kind
from ._progress import step

if TYPE_CHECKING:
    import onnx


class Runner:
    """A model ready to run, with the backend it runs on and why."""

    backend: str
    specs: InputSpecs
    simulated: bool = False
    note: str = ""
    #: What the first run's time includes besides running.
    first_run: str = "first run after build"

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError


class GraphRunner(Runner):
    """A saved graph (MLGraph.save) built for an MLContext; runs with ``compute`` or ``dispatch``."""

    def __init__(self, path: Path, args: argparse.Namespace) -> None:
        self.ctx = MLContext(accelerated=True, power_preference="default", backend=args.backend, strict=args.strict, **backend_options(args))
        with step(f"building graph for {self.ctx.backend}"):
            self.graph = load_graph(path, self.ctx)
        self.backend = self.graph.backend
        self.simulated = self.graph.simulated
        self.note = self.ctx.selection.reason
        if self.graph.fallback_reason:
            self.note += f"; fell back to onnxruntime: {self.graph.fallback_reason}"
        self.specs = {n: (d.dtype, d.shape) for n, d in self.graph.input_descriptors.items()}

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.ctx.compute(self.graph, feed)

    def dispatcher(self, feed: dict[str, np.ndarray]) -> Callable[[], None]:
        """A call that dispatches on MLTensors written once from ``feed`` (results stay in them)."""
        ins = {}
        for n, a in feed.items():
            t = self.ctx.create_tensor(self.graph.input_descriptors[n], readable=False, writable=True)
            self.ctx.write_tensor(t, a)
            ins[n] = t
        outs = {n: self.ctx.create_tensor(d, readable=True, writable=False) for n, d in self.graph.output_descriptors.items()}
        return lambda: self.ctx.dispatch(self.graph, ins, outs)


def _onnx_specs(model: onnx.ModelProto) -> InputSpecs:
    import onnx  # deferred: heavy

    inits = {i.name for i in model.graph.initializer}
    specs: InputSpecs = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        if not vi.type.HasField("tensor_type"):
            raise UserError(f"input {vi.name!r} is a {vi.type.WhichOneof('value') or 'value of no type'}; webnn runs models whose inputs are tensors")
        tt = vi.type.tensor_type
        try:
            dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type))
        except (KeyError, TypeError, ValueError):
            name = onnx.TensorProto.DataType.Name(tt.elem_type) if tt.elem_type in onnx.TensorProto.DataType.values() else str(tt.elem_type)
            raise UserError(f"input {vi.name!r} has ONNX type {name}, which has no numpy dtype to read it from") from None
        known = [int(d.dim_value) for d in tt.shape.dim if d.HasField("dim_value")]
        specs[vi.name] = (dtype, tuple(known) if len(known) == len(tt.shape.dim) else None)
    return specs


class OnnxRunner(Runner):
    """An ONNX file on the executor of the backend ``--backend`` names, else of the one
    ``power_preference="high-performance"`` selects (TensorRT-RTX or ONNX Runtime)."""

    first_run = "first run, includes loading the model into the engine"

    def __init__(self, path: Path, args: argparse.Namespace, bench: bool = False) -> None:
        import onnx  # deferred: heavy

        opts = backend_options(args)
        if args.backend:
            name = selection.resolve_name(args.backend)
            self._check_runs_onnx(path, name)
            c = selection.check_backend(name, options=opts)
            if not c.ok:
                raise unavailable(name, c.reason)
            self.note, chosen = "requested by --backend", c.options
        else:
            sel = selection.select_backend(True, "high-performance", options=opts)
            name, self.note, chosen = sel.name, sel.reason, sel.options
            self._check_runs_onnx(path, name)
        self.backend = name
        # The backend's own configure() decided `simulate`, exactly as for an MLContext.
        self.simulated = bool(chosen.get("simulate"))
        try:
            model = onnx.load(str(path))
        except Exception as e:  # noqa: BLE001 - whatever onnx rejects is the user's file
            raise UserError(f"{path}: cannot read the ONNX model ({e})") from None
        self.specs = _onnx_specs(model)
        self._run: RunFn = open_onnx(name, model.SerializeToString(), opts, simulate=self.simulated, bench=bench)

    @staticmethod
    def _check_runs_onnx(path: Path, name: str) -> None:
        if not runs_onnx(name):
            what = selection.PRETTY.get(name, f"backend {name!r}")
            raise UserError(f"{path}: {what} cannot run ONNX files; run a saved webnn graph (MLGraph.save) with --backend {name}")

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self._run(feed)


def open_runner(args: argparse.Namespace, *, bench: bool = False, dispatch: bool = False) -> Runner:
    """The runner for ``args.model``; ``dispatch`` (``bench --mode dispatch``) needs a saved graph."""
    path = Path(args.model)
    if model_kind(path) == "graph":
        return GraphRunner(path, args)
    if dispatch:
        raise UserError("--mode dispatch needs a saved webnn graph, not an ONNX file")
    return OnnxRunner(path, args, bench=bench)
