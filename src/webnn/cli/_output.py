"""What the commands write: numbers for people (bytes, milliseconds), JSON, output arrays, and the check that ``-o``'s directory exists."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..summary import human_bytes
from ._errors import UserError

__all__ = ["human_bytes", "ms", "print_json", "array_summary", "array_stats", "save_arrays", "check_output_dir"]


def ms(seconds: float) -> str:
    """A duration in milliseconds, with three decimals below 10 ms."""
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


def print_json(value: Any) -> None:
    """``--json`` output on stdout."""
    print(json.dumps(value, indent=2))


def array_summary(a: np.ndarray) -> str:
    """``float32[2, 3]  min 0  max 5  mean 2.5`` (statistics only for numbers)."""
    stats = ""
    if a.size and a.dtype.kind in "biuf":
        af = a.astype(np.float64)
        stats = f"  min {af.min():.6g}  max {af.max():.6g}  mean {af.mean():.6g}"
    return f"{a.dtype.name}{list(a.shape)}{stats}"


def array_stats(a: np.ndarray) -> dict[str, Any]:
    """``{"dtype", "shape", "min", "max", "mean"}`` of an output (statistics None for empty or non-numeric arrays)."""
    stats: dict[str, Any] = {"dtype": a.dtype.name, "shape": list(a.shape), "min": None, "max": None, "mean": None}
    if a.size and a.dtype.kind in "biuf":
        af = a.astype(np.float64)
        for k, v in (("min", af.min()), ("max", af.max()), ("mean", af.mean())):
            stats[k] = float(v) if np.isfinite(v) else str(v)
    return stats


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name) or "output"


def check_output_dir(out: Path) -> None:
    """``-o OUT``: the directory OUT goes into must exist (a clear error before any work)."""
    if not out.parent.is_dir():
        raise UserError(f"-o {out}: {out.parent}: no such directory")


def save_arrays(arrays: Mapping[str, np.ndarray], directory: Path) -> None:
    """Write each array to ``directory/NAME.npy`` (characters unsafe in a file name become ``_``)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        np.save(directory / f"{_safe_name(name)}.npy", np.asarray(a))
