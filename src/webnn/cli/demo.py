"""``webnn demo``: all-MiniLM-L6-v2 sentence embeddings (:func:`webnn.models.minilm.demo`)."""

from __future__ import annotations

import argparse

from ..models import minilm
from ._args import AddParser
from ._errors import UserError


def register(add_parser: AddParser) -> None:
    s = add_parser("demo", help="all-MiniLM-L6-v2 sentence embeddings on the best backend")
    s.add_argument("--backend", "-b", help="force a backend")
    s.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    demo = getattr(minilm, "demo", None)  # looked up per call: tests replace it
    if demo is None:
        raise UserError("the demo is not available in this installation (webnn.models.minilm has no demo())")
    return int(demo(backend=args.backend) or 0)
