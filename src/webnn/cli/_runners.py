"""What runs a model for ``run`` and ``bench``: any model file built through MLContext and
MLGraph (an ONNX file through the importer), or with ``--executor`` an ONNX file handed as it is
to the library's executor for the selected backend. No execution logic here."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import selection
from ..context import MLContext
from ..model_files import load_model_file
from ._args import backend_options, shape_kwargs
from ._errors import UserError, cli_words, unavailable
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


def open_context(args: argparse.Namespace) -> MLContext:
    """The MLContext ``--backend``, ``--strict``, ``--simulate`` and ``-O`` ask for."""
    return MLContext(accelerated=True, power_preference="default", backend=args.backend, strict=getattr(args, "strict", False), **backend_options(args))


class GraphRunner(Runner):
    """A model file (saved graph, webnn-graph text or ONNX through the importer) built for an
    MLContext; runs with ``compute`` or ``dispatch``."""

    def __init__(self, path: Path, args: argparse.Namespace, kind: str) -> None:
        self.ctx = open_context(args)
        what = "importing the ONNX model and building" if kind == "onnx" else "building graph"
        with step(f"{what} for {self.ctx.backend}"):
            self.graph = load_model_file(path, self.ctx, **shape_kwargs(args))
        self.backend = self.graph.backend
        self.simulated = self.graph.simulated
        self.note = cli_words(self.ctx.selection.reason)
        if self.graph.fallback_reason:
            self.note += f"; fell back to onnxruntime: {self.graph.fallback_reason}"
        self.specs = {n: (d.dtype, d.shape) for n, d in self.graph.input_descriptors.items()}

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.ctx.compute(self.graph, feed)

    def dispatcher(self, feed: dict[str, np.ndarray]) -> Callable[[], None]:
        """A call that dispatches on MLTensors written once from ``feed`` (results stay in them)."""
        ins = {}
        for n, a in feed.items():
            t = self.ctx.create_tensor(self.graph.input_descriptors[n], writable=True)
            self.ctx.write_tensor(t, a)
            ins[n] = t
        outs = {n: self.ctx.create_tensor(d, readable=True) for n, d in self.graph.output_descriptors.items()}
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
    """``--executor``: an ONNX file as it is on the executor of the backend ``--backend`` names,
    else of the one ``power_preference="high-performance"`` selects (TensorRT-RTX or ONNX Runtime)."""

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
            name, self.note, chosen = sel.name, cli_words(sel.reason), sel.options
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
            raise UserError(f"{path}: {what} has no ONNX executor; drop --executor to import the model onto the builder (which reaches {what})")

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self._run(feed)


def open_runner(args: argparse.Namespace, *, bench: bool = False, dispatch: bool = False) -> Runner:
    """The runner for ``args.model``: built through MLContext, or with ``--executor`` an ONNX file
    on an executor (``dispatch``, ``bench --mode dispatch``, needs an MLGraph)."""
    path = Path(args.model)
    kind = model_kind(path)
    if not args.executor:
        return GraphRunner(path, args, kind)
    if kind != "onnx":
        raise UserError(f"--executor runs ONNX files as they are; {path} is a {kind} file (drop --executor)")
    if dispatch:
        raise UserError("--mode dispatch runs an MLGraph's tensors; drop --executor")
    if args.input_shape or args.dim:
        raise UserError("--input-shape and --dim fix shapes for the importer; with --executor the ONNX model runs as it is")
    if args.strict:
        raise UserError("--strict is about falling back while building an MLGraph; with --executor nothing falls back")
    return OnnxRunner(path, args, bench=bench)
