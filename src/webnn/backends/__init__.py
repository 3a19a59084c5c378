"""Backends compile a GraphInfo for one engine and run it.

A backend module provides a :class:`Backend` subclass; ``Backend.compile`` turns a
graph into a :class:`CompiledGraph` once, and ``CompiledGraph.run`` executes it on
host numpy arrays (already validated by the context).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..graph import GraphInfo


class CompiledGraph:
    """A graph prepared for one backend (session, engine...), reused across calls."""

    backend: str = ""
    #: True when results come from a simulation of the backend (labelled, never silent).
    simulated: bool = False

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

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

    def describe(self) -> str:
        return self.name
