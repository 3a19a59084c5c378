"""conv2d and conv_transpose2d: float64 numpy references written from the spec, validation."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import webnn
from webnn.converters import default_registry

RNG = np.random.default_rng(1234)


@pytest.fixture(scope="module")
def ctx() -> webnn.MLContext:
    return webnn.MLContext(accelerated=False)


# -- references (NCHW input, OIHW / IOHW filters, float64) ----------------------------------
def conv2d_ref(x, w, padding=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), groups=1, bias=None):
    """output[n, o, y, x] = sum_{c, i, j} input[n, g*C/groups + c, y*sh - pb + i*dh, x*sw - pl + j*dw] * w[o, c, i, j]."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, c_in, ih, iw = x.shape
    c_out, c_g, kh, kw = w.shape
    pb, pe, pl, pr = padding
    xp = np.zeros((n, c_in, ih + pb + pe, iw + pl + pr))
    xp[:, :, pb : pb + ih, pl : pl + iw] = x
    oh = (ih + pb + pe - ((kh - 1) * dilations[0] + 1)) // strides[0] + 1
    ow = (iw + pl + pr - ((kw - 1) * dilations[1] + 1)) // strides[1] + 1
    out = np.zeros((n, c_out, oh, ow))
    og = c_out // groups
    for o in range(c_out):
        g = o // og
        for i in range(kh):
            for j in range(kw):
                ys = i * dilations[0]
                xs = j * dilations[1]
                patch = xp[:, g * c_g : (g + 1) * c_g, ys : ys + (oh - 1) * strides[0] + 1 : strides[0], xs : xs + (ow - 1) * strides[1] + 1 : strides[1]]
                out[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, i, j])
    if bias is not None:
        out += bias.astype(np.float64).reshape(1, -1, 1, 1)
    return out


def conv_transpose2d_ref(x, w, padding=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), groups=1, out_hw=None, bias=None):
    """Scatter each input element times the filter: full[n, g*M + m, y*sh + i*dh, x*sw + j*dw] += in * w[c, m, i, j];
    the output is full[pb : pb + outH, pl : pl + outW] (zeros past the full extent)."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, c_in, ih, iw = x.shape
    _, m_g, kh, kw = w.shape
    c_g = c_in // groups
    fh = (ih - 1) * strides[0] + (kh - 1) * dilations[0] + 1
    fw = (iw - 1) * strides[1] + (kw - 1) * dilations[1] + 1
    full = np.zeros((n, m_g * groups, fh + strides[0], fw + strides[1]))
    for c in range(c_in):
        g = c // c_g
        for i in range(kh):
            for j in range(kw):
                ys, xs = i * dilations[0], j * dilations[1]
                full[:, g * m_g : (g + 1) * m_g, ys : ys + (ih - 1) * strides[0] + 1 : strides[0], xs : xs + (iw - 1) * strides[1] + 1 : strides[1]] += (
                    x[:, c][:, None] * w[c, :, i, j][None, :, None, None]
                )
    pb, pe, pl, pr = padding
    oh, ow = out_hw if out_hw is not None else (fh - pb - pe, fw - pl - pr)
    out = full[:, :, pb : pb + oh, pl : pl + ow]
    if bias is not None:
        out = out + bias.astype(np.float64).reshape(1, -1, 1, 1)
    return out


# -- helpers ---------------------------------------------------------------------------------
FILTER_FROM_OIHW = {"oihw": (0, 1, 2, 3), "hwio": (2, 3, 1, 0), "ohwi": (0, 2, 3, 1), "ihwo": (1, 2, 3, 0)}
FILTER_FROM_IOHW = {"iohw": (0, 1, 2, 3), "hwoi": (2, 3, 1, 0), "ohwi": (1, 2, 3, 0)}


def tol(dt: str) -> dict:
    return dict(rtol=2e-3, atol=2e-3) if dt == "float16" else dict(rtol=1e-5, atol=1e-5)


def run_conv(ctx, fn, x, w, bias=None, *, const_filter=True, **options):
    b = webnn.MLGraphBuilder(ctx)
    xi = b.input("x", list(x.shape), x.dtype.name)
    feeds = {"x": x}
    if const_filter:
        wo = b.constant(w)
    else:
        wo = b.input("w", list(w.shape), w.dtype.name)
        feeds["w"] = w
    if bias is not None:
        options["bias"] = b.constant(bias)
    y = getattr(b, fn)(xi, wo, **options)
    g = b.build({"y": y})
    out = ctx.compute(g, feeds)["y"]
    assert list(out.shape) == list(y.shape)
    assert out.dtype == x.dtype
    return out, g


CONV_CASES = [
    dict(xs=(1, 1, 5, 5), ws=(1, 1, 3, 3)),
    dict(xs=(2, 3, 6, 7), ws=(4, 3, 3, 2), padding=[1, 0, 2, 1]),
    dict(xs=(1, 2, 9, 8), ws=(3, 2, 3, 3), strides=[2, 3], padding=[1, 1, 1, 1]),
    dict(xs=(1, 2, 9, 9), ws=(2, 2, 3, 2), dilations=[2, 3], padding=[2, 2, 0, 3]),
    dict(xs=(1, 4, 6, 6), ws=(6, 2, 3, 3), groups=2, strides=[2, 2], padding=[1, 1, 1, 1]),
    dict(xs=(2, 3, 5, 5), ws=(3, 1, 3, 3), groups=3, padding=[1, 1, 1, 1]),  # depthwise
    dict(xs=(1, 2, 4, 4), ws=(2, 2, 2, 2), padding=[3, 4, 2, 5]),  # padding larger than the filter
]


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["oihw", "hwio", "ohwi", "ihwo"])
def test_conv2d_values(ctx, case, input_layout, filter_layout):
    x = RNG.standard_normal(case["xs"]).astype(np.float32)
    w = RNG.standard_normal(case["ws"]).astype(np.float32)
    bias = RNG.standard_normal(case["ws"][0]).astype(np.float32)
    opts = {k: v for k, v in case.items() if k not in ("xs", "ws")}
    ref = conv2d_ref(x, w, bias=bias, **{k: tuple(v) if isinstance(v, list) else v for k, v in opts.items()})
    xin = x.transpose(0, 2, 3, 1) if input_layout == "nhwc" else x
    win = np.ascontiguousarray(w.transpose(FILTER_FROM_OIHW[filter_layout]))
    out, _ = run_conv(ctx, "conv2d", np.ascontiguousarray(xin), win, bias, input_layout=input_layout, filter_layout=filter_layout, **opts)
    if input_layout == "nhwc":
        out = out.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, ref, **tol("float32"))


@pytest.mark.parametrize("const_filter", [True, False])
def test_conv2d_float16_and_default_options(ctx, const_filter):
    x = RNG.standard_normal((1, 3, 6, 5)).astype(np.float16)
    w = RNG.standard_normal((2, 3, 2, 3)).astype(np.float16)
    out, g = run_conv(ctx, "conv2d", x, w, const_filter=const_filter)
    assert out.shape == (1, 2, 5, 3)
    ref = conv2d_ref(x, w).astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(out.astype(np.float64), ref, **tol("float16"))
    model = onnx.load_from_string(default_registry().convert(g.info, "onnx").data)
    onnx.checker.check_model(model, full_check=True)


def test_conv2d_spec_example_values(ctx):
    # 1x1x5x5 input 0..24, 3x3 filter of ones, padding 1: each output is the sum of its 3x3 neighbourhood.
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    w = np.ones((1, 1, 3, 3), np.float32)
    out, _ = run_conv(ctx, "conv2d", x, w, padding=[1, 1, 1, 1])
    assert out[0, 0, 0, 0] == 0 + 1 + 5 + 6
    assert out[0, 0, 2, 2] == sum(range(6, 9)) + sum(range(11, 14)) + sum(range(16, 19))
    np.testing.assert_allclose(out, conv2d_ref(x, w, padding=(1, 1, 1, 1)))


CONVT_CASES = [
    dict(xs=(1, 1, 3, 3), ws=(1, 1, 3, 3)),
    dict(xs=(2, 3, 4, 3), ws=(3, 2, 3, 2), strides=[2, 3], padding=[1, 0, 0, 1]),
    dict(xs=(1, 2, 3, 4), ws=(2, 3, 2, 3), strides=[3, 2], output_padding=[2, 1]),
    dict(xs=(1, 2, 3, 3), ws=(2, 2, 3, 3), dilations=[2, 1], strides=[2, 2], padding=[1, 1, 2, 0]),
    dict(xs=(1, 4, 3, 3), ws=(4, 3, 2, 2), groups=2, strides=[2, 2]),  # 6 output channels
    dict(xs=(1, 2, 3, 3), ws=(2, 1, 3, 3), strides=[2, 2], padding=[1, 1, 1, 1], output_sizes=[6, 5]),
    dict(xs=(1, 1, 2, 2), ws=(1, 1, 3, 3), strides=[2, 2], padding=[2, 1, 3, 0], output_padding=[1, 1]),  # padding >= filter
]


def _convt_out_hw(case):
    n, c, ih, iw = case["xs"]
    _, _, kh, kw = case["ws"]
    s = case.get("strides", [1, 1])
    d = case.get("dilations", [1, 1])
    p = case.get("padding", [0, 0, 0, 0])
    op = case.get("output_padding", [0, 0])
    if "output_sizes" in case:
        return tuple(case["output_sizes"])
    return ((ih - 1) * s[0] + (kh - 1) * d[0] + 1 - p[0] - p[1] + op[0], (iw - 1) * s[1] + (kw - 1) * d[1] + 1 - p[2] - p[3] + op[1])


@pytest.mark.parametrize("case", CONVT_CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_layout", ["iohw", "hwoi", "ohwi"])
def test_conv_transpose2d_values(ctx, case, input_layout, filter_layout):
    x = RNG.standard_normal(case["xs"]).astype(np.float32)
    w = RNG.standard_normal(case["ws"]).astype(np.float32)
    groups = case.get("groups", 1)
    bias = RNG.standard_normal(case["ws"][1] * groups).astype(np.float32)
    opts = {k: v for k, v in case.items() if k not in ("xs", "ws")}
    ref = conv_transpose2d_ref(
        x,
        w,
        tuple(opts.get("padding", (0, 0, 0, 0))),
        tuple(opts.get("strides", (1, 1))),
        tuple(opts.get("dilations", (1, 1))),
        groups,
        _convt_out_hw(case),
        bias,
    )
    xin = np.ascontiguousarray(x.transpose(0, 2, 3, 1) if input_layout == "nhwc" else x)
    win = np.ascontiguousarray(w.transpose(FILTER_FROM_IOHW[filter_layout]))
    out, _ = run_conv(ctx, "conv_transpose2d", xin, win, bias, input_layout=input_layout, filter_layout=filter_layout, **opts)
    if input_layout == "nhwc":
        out = out.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, ref, **tol("float32"))


def test_conv_transpose2d_float16_and_onnx_check(ctx):
    x = RNG.standard_normal((1, 2, 3, 3)).astype(np.float16)
    w = RNG.standard_normal((2, 2, 3, 3)).astype(np.float16)
    out, g = run_conv(ctx, "conv_transpose2d", x, w, const_filter=False, strides=[2, 2], output_padding=[1, 0])
    assert out.shape == (1, 2, 8, 7)
    ref = conv_transpose2d_ref(x, w, strides=(2, 2), out_hw=(8, 7)).astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(out.astype(np.float64), ref, **tol("float16"))
    model = onnx.load_from_string(default_registry().convert(g.info, "onnx").data)
    onnx.checker.check_model(model, full_check=True)


def test_conv_transpose2d_known_values(ctx):
    # 1x1x2x2 input [[1,2],[3,4]], 2x2 filter of ones, stride 2: each input element fills its 2x2 block.
    x = np.array([[[[1, 2], [3, 4]]]], np.float32)
    out, _ = run_conv(ctx, "conv_transpose2d", x, np.ones((1, 1, 2, 2), np.float32), strides=[2, 2])
    np.testing.assert_array_equal(out[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


# -- shapes and attributes ---------------------------------------------------------------------
def test_conv_output_shapes(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 7, 7, 4], "float32")
    w = b.input("w", [3, 3, 2, 8], "float32")  # hwio, groups 2
    y = b.conv2d(x, w, input_layout="nhwc", filter_layout="hwio", groups=2, strides=[2, 2], padding=[1, 1, 0, 0])
    assert y.shape == [1, 4, 3, 8]
    x2 = b.input("x2", [1, 4, 5, 5], "float32")
    w2 = b.input("w2", [4, 3, 3, 3], "float32")  # iohw: 3 * groups(2) = 6 output channels
    y2 = b.conv_transpose2d(x2, w2, groups=2, strides=[2, 2], output_sizes=[12, 11])
    assert y2.shape == [1, 6, 12, 11]
    y3 = b.conv_transpose2d(x2, w2, groups=2, strides=[2, 2], output_padding=[1, 0])
    assert y3.shape == [1, 6, 12, 11]


# -- validation --------------------------------------------------------------------------------
def _builder(ctx):
    b = webnn.MLGraphBuilder(ctx)
    return b, b.input("x", [1, 4, 5, 5], "float32"), b.input("w", [2, 4, 3, 3], "float32")


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        (dict(padding=[1, 1]), "padding"),
        (dict(padding=[1, 1, 1, -1]), "padding"),
        (dict(strides=[1]), "strides"),
        (dict(strides=[0, 1]), "strides"),
        (dict(dilations=[1, 1, 1]), "dilations"),
        (dict(dilations=[1, 0]), "dilations"),
        (dict(groups=0), "groups"),
        (dict(groups=3), "groups"),
        (dict(groups=2), "filter"),  # 4 / 2 = 2 != filter input channels 4
        (dict(input_layout="nhcw"), "input_layout"),
        (dict(filter_layout="iohw"), "filter_layout"),
        (dict(padding=[0, 0, 0, 0], dilations=[3, 1]), "output"),  # effective filter 7 > 5
        (dict(padding=[2**32 - 1, 2**32 - 1, 0, 0]), "output"),
    ],
)
def test_conv2d_validation(ctx, kwargs, arg):
    b, x, w = _builder(ctx)
    with pytest.raises(webnn.ValidationError, match=rf"conv2d.*{arg}"):
        b.conv2d(x, w, **kwargs)


def test_conv2d_operand_validation(ctx):
    b, x, w = _builder(ctx)
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*input"):
        b.conv2d(b.input("i", [1, 4, 5], "float32"), w)
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*input.*int32"):
        b.conv2d(b.input("i2", [1, 4, 5, 5], "int32"), b.input("w2", [2, 4, 3, 3], "int32"))
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*filter"):
        b.conv2d(x, b.input("w3", [2, 4, 3, 3], "float16"))
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*filter"):
        b.conv2d(x, b.input("w4", [2, 4, 3], "float32"))
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*bias"):
        b.conv2d(x, w, bias=b.input("b1", [3], "float32"))
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*bias"):
        b.conv2d(x, w, bias=b.input("b2", [2], "float16"))
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*bias"):
        b.conv2d(x, w, bias=b.input("b3", [1, 2], "float32"))
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*filter"):
        b.conv2d(x, w, filter_layout="ohwi")  # ohwi reads filter input channels 3 from [2, 4, 3, 3]
    other = webnn.MLGraphBuilder(ctx).input("x", [1, 4, 5, 5], "float32")
    with pytest.raises(webnn.ValidationError, match=r"conv2d.*input"):
        b.conv2d(other, w)


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        (dict(padding=[1, 1, 1]), "padding"),
        (dict(strides=[1, 0]), "strides"),
        (dict(dilations=[0, 1]), "dilations"),
        (dict(output_padding=[1, 0]), "output_padding"),  # must be < strides [1, 1]
        (dict(strides=[2, 2], output_padding=[0, 2]), "output_padding"),
        (dict(output_padding=[1]), "output_padding"),
        (dict(output_sizes=[7]), "output_sizes"),
        (dict(strides=[2, 2], output_sizes=[10, 11]), "output_sizes"),  # calculated 11 x 11
        (dict(strides=[2, 2], output_sizes=[13, 11]), "output_sizes"),  # must be < 11 + 2
        (dict(strides=[2, 2], output_sizes=[11, 13]), "output_sizes"),
        (dict(groups=0), "groups"),
        (dict(groups=3), "groups"),
        (dict(filter_layout="oihw"), "filter_layout"),
        (dict(input_layout="NCHW"), "input_layout"),
        (dict(padding=[4, 4, 0, 0]), "output"),  # 7 - 8 < 1
    ],
)
def test_conv_transpose2d_validation(ctx, kwargs, arg):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 4, 5, 5], "float32")
    w = b.input("w", [4, 2, 3, 3], "float32")
    with pytest.raises(webnn.ValidationError, match=rf"conv_transpose2d.*{arg}"):
        b.conv_transpose2d(x, w, **kwargs)


def test_conv_transpose2d_operand_validation(ctx):
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [1, 4, 5, 5], "float32")
    w = b.input("w", [4, 2, 3, 3], "float32")
    with pytest.raises(webnn.ValidationError, match=r"conv_transpose2d.*filter"):
        b.conv_transpose2d(x, b.input("w2", [3, 2, 3, 3], "float32"))  # input channels 4 != 3
    with pytest.raises(webnn.ValidationError, match=r"conv_transpose2d.*bias"):
        b.conv_transpose2d(x, w, groups=2, bias=b.input("b", [2], "float32"))  # needs [4]
    with pytest.raises(webnn.ValidationError, match=r"conv_transpose2d.*input"):
        b.conv_transpose2d(b.input("u", [1, 4, 5, 5], "uint8"), b.input("wu", [4, 2, 3, 3], "uint8"))
    with pytest.raises(webnn.ValidationError, match=r"conv_transpose2d.*filter"):
        b.conv_transpose2d(x, b.input("w3", [4, 2, 3, 3, 1], "float32"))
    # output_padding is not checked against strides when output_sizes is given (the spec's order)
    y = b.conv_transpose2d(x, w, output_padding=[5, 5], output_sizes=[7, 7])
    assert y.shape == [1, 2, 7, 7]


def test_conv_support_limits(ctx):
    lim = ctx.op_support_limits()
    for name in ("conv2d", "convTranspose2d"):
        assert sorted(lim[name]["input"]["dataTypes"]) == ["float16", "float32"]
        assert lim[name]["input"]["rankRange"]["min"] == 4 and lim[name]["input"]["rankRange"]["max"] == 4
        assert lim[name]["bias"]["rankRange"]["max"] == 1
