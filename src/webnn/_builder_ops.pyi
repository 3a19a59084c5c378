"""Typed declarations of MLGraphBuilder's operator methods, for type checkers only.

Generated from the op table (webnn.ops) by tools/gen_builder_stub.py: do not edit by hand.
At runtime webnn.builder installs these methods from the same table.
"""

from collections.abc import Sequence

from .operand import MLOperand

class BuilderOps:
    """The operator methods of :class:`~webnn.MLGraphBuilder` (snake_case, then the spec's camelCase aliases)."""

    def abs(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def add(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def arg_max(self, input: MLOperand, axis: int, *, keep_dimensions: bool = False, output_data_type: str = "int32", label: str = "") -> MLOperand: ...
    def arg_min(self, input: MLOperand, axis: int, *, keep_dimensions: bool = False, output_data_type: str = "int32", label: str = "") -> MLOperand: ...
    def average_pool2d(
        self,
        input: MLOperand,
        *,
        window_dimensions: Sequence[int] | None = None,
        padding: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None,
        layout: str = "nchw",
        output_shape_rounding: str | None = None,
        rounding_type: str | None = None,
        output_sizes: Sequence[int] | None = None,
        label: str = "",
    ) -> MLOperand: ...
    def batch_normalization(
        self,
        input: MLOperand,
        mean: MLOperand,
        variance: MLOperand,
        *,
        scale: MLOperand | None = None,
        bias: MLOperand | None = None,
        axis: int = 1,
        epsilon: float = 1e-05,
        label: str = "",
    ) -> MLOperand: ...
    def cast(self, input: MLOperand, data_type: str, *, label: str = "") -> MLOperand: ...
    def ceil(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def clamp(self, input: MLOperand, *, min_value: float | None = None, max_value: float | None = None, label: str = "") -> MLOperand: ...
    def concat(self, inputs: Sequence[MLOperand], axis: int, *, label: str = "") -> MLOperand: ...
    def conv2d(
        self,
        input: MLOperand,
        filter: MLOperand,
        *,
        padding: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None,
        groups: int = 1,
        input_layout: str = "nchw",
        filter_layout: str = "oihw",
        bias: MLOperand | None = None,
        label: str = "",
    ) -> MLOperand: ...
    def conv_transpose2d(
        self,
        input: MLOperand,
        filter: MLOperand,
        *,
        padding: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None,
        output_padding: Sequence[int] | None = None,
        output_sizes: Sequence[int] | None = None,
        groups: int = 1,
        input_layout: str = "nchw",
        filter_layout: str = "iohw",
        bias: MLOperand | None = None,
        label: str = "",
    ) -> MLOperand: ...
    def cos(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def cumulative_sum(self, input: MLOperand, axis: int, *, exclusive: bool = False, reversed: bool = False, label: str = "") -> MLOperand: ...
    def dequantize_linear(self, input: MLOperand, scale: MLOperand, zero_point: MLOperand, *, label: str = "") -> MLOperand: ...
    def div(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def elu(self, input: MLOperand, *, alpha: float = 1.0, label: str = "") -> MLOperand: ...
    def equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def erf(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def exp(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def expand(self, input: MLOperand, new_shape: Sequence[int], *, label: str = "") -> MLOperand: ...
    def floor(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def gather(self, input: MLOperand, indices: MLOperand, *, axis: int = 0, label: str = "") -> MLOperand: ...
    def gather_elements(self, input: MLOperand, indices: MLOperand, *, axis: int = 0, label: str = "") -> MLOperand: ...
    def gather_nd(self, input: MLOperand, indices: MLOperand, *, label: str = "") -> MLOperand: ...
    def gelu(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def gemm(
        self,
        a: MLOperand,
        b: MLOperand,
        *,
        c: MLOperand | None = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        a_transpose: bool = False,
        b_transpose: bool = False,
        label: str = "",
    ) -> MLOperand: ...
    def greater(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def greater_or_equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def gru(
        self,
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
        label: str = "",
    ) -> list[MLOperand]: ...
    def gru_cell(
        self,
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
        label: str = "",
    ) -> MLOperand: ...
    def hard_sigmoid(self, input: MLOperand, *, alpha: float = 0.2, beta: float = 0.5, label: str = "") -> MLOperand: ...
    def hard_swish(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def identity(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def instance_normalization(
        self,
        input: MLOperand,
        *,
        scale: MLOperand | None = None,
        bias: MLOperand | None = None,
        epsilon: float = 1e-05,
        layout: str = "nchw",
        label: str = "",
    ) -> MLOperand: ...
    def is_infinite(self, a: MLOperand, *, label: str = "") -> MLOperand: ...
    def is_nan(self, a: MLOperand, *, label: str = "") -> MLOperand: ...
    def l2_pool2d(
        self,
        input: MLOperand,
        *,
        window_dimensions: Sequence[int] | None = None,
        padding: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None,
        layout: str = "nchw",
        output_shape_rounding: str | None = None,
        rounding_type: str | None = None,
        output_sizes: Sequence[int] | None = None,
        label: str = "",
    ) -> MLOperand: ...
    def layer_normalization(
        self,
        input: MLOperand,
        *,
        scale: MLOperand | None = None,
        bias: MLOperand | None = None,
        axes: list[int] | None = None,
        epsilon: float = 1e-05,
        label: str = "",
    ) -> MLOperand: ...
    def leaky_relu(self, input: MLOperand, *, alpha: float = 0.01, label: str = "") -> MLOperand: ...
    def lesser(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def lesser_or_equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def linear(self, input: MLOperand, *, alpha: float = 1.0, beta: float = 0.0, label: str = "") -> MLOperand: ...
    def log(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def logical_and(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def logical_not(self, a: MLOperand, *, label: str = "") -> MLOperand: ...
    def logical_or(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def logical_xor(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def lstm(
        self,
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
        label: str = "",
    ) -> list[MLOperand]: ...
    def lstm_cell(
        self,
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
        label: str = "",
    ) -> list[MLOperand]: ...
    def matmul(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def max(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def max_pool2d(
        self,
        input: MLOperand,
        *,
        window_dimensions: Sequence[int] | None = None,
        padding: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None,
        layout: str = "nchw",
        output_shape_rounding: str | None = None,
        rounding_type: str | None = None,
        output_sizes: Sequence[int] | None = None,
        label: str = "",
    ) -> MLOperand: ...
    def min(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def mul(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def neg(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def not_equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def pad(
        self,
        input: MLOperand,
        beginning_padding: Sequence[int],
        ending_padding: Sequence[int],
        *,
        mode: str = "constant",
        value: float = 0,
        label: str = "",
    ) -> MLOperand: ...
    def pow(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def prelu(self, input: MLOperand, slope: MLOperand, *, label: str = "") -> MLOperand: ...
    def quantize_linear(self, input: MLOperand, scale: MLOperand, zero_point: MLOperand, *, label: str = "") -> MLOperand: ...
    def reciprocal(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def reduce_l1(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_l2(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_log_sum(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_log_sum_exp(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_max(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_mean(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_min(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_product(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_sum(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def reduce_sum_square(self, input: MLOperand, *, axes: Sequence[int] | None = None, keep_dimensions: bool = False, label: str = "") -> MLOperand: ...
    def relu(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def resample2d(
        self,
        input: MLOperand,
        *,
        mode: str = "nearest-neighbor",
        scales: Sequence[float] | None = None,
        sizes: Sequence[int] | None = None,
        axes: Sequence[int] | None = None,
        label: str = "",
    ) -> MLOperand: ...
    def reshape(self, input: MLOperand, new_shape: Sequence[int], *, label: str = "") -> MLOperand: ...
    def reverse(self, input: MLOperand, *, axes: Sequence[int] | None = None, label: str = "") -> MLOperand: ...
    def round_even(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def scatter_elements(self, input: MLOperand, indices: MLOperand, updates: MLOperand, *, axis: int = 0, label: str = "") -> MLOperand: ...
    def scatter_nd(self, input: MLOperand, indices: MLOperand, updates: MLOperand, *, label: str = "") -> MLOperand: ...
    def sigmoid(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def sign(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def sin(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def slice(self, input: MLOperand, starts: Sequence[int], sizes: Sequence[int], *, strides: Sequence[int] | None = None, label: str = "") -> MLOperand: ...
    def softmax(self, input: MLOperand, axis: int, *, label: str = "") -> MLOperand: ...
    def softplus(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def softsign(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def split(self, input: MLOperand, splits: int | Sequence[int], *, axis: int = 0, label: str = "") -> list[MLOperand]: ...
    def sqrt(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def sub(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand: ...
    def tan(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def tanh(self, input: MLOperand, *, label: str = "") -> MLOperand: ...
    def tile(self, input: MLOperand, repetitions: Sequence[int], *, label: str = "") -> MLOperand: ...
    def transpose(self, input: MLOperand, *, permutation: Sequence[int] | None = None, label: str = "") -> MLOperand: ...
    def triangular(self, input: MLOperand, *, upper: bool = True, diagonal: int = 0, label: str = "") -> MLOperand: ...
    def where(self, condition: MLOperand, true_value: MLOperand, false_value: MLOperand, *, label: str = "") -> MLOperand: ...

    # the specification's (camelCase) names
    argMax = arg_max
    argMin = arg_min
    averagePool2d = average_pool2d
    batchNormalization = batch_normalization
    convTranspose2d = conv_transpose2d
    cumulativeSum = cumulative_sum
    dequantizeLinear = dequantize_linear
    gatherElements = gather_elements
    gatherND = gather_nd
    greaterOrEqual = greater_or_equal
    gruCell = gru_cell
    hardSigmoid = hard_sigmoid
    hardSwish = hard_swish
    instanceNormalization = instance_normalization
    isInfinite = is_infinite
    isNaN = is_nan
    l2Pool2d = l2_pool2d
    layerNormalization = layer_normalization
    leakyRelu = leaky_relu
    lesserOrEqual = lesser_or_equal
    logicalAnd = logical_and
    logicalNot = logical_not
    logicalOr = logical_or
    logicalXor = logical_xor
    lstmCell = lstm_cell
    maxPool2d = max_pool2d
    notEqual = not_equal
    quantizeLinear = quantize_linear
    reduceL1 = reduce_l1
    reduceL2 = reduce_l2
    reduceLogSum = reduce_log_sum
    reduceLogSumExp = reduce_log_sum_exp
    reduceMax = reduce_max
    reduceMean = reduce_mean
    reduceMin = reduce_min
    reduceProduct = reduce_product
    reduceSum = reduce_sum
    reduceSumSquare = reduce_sum_square
    roundEven = round_even
    scatterElements = scatter_elements
    scatterND = scatter_nd
