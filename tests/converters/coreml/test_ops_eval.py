"""Numerics of the CoreML conversion on Linux, op by op, against ONNX Runtime (or numpy).

The converted ML Program is evaluated with coremltools' MIL value inference (numpy; conv and
conv_transpose get float64 references), which checks each rule's logic: layouts, padding,
decompositions, index clamping, integer wrapping, gate orders. CoreML's own kernels are
compared in test_macos.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from ._util import assert_close, build, const, evaluate, same_as_ort

R = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _seed():
    """Each test draws the same data whatever ran before it."""
    global R
    R = np.random.default_rng(7)


def f32(*shape, lo=-4.0, hi=4.0):
    return R.uniform(lo, hi, shape).astype(np.float32)


def f16(*shape, lo=-4.0, hi=4.0):
    return R.uniform(lo, hi, shape).astype(np.float16)


# -- element-wise ----------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["add", "sub", "mul", "max", "min"])
@pytest.mark.parametrize("dt", ["int8", "uint8"])
def test_8bit_arithmetic_wraps(op, dt):
    info = np.iinfo(dt)
    a = np.array([info.max, info.min, 100, 7], dtype=dt)
    b = np.array([1, np.array(-1).astype(dt) if dt == "int8" else 1, 100, 3], dtype=dt)
    g = build(lambda bb, a, b: getattr(bb, op)(a, b), {"a": a, "b": b})
    (y,) = evaluate(g, {"a": a, "b": b})
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[op]
    with np.errstate(over="ignore"):
        assert_close(y, ref(a, b).astype(dt))


def test_integer_div_truncates():
    a = np.array([7, -7, 7, -7, 0, 9], np.int32)
    b = np.array([2, 2, -2, -2, 5, 3], np.int32)
    same_as_ort(lambda bb, a, b: bb.div(a, b), {"a": a, "b": b})


@pytest.mark.parametrize("dt", ["float32", "float16"])
@pytest.mark.parametrize(
    "op", ["abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg", "reciprocal", "round_even", "sin", "sign", "sqrt", "tan"]
)
def test_unary(op, dt):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.0, 3.25, -2.75, 1.0, 0.1], dtype=dt)
    if op in ("log", "sqrt"):
        x = np.abs(x)
    same_as_ort(lambda b, x: getattr(b, op)(x), {"x": x}, ulp=2 if dt == "float32" else 1)


def test_log_of_zero_and_reciprocal_of_zero():
    x = np.array([0.0, -0.0, 1.0], np.float32)
    g = build(lambda b, x: [b.log(x), b.reciprocal(x)], {"x": x})
    lg, rc = evaluate(g, {"x": x})
    assert lg[0] == -np.inf and rc[0] == np.inf and rc[1] == -np.inf


@pytest.mark.parametrize("op", ["equal", "not_equal", "greater", "greater_or_equal", "lesser", "lesser_or_equal"])
def test_compare(op):
    a = np.array([1, 2, np.nan, 4, -1], np.float32)
    b = np.array([1, 3, np.nan, 2, -1], np.float32)
    same_as_ort(lambda bb, a, b: getattr(bb, op)(a, b), {"a": a, "b": b})


def test_logical_chain_and_where():
    a = np.array([0, 1, 2, 0, 255], np.uint8)
    c = np.array([0, 0, 3, 9, 1], np.uint8)
    x, y = f32(5), f32(5)

    def fn(b, a, c, x, y):
        t = b.logical_and(a, c)
        return [t, b.logical_or(a, c), b.logical_xor(a, c), b.logical_not(a), b.where(t, x, y), b.where(b.logical_not(t), x, y)]

    same_as_ort(fn, {"a": a, "c": c, "x": x, "y": y})


def test_is_nan_is_infinite():
    x = np.array([np.nan, np.inf, -np.inf, 0, 1e38], np.float32)
    same_as_ort(lambda b, x: [b.is_nan(x), b.is_infinite(x)], {"x": x})


def test_where_broadcasts_all_three():
    c = np.array([[1], [0]], np.uint8)
    same_as_ort(lambda b, c, x, y: b.where(c, x, y), {"c": c, "x": f32(1, 3), "y": f32(2, 1)})


@pytest.mark.parametrize(
    "src,dst",
    [("float32", "int32"), ("float32", "int8"), ("float32", "uint8"), ("float16", "float32"), ("float32", "float16"),
     ("int32", "int8"), ("int32", "uint8"), ("uint8", "int8"), ("int8", "uint8"), ("int8", "int32"), ("int32", "float16"),
     ("uint8", "uint32"), ("int32", "int64"), ("int8", "int64"), ("uint8", "uint64")],
)
def test_cast(src, dst):
    if src.startswith("float"):
        x = np.array([1.7, -1.7, 100.2, -100.9, 0.0, 12.5], dtype=src)
        if dst == "uint8":
            x = np.abs(x)
    else:
        info = np.iinfo(src)
        x = np.array([info.min, info.max, 0, 1, -1 if info.min < 0 else 2, 100], dtype=src)
    same_as_ort(lambda b, x: b.cast(x, dst), {"x": x})


def test_cast_float_to_int64_for_indices_is_saturated():
    data = f32(5, 3)
    pos = np.array([1.9, -1.2, 3e9, -3e9, 4.0], np.float32)
    same_as_ort(lambda b, d, p: b.gather(d, b.cast(p, "int64")), {"d": data, "p": pos})


@pytest.mark.parametrize("dt", ["float32", "int32", "int8", "uint8"])
def test_clamp(dt):
    x = np.array([-5, -1, 0, 3, 9, 100], dtype=dt) if dt != "uint8" else np.array([0, 1, 3, 9, 100, 255], np.uint8)
    same_as_ort(lambda b, x: [b.clamp(x, min_value=1, max_value=9), b.clamp(x, min_value=3), b.clamp(x, max_value=4), b.clamp(x)], {"x": x})


def test_wide_types_carried_exactly():
    x = np.array([5, -7, 2**31 - 1, -(2**31)], np.int64)
    y = np.array([3, 9, 0, 1], np.int64)

    def fn(b, x, y):
        return [b.max(x, y), b.min(x, y), b.where(b.greater(x, y), x, y), b.reshape(x, [2, 2]), b.clamp(x, min_value=-10, max_value=10),
                b.reduce_max(x), b.arg_max(x, 0, output_data_type="int64"), b.cast(x, "int32"), b.cast(x, "float32"), b.relu(x)]

    same_as_ort(fn, {"x": x, "y": y})


# -- reductions -----------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["reduce_l1", "reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "reduce_max", "reduce_mean",
                                "reduce_min", "reduce_product", "reduce_sum", "reduce_sum_square"])
@pytest.mark.parametrize("axes", [None, [], [1], [0, 2]])
def test_reduce(op, axes):
    x = f32(2, 3, 4, lo=0.5, hi=2)
    kw = {} if axes is None else {"axes": axes}
    same_as_ort(lambda b, x: [getattr(b, op)(x, **kw), getattr(b, op)(x, keep_dimensions=True, **kw)], {"x": x}, ulp=4)


@pytest.mark.parametrize("op", ["reduce_l1", "reduce_sum", "reduce_sum_square", "reduce_product", "reduce_max", "reduce_min"])
def test_reduce_int32(op):
    x = R.integers(-9, 9, (3, 4)).astype(np.int32)
    same_as_ort(lambda b, x: getattr(b, op)(x, axes=[1]), {"x": x})


@pytest.mark.parametrize("op", ["arg_max", "arg_min"])
@pytest.mark.parametrize("dt", ["float32", "int32", "int8"])
def test_arg_min_max_first_index_on_ties(op, dt):
    x = np.array([[3, 1, 3, 1], [2, 2, 2, 2], [0, 5, 5, 0]], dtype=dt)
    same_as_ort(lambda b, x: [getattr(b, op)(x, 1), getattr(b, op)(x, 0, keep_dimensions=True, output_data_type="int64")], {"x": x})


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("rev", [False, True])
def test_cumulative_sum(exclusive, rev):
    same_as_ort(lambda b, x: b.cumulative_sum(x, 1, exclusive=exclusive, reversed=rev), {"x": f32(2, 5)}, ulp=2)


# -- linalg ---------------------------------------------------------------------------------
def test_matmul_broadcast():
    same_as_ort(lambda b, x, y: b.matmul(x, y), {"x": f32(2, 1, 3, 4), "y": f32(3, 4, 5)}, atol=1e-5)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_gemm(ta, tb):
    a = f32(4, 3) if ta else f32(3, 4)
    w = f32(5, 4) if tb else f32(4, 5)
    same_as_ort(lambda b, a, w, c: b.gemm(a, w, c=c, alpha=0.5, beta=2.0, a_transpose=ta, b_transpose=tb), {"a": a, "w": w, "c": f32(5)}, atol=1e-5)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("k", [-2, 0, 1, 3])
def test_triangular(upper, k):
    same_as_ort(lambda b, x: b.triangular(x, upper=upper, diagonal=k), {"x": f32(2, 3, 4)})


# -- data movement / indexing ---------------------------------------------------------------
def test_shape_ops():
    x = f32(2, 3, 4)

    def fn(b, x):
        return [b.reshape(x, [4, 6]), b.transpose(x, permutation=[2, 0, 1]), b.concat([x, x], 1), *b.split(x, [1, 3], axis=2),
                b.slice(x, [0, 1, 1], [2, 2, 3], strides=[1, 2, 2]), b.expand(b.reshape(x, [2, 3, 4, 1])[0] if False else x, [2, 2, 3, 4]),
                b.tile(x, [1, 2, 1]), b.reverse(x, axes=[0, 2])]

    same_as_ort(fn, {"x": x})


@pytest.mark.parametrize("idt", ["int32", "int64", "uint32"])
def test_gather_clamps_indices(idt):
    data = f32(4, 3)
    if idt == "uint32":
        idx = np.array([0, 3, 7, 4294967295], np.uint32)
    else:
        idx = np.array([0, -1, 7, -9, 2**31 - 1], dtype=idt)
        if idt == "int64":
            idx = np.array([0, -1, 7, -(2**40), 2**40], np.int64)
    same_as_ort(lambda b, d, i: [b.gather(d, i), b.gather(d, i, axis=0)], {"d": data, "i": idx})


def test_gather_constant_indices_and_scalar_index():
    def fn(b, d):
        return [b.gather(d, const(b, [[-1, 5], [0, 1]], "int32"), axis=1), b.gather(d, const(b, 2, "int64"))]

    same_as_ort(fn, {"d": f32(3, 4)})


def test_gather_elements_nd_scatter():
    d = f32(3, 4)
    ie = np.array([[0, -1, 2, 9], [1, 1, -4, 0]], np.int32)
    ind = np.array([[0, -1], [2, 7], [-3, 0]], np.int32)
    upd = f32(3)
    se_idx = np.array([[0, 3], [-1, 1], [2, 2]], np.int32)

    def fn(b, d, ie, ind, upd, se_idx, se_upd):
        return [b.gather_elements(d, ie, axis=0), b.gather_nd(d, ind), b.scatter_nd(d, ind, upd),
                b.scatter_elements(d, se_idx, se_upd, axis=1)]

    same_as_ort(fn, {"d": d, "ie": ie, "ind": ind, "upd": upd, "se_idx": se_idx, "se_upd": f32(3, 2)})


# -- quantization ---------------------------------------------------------------------------
@pytest.mark.parametrize("qt", ["int8", "uint8", "int32"])
def test_quantize_dequantize_blockwise(qt):
    x = f32(4, 6, lo=-300, hi=300)
    scale = np.array([[0.5, 2.0, 1.25], [3.0, 0.75, 1.0]], np.float32)  # blocks of [2, 2]
    zp = np.array([[1, -3, 0], [5, 2, -1]], dtype=qt) if qt != "uint8" else np.array([[1, 3, 0], [5, 2, 128]], np.uint8)
    same_as_ort(lambda b, x, s, z: b.dequantize_linear(b.quantize_linear(x, s, z), s, z), {"x": x, "s": scale, "z": zp})


def test_quantize_int32_saturates_and_rounds_half_even():
    x = np.array([0.5, 1.5, 2.5, -2.5, 3e9, -3e9, 2147483500.0, 1e12], np.float32)
    s = np.ones([8], np.float32)
    z = np.array([0, 0, 0, 0, 5, -5, 2**31 - 1, -(2**31)], np.int32)
    same_as_ort(lambda b, x, s, z: b.quantize_linear(x, s, z), {"x": x, "s": s, "z": z})


@pytest.mark.parametrize("dt", ["int32", "uint32"])
def test_dequantize_32bit_exact(dt):
    x = np.array([2**31 - 1, 0, 123456789, 16777217], dtype=dt)
    z = np.array([-(2**31) if dt == "int32" else 0, 5, 3, 0], dtype=dt)
    same_as_ort(lambda b, x, s, z: b.dequantize_linear(x, s, z), {"x": x, "s": np.ones(4, np.float32), "z": z})


def test_dequantize_constant_weights():
    w = R.integers(-128, 127, (4, 6)).astype(np.int8)
    s = R.uniform(0.01, 0.1, (4, 2)).astype(np.float32)
    z = R.integers(-5, 5, (4, 2)).astype(np.int8)

    def fn(b, x):
        return b.matmul(x, b.dequantize_linear(const(b, w), const(b, s), const(b, z)))

    same_as_ort(fn, {"x": f32(2, 4)}, atol=1e-5)
    from webnn.converters.coreml import to_mil_program

    prog, _ = to_mil_program(build(fn, {"x": f32(2, 4)}).info)
    assert "constexpr_blockwise_shift_scale" in {op.op_type for op in prog.functions["main"].operations}


# -- recurrent ------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
@pytest.mark.parametrize("layout", ["zrn", "rzn"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru(direction, layout, reset_after):
    steps, batch, isz, hs = 3, 2, 4, 5
    nd = 2 if direction == "both" else 1
    ins = {"x": f32(steps, batch, isz, lo=-1, hi=1), "w": f32(nd, 3 * hs, isz, lo=-1, hi=1), "r": f32(nd, 3 * hs, hs, lo=-1, hi=1),
           "bias": f32(nd, 3 * hs, lo=-1, hi=1), "rb": f32(nd, 3 * hs, lo=-1, hi=1), "h0": f32(nd, batch, hs, lo=-1, hi=1)}

    def fn(b, x, w, r, bias, rb, h0):
        return list(b.gru(x, w, r, steps, hs, bias=bias, recurrent_bias=rb, initial_hidden_state=h0, reset_after=reset_after,
                          return_sequence=True, direction=direction, layout=layout, activations=["sigmoid", "tanh"]))

    same_as_ort(fn, ins, atol=2e-6)


@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
@pytest.mark.parametrize("layout", ["iofg", "ifgo"])
@pytest.mark.parametrize("peephole", [False, True])
def test_lstm(direction, layout, peephole):
    steps, batch, isz, hs = 3, 2, 4, 5
    nd = 2 if direction == "both" else 1
    ins = {"x": f32(steps, batch, isz, lo=-1, hi=1), "w": f32(nd, 4 * hs, isz, lo=-1, hi=1), "r": f32(nd, 4 * hs, hs, lo=-1, hi=1),
           "bias": f32(nd, 4 * hs, lo=-1, hi=1), "h0": f32(nd, batch, hs, lo=-1, hi=1), "c0": f32(nd, batch, hs, lo=-1, hi=1)}
    if peephole:
        ins["p"] = f32(nd, 3 * hs, lo=-1, hi=1)

    def fn(b, x, w, r, bias, h0, c0, p=None):
        return list(b.lstm(x, w, r, steps, hs, bias=bias, peephole_weight=p, initial_hidden_state=h0, initial_cell_state=c0,
                           return_sequence=True, direction=direction, layout=layout))

    same_as_ort(fn, ins, atol=2e-6)


def test_cells():
    batch, isz, hs = 2, 3, 4
    ins = {"x": f32(batch, isz, lo=-1, hi=1), "wg": f32(3 * hs, isz, lo=-1, hi=1), "rg": f32(3 * hs, hs, lo=-1, hi=1),
           "wl": f32(4 * hs, isz, lo=-1, hi=1), "rl": f32(4 * hs, hs, lo=-1, hi=1), "h": f32(batch, hs, lo=-1, hi=1),
           "c": f32(batch, hs, lo=-1, hi=1), "p": f32(3 * hs, lo=-1, hi=1)}

    def fn(b, x, wg, rg, wl, rl, h, c, p):
        return [b.gru_cell(x, wg, rg, h, hs, reset_after=False, activations=["relu", "tanh"]),
                *b.lstm_cell(x, wl, rl, h, c, hs, peephole_weight=p, layout="ifgo")]

    same_as_ort(fn, ins, atol=2e-6)


# -- activations / normalization ------------------------------------------------------------
@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_activations(dt):
    x = (f32 if dt == "float32" else f16)(3, 4, lo=-6, hi=6)

    def fn(b, x, s):
        return [b.relu(x), b.sigmoid(x), b.tanh(x), b.softsign(x), b.elu(x, alpha=0.5), b.leaky_relu(x, alpha=0.1),
                b.hard_sigmoid(x, alpha=0.3, beta=0.4), b.hard_swish(x), b.linear(x, alpha=2.0, beta=-1.0), b.gelu(x), b.softmax(x, 1),
                b.prelu(x, s)]

    # float16: coremltools' value inference rounds each numpy step to float16 (e.g. sigmoid's exp, add, divide)
    same_as_ort(fn, {"x": x, "s": (f32 if dt == "float32" else f16)(4)}, ulp=8 if dt == "float32" else 4, atol=1e-6)
    # coremltools evaluates float16 softplus as log(1 + exp(x)) in float16 (CoreML's kernel is not numpy):
    # only the mapping is checked here.
    same_as_ort(lambda b, x: b.softplus(x), {"x": x}, ulp=8, atol=1e-6 if dt == "float32" else 1e-3)


@pytest.mark.parametrize("dt", ["int32", "int8"])
def test_integer_relu_prelu(dt):
    x = np.array([[-100, -3, 0, 5], [7, -1, 100, -128 if dt == "int8" else -7]], dtype=dt)
    s = np.array([2, -1, 3, 2], dtype=dt)
    same_as_ort(lambda b, x, s: [b.relu(x), b.prelu(x, s)], {"x": x, "s": s})


def test_layer_norm_paths():
    x = f32(2, 3, 4)

    def fn(b, x, sc, bi):
        return [b.layer_normalization(x, scale=sc, bias=bi, axes=[1, 2]),  # non-constant scale/bias: decomposed
                b.layer_normalization(x, axes=[2, 0]),  # unordered axes
                b.layer_normalization(x, scale=const(b, f32(3, 4)), axes=[1, 2]),  # native layer_norm
                b.layer_normalization(x, bias=const(b, f32(4)), axes=[2]),
                b.layer_normalization(x, axes=[])]

    same_as_ort(fn, {"x": x, "sc": f32(3, 4), "bi": f32(3, 4)}, ulp=16, atol=1e-5)


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("constant", [True, False])
def test_instance_norm(layout, constant):
    x = f32(2, 3, 4, 5) if layout == "nchw" else f32(2, 4, 5, 3)
    sc, bi = f32(3), f32(3)

    if constant:
        same_as_ort(lambda b, x: b.instance_normalization(x, scale=const(b, sc), bias=const(b, bi), layout=layout), {"x": x}, ulp=16, atol=1e-5)
    else:
        same_as_ort(lambda b, x, s, t: b.instance_normalization(x, scale=s, bias=t, layout=layout), {"x": x, "s": sc, "t": bi}, ulp=16, atol=1e-5)


@pytest.mark.parametrize("axis", [0, 1, 3])
def test_batch_norm_axis(axis):
    x = f32(2, 3, 4, 5)
    c = x.shape[axis]
    same_as_ort(lambda b, x, m, v, s, t: b.batch_normalization(x, m, v, scale=s, bias=t, axis=axis, epsilon=1e-3),
                {"x": x, "m": f32(c), "v": f32(c, lo=0.1, hi=2), "s": f32(c), "t": f32(c)}, ulp=8, atol=1e-6)


# -- conv / pool / pad / resample -----------------------------------------------------------
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["oihw", "hwio", "ohwi", "ihwo"])
@pytest.mark.parametrize("constant_filter", [True, False])
def test_conv2d_layouts(input_layout, filter_layout, constant_filter):
    n, c, h, w, o, g = 1, 4, 7, 6, 6, 2
    x = f32(n, c, h, w) if input_layout == "nchw" else f32(n, h, w, c)
    oihw = f32(o, c // g, 3, 2)
    perm = {"oihw": (0, 1, 2, 3), "hwio": (2, 3, 1, 0), "ohwi": (0, 2, 3, 1), "ihwo": (1, 2, 3, 0)}[filter_layout]
    filt = np.ascontiguousarray(np.transpose(oihw, perm))
    opts = dict(padding=[1, 2, 0, 1], strides=[2, 1], dilations=[1, 2], groups=g, input_layout=input_layout, filter_layout=filter_layout)

    if constant_filter:
        same_as_ort(lambda b, x, bias: b.conv2d(x, const(b, filt), bias=bias, **opts), {"x": x, "bias": f32(o)}, atol=2e-5)
    else:
        same_as_ort(lambda b, x, f, bias: b.conv2d(x, f, bias=bias, **opts), {"x": x, "f": filt, "bias": f32(o)}, atol=2e-5)


@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["iohw", "hwoi", "ohwi"])
@pytest.mark.parametrize("extra", ["output_padding", "output_sizes", "none"])
def test_conv_transpose2d(input_layout, filter_layout, extra):
    n, c, h, w, og, g = 1, 4, 3, 4, 3, 2
    x = f32(n, c, h, w) if input_layout == "nchw" else f32(n, h, w, c)
    iohw = f32(c, og, 3, 2)
    perm = {"iohw": (0, 1, 2, 3), "hwoi": (2, 3, 1, 0), "ohwi": (1, 2, 3, 0)}[filter_layout]
    filt = np.ascontiguousarray(np.transpose(iohw, perm))
    opts = dict(padding=[1, 0, 0, 1], strides=[3, 2], dilations=[1, 2], groups=g, input_layout=input_layout, filter_layout=filter_layout)
    if extra == "output_padding":
        opts["output_padding"] = [2, 1]
    elif extra == "output_sizes":
        opts["output_sizes"] = [8, 9]
    same_as_ort(lambda b, x, f, bias: b.conv_transpose2d(x, f, bias=bias, **opts), {"x": x, "f": filt, "bias": f32(og * g)}, atol=2e-5)


POOL_CASES = [
    dict(window_dimensions=[3, 3]),
    dict(window_dimensions=[2, 3], strides=[2, 2], padding=[1, 0, 1, 1]),
    dict(window_dimensions=[3, 2], strides=[2, 2], output_shape_rounding="ceil"),
    dict(window_dimensions=[2, 2], dilations=[2, 2], padding=[1, 1, 0, 2]),  # decomposed (dilations)
    dict(window_dimensions=[2, 2], padding=[2, 2, 0, 0]),  # padding >= window: empty windows, decomposed
    dict(window_dimensions=[3, 3], strides=[2, 2], output_sizes=[3, 3]),
]


@pytest.mark.parametrize("op", ["average_pool2d", "l2_pool2d", "max_pool2d"])
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_pool(op, layout, case):
    opts = dict(POOL_CASES[case], layout=layout)
    x = f32(1, 2, 6, 7) if layout == "nchw" else f32(1, 6, 7, 2)
    same_as_ort(lambda b, x: getattr(b, op)(x, **opts), {"x": x}, ulp=4, atol=1e-6)


@pytest.mark.parametrize("dt", ["int8", "uint8", "int32"])
def test_max_pool_integers(dt):
    x = R.integers(0 if dt == "uint8" else -100, 100, (1, 2, 5, 5)).astype(dt)
    same_as_ort(lambda b, x: [b.max_pool2d(x, window_dimensions=[2, 2], padding=[1, 0, 0, 1]),
                              b.max_pool2d(x, window_dimensions=[2, 2], dilations=[2, 1])], {"x": x})


@pytest.mark.parametrize("mode", ["constant", "edge", "reflection"])
@pytest.mark.parametrize("dt", ["float32", "float16", "int32", "uint8", "int64"])
@pytest.mark.parametrize("pads", [([0, 1, 2], [0, 2, 1]), ([1, 0, 0], [2, 0, 1])])
def test_pad(mode, dt, pads):
    x = R.integers(0, 50, (3, 4, 5)).astype(dt)
    same_as_ort(lambda b, x: b.pad(x, pads[0], pads[1], mode=mode, value=7), {"x": x})


@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
@pytest.mark.parametrize("dt", ["float32", "float16", "uint8"])
@pytest.mark.parametrize("opts", [dict(scales=[2.0, 1.5]), dict(sizes=[3, 7]), dict(sizes=[5, 2], axes=[1, 2])])
def test_resample2d(mode, dt, opts):
    x = R.uniform(0, 100, (1, 3, 4, 5)).astype(dt)
    same_as_ort(lambda b, x: b.resample2d(x, mode=mode, **opts), {"x": x}, ulp=2)
