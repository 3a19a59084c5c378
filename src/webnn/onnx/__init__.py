"""Import ONNX models onto the WebNN builder.

``webnn.onnx.load_model(model, context)`` maps every node of an ONNX model onto
:class:`~webnn.MLGraphBuilder` calls and builds the graph, so it gets the same validation
and converters as a hand-built one and runs on every backend (CoreML included).
``webnn.onnx.import_model(model, builder)`` records the model into a caller's builder and
returns its output operands, so a model can be one piece of a larger graph.

WebNN graphs have static shapes: symbolic input dimensions are fixed by ``input_shapes``
(per input) or ``dims`` (per ``dim_param`` name). Nodes WebNN cannot express exactly are
refused together in one :class:`UnsupportedModelError`; see ``docs/onnx-import.md`` for
the operator table. To run an ONNX file on an engine without the builder, use the executor
functions in :mod:`webnn.executors` (they take the model's bytes as they are).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import onnx

from ..builder import MLGraphBuilder
from ..context import MLContext
from ..errors import ValidationError
from . import ops as _ops  # noqa: F401 - its modules register the operator handlers
from ._importer import Importer, UnsupportedModelError

if TYPE_CHECKING:  # pragma: no cover
    from ..context import MLGraph
    from ..graph import GraphInfo
    from ..operand import MLOperand

ModelLike = "str | os.PathLike | bytes | onnx.ModelProto"


def read_model(model: Any) -> onnx.ModelProto:
    """An ``onnx.ModelProto`` from a path, serialized bytes or a ModelProto (returned as is)."""
    if isinstance(model, onnx.ModelProto):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        try:
            return onnx.load_from_string(bytes(model))
        except Exception as e:  # noqa: BLE001 - protobuf's DecodeError and friends
            raise ValidationError(f"webnn.onnx: the bytes are not an ONNX model ({type(e).__name__}: {e})") from None
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            raise ValidationError(f"webnn.onnx: {path}: no such file")
        try:
            return onnx.load(str(path))
        except Exception as e:  # noqa: BLE001
            raise ValidationError(f"webnn.onnx: {path} is not an ONNX model ({type(e).__name__}: {e})") from None
    raise ValidationError(f"webnn.onnx: expected a path, bytes or onnx.ModelProto, got {type(model).__name__}")


def import_model(
    model: Any,
    builder: MLGraphBuilder,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dims: Mapping[str, int] | None = None,
    inputs: Mapping[str, MLOperand] | None = None,
) -> dict[str, MLOperand]:
    """Record ``model`` into ``builder``; returns ``{onnx output name: operand}``.

    ``inputs`` maps ONNX input names to operands of ``builder`` to use instead of new graph
    inputs. The whole model is checked first in a scratch builder, so a model with
    unsupported nodes raises :class:`UnsupportedModelError` and leaves ``builder`` untouched.
    """
    if not isinstance(builder, MLGraphBuilder):
        raise ValidationError(f"webnn.onnx.import_model: expected an MLGraphBuilder, got {type(builder).__name__}")
    proto = read_model(model)
    given = dict(inputs or {})
    scratch = MLGraphBuilder(builder.context)
    stand_ins = {name: scratch.input(name, op.descriptor) for name, op in given.items()}
    Importer(proto, scratch, input_shapes=input_shapes, dims=dims, inputs=stand_ins, placeholders=True).run()
    return Importer(proto, builder, input_shapes=input_shapes, dims=dims, inputs=given).run()


def to_graph_info(
    model: Any,
    context: MLContext | None = None,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dims: Mapping[str, int] | None = None,
) -> GraphInfo:
    """The imported model as IR (validated through a builder for ``context``; nothing compiled)."""
    proto = read_model(model)
    builder = MLGraphBuilder(context or MLContext(accelerated=False))
    outputs = Importer(proto, builder, input_shapes=input_shapes, dims=dims, placeholders=True).run()
    return builder._graph_info(outputs)


def load_model(
    model: Any,
    context: MLContext,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dims: Mapping[str, int] | None = None,
) -> MLGraph:
    """Import ``model`` (path, bytes or ``onnx.ModelProto``) and build it for ``context``.

    Graph inputs are the model's inputs that some output depends on; outputs keep the
    model's names. ONNX ``bool`` tensors are ``uint8`` holding 0 or 1.
    """
    if not isinstance(context, MLContext):
        raise ValidationError(f"webnn.onnx.load_model: expected an MLContext, got {type(context).__name__}")
    proto = read_model(model)
    builder = MLGraphBuilder(context)
    outputs = Importer(proto, builder, input_shapes=input_shapes, dims=dims, placeholders=True).run()
    return builder.build(outputs)


__all__ = ["load_model", "import_model", "to_graph_info", "read_model", "UnsupportedModelError"]
