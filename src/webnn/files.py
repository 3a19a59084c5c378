"""Reading the files users give webnn (saved graphs, weights, manifests): regular files only,
opened without blocking (a FIFO or a device is refused, never waited on), read up to a bound.

Every failure is a :class:`~webnn.errors.GraphFileError` naming the file and what is wrong.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from .errors import GraphFileError

#: The most a graph's structure (``graph.json``, a webnn-graph text file, a manifest) may take.
MAX_STRUCTURE_BYTES = 256 << 20

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike, what: str) -> BinaryIO:
    """``path`` opened for reading in binary mode, if it is a regular file (symbolic links to one are
    fine); GraphFileError otherwise. ``what`` starts the message (e.g. ``"load_graph"``)."""
    try:
        fd = os.open(os.fspath(path), _FLAGS)
    except FileNotFoundError:
        raise GraphFileError(f"{what}: {path}: no such file") from None
    except IsADirectoryError:
        raise GraphFileError(f"{what}: {path} is a directory, expected a file") from None
    except (OSError, TypeError, ValueError) as e:
        raise GraphFileError(f"{what}: {path}: cannot open the file ({getattr(e, 'strerror', None) or e})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise GraphFileError(f"{what}: {path} is {_kind(mode)}, expected a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, what: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (default
    :data:`MAX_STRUCTURE_BYTES`; a larger file is a GraphFileError saying so, read no further)."""
    if limit is None:
        limit = MAX_STRUCTURE_BYTES
    with open_regular(path, what) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise GraphFileError(f"{what}: {path} has {size} bytes, more than the {limit} this reader accepts")
        try:
            data = f.read(min(limit, size) + 1)  # the size fstat gave, and one byte to see a file that grew
        except OSError as e:
            raise GraphFileError(f"{what}: {path}: cannot read the file ({e.strerror or e})") from None
    if len(data) > min(limit, size):
        raise GraphFileError(f"{what}: {path} changed while being read")
    return data


def check_regular(path: str | os.PathLike, what: str) -> None:
    """GraphFileError unless ``path`` is a regular file (checked without opening it for reading)."""
    open_regular(path, what).close()


__all__ = ["MAX_STRUCTURE_BYTES", "open_regular", "read_regular", "check_regular"]
