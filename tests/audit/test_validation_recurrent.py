"""WPT validation cases (webnn/validation_tests: gru, gruCell, lstm, lstmCell) for the recurrent
family: each bad input must raise webnn.ValidationError, each valid one must build with the
spec's output descriptors. Each case starts from a valid call and changes one thing."""

from __future__ import annotations

import pytest

import webnn

STEPS, BATCH, INPUT, HIDDEN = 2, 3, 4, 5
F, H = "float32", "float16"


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


def d(dt: str, shape: list[int]) -> tuple[str, list[int]]:
    return (dt, shape)


# Operand arguments per op, in call order; scalars (steps, hiddenSize) follow them.
BASE = {
    "gru": {"input": d(F, [STEPS, BATCH, INPUT]), "weight": d(F, [1, 3 * HIDDEN, INPUT]), "recurrent_weight": d(F, [1, 3 * HIDDEN, HIDDEN])},
    "gru_cell": {
        "input": d(F, [BATCH, INPUT]),
        "weight": d(F, [3 * HIDDEN, INPUT]),
        "recurrent_weight": d(F, [3 * HIDDEN, HIDDEN]),
        "hidden_state": d(F, [BATCH, HIDDEN]),
    },
    "lstm": {"input": d(F, [STEPS, BATCH, INPUT]), "weight": d(F, [1, 4 * HIDDEN, INPUT]), "recurrent_weight": d(F, [1, 4 * HIDDEN, HIDDEN])},
    "lstm_cell": {
        "input": d(F, [BATCH, INPUT]),
        "weight": d(F, [4 * HIDDEN, INPUT]),
        "recurrent_weight": d(F, [4 * HIDDEN, HIDDEN]),
        "hidden_state": d(F, [BATCH, HIDDEN]),
        "cell_state": d(F, [BATCH, HIDDEN]),
    },
}
SCALARS = {
    "gru": {"steps": STEPS, "hidden_size": HIDDEN},
    "gru_cell": {"hidden_size": HIDDEN},
    "lstm": {"steps": STEPS, "hidden_size": HIDDEN},
    "lstm_cell": {"hidden_size": HIDDEN},
}
OPERAND_OPTIONS = {"bias", "recurrent_bias", "peephole_weight", "initial_hidden_state", "initial_cell_state"}


def call(ctx, op, operands=None, scalars=None, options=None, other_builder_arg=None, label=None):
    b = webnn.MLGraphBuilder(ctx)
    other = webnn.MLGraphBuilder(ctx)
    ops = dict(BASE[op], **(operands or {}))
    args = [(other if k == other_builder_arg else b).input(k, webnn.MLOperandDescriptor(*v)) for k, v in ops.items()]
    args += list(dict(SCALARS[op], **(scalars or {})).values())
    kw = {}
    for k, v in (options or {}).items():
        kw[k] = (other if k == other_builder_arg else b).input(k, webnn.MLOperandDescriptor(*v)) if k in OPERAND_OPTIONS else v
    if label:
        kw["label"] = label
    return getattr(b, op)(*args, **kw)


# -- valid calls and their output shapes ----------------------------------------------------
VALID = [
    ("gru", "default options", {}, {}, {}, [[1, BATCH, HIDDEN]]),
    (
        "gru",
        "given options, both directions",
        {"weight": d(F, [2, 3 * HIDDEN, INPUT]), "recurrent_weight": d(F, [2, 3 * HIDDEN, HIDDEN])},
        {},
        {
            "bias": d(F, [2, 3 * HIDDEN]),
            "recurrent_bias": d(F, [2, 3 * HIDDEN]),
            "initial_hidden_state": d(F, [2, BATCH, HIDDEN]),
            "reset_after": False,
            "return_sequence": True,
            "direction": "both",
            "layout": "rzn",
            "activations": ["sigmoid", "relu"],
        },
        [[2, BATCH, HIDDEN], [STEPS, 2, BATCH, HIDDEN]],
    ),
    (
        "gru",
        "float16 backward",
        {"input": d(H, [STEPS, BATCH, INPUT]), "weight": d(H, [1, 3 * HIDDEN, INPUT]), "recurrent_weight": d(H, [1, 3 * HIDDEN, HIDDEN])},
        {},
        {"direction": "backward"},
        [[1, BATCH, HIDDEN]],
    ),
    ("gru_cell", "default options", {}, {}, {}, [[BATCH, HIDDEN]]),
    (
        "gru_cell",
        "given options",
        {},
        {},
        {"bias": d(F, [3 * HIDDEN]), "recurrent_bias": d(F, [3 * HIDDEN]), "reset_after": True, "layout": "rzn", "activations": ["sigmoid", "relu"]},
        [[BATCH, HIDDEN]],
    ),
    ("lstm", "default options", {}, {}, {}, [[1, BATCH, HIDDEN]] * 2),
    (
        "lstm",
        "given options, both directions",
        {"weight": d(F, [2, 4 * HIDDEN, INPUT]), "recurrent_weight": d(F, [2, 4 * HIDDEN, HIDDEN])},
        {},
        {
            "bias": d(F, [2, 4 * HIDDEN]),
            "recurrent_bias": d(F, [2, 4 * HIDDEN]),
            "peephole_weight": d(F, [2, 3 * HIDDEN]),
            "initial_hidden_state": d(F, [2, BATCH, HIDDEN]),
            "initial_cell_state": d(F, [2, BATCH, HIDDEN]),
            "return_sequence": True,
            "direction": "both",
            "layout": "ifgo",
            "activations": ["sigmoid", "relu", "tanh"],
        },
        [[2, BATCH, HIDDEN], [2, BATCH, HIDDEN], [STEPS, 2, BATCH, HIDDEN]],
    ),
    ("lstm_cell", "default options", {}, {}, {}, [[BATCH, HIDDEN]] * 2),
    (
        "lstm_cell",
        "given options",
        {},
        {},
        {
            "bias": d(F, [4 * HIDDEN]),
            "recurrent_bias": d(F, [4 * HIDDEN]),
            "peephole_weight": d(F, [3 * HIDDEN]),
            "layout": "ifgo",
            "activations": ["sigmoid", "relu", "tanh"],
        },
        [[BATCH, HIDDEN]] * 2,
    ),
]


@pytest.mark.parametrize("op,name,operands,scalars,options,outs", VALID, ids=[f"{c[0]}: {c[1]}" for c in VALID])
def test_valid(ctx, op, name, operands, scalars, options, outs):
    result = call(ctx, op, operands, scalars, options)
    results = result if isinstance(result, list) else [result]
    dt = dict(BASE[op], **operands)["input"][0]
    assert [(r.data_type, list(r.shape)) for r in results] == [(dt, s) for s in outs]


# -- bad calls ---------------------------------------------------------------------------------
def _bad(op: str) -> list[tuple[str, dict, dict, dict]]:
    seq = op in ("gru", "lstm")
    g = 3 if op.startswith("gru") else 4  # gates
    nd = [1] if seq else []
    w, rw = BASE[op]["weight"][1], BASE[op]["recurrent_weight"][1]
    cases = [
        ("hiddenSize equals to zero", {}, {"hidden_size": 0}, {}),
        ("hiddenSize is too large", {}, {"hidden_size": 4294967295}, {}),
        ("hiddenSize is negative", {}, {"hidden_size": -1}, {}),
        ("the inputs are not floating point", {k: ("uint32", v[1]) for k, v in BASE[op].items()}, {}, {}),
        ("the rank of input is wrong", {"input": d(F, BASE[op]["input"][1][:-1])}, {}, {}),
        ("input's last dimension is not the weight's", {"input": d(F, BASE[op]["input"][1][:-1] + [INPUT + 1])}, {}, {}),
        ("weight is not floating point", {"weight": ("int8", w)}, {}, {}),
        ("weight's data type differs from input's", {"weight": (H, w)}, {}, {}),
        ("the rank of weight is wrong", {"weight": d(F, w[:-1])}, {}, {}),
        (f"weight's gate dimension is not {g} * hiddenSize", {"weight": d(F, nd + [(g + 1) * HIDDEN, INPUT])}, {}, {}),
        ("recurrentWeight is not floating point", {"recurrent_weight": ("int32", rw)}, {}, {}),
        ("the rank of recurrentWeight is wrong", {"recurrent_weight": d(F, rw[:-1])}, {}, {}),
        ("recurrentWeight's shape is invalid", {"recurrent_weight": d(F, nd + [(g + 1) * HIDDEN, INPUT])}, {}, {}),
        ("the size of activations is wrong", {}, {}, {"activations": ["sigmoid"] * (3 if g == 3 else 2)}),
        ("an activation is unknown", {}, {}, {"activations": ["sigmoid", "softmax"] + (["tanh"] if g == 4 else [])}),
        ("layout is unknown", {}, {}, {"layout": "ifgo" if g == 3 else "zrn"}),
        ("bias is not floating point", {}, {}, {"bias": ("uint8", nd + [g * HIDDEN])}),
        ("the rank of bias is wrong", {}, {}, {"bias": d(F, nd + [BATCH, g * HIDDEN])}),
        (f"bias is not {g} * hiddenSize", {}, {}, {"bias": d(F, nd + [2 * HIDDEN])}),
        ("recurrentBias is not floating point", {}, {}, {"recurrent_bias": ("int8", nd + [g * HIDDEN])}),
        ("the rank of recurrentBias is wrong", {}, {}, {"recurrent_bias": d(F, nd + [BATCH, g * HIDDEN])}),
        (f"recurrentBias is not {g} * hiddenSize", {}, {}, {"recurrent_bias": d(F, nd + [(g + 1) * HIDDEN])}),
    ]
    if seq:
        cases += [
            ("steps equals to zero", {}, {"steps": 0}, {}),
            ("input.shape[0] is not steps", {"input": d(F, [1000, BATCH, INPUT])}, {}, {}),
            ("direction is unknown", {}, {}, {"direction": "sideways"}),
            ("weight's direction dimension does not match direction 'both'", {}, {}, {"direction": "both"}),
            ("returnSequence is not a boolean", {}, {}, {"return_sequence": "yes"}),
            ("the rank of initialHiddenState is wrong", {}, {}, {"initial_hidden_state": d(F, [1, BATCH])}),
            ("initialHiddenState's last dimension is not hiddenSize", {}, {}, {"initial_hidden_state": d(F, [1, BATCH, 3 * HIDDEN])}),
            ("initialHiddenState's data type is wrong", {}, {}, {"initial_hidden_state": ("uint64", [1, BATCH, HIDDEN])}),
        ]
    else:
        cases += [
            ("hiddenState is not floating point", {"hidden_state": ("uint32", [BATCH, HIDDEN])}, {}, {}),
            ("the rank of hiddenState is wrong", {"hidden_state": d(F, [HIDDEN])}, {}, {}),
            ("hiddenState's shape is invalid", {"hidden_state": d(F, [BATCH, 3 * HIDDEN])}, {}, {}),
            ("hiddenState's batch is not input's", {"hidden_state": d(F, [BATCH + 1, HIDDEN])}, {}, {}),
        ]
    if op.startswith("gru"):
        cases.append(("resetAfter is not a boolean", {}, {}, {"reset_after": 1}))
    if op.startswith("lstm"):
        cases += [
            ("peepholeWeight is not floating point", {}, {}, {"peephole_weight": ("int32", nd + [3 * HIDDEN])}),
            ("peepholeWeight is not 3 * hiddenSize", {}, {}, {"peephole_weight": d(F, nd + [4 * HIDDEN])}),
            ("the rank of peepholeWeight is wrong", {}, {}, {"peephole_weight": d(F, nd + [1, 3 * HIDDEN])}),
        ]
        if seq:
            cases += [
                ("initialCellState's shape is invalid", {}, {}, {"initial_cell_state": d(F, [1, BATCH, HIDDEN + 1])}),
                ("initialCellState's data type is wrong", {}, {}, {"initial_cell_state": (H, [1, BATCH, HIDDEN])}),
            ]
        else:
            cases += [
                ("cellState is not floating point", {"cell_state": ("int32", [BATCH, HIDDEN])}, {}, {}),
                ("the rank of cellState is wrong", {"cell_state": d(F, [BATCH, HIDDEN, 1])}, {}, {}),
                ("cellState's shape is invalid", {"cell_state": d(F, [BATCH, 2 * HIDDEN])}, {}, {}),
            ]
    return cases


BAD = [(op, *c) for op in BASE for c in _bad(op)]


@pytest.mark.parametrize("op,name,operands,scalars,options", BAD, ids=[f"{c[0]}: throw if {c[1]}" for c in BAD])
def test_bad(ctx, op, name, operands, scalars, options):
    with pytest.raises(webnn.ValidationError, match="rnn_label"):
        call(ctx, op, operands, scalars, options, label="rnn_label")


FROM_OTHER = (
    [(op, k) for op in BASE for k in BASE[op]]
    + [(op, k) for op in BASE for k in ("bias", "recurrent_bias")]
    + [
        ("gru", "initial_hidden_state"),
        ("lstm", "initial_hidden_state"),
        ("lstm", "initial_cell_state"),
        ("lstm", "peephole_weight"),
        ("lstm_cell", "peephole_weight"),
    ]
)
OPTION_SHAPES = {
    "bias": lambda op: d(F, ([1] if op in ("gru", "lstm") else []) + [(3 if op.startswith("gru") else 4) * HIDDEN]),
    "recurrent_bias": lambda op: d(F, ([1] if op in ("gru", "lstm") else []) + [(3 if op.startswith("gru") else 4) * HIDDEN]),
    "peephole_weight": lambda op: d(F, ([1] if op == "lstm" else []) + [3 * HIDDEN]),
    "initial_hidden_state": lambda op: d(F, [1, BATCH, HIDDEN]),
    "initial_cell_state": lambda op: d(F, [1, BATCH, HIDDEN]),
}


@pytest.mark.parametrize("op,arg", FROM_OTHER, ids=[f"{op}: {k}" for op, k in FROM_OTHER])
def test_operand_from_another_builder(ctx, op, arg):
    options = {arg: OPTION_SHAPES[arg](op)} if arg in OPTION_SHAPES else {}
    with pytest.raises(webnn.ValidationError):
        call(ctx, op, options=options, other_builder_arg=arg)
