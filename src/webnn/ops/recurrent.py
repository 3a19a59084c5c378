"""Recurrent networks: gru gru_cell lstm lstm_cell.

All four are multi-output in the IR (gru_cell has a single output but is recorded the
same way). Inputs are recorded in a fixed order with ``None`` for absent optional
operands:

- gru:       input, weight, recurrent_weight, bias, recurrent_bias, initial_hidden_state
- gru_cell:  input, weight, recurrent_weight, hidden_state, bias, recurrent_bias
- lstm:      input, weight, recurrent_weight, bias, recurrent_bias, peephole_weight,
             initial_hidden_state, initial_cell_state
- lstm_cell: input, weight, recurrent_weight, hidden_state, cell_state, bias,
             recurrent_bias, peephole_weight
"""

from __future__ import annotations

from typing import Any

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import L, Node, invalid, op
from ._util import INT32_MAX, boolean, desc, enum, shape_is, uint

ACTIVATIONS = ("relu", "sigmoid", "tanh")
DIRECTIONS = ("forward", "backward", "both")
GRU_LAYOUTS = ("zrn", "rzn")
LSTM_LAYOUTS = ("iofg", "ifgo")
GRU_DEFAULT_ACTIVATIONS = ["sigmoid", "tanh"]
LSTM_DEFAULT_ACTIVATIONS = ["sigmoid", "tanh", "tanh"]

_SAME = "same:input"


def _activations(value: Any, count: int, default: list[str]) -> list[str]:
    """The spec's ``activations`` option: absent -> default; else exactly ``count`` enum values."""
    if value is None:
        return list(default)
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise invalid("activations", f"expected a sequence of {count} of {', '.join(map(repr, ACTIVATIONS))}, got {value!r}")
    acts = list(value)
    for a in acts:
        enum(a, "activations", ACTIVATIONS)
    if len(acts) != count:
        raise invalid("activations", f"expected {count} activation functions, got {len(acts)} ({acts})")
    return acts


def _hidden_size(value: Any, factor: int) -> int:
    """hiddenSize: an unsigned long whose multiple by ``factor`` is a valid dimension."""
    h = uint(value, "hidden_size")
    if h == 0 or h * factor > INT32_MAX:
        raise invalid("hidden_size", f"hidden_size * {factor} must be a valid dimension (1..{INT32_MAX}), got hidden_size {h}")
    return h


def _steps(value: Any, x: MLOperand) -> int:
    s = uint(value, "steps")
    if s == 0:
        raise invalid("steps", "must be greater than 0, got 0")
    if x.shape[0] != s:
        raise invalid("steps", f"must equal input's first dimension {x.shape[0]}, got {s}")
    return s


def _opt_shape(x: MLOperand | None, shape: list[int], arg: str) -> None:
    if x is not None:
        shape_is(x, shape, arg)


def _direction(value: Any) -> tuple[str, int]:
    d = enum(value, "direction", DIRECTIONS)
    return d, 2 if d == "both" else 1


# --------------------------------------------------------------------------------------
# gru / gruCell
# --------------------------------------------------------------------------------------


@op(
    "gru",
    multi_output=True,
    input=L(FLOAT_TYPES, 3),
    weight=L(_SAME, 3),
    recurrent_weight=L(_SAME, 3),
    bias=L(_SAME, 2),
    recurrent_bias=L(_SAME, 2),
    initial_hidden_state=L(_SAME, 3),
    output0=L(_SAME, 3),
    output1=L(_SAME, 4),
)
def gru(
    input: MLOperand,
    weight: MLOperand,
    recurrent_weight: MLOperand,
    steps: int,
    hidden_size: int,
    *,
    bias: MLOperand | None = None,
    recurrent_bias: MLOperand | None = None,
    initial_hidden_state: MLOperand | None = None,
    reset_after: bool = True,
    return_sequence: bool = False,
    direction: str = "forward",
    layout: str = "zrn",
    activations: list[str] | None = None,
) -> Node:
    steps = _steps(steps, input)
    reset_after = boolean(reset_after, "reset_after")
    return_sequence = boolean(return_sequence, "return_sequence")
    direction, nd = _direction(direction)
    layout = enum(layout, "layout", GRU_LAYOUTS)
    hidden_size = _hidden_size(hidden_size, 6)
    _, batch, input_size = input.shape
    shape_is(weight, [nd, 3 * hidden_size, input_size], "weight")
    shape_is(recurrent_weight, [nd, 3 * hidden_size, hidden_size], "recurrent_weight")
    _opt_shape(bias, [nd, 3 * hidden_size], "bias")
    _opt_shape(recurrent_bias, [nd, 3 * hidden_size], "recurrent_bias")
    _opt_shape(initial_hidden_state, [nd, batch, hidden_size], "initial_hidden_state")
    acts = _activations(activations, 2, GRU_DEFAULT_ACTIVATIONS)
    dt = input.data_type
    outs = [desc(dt, [nd, batch, hidden_size])]
    if return_sequence:
        outs.append(desc(dt, [steps, nd, batch, hidden_size]))
    attrs = dict(
        steps=steps, hidden_size=hidden_size, reset_after=reset_after, return_sequence=return_sequence,
        direction=direction, layout=layout, activations=acts,
    )
    return Node(outs, attrs)


@op(
    "gru_cell",
    multi_output=False,
    input=L(FLOAT_TYPES, 2),
    weight=L(_SAME, 2),
    recurrent_weight=L(_SAME, 2),
    hidden_state=L(_SAME, 2),
    bias=L(_SAME, 1),
    recurrent_bias=L(_SAME, 1),
    output=L(_SAME, 2),
)
def gru_cell(
    input: MLOperand,
    weight: MLOperand,
    recurrent_weight: MLOperand,
    hidden_state: MLOperand,
    hidden_size: int,
    *,
    bias: MLOperand | None = None,
    recurrent_bias: MLOperand | None = None,
    reset_after: bool = True,
    layout: str = "zrn",
    activations: list[str] | None = None,
) -> Node:
    reset_after = boolean(reset_after, "reset_after")
    layout = enum(layout, "layout", GRU_LAYOUTS)
    hidden_size = _hidden_size(hidden_size, 6)
    batch, input_size = input.shape
    shape_is(weight, [3 * hidden_size, input_size], "weight")
    shape_is(recurrent_weight, [3 * hidden_size, hidden_size], "recurrent_weight")
    shape_is(hidden_state, [batch, hidden_size], "hidden_state")
    _opt_shape(bias, [3 * hidden_size], "bias")
    _opt_shape(recurrent_bias, [3 * hidden_size], "recurrent_bias")
    acts = _activations(activations, 2, GRU_DEFAULT_ACTIVATIONS)
    attrs = dict(hidden_size=hidden_size, reset_after=reset_after, layout=layout, activations=acts)
    return Node(
        desc(input.data_type, [batch, hidden_size]),
        attrs,
    )


# --------------------------------------------------------------------------------------
# lstm / lstmCell
# --------------------------------------------------------------------------------------


@op(
    "lstm",
    multi_output=True,
    input=L(FLOAT_TYPES, 3),
    weight=L(_SAME, 3),
    recurrent_weight=L(_SAME, 3),
    bias=L(_SAME, 2),
    recurrent_bias=L(_SAME, 2),
    peephole_weight=L(_SAME, 2),
    initial_hidden_state=L(_SAME, 3),
    initial_cell_state=L(_SAME, 3),
    output0=L(_SAME, 3),
    output1=L(_SAME, 3),
    output2=L(_SAME, 4),
)
def lstm(
    input: MLOperand,
    weight: MLOperand,
    recurrent_weight: MLOperand,
    steps: int,
    hidden_size: int,
    *,
    bias: MLOperand | None = None,
    recurrent_bias: MLOperand | None = None,
    peephole_weight: MLOperand | None = None,
    initial_hidden_state: MLOperand | None = None,
    initial_cell_state: MLOperand | None = None,
    return_sequence: bool = False,
    direction: str = "forward",
    layout: str = "iofg",
    activations: list[str] | None = None,
) -> Node:
    direction, nd = _direction(direction)
    steps = _steps(steps, input)
    return_sequence = boolean(return_sequence, "return_sequence")
    layout = enum(layout, "layout", LSTM_LAYOUTS)
    hidden_size = _hidden_size(hidden_size, 8)
    _, batch, input_size = input.shape
    shape_is(weight, [nd, 4 * hidden_size, input_size], "weight")
    shape_is(recurrent_weight, [nd, 4 * hidden_size, hidden_size], "recurrent_weight")
    _opt_shape(bias, [nd, 4 * hidden_size], "bias")
    _opt_shape(recurrent_bias, [nd, 4 * hidden_size], "recurrent_bias")
    _opt_shape(peephole_weight, [nd, 3 * hidden_size], "peephole_weight")
    _opt_shape(initial_hidden_state, [nd, batch, hidden_size], "initial_hidden_state")
    _opt_shape(initial_cell_state, [nd, batch, hidden_size], "initial_cell_state")
    acts = _activations(activations, 3, LSTM_DEFAULT_ACTIVATIONS)
    dt = input.data_type
    state = desc(dt, [nd, batch, hidden_size])
    outs = [state, state]
    if return_sequence:
        outs.append(desc(dt, [steps, nd, batch, hidden_size]))
    attrs = dict(
        steps=steps, hidden_size=hidden_size, return_sequence=return_sequence,
        direction=direction, layout=layout, activations=acts,
    )
    inputs = [input, weight, recurrent_weight, bias, recurrent_bias, peephole_weight, initial_hidden_state, initial_cell_state]
    return Node(outs, attrs)


@op(
    "lstm_cell",
    multi_output=True,
    input=L(FLOAT_TYPES, 2),
    weight=L(_SAME, 2),
    recurrent_weight=L(_SAME, 2),
    hidden_state=L(_SAME, 2),
    cell_state=L(_SAME, 2),
    bias=L(_SAME, 1),
    recurrent_bias=L(_SAME, 1),
    peephole_weight=L(_SAME, 1),
    output0=L(_SAME, 2),
    output1=L(_SAME, 2),
)
def lstm_cell(
    input: MLOperand,
    weight: MLOperand,
    recurrent_weight: MLOperand,
    hidden_state: MLOperand,
    cell_state: MLOperand,
    hidden_size: int,
    *,
    bias: MLOperand | None = None,
    recurrent_bias: MLOperand | None = None,
    peephole_weight: MLOperand | None = None,
    layout: str = "iofg",
    activations: list[str] | None = None,
) -> Node:
    layout = enum(layout, "layout", LSTM_LAYOUTS)
    hidden_size = _hidden_size(hidden_size, 8)
    batch, input_size = input.shape
    shape_is(weight, [4 * hidden_size, input_size], "weight")
    shape_is(recurrent_weight, [4 * hidden_size, hidden_size], "recurrent_weight")
    shape_is(hidden_state, [batch, hidden_size], "hidden_state")
    shape_is(cell_state, [batch, hidden_size], "cell_state")
    _opt_shape(bias, [4 * hidden_size], "bias")
    _opt_shape(recurrent_bias, [4 * hidden_size], "recurrent_bias")
    _opt_shape(peephole_weight, [3 * hidden_size], "peephole_weight")
    acts = _activations(activations, 3, LSTM_DEFAULT_ACTIVATIONS)
    state = desc(input.data_type, [batch, hidden_size])
    attrs = dict(hidden_size=hidden_size, layout=layout, activations=acts)
    inputs = [input, weight, recurrent_weight, hidden_state, cell_state, bias, recurrent_bias, peephole_weight]
    return Node([state, state], attrs)
