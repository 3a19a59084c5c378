"""ONNX operator handlers, one module per family; each module registers its operators.

The explicit list below is the registry's contents: a new family module is added here."""

from . import (  # noqa: F401 - imported for their registrations
    activation,
    conv,
    elementwise,
    indexing,
    linalg,
    normalization,
    pool,
    quantize,
    recurrent,
    reduction,
    refused,
    resize,
    shape,
)
