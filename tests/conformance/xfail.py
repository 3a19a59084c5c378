"""Conformance cases expected to fail, each with its specific reason (mirrored in docs/conformance.md)."""

BLOCKWISE_RANKS = (
    'spec: scale/zeroPoint rank must equal input rank (blockwise broadcasting requires equal ranks, '
    'webnn-index.bs quantizeLinear/dequantizeLinear steps); WPT expects numpy-style rank broadcasting'
)
INT4 = 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them'

XFAIL: dict[str, str] = {
    'quantizeLinear float32 2D constant tensor broadcasting zeroPoint and scale': BLOCKWISE_RANKS,
    'quantizeLinear float32 4D constant tensor broadcasting scale and zeroPoint': BLOCKWISE_RANKS,
    'per-tensor quantizeLinear for float32 4D constant': BLOCKWISE_RANKS,
    'quantizeLinear float32 3D input with implicit block_size = [1, 2, 1].': BLOCKWISE_RANKS,
    'dequantizeLinear int8 4D constant tensor broadcasting scale and zeroPoint': BLOCKWISE_RANKS,
    'quantizeLinear float32 tensor with int4 zeroPoint which has odd size': INT4,
    'quantizeLinear float32 tensor with int4 zeroPoint which has even size': INT4,
    'quantizeLinear float32 2D tensor with int4 zeroPoint which has even size': INT4,
    'quantizeLinear int4 zeroPoint with block_size = [3, 2]': INT4,
    'quantizeLinear float32 tensor with uint4 zeroPoint which has odd size': INT4,
    'quantizeLinear float32 tensor with uint4 zeroPoint which has even size': INT4,
    'quantizeLinear uint4 zeroPoint with block_size = 3': INT4,
    'dequantizeLinear uint4 1D tensor with even input size': INT4,
    'dequantizeLinear uint4 1D tensor with odd input size': INT4,
    'dequantizeLinear uint4 4D constant tensor broadcasting zeroPoint': INT4,
    'dequantizeLinear uint4 3D input with block_size = [1, 1, 2]': INT4,
    'dequantizeLinear int4 1D tensor with even size': INT4,
    'dequantizeLinear int4 1D tensor with odd size': INT4,
    'per-tensor dequantizeLinear for int4 4D constant': INT4,
}
