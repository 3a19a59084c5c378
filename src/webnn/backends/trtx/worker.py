"""Engine builds in a child process, so a crash inside TensorRT-RTX cannot take the caller down.

TensorRT-RTX 1.7's builder dereferences bad memory on some valid networks (a 0-D ``Tile``
followed by a unary op segfaults it). A crash inside the library cannot be caught in the
process it happens in, so :func:`build` runs the parse and the build in one persistent worker
process per user process (started on the first build, reused by every later one, started
again after a crash): a cache hit never involves it. A crash becomes
:class:`~webnn.TrtxRuntimeFailed` naming the node: the worker, restarted, builds ever shorter
prefixes of the graph (a binary search over its topologically ordered nodes) until the
shortest one that still crashes is found, and the message names that prefix's last node and
what it reads.

The worker is also faster: it runs with glibc's allocator told to keep freed memory
(``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_``), which saves the page faults of the
large buffers TensorRT-RTX allocates and zero-fills on every build (a small build: about 0.25 s
in-process, 0.06 s in the worker, measured on a 2-core machine). ``WEBNN_TRTX_BUILD_WORKER=0``
builds in-process instead (no crash guard).

The protocol is one request at a time over the worker's stdin/stdout (length-prefixed JSON
headers and raw byte payloads); whatever the library itself prints to stdout is captured and
added to failure messages.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ...errors import TrtxRuntimeFailed
from .lib import trt
from .loaders import OnnxInfo, TensorSpec, build_engine, network_from_onnx
from .logger import log
from .options import BuildOptions
from .progress import make_monitor, progress_mode

if TYPE_CHECKING:
    import onnx

#: ``WEBNN_TRTX_BUILD_WORKER=0`` builds in the calling process (no crash guard).
ENV = "WEBNN_TRTX_BUILD_WORKER"
#: glibc keeps freed memory below these sizes instead of returning it (and re-faulting it) per build.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
#: At most this many prefix builds to find the node a crash comes from.
MAX_PROBES = 24

_FRAME = struct.Struct("<IQ")


@dataclass
class Built:
    """What a build returns: the serialized engine and the parsed network's I/O."""

    engine: bytes
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    parse_seconds: float
    build_seconds: float


class WorkerCrashed(Exception):
    """The worker process died during a request (``returncode`` < 0: killed by that signal)."""

    def __init__(self, returncode: int | None) -> None:
        super().__init__(describe_exit(returncode))
        self.returncode = returncode


def describe_exit(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def isolated() -> bool:
    """Whether builds run in the worker (``WEBNN_TRTX_BUILD_WORKER`` is not 0/false/no/off)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off") and bool(sys.executable)


# -- framing ---------------------------------------------------------------------------------------


def _send(f: IO[bytes], header: dict, payload: bytes = b"") -> None:
    h = json.dumps(header).encode()
    f.write(_FRAME.pack(len(h), len(payload)))
    f.write(h)
    if payload:
        f.write(payload)
    f.flush()


def _read(f: IO[bytes], n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        c = f.read(left)
        if not c:
            return None
        chunks.append(c)
        left -= len(c)
    return b"".join(chunks)


def _recv(f: IO[bytes]) -> tuple[dict, bytes] | None:
    head = _read(f, _FRAME.size)
    if head is None:
        return None
    hlen, plen = _FRAME.unpack(head)
    h = _read(f, hlen)
    p = _read(f, plen) if plen else b""
    if h is None or p is None:
        return None
    return json.loads(h), p


# -- the worker process ----------------------------------------------------------------------------


def _specs(specs: list[TensorSpec]) -> list[dict]:
    return [s.to_json() for s in specs]


def _do_build(header: dict, payload: bytes, out: IO[bytes]) -> tuple[dict, bytes]:
    nodes = tuple((str(a), str(b)) for a, b in header.get("nodes", []))
    parsed = network_from_onnx(payload, OnnxInfo("", (), (), nodes) if nodes else None)
    monitor = None
    if header.get("progress") != "off":
        t = trt()
        base: Any = t.IProgressMonitor  # a class of the optional tensorrt_rtx package

        class Remote(base):  # forwards the build's progress to the parent
            def __init__(self) -> None:
                t.IProgressMonitor.__init__(self)

            def phase_start(self, phase_name, parent_phase, num_steps) -> None:
                _send(out, {"event": "phase_start", "args": [phase_name, parent_phase, int(num_steps)]})

            def step_complete(self, phase_name, step) -> bool:
                _send(out, {"event": "step_complete", "args": [phase_name, int(step)]})
                return True

            def phase_finish(self, phase_name) -> None:
                _send(out, {"event": "phase_finish", "args": [phase_name]})

        monitor = Remote()
    engine, seconds = build_engine(parsed, BuildOptions.from_json(header["options"]), label=header.get("label", "model"), progress=False, monitor=monitor)
    reply = {"ok": True, "inputs": _specs(parsed.inputs()), "outputs": _specs(parsed.outputs()), "parse_seconds": parsed.seconds, "build_seconds": seconds}
    return reply, engine


def serve() -> None:
    """The worker's loop: one request at a time on stdin, replies on stdout, until EOF."""
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    scratch = tempfile.TemporaryFile()
    os.dup2(scratch.fileno(), 1)  # the library's own prints must not corrupt the protocol
    sys.stdout = open(1, "w", closefd=False)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    while True:
        msg = _recv(proto_in)
        if msg is None or msg[0].get("op") == "exit":
            return
        header, payload = msg
        scratch.seek(0)
        scratch.truncate()
        try:
            reply, data = _do_build(header, payload, proto_out)
        except TrtxRuntimeFailed as e:
            reply, data = {"ok": False, "error": str(e)}, b""
        except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it there
            reply, data = {"ok": False, "error": f"TensorRT-RTX build failed: {type(e).__name__}: {e}"}, b""
        sys.stdout.flush()
        if not reply["ok"]:
            scratch.seek(0)
            printed = " ".join(scratch.read().decode(errors="replace").split())
            if printed:
                reply["printed"] = printed[:2000]
        _send(proto_out, reply, data)


# -- the parent's side -----------------------------------------------------------------------------


class BuildWorker:
    """One worker process, started on demand (and again after a crash); requests are serialized."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self.starts = 0

    def _ensure(self) -> subprocess.Popen:
        if self._proc is not None and self._pid == os.getpid() and self._proc.poll() is None:
            return self._proc
        if self._pid != os.getpid():
            self._proc = None  # inherited through fork: the parent's worker, not ours to use or stop
        env = dict(os.environ)
        for k, v in MALLOC_ENV.items():
            env.setdefault(k, v)
        root = str(Path(__file__).resolve().parents[3])  # the directory holding the webnn package
        code = "import sys; sys.path.insert(0, sys.argv[1]); from webnn.backends.trtx.worker import serve; serve()"
        self._proc = subprocess.Popen([sys.executable, "-c", code, root], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
        self._pid = os.getpid()
        self.starts += 1
        return self._proc

    def request(self, header: dict, payload: bytes, on_event: Any = None) -> tuple[dict, bytes]:
        """Send one request; returns the reply (header, payload). WorkerCrashed if the worker died."""
        with self._lock:
            proc = self._ensure()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                _send(proc.stdin, header, payload)
            except (BrokenPipeError, OSError):
                raise WorkerCrashed(self._reap()) from None
            while True:
                msg = _recv(proc.stdout)
                if msg is None:
                    raise WorkerCrashed(self._reap())
                reply, data = msg
                event = reply.get("event")
                if event is None:
                    return reply, data
                if on_event is not None:
                    on_event(event, reply.get("args", []))

    def _reap(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._pid == os.getpid() else None

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is None or self._pid != os.getpid():
                return
            try:
                assert proc.stdin is not None
                _send(proc.stdin, {"op": "exit"})
                proc.stdin.close()
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - shutting down: make sure it is gone
                proc.kill()
                proc.wait()


_WORKER = BuildWorker()
atexit.register(_WORKER.close)


def worker() -> BuildWorker:
    """The process's build worker."""
    return _WORKER


def _built(reply: dict, engine: bytes) -> Built:
    return Built(
        engine,
        [TensorSpec.from_json(d) for d in reply["inputs"]],
        [TensorSpec.from_json(d) for d in reply["outputs"]],
        float(reply["parse_seconds"]),
        float(reply["build_seconds"]),
    )


def _failure(reply: dict) -> TrtxRuntimeFailed:
    msg = reply["error"]
    if reply.get("printed"):
        msg += f"\n  (TensorRT-RTX printed: {reply['printed']})"
    return TrtxRuntimeFailed(msg)


def build(source: bytes, options: BuildOptions, *, label: str, progress: bool | None = None, info: OnnxInfo | None = None) -> Built:
    """Parse and build ``source`` (legalized ONNX bytes): in the worker, or in-process when isolation is off."""
    mode = progress_mode(progress)
    if not isolated():
        parsed = network_from_onnx(source, info)
        engine, seconds = build_engine(parsed, options, label=label, progress=progress)
        return Built(engine, parsed.inputs(), parsed.outputs(), parsed.seconds, seconds)
    monitor = make_monitor(label, mode) if mode != "off" else None

    def on_event(event: str, args: list) -> None:
        if monitor is not None and event in ("phase_start", "step_complete", "phase_finish"):
            getattr(monitor, event)(*args)

    header = {"op": "build", "options": options.to_json(), "label": label, "progress": mode, "nodes": [list(n) for n in info.nodes] if info else []}
    try:
        reply, engine = _WORKER.request(header, source, on_event)
    except WorkerCrashed as crash:
        log.warning("webnn trtx: TensorRT-RTX crashed (%s) while building %s; finding the node", crash, label)
        raise TrtxRuntimeFailed(f"TensorRT-RTX crashed ({crash}) while building {label}: {locate_crash(source, options)}") from None
    if not reply["ok"]:
        raise _failure(reply)
    return _built(reply, engine)


# -- finding the node a crash comes from -----------------------------------------------------------


def prefix_model(model: onnx.ModelProto, k: int, types: dict[str, int], shapes: dict[str, Any]) -> onnx.ModelProto:
    """The graph of ``model``'s first ``k`` nodes, its outputs every value they make that later nodes (or the graph) read."""
    import onnx  # deferred: onnx is heavy, needed only after a crash

    g = model.graph
    nodes = list(g.node)[:k]
    made = [o for n in nodes for o in n.output if o]
    later = {i for n in list(g.node)[k:] for i in n.input} | {o.name for o in g.output}
    outs = [o for o in made if o in later and o in types] or [o for o in nodes[-1].output if o in types]
    used = {i for n in nodes for i in n.input}
    m = onnx.ModelProto()
    m.CopyFrom(model)
    pg = m.graph
    del pg.node[:], pg.output[:], pg.value_info[:]
    pg.node.extend(nodes)
    keep = [t for t in g.initializer if t.name in used]
    del pg.initializer[:]
    pg.initializer.extend(keep)
    inputs = [vi for vi in g.input if vi.name in used]
    del pg.input[:]
    pg.input.extend(inputs)
    for o in outs:
        s = shapes.get(o)
        pg.output.append(onnx.helper.make_tensor_value_info(o, types[o], None if s is None else [d if d is not None else None for d in s]))
    return m


def _crashes(model: onnx.ModelProto, options: BuildOptions) -> bool:
    try:
        _WORKER.request({"op": "build", "options": options.to_json(), "label": "crash probe", "progress": "off"}, model.SerializeToString())
    except WorkerCrashed:
        return True
    return False


def locate_crash(source: bytes, options: BuildOptions) -> str:
    """Which node the crash comes from, found by building prefixes of the graph (worker restarts each crash)."""
    import onnx  # deferred: onnx is heavy, needed only after a crash

    from .graphedit import infer  # deferred: graphedit imports onnx (heavy)

    model = onnx.ModelProto.FromString(source)
    nodes = list(model.graph.node)
    ops = sorted({n.op_type for n in nodes})
    everything = f"the graph has {len(nodes)} node(s): {', '.join(ops)}"
    if not nodes:
        return everything
    types, shapes = infer(model)
    lo, hi, probes = 0, len(nodes), 0  # prefix(lo) builds, prefix(hi) crashes
    while hi - lo > 1 and probes < MAX_PROBES:
        mid = (lo + hi) // 2
        probes += 1
        if _crashes(prefix_model(model, mid, types, shapes), options):
            hi = mid
        else:
            lo = mid
    if hi - lo > 1:
        return f"could not narrow it down in {probes} builds; {everything}"
    culprit = nodes[hi - 1]
    producers = {o: n for n in nodes[: hi - 1] for o in n.output}
    reads = [f"{producers[i].name or '#'}({producers[i].op_type})" for i in culprit.input if i in producers]
    name = culprit.name.split("__trtx")[0] or f"#{hi - 1}"
    after = f", reading {', '.join(reads)}" if reads else ""
    return f"the shortest crashing prefix of the graph ends at node {name!r} ({culprit.op_type}{after}); {everything}"
