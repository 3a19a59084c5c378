"""The files ``run`` and ``bench`` read: which kind of model a file is, and the input arrays
from ``--input`` checked against the model's inputs (missing ones filled when asked)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import GraphFileError
from ..files import check_regular
from ..model_files import sniff
from ._errors import UserError

#: A model's inputs: name -> (dtype, shape; None where a dimension is symbolic).
InputSpecs = dict[str, tuple[np.dtype, "tuple[int, ...] | None"]]


def _regular(path: Path, what: str) -> None:
    """UserError unless ``path`` is a regular file (a FIFO, device or stdin is never read: no hang)."""
    try:
        check_regular(path, what)
    except GraphFileError as e:
        raise UserError(str(e)) from None


def model_kind(path: Path) -> str:
    """``"webnn"`` (MLGraph.save), ``"webnn-graph"`` (text format) or ``"onnx"``, from the content."""
    return sniff(path)


def _load_npy(name: str, file: str) -> np.ndarray:
    path = Path(file)
    _regular(path, f"--input {name}")
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's
        raise UserError(f"--input {name}: {file}: not a .npy file ({e})") from None
    if not isinstance(arr, np.ndarray):
        raise UserError(f"--input {name}: {file}: holds several arrays; use --input {file} for an .npz")
    return arr


def _load_npz(item: str) -> dict[str, np.ndarray]:
    path = Path(item)
    if not path.exists():
        raise UserError(f"--input {item}: no such file (expected NAME=FILE.npy or FILE.npz)")
    _regular(path, "--input")
    try:
        with np.load(path, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise ValueError("not an .npz archive")
            return {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's
        raise UserError(f"--input {item}: expected NAME=FILE.npy or an .npz file ({e})") from None


def load_inputs(items: Sequence[str]) -> dict[str, np.ndarray]:
    """Arrays by input name from ``--input NAME=FILE.npy`` and ``--input FILE.npz`` items."""
    inputs: dict[str, np.ndarray] = {}
    for item in items:
        if "=" in item:
            name, file = item.split("=", 1)
            if not name:
                raise UserError(f"--input {item!r}: expected NAME=FILE.npy")
            inputs[name] = _load_npy(name, file)
        else:
            inputs.update(_load_npz(item))
    return inputs


def fill_inputs(given: dict[str, np.ndarray], specs: InputSpecs, fill: str | None, seed: int = 0) -> dict[str, np.ndarray]:
    """Check ``given`` against the model's inputs; fill missing ones with ``"zeros"`` or
    ``"random"`` (floats uniform in [0, 1) drawn with ``seed``; zeros for other types) if asked,
    else name them in the error."""

    def fmt(n: str) -> str:
        dt, shape = specs[n]
        return f"{n}: {np.dtype(dt).name}{list(shape) if shape is not None else '[?]'}"

    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise UserError(f"unknown input {', '.join(map(repr, unknown))} (model inputs: {'; '.join(fmt(n) for n in specs)})")
    out = {}
    rng = np.random.default_rng(seed)
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
            out[name] = rng.random(shape).astype(dtype)
        else:
            out[name] = np.zeros(shape, dtype)
    return out
