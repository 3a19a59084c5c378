"""Structure of the converted ML Programs: types, layouts, padding modes, constants, names,
multi-output ops, the integer-type policy, and the converter's registration and coverage."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.converters import default_registry
from webnn.errors import ConversionError, UnsupportedError

from ._util import CTX, build, const, evaluate

R = np.random.default_rng(3)


def program(graph: webnn.MLGraph, converted: bool = True):
    """The MIL main function after coremltools' pass pipeline (or as built, ``converted=False``)."""
    from webnn.converters.coreml import to_mil_program, to_mlmodel

    if converted:
        return to_mlmodel(graph.info)[0]._mil_program.functions["main"]
    return to_mil_program(graph.info)[0].functions["main"]


def op_types(func) -> list[str]:
    return [op.op_type for op in func.operations]


def var_types(func) -> set[str]:
    from coremltools.converters.mil.mil import types

    out = set()
    for op in func.operations:
        for v in op.outputs:
            if types.is_tensor(v.sym_type) or (types.is_scalar(v.sym_type) and v.dtype != types.str):
                out.add(types.builtin_to_string(v.dtype))
    return out


def package_files(graph: webnn.MLGraph) -> dict[str, bytes]:
    data = default_registry().convert(graph.info, "coreml").data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


# -- registration ------------------------------------------------------------------------------
def test_registered_and_cached():
    g = build(lambda b, x: b.relu(x), {"x": np.zeros((2, 2), np.float32)})
    reg = default_registry()
    assert "coreml" in reg.formats()
    first = reg.convert(g.info, "coreml")
    assert reg.convert(g.info, "coreml") is first
    assert first.format == "coreml"
    assert json.loads(first.metadata["io"])["outputs"][0]["name"] == "y0"


def test_every_op_has_a_rule_and_docs_list_it():
    from webnn.converters.coreml import UNSUPPORTED, coverage
    from webnn.ops import load_all

    rows = coverage()
    assert [r for r in rows if r[1] == "missing"] == []
    assert {r[0] for r in rows} == set(load_all())
    for name, reason in UNSUPPORTED.items():
        assert len(reason) > 20, name  # a specific reason, not a placeholder
    doc = (Path(__file__).resolve().parents[3] / "docs" / "coreml.md").read_text()
    for name, status, _ in rows:
        assert re.search(rf"^\| `{name}` \| {status} \|", doc, re.M), f"docs/coreml.md lacks a row for {name} ({status})"


def test_unknown_op_raises_conversion_error_naming_it():
    from webnn.converters.coreml import RULES

    g = build(lambda b, x: b.relu(x), {"x": np.zeros((2,), np.float32)})
    saved = RULES.pop("relu")
    try:
        with pytest.raises(ConversionError, match="no rule for operator 'relu'"):
            program(g, converted=False)
    finally:
        RULES["relu"] = saved


# -- package -----------------------------------------------------------------------------------
def test_package_saves_and_spec_reloads(tmp_path):
    from webnn.converters.coreml import load_spec, save_mlpackage

    g = build(lambda b, x: b.add(x, x), {"x": np.zeros((2, 3), np.float32)})
    cg = default_registry().convert(g.info, "coreml")
    p = save_mlpackage(cg, tmp_path / "m.mlpackage")
    assert (p / "Manifest.json").is_file() and (p / "Data" / "com.apple.CoreML" / "model.mlmodel").is_file()
    spec = load_spec(cg)
    assert spec.WhichOneof("Type") == "mlProgram"
    meta = dict(spec.description.metadata.userDefined)
    assert json.loads(meta["webnn.io"]) == json.loads(cg.metadata["io"])
    save_mlpackage(cg, p)  # replaces an existing package


def test_save_rejects_unsafe_zip(tmp_path):
    from webnn.converters.coreml import save_mlpackage

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil.txt", b"x")
    with pytest.raises(ConversionError, match="unsafe entry"):
        save_mlpackage(buf.getvalue(), tmp_path / "m.mlpackage")


def test_large_constants_go_to_the_weights_file_small_ones_inline():
    w = R.standard_normal((64, 32)).astype(np.float32)
    g = build(lambda b, x: b.add(b.matmul(x, const(b, w)), const(b, np.float32(2))), {"x": np.zeros((2, 64), np.float32)})
    files = package_files(g)
    weights = files["Data/com.apple.CoreML/weights/weight.bin"]
    assert len(weights) >= w.nbytes
    assert w.tobytes() in weights  # stored raw (64-byte aligned blob)
    model = files["Data/com.apple.CoreML/model.mlmodel"]
    assert len(model) < w.nbytes // 4  # not inline in the protobuf


def test_constant_8bit_weights_stay_8bit():
    w = R.integers(-128, 127, (128, 64)).astype(np.int8)
    s = np.full((128, 1), 0.05, np.float32)
    z = np.zeros((128, 1), np.int8)
    g = build(lambda b, x: b.matmul(x, b.dequantize_linear(const(b, w), const(b, s), const(b, z))), {"x": np.zeros((2, 128), np.float32)})
    weights = package_files(g)["Data/com.apple.CoreML/weights/weight.bin"]
    assert w.tobytes() in weights and len(weights) < w.size * 2  # int8, not expanded to float32


# -- float types -------------------------------------------------------------------------------
def test_float16_stays_float16():
    x = np.zeros((1, 3, 8, 8), np.float16)
    f = R.standard_normal((4, 3, 3, 3)).astype(np.float16)

    def fn(b, x):
        y = b.conv2d(x, const(b, f), padding=[1, 1, 1, 1])
        y = b.relu(b.add(y, const(b, np.float16(1))))
        y = b.max_pool2d(y, window_dimensions=[2, 2], strides=[2, 2])
        return [b.layer_normalization(y, axes=[1, 2, 3]), b.softmax(b.reshape(y, [4, 16]), 1)]

    g = build(fn, {"x": x})
    func = program(g)
    assert "cast" not in op_types(func)
    assert var_types(func) <= {"fp16", "int32", "bool"}  # int32: shape/axis constants only
    spec_in = func.inputs["x"]
    from coremltools.converters.mil.mil import types

    assert types.builtin_to_string(spec_in.dtype) == "fp16"


def test_float32_is_not_lowered_to_float16():
    g = build(lambda b, x: b.tanh(b.matmul(x, x)), {"x": np.zeros((4, 4), np.float32)})
    func = program(g)
    assert "fp16" not in var_types(func)
    assert "cast" not in op_types(func)


# -- layouts and padding -----------------------------------------------------------------------
def test_nhwc_conv_transposes_input_and_output_and_constant_filters_are_pre_transposed():
    x = np.zeros((1, 8, 8, 3), np.float32)
    f = R.standard_normal((3, 3, 3, 5)).astype(np.float32)  # hwio
    g = build(lambda b, x: b.conv2d(x, const(b, f), input_layout="nhwc", filter_layout="hwio"), {"x": x})
    func = program(g, converted=False)
    types_ = op_types(func)
    assert types_.count("transpose") == 2  # input in, output out; the filter is transposed at conversion
    conv = next(op for op in func.operations if op.op_type == "conv")
    assert tuple(conv.weight.shape) == (5, 3, 3, 3)
    assert list(conv.pad.val) == [0, 0, 0, 0]


def test_conv_padding_order():
    x = np.zeros((1, 2, 8, 8), np.float32)
    f = np.ones((1, 2, 3, 3), np.float32)
    g = build(lambda b, x: b.conv2d(x, const(b, f), padding=[1, 2, 3, 0]), {"x": x})
    conv = next(op for op in program(g, converted=False).operations if op.op_type == "conv")
    assert conv.pad_type.val == "custom" and list(conv.pad.val) == [1, 2, 3, 0]


@pytest.mark.parametrize(
    "mode,dt,begin,end,expected",
    [
        ("constant", "float32", [0, 1, 2], [0, 2, 1], "pad"),
        ("edge", "float32", [0, 1, 2], [0, 2, 1], "pad"),
        ("reflection", "float32", [0, 1, 2], [0, 2, 1], "pad"),
        ("edge", "float32", [1, 0, 0], [1, 0, 0], "concat"),  # not the last two dims: decomposed
        ("reflection", "float32", [2, 1, 0], [0, 0, 1], "concat"),
        ("constant", "int32", [0, 1, 2], [0, 2, 1], "concat"),  # MIL pad is float-only
    ],
)
def test_padding_modes(mode, dt, begin, end, expected):
    x = R.integers(0, 9, (3, 4, 5)).astype(dt)
    g = build(lambda b, x: b.pad(x, begin, end, mode=mode, value=1), {"x": x})
    types_ = op_types(program(g, converted=False))
    assert expected in types_
    if expected == "pad":
        assert "concat" not in types_


def test_pool_native_and_decomposed():
    x = np.zeros((1, 2, 6, 6), np.float32)
    native = build(lambda b, x: [b.average_pool2d(x, window_dimensions=[2, 2]), b.max_pool2d(x, window_dimensions=[3, 3], padding=[1, 1, 1, 1])], {"x": x})
    assert {"avg_pool", "max_pool"} <= set(op_types(program(native, converted=False)))
    dilated = build(
        lambda b, x: [b.average_pool2d(x, window_dimensions=[2, 2], dilations=[2, 2]), b.max_pool2d(x, window_dimensions=[2, 2], dilations=[2, 1])], {"x": x}
    )
    types_ = op_types(program(dilated, converted=False))
    assert "avg_pool" not in types_ and "max_pool" not in types_ and "conv" in types_ and "maximum" in types_


# -- names, ranks, multi-output ----------------------------------------------------------------
def test_feature_names_are_sanitised_and_mapped_back():
    from webnn.converters.coreml import evaluate as evaluate_named
    from webnn.converters.coreml import io_plan

    b = webnn.MLGraphBuilder(CTX)
    x = b.input("in put-1", webnn.MLOperandDescriptor("float32", [2]))
    r = b.relu(x)
    g = b.build({"a b": r, "a_b": b.abs(x), "9x": b.identity(x), "again": r})
    plan = io_plan(g.info)
    assert [s.feature for s in plan.inputs] == ["in_put_1"]
    assert [s.feature for s in plan.outputs] == ["a_b", "a_b_1", "_9x", "again"]
    assert [o.name for o in program(g).outputs] == ["a_b", "a_b_1", "_9x", "again"]
    out = evaluate_named(g.info, {"in put-1": np.array([-1, 2], np.float32)})
    np.testing.assert_array_equal(out["9x"], [-1, 2])
    np.testing.assert_array_equal(out["a b"], [0, 2])
    np.testing.assert_array_equal(out["again"], [0, 2])


def test_rank0_input_and_output():
    from webnn.converters.coreml import io_plan

    g = build(lambda b, x: [b.mul(x, x), b.reduce_sum(b.reshape(x, [1]))], {"x": np.array(3, np.float32)})
    plan = io_plan(g.info)
    assert plan.inputs[0].feature_shape == (1,) and plan.inputs[0].shape == ()
    y0, y1 = evaluate(g, {"x": np.array(3, np.float32)})
    assert y0.shape == () and y0 == 9 and y1.shape == () and y1 == 3


def test_graph_without_inputs_gets_a_used_placeholder():
    from webnn.converters.coreml import io_plan, load_spec

    b = webnn.MLGraphBuilder(CTX)
    g = b.build({"y": b.relu(const(b, np.array([1, -2], np.float32)))})
    plan = io_plan(g.info)
    assert plan.placeholder == "placeholder" and plan.placeholder_output == "placeholder_output"
    spec = load_spec(default_registry().convert(g.info, "coreml"))
    assert [f.name for f in spec.description.input] == ["placeholder"]
    assert [f.name for f in spec.description.output] == ["y", "placeholder_output"]
    assert set(plan.features({})) == {"placeholder"}
    from webnn.converters.coreml import evaluate as evaluate_named

    np.testing.assert_array_equal(evaluate_named(g.info, {})["y"], [1, 0])


def test_rank_above_five_is_refused():
    g = build(lambda b, x: b.reshape(x, [1, 2, 1, 2, 1, 2]), {"x": np.zeros(8, np.float32)})
    with pytest.raises(ConversionError, match=r"reshape has a rank-6 operand .* rank <= 5"):
        program(g, converted=False)


def test_multi_output_ops():
    x = R.standard_normal((2, 6)).astype(np.float32)
    g = build(lambda b, x: list(b.split(x, 3, axis=1)), {"x": x})
    outs = program(g).outputs
    assert [tuple(v.shape) for v in outs] == [(2, 2)] * 3
    ys = evaluate(g, {"x": x})
    for y, ref in zip(ys, np.split(x, 3, axis=1), strict=True):
        np.testing.assert_array_equal(y, ref)
    steps, batch, isz, hs = 2, 1, 3, 4
    ins = {"x": np.zeros((steps, batch, isz), np.float32), "w": np.zeros((1, 4 * hs, isz), np.float32), "r": np.zeros((1, 4 * hs, hs), np.float32)}
    g = build(lambda b, x, w, r: list(b.lstm(x, w, r, steps, hs, return_sequence=True)), ins)
    assert [tuple(v.shape) for v in program(g).outputs] == [(1, 1, 4), (1, 1, 4), (2, 1, 1, 4)]


# -- integer types -----------------------------------------------------------------------------
def test_8bit_types_are_int32_features():
    from webnn.converters.coreml import io_plan

    g = build(lambda b, x: b.add(x, x), {"x": np.zeros(3, np.int8)})
    plan = io_plan(g.info)
    assert plan.inputs[0].carrier == "int32" and plan.outputs[0].data_type == "int8"
    (y,) = evaluate(g, {"x": np.array([100, -100, 5], np.int8)})
    np.testing.assert_array_equal(y, np.array([-56, 56, 10], np.int8))


def test_wide_inputs_clamped_when_only_indices_checked_otherwise():
    from webnn.converters.coreml import io_plan
    from webnn.converters.coreml._io import to_feature

    d = np.zeros((4, 2), np.float32)
    g = build(lambda b, d, i, v: [b.gather(d, b.reshape(i, [3])), b.max(v, v)], {"d": d, "i": np.zeros(3, np.int64), "v": np.zeros(2, np.int64)})
    specs = {s.name: s for s in io_plan(g.info).inputs}
    assert specs["i"].narrow == "clamp" and specs["v"].narrow == "check" and specs["d"].narrow == ""
    np.testing.assert_array_equal(to_feature(specs["i"], np.array([-(2**40), 5, 2**40])), [-(2**31), 5, 2**31 - 1])
    with pytest.raises(UnsupportedError, match=r"input 'v' \(int64\) holds 4294967296"):
        to_feature(specs["v"], np.array([1, 2**32]))


@pytest.mark.parametrize(
    "fn,message",
    [
        (lambda b, x: b.add(x, x), "add on int64 is not supported"),
        (lambda b, x: b.reduce_sum(x), "reduce_sum on int64 is not supported"),
        (lambda b, x: b.cumulative_sum(x, 0), "cumulative_sum on int64 is not supported"),
        (lambda b, x: b.cast(b.cast(x, "float32"), "int64"), "cast from float32 to int64 is not supported"),
        (lambda b, x: b.cast(x, "uint64"), "cast from int64 to uint64 is not supported"),
    ],
)
def test_wide_arithmetic_is_refused(fn, message):
    g = build(fn, {"x": np.zeros(3, np.int64)})
    with pytest.raises(ConversionError, match=message):
        program(g, converted=False)


def test_pad_value_outside_int32_is_refused():
    g = build(lambda b, x: b.pad(x, [1], [1], value=2**40), {"x": np.zeros(3, np.int64)})
    with pytest.raises(ConversionError, match="pad of int64 with value 1099511627776 is not supported"):
        program(g, converted=False)


def test_quantize_to_uint32_is_refused():
    g = build(lambda b, x, s, z: b.quantize_linear(x, s, z), {"x": np.zeros(2, np.float32), "s": np.ones(2, np.float32), "z": np.zeros(2, np.uint32)})
    with pytest.raises(ConversionError, match="quantize_linear on uint32 is not supported"):
        program(g, converted=False)


def test_wide_constants_range_checked_or_clamped_as_indices():
    big = np.array([2**40, 1], np.int64)
    g = build(lambda b, x: b.max(x, const(b, big)), {"x": np.zeros(2, np.int64)})
    with pytest.raises(ConversionError, match=r"int64 constant \(used by max\) holds values outside"):
        program(g, converted=False)
    d = np.arange(8, dtype=np.float32).reshape(4, 2)
    g = build(lambda b, d: b.gather(d, const(b, np.array([2**40, -(2**40), 1], np.int64))), {"d": d})
    (y,) = evaluate(g, {"d": d})
    np.testing.assert_array_equal(y, d[[3, 0, 1]])


def test_integer_traits_sit_on_the_rules_and_name_real_inputs():
    from webnn.converters.coreml import RULES
    from webnn.converters.coreml._mil import TRAITS, Traits, rule
    from webnn.ops import load_all

    ops = load_all()
    assert set(TRAITS) == set(RULES)
    for name, traits in TRAITS.items():
        assert set(traits.index_inputs) <= set(ops[name].inputs), name
        assert traits.wide or not traits.moves, name
    assert TRAITS["gather"] == Traits(wide=True, moves=True, index_inputs=("indices",))
    assert TRAITS["scatter_nd"] == Traits(wide=True, moves=False, index_inputs=("indices",))
    assert TRAITS["max_pool2d"].wide and not TRAITS["average_pool2d"].wide
    assert TRAITS["identity"].moves and TRAITS["sign"].wide and not TRAITS["sign"].moves and not TRAITS["abs"].wide
    with pytest.raises(RuntimeError, match=r"wide names ops it does not register: \['mul'\]"):
        rule("toy_add", wide=("mul",))
