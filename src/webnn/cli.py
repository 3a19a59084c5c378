"""The ``webnn`` command line: ``info``, ``convert``, ``run``, ``bench``, ``cache``, ``demo``.

Exit codes: 0 success; 1 a backend failed while building or running; 2 a user error (bad
arguments, missing file, unknown input name, wrong shape or dtype); 3 the requested backend
cannot run on this machine; 130 interrupted. Errors are one line on stderr; ``--debug`` adds
the Python traceback. Progress goes to stderr: a bar on a terminal, plain lines when piped.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import re
import sys
import time
import traceback
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UserError(Exception):
    """A mistake in the command line or its files: exit code 2, one line, no traceback."""


# -- output helpers ---------------------------------------------------------------------------


def _err(msg: str) -> None:
    print(f"webnn: {msg}", file=sys.stderr, flush=True)


def human_bytes(n: int | float) -> str:
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


class Progress:
    """A progress bar on a terminal; a few plain lines when the stream is not a terminal."""

    def __init__(self, total: int, label: str, stream: Any = None, plain_steps: int = 4) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._plain_every = max(self.total // max(plain_steps, 1), 1)
        self._next_plain = self._plain_every
        self._last_draw = 0.0

    def update(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total)
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw > 0.05 or self.done == self.total:
                self._last_draw = now
                width = 30
                filled = int(width * self.done / self.total)
                self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
                self.stream.flush()
        elif self.done >= self._next_plain or self.done == self.total:
            self.stream.write(f"{self.label}: {self.done}/{self.total}\n")
            self.stream.flush()
            self._next_plain = self.done + self._plain_every

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def step(label: str, stream: Any = None) -> Iterator[None]:
    """Announce a long step (engine build...) and how long it took."""
    stream = stream or sys.stderr
    tty = bool(getattr(stream, "isatty", lambda: False)())
    stream.write(f"{label} ..." if tty else f"{label} ...\n")
    stream.flush()
    t0 = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        dt = time.perf_counter() - t0
        status = f"done in {dt:.2f} s" if ok else "failed"
        stream.write(f"\r{label} ... {status}\n" if tty else f"{label}: {status}\n")
        stream.flush()


# -- argument parsing -------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see '{self.prog} --help')")


def _parse_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _backend_options(args: argparse.Namespace) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    for item in getattr(args, "option", None) or []:
        if "=" not in item:
            raise UserError(f"--option {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        opts[k.strip().replace("-", "_")] = _parse_value(v.strip())
    if getattr(args, "simulate", False):
        opts["simulate"] = True
    return opts


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog="webnn", description="WebNN graphs on ONNX Runtime, TensorRT-RTX or CoreML.")
    p.add_argument("--version", action="version", version=f"webnn {__version__}")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("info", help="backends, GPUs, what each power preference picks, cache")
    s.add_argument("--json", action="store_true", help="machine-readable output")

    s = sub.add_parser("convert", help="convert a saved graph to an ONNX or CoreML model file")
    s.add_argument("graph", metavar="GRAPH", help="a graph saved with MLGraph.save")
    s.add_argument("--to", required=True, choices=["onnx", "coreml"], help="output format")
    s.add_argument("-o", "--output", required=True, metavar="OUT", help="output file")

    def model_args(s: argparse.ArgumentParser) -> None:
        s.add_argument("model", metavar="MODEL", help="a saved graph (MLGraph.save) or an .onnx file")
        s.add_argument("--backend", "-b", help="onnxruntime, trtx or coreml (default: chosen automatically)")
        s.add_argument("--input", "-i", action="append", default=[], metavar="NAME=FILE.npy",
                       help="an input from a .npy file (repeatable); or FILE.npz holding inputs by name")
        s.add_argument("--simulate", action="store_true", help="TensorRT-RTX: simulate the runtime (no GPU needed)")
        s.add_argument("--strict", action="store_true", help="fail instead of falling back to ONNX Runtime")
        s.add_argument("--option", "-O", action="append", metavar="KEY=VALUE", help="backend option (repeatable)")

    s = sub.add_parser("run", help="run a saved graph or an ONNX model once on inputs from .npy files")
    model_args(s)
    s.add_argument("--zeros", action="store_true", help="fill inputs not given with zeros")
    s.add_argument("--output-dir", "-d", metavar="DIR", help="write each output to DIR/NAME.npy")

    s = sub.add_parser("bench", help="latency percentiles and throughput (warm-up excluded)")
    model_args(s)
    s.add_argument("--iterations", "-n", type=int, default=100, help="timed runs (default 100)")
    s.add_argument("--warmup", "-w", type=int, default=None, help="untimed runs first (default: 10%% of iterations, at least 3)")
    s.add_argument("--mode", choices=["compute", "dispatch"], default="compute",
                   help="compute: host arrays in and out; dispatch: MLTensors (data stays on the device)")
    s.add_argument("--json", action="store_true", help="machine-readable output")

    s = sub.add_parser("cache", help="show or clear the engine cache")
    s.add_argument("action", choices=["info", "clear"])
    s.add_argument("--json", action="store_true", help="machine-readable output")

    s = sub.add_parser("demo", help="all-MiniLM-L6-v2 sentence embeddings on the best backend")
    s.add_argument("--backend", "-b", help="force a backend")
    return p


# -- info -------------------------------------------------------------------------------------


def _dist_version(module: str) -> tuple[str | None, str | None]:
    """(distribution name, version) providing ``module``, without importing it."""
    from importlib import metadata

    try:
        dists = metadata.packages_distributions().get(module, [])
    except Exception:  # noqa: BLE001
        dists = []
    for name in sorted(set(dists), key=len):
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None, None


def gather_info() -> dict[str, Any]:
    from . import __version__, cache_dir, devices, selection

    report = devices.detect()
    backends = {}
    from .backends import BACKENDS

    for name in BACKENDS:
        module = BACKENDS[name].engine_module
        dist, version = _dist_version(module) if module else (None, None)
        c = selection.check_backend(name)
        entry = {"engine": module, "package": dist, "version": version, "installed": version is not None, **c.to_json()}
        if name == "onnxruntime" and version:
            try:
                import onnxruntime

                entry["providers"] = onnxruntime.get_available_providers()
            except Exception:  # noqa: BLE001
                pass
        backends[name] = entry
    sel = {}
    for label, s in selection.preview().items():
        sel[label] = s.to_json() if isinstance(s, selection.Selection) else {"error": f"{type(s).__name__}: {s}"}
    return {
        "webnn": __version__,
        "python": platform.python_version(),
        "platform": {"system": sys.platform, "machine": platform.machine(), "release": platform.release()},
        "backends": backends,
        "gpus": report.to_json(),
        "gpu_summary": report.summary(),
        "WEBNN_BACKEND": os.environ.get("WEBNN_BACKEND") or None,
        "selection": sel,
        "cache": _cache_info(include_executor=False),
    }


def cmd_info(args: argparse.Namespace) -> int:
    info = gather_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return EXIT_OK
    out = [f"webnn {info['webnn']} (Python {info['python']}, {info['platform']['system']} {info['platform']['machine']})", "", "backends:"]
    for name, b in info["backends"].items():
        pkg = f"{b['package']} {b['version']}" if b["version"] else "not installed"
        state = "usable" if b["usable"] else f"not usable: {b['reason']}"
        out.append(f"  {name:<12} {pkg:<30} {state}")
        for n in b.get("notes", []):
            out.append(f"  {'':<12} note: {n}")
    out += ["", "GPUs:"]
    g = info["gpus"]
    if g["gpus"]:
        for gpu in g["gpus"]:
            mem = f", {gpu['memory_mib'] / 1024:.0f} GiB" if gpu["memory_mib"] else ""
            out.append(f"  {gpu['index']}: {gpu['name']}, compute capability {gpu['compute_capability'] or 'unknown'}{mem}")
        if g["driver_version"]:
            out.append(f"  driver {g['driver_version']} (found via {', '.join(g['sources'])})")
    else:
        out.append(f"  none ({info['gpu_summary'].removeprefix('no NVIDIA GPU detected (').rstrip(')')})")
    out += ["", "selection here:" + (f" (WEBNN_BACKEND={info['WEBNN_BACKEND']} overrides every choice)" if info["WEBNN_BACKEND"] else "")]
    for label, s in info["selection"].items():
        if "error" in s:
            out.append(f"  {label:<18} -> error: {s['error']}")
            continue
        gpu = f" on {s['gpu']['name']}" if s.get("gpu") else ""
        out.append(f"  {label:<18} -> {s['backend']}{gpu}")
    rejected = {}
    for s in info["selection"].values():
        for r in s.get("rejected", []):
            rejected[r["backend"]] = r["reason"]
    for name, why in rejected.items():
        out.append(f"  ({name} rejected: {why})")
    c = info["cache"]
    out += ["", "cache:", f"  {c['dir']}: " + (f"{human_bytes(c['bytes'])} in {c['files']} file(s)" if c["exists"] else "empty (not created yet)")]
    print("\n".join(out))
    return EXIT_OK


# -- cache ------------------------------------------------------------------------------------


def _executor_cache_module() -> Any:
    """``webnn.executors.trtx`` if it imports and offers cache functions, else None."""
    try:
        from .executors import trtx as tx  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - not installed / engine missing: use the shared helper
        return None
    return tx if hasattr(tx, "cache_info") or hasattr(tx, "clear_cache") else None


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, Path):
        return str(v)
    if hasattr(v, "__dict__"):
        return {k: _jsonable(x) for k, x in vars(v).items() if not k.startswith("_")}
    return str(v)


def _cache_info(include_executor: bool = True) -> dict[str, Any]:
    from . import cache_dir

    info = cache_dir.cache_info()
    tx = _executor_cache_module() if include_executor else None
    if tx is not None and hasattr(tx, "cache_info"):
        info["trtx"] = _jsonable(tx.cache_info())
    return info


def cmd_cache(args: argparse.Namespace) -> int:
    from . import cache_dir

    if args.action == "info":
        info = _cache_info()
        if args.json:
            print(json.dumps(info, indent=2))
            return EXIT_OK
        print(f"cache directory: {info['dir']}" + ("" if info["exists"] else " (not created yet)"))
        print(f"size: {human_bytes(info['bytes'])} in {info['files']} file(s)")
        for name, size in info["entries"].items():
            print(f"  {name:<30} {human_bytes(size)}")
        if "trtx" in info:
            _print_executor_cache(info["trtx"])
        return EXIT_OK
    result: dict[str, Any] = {}
    base = cache_dir.cache_dir()
    before = cache_dir.dir_usage(base)
    tx = _executor_cache_module()
    if tx is not None and hasattr(tx, "clear_cache"):
        result["trtx"] = _jsonable(tx.clear_cache())
    result.update(cache_dir.clear_cache())
    after = cache_dir.dir_usage(base)
    result["removed_bytes"], result["removed_files"] = before[0] - after[0], before[1] - after[1]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"cleared {result['dir']}: {human_bytes(result['removed_bytes'])} in {result['removed_files']} file(s)")
        if "trtx" in result:
            print(f"  TensorRT-RTX cache entries removed: {result['trtx']}")
        if result["kept"]:
            print(f"  kept {', '.join(result['kept'])} (not created by webnn; the directory has no {cache_dir.MARKER} marker)")
    return EXIT_OK


def _print_executor_cache(t: Any) -> None:
    if not isinstance(t, dict):
        print(f"trtx: {t}")
        return
    head = {k: v for k, v in t.items() if not isinstance(v, (list, dict))}
    if {"entries", "bytes"} <= set(head):
        limit = f" (limit {human_bytes(head['max_bytes'])})" if head.get("max_bytes") else ""
        print(f"TensorRT-RTX engines: {head['entries']} in {head.get('dir', '?')}, {human_bytes(head['bytes'])}{limit}")
    else:
        print("trtx: " + ", ".join(f"{k}={v}" for k, v in head.items()))
    for item in t.get("items", []) or []:
        if isinstance(item, dict):
            label = item.get("label") or item.get("key")
            extra = f", built in {item['build_seconds']:.1f} s" if isinstance(item.get("build_seconds"), (int, float)) else ""
            print(f"  {str(label):<40} {human_bytes(item.get('bytes', 0))} {'+'.join(item.get('kinds', []))}{extra}")


# -- models and inputs ------------------------------------------------------------------------


def _model_kind(path: Path) -> str:
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.is_dir():
        raise UserError(f"{path}: is a directory, expected a saved graph or an .onnx file")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                if "graph.json" in z.namelist():
                    return "graph"
        except zipfile.BadZipFile:
            pass
    if path.suffix.lower() == ".onnx":
        return "onnx"
    try:
        import onnx

        onnx.load(str(path), load_external_data=False)
        return "onnx"
    except Exception:  # noqa: BLE001
        raise UserError(f"{path}: not a saved webnn graph (MLGraph.save) or an ONNX model") from None


def _load_inputs(items: Sequence[str]) -> dict[str, np.ndarray]:
    inputs: dict[str, np.ndarray] = {}
    for item in items:
        if "=" in item:
            name, file = item.split("=", 1)
            if not name:
                raise UserError(f"--input {item!r}: expected NAME=FILE.npy")
            path = Path(file)
            if not path.is_file():
                raise UserError(f"--input {name}: {file}: no such file")
            try:
                arr = np.load(path, allow_pickle=False)
            except Exception as e:  # noqa: BLE001
                raise UserError(f"--input {name}: {file}: not a .npy file ({e})") from None
            if not isinstance(arr, np.ndarray):
                raise UserError(f"--input {name}: {file}: holds several arrays; use --input {file} for an .npz")
            inputs[name] = arr
        else:
            path = Path(item)
            if not path.is_file():
                raise UserError(f"--input {item}: no such file (expected NAME=FILE.npy or FILE.npz)")
            try:
                with np.load(path, allow_pickle=False) as z:
                    if not hasattr(z, "files"):
                        raise ValueError("not an .npz archive")
                    for k in z.files:
                        inputs[k] = z[k]
            except UserError:
                raise
            except Exception as e:  # noqa: BLE001
                raise UserError(f"--input {item}: expected NAME=FILE.npy or an .npz file ({e})") from None
    return inputs


def _fill_inputs(given: dict[str, np.ndarray], specs: dict[str, tuple[np.dtype, tuple | None]], fill: str | None) -> dict[str, np.ndarray]:
    """Check ``given`` against the model's inputs; fill missing ones with zeros/random if asked."""
    def fmt(n: str) -> str:
        dt, shape = specs[n]
        return f"{n}: {np.dtype(dt).name}{list(shape) if shape is not None else '[?]'}"

    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise UserError(f"unknown input {', '.join(map(repr, unknown))} (model inputs: {'; '.join(fmt(n) for n in specs)})")
    out = {}
    for name, (dtype, shape) in specs.items():
        if name in given:
            a = given[name]
            if shape is not None and a.shape != tuple(shape):
                if a.size == math.prod(shape):
                    a = a.reshape(shape)
                else:
                    raise UserError(f"input {name!r}: array has shape {list(a.shape)}, the model expects {list(shape)}")
            if a.dtype != dtype:
                raise UserError(f"input {name!r}: array has dtype {a.dtype}, the model expects {np.dtype(dtype).name}")
            out[name] = np.ascontiguousarray(a)
            continue
        if fill is None:
            raise UserError(f"missing input {name!r} ({fmt(name)}); give it with --input {name}=FILE.npy, or pass --zeros")
        if shape is None:
            raise UserError(f"input {name!r} has a symbolic shape; give it with --input {name}=FILE.npy")
        if fill == "random" and np.dtype(dtype).kind == "f":
            out[name] = np.random.default_rng(0).random(shape).astype(dtype)
        else:
            out[name] = np.zeros(shape, dtype)
    return out


class _Runner:
    """A model ready to run: a saved graph compiled for a context, or ONNX bytes on an executor."""

    backend: str
    specs: dict[str, tuple[np.dtype, tuple | None]]
    simulated: bool = False
    note: str = ""
    #: What the first run's time includes besides running.
    first_run: str = "first run after build"

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError


class _GraphRunner(_Runner):
    def __init__(self, path: Path, args: argparse.Namespace) -> None:
        import webnn

        opts = _backend_options(args)
        self.ctx = webnn.MLContext(accelerated=True, power_preference="default", backend=args.backend, strict=args.strict, **opts)
        with step(f"building graph for {self.ctx.backend}"):
            self.graph = webnn.load_graph(path, self.ctx)
        self.backend = self.graph.backend
        self.simulated = self.graph.simulated
        self.note = self.ctx.selection.reason
        if self.graph.fallback_reason:
            self.note += f"; fell back to onnxruntime: {self.graph.fallback_reason}"
        self.specs = {n: (d.dtype, d.shape) for n, d in self.graph.input_descriptors.items()}

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self.ctx.compute(self.graph, feed)

    def dispatcher(self, feed: dict[str, np.ndarray]) -> Callable[[], None]:
        ins = {}
        for n, a in feed.items():
            t = self.ctx.create_tensor(self.graph.input_descriptors[n], readable=False, writable=True)
            self.ctx.write_tensor(t, a)
            ins[n] = t
        outs = {n: self.ctx.create_tensor(d, readable=True, writable=False) for n, d in self.graph.output_descriptors.items()}
        return lambda: self.ctx.dispatch(self.graph, ins, outs)


class _OnnxRunner(_Runner):
    def __init__(self, path: Path, args: argparse.Namespace, bench: bool = False) -> None:
        import onnx

        from . import selection

        if args.backend:
            name = selection.resolve_name(args.backend)
            if name == "coreml":
                raise UserError(f"{path}: CoreML cannot run ONNX files; run a saved webnn graph (MLGraph.save) with --backend coreml")
            c = selection.check_backend(name, options=_backend_options(args))
            if not c.ok:
                raise _unavailable_error(name, c.reason)
            self.note = "requested by --backend"
            chosen = c.options
        else:
            sel = selection.select_backend(True, "high-performance", options=_backend_options(args))
            name = sel.name  # high-performance: TensorRT-RTX or ONNX Runtime, both read ONNX
            self.note = sel.reason
            chosen = sel.options
        self.backend = name
        self.simulated = bool(chosen.get("simulate"))
        try:
            model = onnx.load(str(path))
        except Exception as e:  # noqa: BLE001
            raise UserError(f"{path}: cannot read the ONNX model ({e})") from None
        self.model_bytes = model.SerializeToString()
        inits = {i.name for i in model.graph.initializer}
        self.specs = {}
        for vi in model.graph.input:
            if vi.name in inits:
                continue
            tt = vi.type.tensor_type
            dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type))
            dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
            self.specs[vi.name] = (dtype, None if any(d is None for d in dims) else tuple(dims))
        self.output_names = [o.name for o in model.graph.output]
        self.first_run = "first run, includes loading the model into the engine"
        if name == "onnxruntime" and bench:
            from .backends.onnxruntime import create_session

            sess = create_session(self.model_bytes)
            self._call = lambda feed: dict(zip(self.output_names, sess.run(self.output_names, feed)))
            return
        from .executors import ModelInput as input_cls
        from .executors.onnx import run_onnx_with_inputs
        from .executors.trtx import run_trtx_with_inputs

        run_fn = {"onnxruntime": run_onnx_with_inputs, "trtx": run_trtx_with_inputs}[name]
        opts = chosen
        try:
            params = inspect.signature(run_fn).parameters
            takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        except (TypeError, ValueError):
            params, takes_all = {}, False
        unused = sorted(k for k in opts if not takes_all and k not in params)
        if unused:
            raise UserError(f"option(s) {', '.join(unused)} not taken by the {name} executor")

        def call(feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            outs = run_fn(self.model_bytes, [input_cls(name=n, shape=list(a.shape), data=a) for n, a in feed.items()], **opts)
            return {o.name: np.asarray(o.data).reshape(o.shape) for o in outs}

        self._call = call

    def run(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return self._call(feed)


def _unavailable_error(name: str, reason: str) -> Exception:
    from .errors import BackendUnavailable

    return BackendUnavailable(f"backend {name!r} cannot be used here: {reason}")


def _runner(args: argparse.Namespace, bench: bool = False) -> _Runner:
    path = Path(args.model)
    kind = _model_kind(path)
    if kind == "graph":
        return _GraphRunner(path, args)
    if getattr(args, "mode", "compute") == "dispatch":
        raise UserError("--mode dispatch needs a saved webnn graph, not an ONNX file")
    return _OnnxRunner(path, args, bench=bench)


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name) or "output"


def cmd_run(args: argparse.Namespace) -> int:
    given = _load_inputs(args.input)
    runner = _runner(args)
    feed = _fill_inputs(given, runner.specs, "zeros" if args.zeros else None)
    t0 = time.perf_counter()
    outs = runner.run(feed)
    dt = time.perf_counter() - t0
    sim = " (simulated)" if runner.simulated else ""
    print(f"backend: {runner.backend}{sim} - {runner.note}")
    for name, a in outs.items():
        a = np.asarray(a)
        stats = ""
        if a.size and a.dtype.kind in "biuf":
            af = a.astype(np.float64)
            stats = f"  min {af.min():.6g}  max {af.max():.6g}  mean {af.mean():.6g}"
        print(f"output {name}: {a.dtype.name}{list(a.shape)}{stats}")
    print(f"time: {_ms(dt)} ({runner.first_run})")
    if args.output_dir:
        d = Path(args.output_dir)
        d.mkdir(parents=True, exist_ok=True)
        for name, a in outs.items():
            np.save(d / f"{_safe_name(name)}.npy", np.asarray(a))
        print(f"wrote {len(outs)} output(s) to {d}")
    return EXIT_OK


def _percentile(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return float("nan")
    k = (len(sorted_vals) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.iterations < 1:
        raise UserError("--iterations must be at least 1")
    warmup = args.warmup if args.warmup is not None else max(3, args.iterations // 10)
    if warmup < 0:
        raise UserError("--warmup must be 0 or more")
    given = _load_inputs(args.input)
    runner = _runner(args, bench=True)
    feed = _fill_inputs(given, runner.specs, "random")
    if args.mode == "dispatch":
        assert isinstance(runner, _GraphRunner)
        call = runner.dispatcher(feed)  # results stay in the output tensors (on the device)
    else:
        call = lambda: runner.run(feed)  # noqa: E731
    if warmup:
        with step(f"warm-up ({warmup} runs)"):
            for _ in range(warmup):
                call()
    times = []
    p = Progress(args.iterations, "bench")
    t_all = time.perf_counter()
    for _ in range(args.iterations):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
        p.update()
    total = time.perf_counter() - t_all
    p.close()
    s = sorted(times)
    result = {
        "model": str(args.model),
        "backend": runner.backend,
        "simulated": runner.simulated,
        "mode": args.mode,
        "iterations": args.iterations,
        "warmup": warmup,
        "mean_ms": sum(s) / len(s) * 1e3,
        "min_ms": s[0] * 1e3,
        "p50_ms": _percentile(s, 50) * 1e3,
        "p90_ms": _percentile(s, 90) * 1e3,
        "p99_ms": _percentile(s, 99) * 1e3,
        "max_ms": s[-1] * 1e3,
        "throughput_per_s": args.iterations / total if total > 0 else float("inf"),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return EXIT_OK
    sim = " (simulated)" if runner.simulated else ""
    print(f"{args.model} on {runner.backend}{sim}, {args.mode}: {args.iterations} runs after {warmup} warm-up")
    print(f"  p50 {result['p50_ms']:.3f} ms  p90 {result['p90_ms']:.3f} ms  p99 {result['p99_ms']:.3f} ms")
    print(f"  min {result['min_ms']:.3f} ms  mean {result['mean_ms']:.3f} ms  max {result['max_ms']:.3f} ms")
    print(f"  throughput {result['throughput_per_s']:.1f} runs/s")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    from .converters import default_registry
    from .graph import GraphInfo

    path = Path(args.graph)
    if not path.exists():
        raise UserError(f"{path}: no such file")
    info = GraphInfo.load(path)
    reg = default_registry()
    fmt = {"onnx": "onnx", "coreml": "coreml"}[args.to]
    if fmt not in reg.formats():
        raise UserError(f"no {args.to} converter in this installation (pip install 'webnn[{args.to}]')")
    with step(f"converting to {args.to}"):
        converted = reg.convert(info, fmt)
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        raise UserError(f"{out.parent}: no such directory")
    save = getattr(converted, "save", None)
    if callable(save):
        save(out)
    else:
        out.write_bytes(converted.data)
    size = out.stat().st_size if out.is_file() else 0
    print(f"wrote {out} ({args.to}, {human_bytes(size)})")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from .models import minilm
    except ImportError as e:
        raise UserError(f"the demo is not available in this installation ({e})") from None
    demo = getattr(minilm, "demo", None)
    if demo is None:
        raise UserError("the demo is not available in this installation (webnn.models.minilm has no demo())")
    rc = demo(backend=args.backend)
    return int(rc or 0)


COMMANDS = {"info": cmd_info, "convert": cmd_convert, "run": cmd_run, "bench": cmd_bench, "cache": cmd_cache, "demo": cmd_demo}


def _exit_code(e: BaseException) -> int:
    from .errors import BackendUnavailable, GraphError, ValidationError

    if isinstance(e, UserError):
        return EXIT_USAGE
    if isinstance(e, BackendUnavailable):
        return EXIT_UNAVAILABLE
    if isinstance(e, ValidationError):
        return EXIT_USAGE
    if isinstance(e, GraphError):
        return EXIT_FAILURE
    if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
        return EXIT_USAGE
    return EXIT_FAILURE


def _one_line(e: BaseException) -> str:
    msg = str(e).strip()
    if isinstance(e, (UserError,)):
        return msg
    from .errors import GraphError, ValidationError

    first = msg.splitlines()[0] if msg else ""
    if isinstance(e, (GraphError, ValidationError)):
        return first or type(e).__name__
    if isinstance(e, OSError) and e.filename:
        return f"{e.filename}: {e.strerror}"
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        argv = [a for a in argv if a != "--debug"]

    def show(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        _err(f"warning: {message}")

    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = show  # type: ignore[assignment]
            return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as e:  # --help / --version
        return int(e.code or 0) if not isinstance(e.code, str) else EXIT_USAGE
    except BrokenPipeError:  # e.g. `webnn info | head`
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the one place every error becomes one line
        if debug:
            traceback.print_exc()
        _err(f"error: {_one_line(e)}")
        return _exit_code(e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
