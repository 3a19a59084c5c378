"""``webnn serve``: help, arguments -> ServeOptions, errors before any Ray cluster starts.
(Serving itself is tested in tests/test_serve.py on a local Ray cluster.)"""

from __future__ import annotations

import pytest

from webnn.cli import build_parser
from webnn.cli.serve import options_from_args

from ._util import one_line_error, webnn_cli


def test_help_lists_the_options() -> None:
    p = webnn_cli("serve", "--help")
    assert p.returncode == 0
    for opt in ("--replicas", "--min-replicas", "--max-replicas", "--num-cpus", "--num-gpus", "--max-batch", "--batch-wait-ms", "--address", "--port"):
        assert opt in p.stdout, opt
    assert "serve" in webnn_cli("--help").stdout


def test_arguments_become_serve_options() -> None:
    args = build_parser().parse_args(["serve", "g.webnn", "--replicas", "2", "--max-batch", "32", "--batch-wait-ms", "20",
                                      "--num-gpus", "1", "--batch-sizes", "4,32", "-O", "intra_op_threads=2", "--simulate"])
    o = options_from_args(args)
    assert (o.replicas, o.max_batch, o.batch_wait_s, o.num_gpus, o.sizes()) == (2, 32, 0.02, 1.0, (4, 32))
    assert o.backend_options == {"intra_op_threads": 2, "simulate": True} and o.context_options()["accelerated"] is True
    auto = options_from_args(build_parser().parse_args(["serve", "g.webnn", "--min-replicas", "1", "--max-replicas", "3"]))
    assert auto.deployment_options()["autoscaling_config"]["max_replicas"] == 3


@pytest.mark.parametrize("argv, words", [
    (["serve", "missing.webnn"], ["missing.webnn: no such file"]),
    (["serve", "missing.webnn", "--replicas", "0"], ["replicas must be an integer >= 1"]),
    (["serve", "missing.webnn", "--batch-sizes", "1,x"], ["--batch-sizes", "comma-separated integers"]),
    (["serve", "missing.webnn", "--min-replicas", "2"], ["min_replicas and max_replicas"]),
])
def test_user_errors_are_one_line_exit_2(argv: list[str], words: list[str]) -> None:
    one_line_error(webnn_cli(*argv), 2, *words)
