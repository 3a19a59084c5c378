"""Conformance cases expected to fail, each with its specific reason (mirrored in docs/conformance.md)."""

XFAIL: dict[str, str] = {
    'quantizeLinear float32 2D constant tensor broadcasting zeroPoint and scale': 'spec: scale/zeroPoint rank must equal input rank (blockwise broadcasting requires equal ranks, webnn-index.bs quantizeLinear/dequantizeLinear steps); WPT expects numpy-style rank broadcasting',
    'quantizeLinear float32 4D constant tensor broadcasting scale and zeroPoint': 'spec: scale/zeroPoint rank must equal input rank (blockwise broadcasting requires equal ranks, webnn-index.bs quantizeLinear/dequantizeLinear steps); WPT expects numpy-style rank broadcasting',
    'per-tensor quantizeLinear for float32 4D constant': 'spec: scale/zeroPoint rank must equal input rank (blockwise broadcasting requires equal ranks, webnn-index.bs quantizeLinear/dequantizeLinear steps); WPT expects numpy-style rank broadcasting',
    'quantizeLinear float32 3D input with implicit block_size = [1, 2, 1].': 'spec: scale/zeroPoint rank must equal input rank (blockwise broadcasting requires equal ranks, webnn-index.bs quantizeLinear/dequantizeLinear steps); WPT expects numpy-style rank broadcasting',
    'dequantizeLinear int8 4D constant tensor broadcasting scale and zeroPoint': 'spec: scale/zeroPoint rank must equal input rank (blockwise broadcasting requires equal ranks, webnn-index.bs quantizeLinear/dequantizeLinear steps); WPT expects numpy-style rank broadcasting',
    'quantizeLinear float32 tensor with int4 zeroPoint which has odd size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'quantizeLinear float32 tensor with int4 zeroPoint which has even size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'quantizeLinear float32 2D tensor with int4 zeroPoint which has even size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'quantizeLinear int4 zeroPoint with block_size = [3, 2]': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'quantizeLinear float32 tensor with uint4 zeroPoint which has odd size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'quantizeLinear float32 tensor with uint4 zeroPoint which has even size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'quantizeLinear uint4 zeroPoint with block_size = 3': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'dequantizeLinear uint4 1D tensor with even input size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'dequantizeLinear uint4 1D tensor with odd input size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'dequantizeLinear uint4 4D constant tensor broadcasting zeroPoint': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'dequantizeLinear uint4 3D input with block_size = [1, 1, 2]': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'dequantizeLinear int4 1D tensor with even size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'dequantizeLinear int4 1D tensor with odd size': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
    'per-tensor dequantizeLinear for int4 4D constant': 'int4/uint4 are not MLOperandDataType values in the spec (webnn-index.bs); this implementation rejects them',
}
