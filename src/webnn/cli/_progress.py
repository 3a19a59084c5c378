"""Progress on stderr: a bar on a terminal, a few plain lines when the stream is piped; nothing
under ``--quiet`` (:func:`webnn.cli._log.progress_enabled`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._log import progress_enabled


def _is_tty(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


class Progress:
    """A progress bar on a terminal; a few plain lines when the stream is not a terminal."""

    def __init__(self, total: int, label: str, stream: Any = None, plain_steps: int = 4) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = _is_tty(self.stream)
        self.shown = progress_enabled()
        self.done = 0
        self._plain_every = max(self.total // max(plain_steps, 1), 1)
        self._next_plain = self._plain_every
        self._last_draw = 0.0

    def update(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total)
        if not self.shown:
            return
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
        if self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def step(label: str, stream: Any = None) -> Iterator[None]:
    """Announce a long step (engine build...) and how long it took."""
    if not progress_enabled():
        yield
        return
    stream = stream or sys.stderr
    tty = _is_tty(stream)
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
        # On a terminal, log lines written during the step (a build's phases) end the "label ..." line.
        stream.write(f"\r{label} ... {status}\n" if tty else f"{label}: {status}\n")
        stream.flush()
