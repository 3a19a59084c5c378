"""Activations: elu gelu hardSigmoid hardSwish leakyRelu linear prelu relu sigmoid softmax
softplus softsign tanh."""

from __future__ import annotations

from typing import Any

from ..operand import MLOperand
from ..types import FLOAT_TYPES
from . import L, Node, define, op
from ._util import axis as check_axis
from ._util import broadcast_shapes, cast_option, desc, same

#: relu and prelu also take these integer types (spec tensor-limits tables).
RELU_TYPES = ("float32", "float16", "int64", "int32", "int8")

FLOAT_UNARY: dict[str, Any] = dict(input=L(FLOAT_TYPES), output=L("same:input", "same:input"))


# -- element-wise activations without options ---------------------------------------------
def _unary(input: MLOperand) -> Node:
    return Node(same(input))


for _name in ("gelu", "hard_swish", "sigmoid", "softplus", "softsign", "tanh"):
    define(_name, _unary, **FLOAT_UNARY)

define("relu", _unary, input=L(RELU_TYPES), output=L("same:input", "same:input"))


# -- element-wise activations with scalar options -----------------------------------------
@op(**FLOAT_UNARY)
def elu(input: MLOperand, *, alpha: float = 1.0) -> Node:
    return Node(same(input), {"alpha": cast_option(alpha, "alpha", input.data_type)})


@op(**FLOAT_UNARY)
def hard_sigmoid(input: MLOperand, *, alpha: float = 0.2, beta: float = 0.5) -> Node:
    dt = input.data_type
    return Node(same(input), {"alpha": cast_option(alpha, "alpha", dt), "beta": cast_option(beta, "beta", dt)})


@op(**FLOAT_UNARY)
def leaky_relu(input: MLOperand, *, alpha: float = 0.01) -> Node:
    return Node(same(input), {"alpha": cast_option(alpha, "alpha", input.data_type)})


@op(**FLOAT_UNARY)
def linear(input: MLOperand, *, alpha: float = 1.0, beta: float = 0.0) -> Node:
    dt = input.data_type
    return Node(same(input), {"alpha": cast_option(alpha, "alpha", dt), "beta": cast_option(beta, "beta", dt)})


# -- prelu --------------------------------------------------------------------------------
@op(input=L(RELU_TYPES), slope=L("same:input"), output=L("same:input"))
def prelu(input: MLOperand, slope: MLOperand) -> Node:
    """The output shape is the bidirectional broadcast of ``slope`` and ``input``."""
    shape = broadcast_shapes(slope.shape, input.shape, "slope")
    return Node(desc(input.data_type, shape))


# -- softmax ------------------------------------------------------------------------------
@op(input=L(FLOAT_TYPES, (1, None)), output=L("same:input", "same:input"))
def softmax(input: MLOperand, axis: int) -> Node:
    return Node(same(input), {"axis": check_axis(axis, input.rank, "axis")})
