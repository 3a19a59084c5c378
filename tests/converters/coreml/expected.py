"""Conformance cases the CoreML converter refuses, each with the specific reason (mirrored in
docs/coreml.md). ``ConversionError``: refused when converting. ``UnsupportedError``: converts,
but the case's input values cannot be fed to CoreML (a 64-bit/uint32 value outside int32's
range used as a value, not as indices)."""

_RANK = "Core ML supports tensors of rank <= 5"
_INT32 = "CoreML ML Programs compute integers in int32 only"

#: case name -> (error class name, message fragment)
REFUSED: dict[str, tuple[str, str]] = {
    "abs float16 6D tensor": ("ConversionError", _RANK),
    "reshape (unsqueeze) float32 5D tensor by adding 4th dimension": ("ConversionError", _RANK),
    "reshape (unsqueeze) float16 5D tensor by adding 4th dimension": ("ConversionError", _RANK),
    "abs int64 4D tensor": ("ConversionError", "abs on int64 is not supported"),
    "neg int64 4D tensor": ("ConversionError", "neg on int64 is not supported"),
    "sub uint32 4D tensors": ("ConversionError", "sub on uint32 is not supported"),
    "sub int64 4D tensors": ("ConversionError", "sub on int64 is not supported"),
    "sub uint64 4D tensors": ("ConversionError", "sub on uint64 is not supported"),
    "reduceL1 uint32 4D tensor options.axes with options.keepDimensions=false": ("ConversionError", "reduce_l1 on uint32 is not supported"),
    "cast float32 4D tensor to uint32": ("ConversionError", "cast from float32 to uint32 is not supported"),
    "cast float32 4D tensor to int64": ("ConversionError", "cast from float32 to int64 is not supported"),
    "cast float16 4D tensor to uint32": ("ConversionError", "cast from float16 to uint32 is not supported"),
    "cast float16 4D tensor to int64": ("ConversionError", "cast from float16 to int64 is not supported"),
    "cast int64 4D tensor to uint32": ("ConversionError", "cast from int64 to uint32 is not supported"),
    "cast int8 4D tensor to uint32": ("ConversionError", "cast from int8 to uint32 is not supported"),
    "clamp uint32 1D tensor": ("UnsupportedError", "outside [0, 2147483647]"),
    "relu int64 4D tensor": ("UnsupportedError", "outside [-2147483648, 2147483647]"),
    "clamp int64 1D tensor with bigint max": ("UnsupportedError", "outside [-2147483648, 2147483647]"),
    "clamp uint64 1D tensor with Number min and max": ("UnsupportedError", "outside [0, 2147483647]"),
    "clamp uint64 1D tensor with bigint max": ("UnsupportedError", "outside [0, 2147483647]"),
}
