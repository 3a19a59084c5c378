"""Backends compile a GraphInfo for one engine and run it.

A backend module provides a :class:`Backend` subclass; ``Backend.compile`` turns a
graph into a :class:`CompiledGraph` once, and ``CompiledGraph.run`` executes it on
host numpy arrays (already validated by the context).

Tensors (``MLContext.create_tensor``) keep their bytes in a :class:`~webnn.tensor.TensorStorage`
from ``Backend.create_tensor_storage`` (host numpy memory by default); ``CompiledGraph.dispatch``
runs a graph from input storages into output storages. A device backend overrides both so that
tensors stay in device memory between dispatches (see docs/tensors.md).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..graph import GraphInfo
from ..tensor import HostStorage, TensorStorage
from ..types import MLOperandDescriptor


class CompiledGraph:
    """A graph prepared for one backend (session, engine...), reused across calls."""

    backend: str = ""
    #: True when results come from a simulation of the backend (labelled, never silent).
    simulated: bool = False

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def dispatch(self, inputs: Mapping[str, TensorStorage], outputs: Mapping[str, TensorStorage]) -> None:
        """Run from input storages into output storages (names and descriptors already validated).

        The default goes through the host: ``host_array()`` of each input (no copy for host
        storage), ``run``, then ``write`` into each output. Device backends override this to
        bind their own storages' device buffers directly and copy only foreign ones.
        """
        results = self.run({name: s.host_array() for name, s in inputs.items()})
        for name, s in outputs.items():
            s.write(results[name])

    def accepts_device(self, dl_device: tuple[int, int]) -> bool:
        """Whether ``run`` takes arrays living on this DLPack device as they are (no host copy).

        Host backends accept only host arrays (numpy); a CUDA backend returns True for
        ``(2, its device id)`` and then receives e.g. torch/cupy CUDA arrays in ``run``.
        """
        return False

    def close(self) -> None:
        """Release backend resources; the object must not be used afterwards."""

    def __enter__(self) -> "CompiledGraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Backend:
    """An execution engine. Subclasses set ``name`` and implement ``compile``."""

    name: str = ""

    @classmethod
    def availability(cls) -> tuple[bool, str]:
        """(available, reason): whether this backend can run here, and why not."""
        return True, ""

    def compile(self, info: GraphInfo) -> CompiledGraph:  # pragma: no cover - abstract
        raise NotImplementedError

    def create_tensor_storage(self, descriptor: MLOperandDescriptor) -> TensorStorage:
        """Memory for one MLTensor, zero-initialised. Device backends return device storage."""
        return HostStorage(descriptor)

    def describe(self) -> str:
        return self.name
