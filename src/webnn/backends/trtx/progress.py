"""Build progress: TensorRT-RTX's progress monitor -> a progress bar on a terminal, log lines otherwise.

A build shorter than ``delay`` seconds shows nothing; after that a terminal (stderr is a
TTY) gets one self-rewriting line with the top-level phase's progress and the innermost
phase's name, and anything else gets ``logging`` INFO lines (logger ``webnn.trtx``) as
top-level phases start and finish. ``WEBNN_TRTX_PROGRESS=0`` turns it off, ``=1`` shows
it from the start.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, TextIO

from .lib import trt
from .logger import log


def progress_mode(progress: bool | None) -> str:
    """'off', 'bar' or 'log' for an option value (None = decide from the environment)."""
    env = os.environ.get("WEBNN_TRTX_PROGRESS")
    if progress is None and env is not None:
        progress = env.strip().lower() not in ("0", "false", "no", "off", "")
    if progress is False:
        return "off"
    stream = sys.stderr
    return "bar" if (stream is not None and hasattr(stream, "isatty") and stream.isatty()) else "log"


class _Phase:
    __slots__ = ("name", "parent", "steps", "done", "started")

    def __init__(self, name: str, parent: str | None, steps: int) -> None:
        self.name, self.parent, self.steps, self.done, self.started = name, parent, steps, 0, time.perf_counter()


def make_monitor(label: str, mode: str, delay: float = 1.0, stream: TextIO | None = None):
    """An ``IProgressMonitor`` for one build (``mode`` from :func:`progress_mode`)."""
    t = trt()

    base: Any = t.IProgressMonitor  # a class of the optional tensorrt_rtx package

    class Monitor(base):
        def __init__(self) -> None:
            t.IProgressMonitor.__init__(self)
            self.phases: dict[str, _Phase] = {}
            self.order: list[str] = []
            self.start = time.perf_counter()
            self.lock = threading.Lock()
            self.shown = False
            self.events: list[tuple[str, str]] = []  # (event, phase) for tests and debugging
            self._last_draw = 0.0

        # -- TensorRT callbacks --------------------------------------------------------
        def phase_start(self, phase_name, parent_phase, num_steps) -> None:
            with self.lock:
                self.phases[phase_name] = _Phase(phase_name, parent_phase, int(num_steps))
                self.order.append(phase_name)
                self.events.append(("start", phase_name))
                if mode == "log" and self._visible() and self._depth(phase_name) <= 1:
                    log.info("trtx build %s: %s started (%d steps)", label, phase_name, num_steps)
                self._draw()

        def step_complete(self, phase_name, step) -> bool:
            with self.lock:
                p = self.phases.get(phase_name)
                if p is not None:
                    p.done = int(step) + 1
                self._draw()
            return True  # never cancel

        def phase_finish(self, phase_name) -> None:
            with self.lock:
                p = self.phases.pop(phase_name, None)
                if phase_name in self.order:
                    self.order.remove(phase_name)
                self.events.append(("finish", phase_name))
                if p is not None and mode == "log" and self._visible() and self._depth_of(p) <= 1:
                    log.info("trtx build %s: %s finished in %.1f s", label, phase_name, time.perf_counter() - p.started)
                if not self.order:
                    self._end()
                else:
                    self._draw()

        # -- helpers -------------------------------------------------------------------
        def _depth_of(self, p: _Phase | None) -> int:
            d = 0
            while p is not None and p.parent is not None:
                d += 1
                p = self.phases.get(p.parent)
            return d

        def _depth(self, name: str) -> int:
            p = self.phases.get(name)
            return self._depth_of(p) if p else 0

        def _visible(self) -> bool:
            return mode != "off" and (time.perf_counter() - self.start) >= delay

        def _draw(self) -> None:
            if mode != "bar" or not self._visible() or not self.order:
                return
            now = time.perf_counter()
            if now - self._last_draw < 0.1:
                return
            self._last_draw = now
            top = self.phases.get(self.order[0])
            inner = self.phases.get(self.order[-1])
            frac = (top.done / top.steps) if top and top.steps else 0.0
            width = 24
            fill = int(frac * width)
            bar = "#" * fill + "-" * (width - fill)
            inner_s = f" {inner.name} {inner.done}/{inner.steps}" if inner is not None and inner is not top else ""
            line = f"\r[webnn trtx] building {label} [{bar}] {now - self.start:5.1f}s{inner_s}"
            out = stream or sys.stderr
            out.write(line[:160].ljust(100))
            out.flush()
            self.shown = True

        def _end(self) -> None:
            if mode == "bar" and self.shown:
                out = stream or sys.stderr
                out.write(f"\r[webnn trtx] built {label} in {time.perf_counter() - self.start:.1f}s".ljust(100) + "\n")
                out.flush()

    return Monitor()
