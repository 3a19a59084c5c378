"""Standard-domain operators WebNN cannot express exactly, each with the reason."""

from __future__ import annotations

from .._registry import refuse_op

_DATA = "its output shape depends on the input values (WebNN graphs have static shapes)"
_RANDOM = "random numbers: WebNN has no random generator"
_SEQ = "sequence / optional values: WebNN operands are tensors"
_STR = "string tensors: WebNN has no string type"
_CTRL = "control flow with a subgraph computed at run time: WebNN graphs have no control flow"
_BITS = "bitwise integer operations: WebNN has none"
_INTMM = "integer accumulation of quantized products: WebNN matmul / conv2d take float operands only, and a float decomposition can round differently"
_TRIG = "WebNN has no such operator, and decompositions through exp / log / sqrt lose precision (cancellation near 0, or overflow)"

for _op, _why in {
    "NonZero": _DATA,
    "Unique": _DATA,
    "NonMaxSuppression": _DATA,
    "StringNormalizer": _STR,
    "StringConcat": _STR,
    "StringSplit": _STR,
    "RegexFullMatch": _STR,
    "TfIdfVectorizer": _STR,
    "ImageDecoder": "image decoding: WebNN operates on tensors",
    "RandomNormal": _RANDOM,
    "RandomUniform": _RANDOM,
    "RandomNormalLike": _RANDOM,
    "RandomUniformLike": _RANDOM,
    "Bernoulli": _RANDOM,
    "Multinomial": _RANDOM,
    "Loop": _CTRL,
    "Scan": _CTRL,
    "SequenceAt": _SEQ,
    "SequenceConstruct": _SEQ,
    "SequenceEmpty": _SEQ,
    "SequenceErase": _SEQ,
    "SequenceInsert": _SEQ,
    "SequenceLength": _SEQ,
    "SequenceMap": _SEQ,
    "SplitToSequence": _SEQ,
    "ConcatFromSequence": _SEQ,
    "Optional": _SEQ,
    "OptionalGetElement": _SEQ,
    "OptionalHasElement": _SEQ,
    "BitShift": _BITS,
    "BitwiseAnd": _BITS,
    "BitwiseOr": _BITS,
    "BitwiseXor": _BITS,
    "BitwiseNot": _BITS,
    "BitCast": "reinterpreting bits as another type: WebNN has no bit cast",
    "MatMulInteger": _INTMM,
    "ConvInteger": _INTMM,
    "QLinearMatMul": _INTMM,
    "QLinearConv": _INTMM,
    "Acos": _TRIG,
    "Asin": _TRIG,
    "Atan": _TRIG,
    "Acosh": _TRIG,
    "Asinh": _TRIG,
    "Atanh": _TRIG,
    "Cosh": _TRIG,
    "Sinh": _TRIG,
    "Det": "a determinant needs a pivoted factorisation: WebNN has no such operator",
    "CumProd": "a cumulative product: WebNN has cumulativeSum only (exp / log would lose the sign and precision)",
    "DFT": "complex Fourier transforms: WebNN has no complex type or FFT",
    "STFT": "complex Fourier transforms: WebNN has no complex type or FFT",
    "MelWeightMatrix": "its inputs (sizes, rates) are scalars computed at run time; it is folded at import when they are known",
    "BlackmanWindow": "its size is an input computed at run time; it is folded at import when it is known",
    "HannWindow": "its size is an input computed at run time; it is folded at import when it is known",
    "HammingWindow": "its size is an input computed at run time; it is folded at import when it is known",
    "Range": "its output length depends on input values; it is folded at import when they are known",
    "GridSample": "sampling at coordinates computed at run time: WebNN has no such gather with interpolation",
    "DeformConv": "offsets computed at run time: WebNN has no deformable convolution",
    "RoiAlign": "regions of interest computed at run time: WebNN has no such operator",
    "MaxRoiPool": "regions of interest computed at run time: WebNN has no such operator",
    "MaxUnpool": "scatter by pooling indices: WebNN's max pooling gives no indices",
    "Col2Im": "overlapping block sums: WebNN has no col2im",
}.items():
    refuse_op(_op, _why)
