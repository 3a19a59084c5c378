"""Recurrent networks: gru gru_cell lstm lstm_cell.

All four are multi-output in the IR (gru_cell has a single output but is recorded the
same way). The networks (gru, lstm) have a leading direction axis on every weight, bias
and initial state; the cells (one step) do not.
"""

from __future__ import annotations

from typing import Any

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import L, Limit, Node, invalid, op
from ._util import INT32_MAX, boolean, desc, enum, optional_shape_is, uint

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


def _direction(value: Any) -> tuple[str, int]:
    d = enum(value, "direction", DIRECTIONS)
    return d, 2 if d == "both" else 1


#: Operands of rank one less than the input's (the others have the input's rank).
_VECTORS = ("bias", "recurrent_bias", "peephole_weight")


def _limits(rank: int, operands: tuple[str, ...], **outputs: Limit) -> dict[str, Any]:
    """Tensor limits: a float ``input`` of ``rank``, the other ``operands`` of its type."""
    limits = {"input": L(FLOAT_TYPES, rank)}
    limits.update({n: L(_SAME, rank - 1 if n in _VECTORS else rank) for n in operands})
    return {**limits, **outputs}


def _check_shapes(operands: dict[str, MLOperand | None], gates: int, hidden: int, batch: int, input_size: int, nd: int | None) -> None:
    """Each given operand must have the shape the spec gives it: ``nd`` is the number of
    directions of a network (a leading axis of every operand), None for a cell."""
    rows = [gates * hidden]
    state = [batch, hidden]
    want = {
        "weight": rows + [input_size],
        "recurrent_weight": rows + [hidden],
        "bias": rows,
        "recurrent_bias": rows,
        "peephole_weight": [3 * hidden],
        "hidden_state": state,
        "cell_state": state,
        "initial_hidden_state": state,
        "initial_cell_state": state,
    }
    lead = [] if nd is None else [nd]
    for name, x in operands.items():
        optional_shape_is(x, lead + want[name], name)


def _network_outputs(input: MLOperand, states: int, nd: int, hidden: int, return_sequence: bool) -> list:
    """The final states ([nd, batch, hidden] each), then the sequence ([steps, nd, batch, hidden]) if returned."""
    steps, batch, _ = input.shape
    outs = [desc(input.data_type, [nd, batch, hidden])] * states
    if return_sequence:
        outs.append(desc(input.data_type, [steps, nd, batch, hidden]))
    return outs


# --------------------------------------------------------------------------------------
# gru / gruCell
# --------------------------------------------------------------------------------------


@op(
    "gru",
    multi_output=True,
    **_limits(3, ("weight", "recurrent_weight", "bias", "recurrent_bias", "initial_hidden_state"), output0=L(_SAME, 3), output1=L(_SAME, 4)),
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
    operands = dict(weight=weight, recurrent_weight=recurrent_weight, bias=bias, recurrent_bias=recurrent_bias, initial_hidden_state=initial_hidden_state)
    _check_shapes(operands, 3, hidden_size, input.shape[1], input.shape[2], nd)
    acts = _activations(activations, 2, GRU_DEFAULT_ACTIVATIONS)
    attrs = dict(
        steps=steps, hidden_size=hidden_size, reset_after=reset_after, return_sequence=return_sequence,
        direction=direction, layout=layout, activations=acts,
    )
    return Node(_network_outputs(input, 1, nd, hidden_size, return_sequence), attrs)


@op("gru_cell", **_limits(2, ("weight", "recurrent_weight", "hidden_state", "bias", "recurrent_bias"), output=L(_SAME, 2)))
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
    operands = dict(weight=weight, recurrent_weight=recurrent_weight, hidden_state=hidden_state, bias=bias, recurrent_bias=recurrent_bias)
    _check_shapes(operands, 3, hidden_size, batch, input_size, None)
    acts = _activations(activations, 2, GRU_DEFAULT_ACTIVATIONS)
    attrs = dict(hidden_size=hidden_size, reset_after=reset_after, layout=layout, activations=acts)
    return Node(desc(input.data_type, [batch, hidden_size]), attrs)


# --------------------------------------------------------------------------------------
# lstm / lstmCell
# --------------------------------------------------------------------------------------

_LSTM_OPERANDS = ("weight", "recurrent_weight", "bias", "recurrent_bias", "peephole_weight", "initial_hidden_state", "initial_cell_state")


@op("lstm", multi_output=True, **_limits(3, _LSTM_OPERANDS, output0=L(_SAME, 3), output1=L(_SAME, 3), output2=L(_SAME, 4)))
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
    operands = dict(
        weight=weight, recurrent_weight=recurrent_weight, bias=bias, recurrent_bias=recurrent_bias, peephole_weight=peephole_weight,
        initial_hidden_state=initial_hidden_state, initial_cell_state=initial_cell_state,
    )
    _check_shapes(operands, 4, hidden_size, input.shape[1], input.shape[2], nd)
    acts = _activations(activations, 3, LSTM_DEFAULT_ACTIVATIONS)
    attrs = dict(steps=steps, hidden_size=hidden_size, return_sequence=return_sequence, direction=direction, layout=layout, activations=acts)
    return Node(_network_outputs(input, 2, nd, hidden_size, return_sequence), attrs)


_LSTM_CELL_OPERANDS = ("weight", "recurrent_weight", "hidden_state", "cell_state", "bias", "recurrent_bias", "peephole_weight")


@op("lstm_cell", multi_output=True, **_limits(2, _LSTM_CELL_OPERANDS, output0=L(_SAME, 2), output1=L(_SAME, 2)))
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
    operands = dict(
        weight=weight, recurrent_weight=recurrent_weight, hidden_state=hidden_state, cell_state=cell_state, bias=bias,
        recurrent_bias=recurrent_bias, peephole_weight=peephole_weight,
    )
    _check_shapes(operands, 4, hidden_size, batch, input_size, None)
    acts = _activations(activations, 3, LSTM_DEFAULT_ACTIVATIONS)
    state = desc(input.data_type, [batch, hidden_size])
    return Node([state, state], dict(hidden_size=hidden_size, layout=layout, activations=acts))
