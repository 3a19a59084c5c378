"""Convert a WPT WebNN conformance test file (webnn/conformance_tests/<op>.https.any.js) to the
JSON shape of tests/conformance/data (see its README.md).

    python tools/wpt_to_json.py FILE.js --op cos --source "servo/servo tests/wpt/.../cos.https.any.js" \
        --commit SHA [--out tests/conformance/data_extra/cos.json]

The file is evaluated with node, with stubs for the WPT harness: `webnn_conformance_test` records
each test and asks the file's own tolerance function (or the stub of WPT's `getPrecisionTolerance`
below, whose per-operator table is the one of webnn/resources/utils.js) for its tolerance.
Special values become "NaN", "Infinity", "-Infinity"; BigInts become "123n".
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PRELUDE = r"""
'use strict';
const navigator = {ml: {}};
const location = {search: ''};
const __recorded = [];
const buildAndExecuteGraph = () => {}, buildGraphAndCompute = () => {};
const test = () => {}, promise_test = () => {}, promise_setup = () => {};
const assert_implements = () => {};
const isTargetTest = () => true;
const getExpectedDataTypeOfSingleOutput = (expectedOutputs) =>
    expectedOutputs[Object.keys(expectedOutputs)[0]].descriptor.dataType;
const operatorToleranceDict = {
  argMax: {float32: 0, float16: 0}, argMin: {float32: 0, float16: 0},
  batchNormalization: {float32: 6, float16: 6}, clamp: {float32: 0, float16: 0},
  add: {float32: 1, float16: 1},
  sub: {float32: 1, float16: 1, int8: 0, uint8: 0, int32: 0, uint32: 0, int64: 0, uint64: 0},
  mul: {float32: 1, float16: 1}, max: {float32: 0, float16: 0}, min: {float32: 0, float16: 0},
  elu: {float32: 18, float16: 18}, gelu: {float32: 18, float16: 18},
  hardSigmoid: {float32: 2, float16: 2}, hardSwish: {float32: 4, float16: 4},
  leakyRelu: {float32: 1, float16: 2}, linear: {float32: 2, float16: 2},
  prelu: {float32: 1, float16: 1}, relu: {float32: 0, float16: 0, int8: 0, int32: 0},
  sigmoid: {float32: 34, float16: 10}, softplus: {float32: 18, float16: 18},
  softsign: {float32: 3, float16: 3}, tanh: {float32: 16, float16: 16},
};
const getZeroULPTolerance = () => ({metricType: 'ULP', value: 0});
const getInstanceNormPrecisionTolerance = (g) =>
    ({metricType: 'ULP', value: {float32: 840, float16: 8400}[getExpectedDataTypeOfSingleOutput(g.expectedOutputs)]});
const getSoftmaxPrecisionTolerance = (op, g) => {
  const name = Object.values(op.arguments[0])[0];
  const axis = op.arguments.length === 2 ? Object.values(op.arguments[1])[0] : 1;
  return {metricType: 'ULP', value: g.inputs[name].descriptor.shape[axis] * 3 + 3};
};
// shape of a named operand: a graph input, else (approximation) the shape of the first input of the
// operator producing it, which holds for the element-wise and normalization producers used in these files
const __shapeOf = (g, name) => {
  if (g.inputs[name]) return g.inputs[name].descriptor.shape || g.inputs[name].descriptor.dimensions;
  const producer = g.operators.find((o) => o.outputs === name);
  if (!producer) throw new Error('unknown operand ' + name);
  return __shapeOf(g, Object.values(producer.arguments[0])[0]);
};
const getConv2dPrecisionTolerance = (op, g) => {
  const x = __shapeOf(g, Object.values(op.arguments[0])[0]);
  const w = __shapeOf(g, Object.values(op.arguments[1])[0]);
  const o = op.arguments.length === 3 ? Object.values(op.arguments[2])[0] : {};
  const ch = o.inputLayout === 'nhwc' ? x[3] : x[1];
  const [fh, fw] = {hwio: [w[0], w[1]], hwoi: [w[0], w[1]], ohwi: [w[1], w[2]], ihwo: [w[1], w[2]]}[o.filterLayout] || [w[2], w[3]];
  return {metricType: 'ULP', value: fw * fh * (ch / (o.groups || 1)) * 2};
};
const getPrecisionTolerance = (g) => {
  const dt = getExpectedDataTypeOfSingleOutput(g.expectedOutputs);
  let value = 0;
  for (const op of g.operators) {
    if (op.name === 'softmax') value += getSoftmaxPrecisionTolerance(op, g).value;
    else if (op.name === 'conv2d' || op.name === 'convTranspose2d') value += getConv2dPrecisionTolerance(op, g).value;
    else if (op.name === 'gemm') value += getGemmPrecisionTolerance(op, g).value;
    else if (op.name in reductionTolerance) value += reductionTolerance[op.name](getReducedElementCount(g));
    else if (operatorToleranceDict[op.name]?.[dt] !== undefined) value += operatorToleranceDict[op.name][dt];
    else if (!['softmax'].includes(op.name) && /^(conv|gemm|matmul|reduce|averagePool|l2Pool|maxPool|resample)/.test(op.name))
      throw new Error('no tolerance stub for ' + op.name);
  }
  return {metricType: 'ULP', value};
};
const getGemmPrecisionTolerance = (op, g) => {
  const a = Object.values(op.arguments[0])[0];
  const shapeA = g.inputs[a].descriptor.shape;
  const options = op.arguments.length === 3 ? {...Object.values(op.arguments[2])[0]} : {};
  let value = (options.aTranspose ? shapeA[0] : shapeA[1]) * 2;
  if (options.alpha !== undefined && options.alpha !== 1.0) value++;
  if (options.c && options.beta !== 0.0) {
    if (options.beta !== undefined && options.beta !== 1.0) value++;
    value++;
  }
  return {metricType: 'ULP', value};
};
// WPT's earlier per-reduction rules (getReductionPrecisionTolerance), as used by tests/conformance/data.
const reductionTolerance = {
  reduceL1: (n) => n, reduceProduct: (n) => n, reduceSum: (n) => n, reduceL2: (n) => n * 2 + 1,
  reduceMean: (n) => n + 2, reduceLogSum: (n) => n + 18, reduceLogSumExp: (n) => n * 2 + 18,
  reduceSumSquare: (n) => n * 2, reduceMax: () => 0, reduceMin: () => 0,
};
const getReducedElementCount = (g) => {
  const args = g.operators[0].arguments;
  const shape = g.inputs[Object.values(args[0])[0]].descriptor.shape;
  const options = args.length === 2 ? {...Object.values(args[1])[0]} : {};
  const sizes = options.axes ? options.axes.map((a) => a < 0 ? shape[a + shape.length] : shape[a]) : shape;
  return sizes.length ? sizes.reduce((x, y) => x * y) : 1;
};
function webnn_conformance_test(a, b, c) {
  if (Array.isArray(a)) { for (const t of a) __recorded.push([t, c]); }  // (tests, build, toleranceFunc)
  else __recorded.push([c, b]);                                            // older: (build, toleranceFunc, test)
}
"""

EPILOGUE = r"""
const __shape = (o) => {  // older WPT files spell a descriptor's shape 'dimensions'
  if (Array.isArray(o)) o.forEach(__shape);
  else if (o && typeof o === 'object') {
    if (o.descriptor && o.descriptor.dimensions && !o.descriptor.shape) {
      o.descriptor.shape = o.descriptor.dimensions; delete o.descriptor.dimensions;
    }
    Object.values(o).forEach(__shape);
  }
};
const __out = __recorded.map(([t, tol]) => {
  __shape(t.graph);
  const tolerance = tol(structuredClone(t.graph), {});
  return {name: t.name, graph: t.graph, tolerance};
});
const __replace = (k, v) => {
  if (typeof v === 'bigint') return v.toString() + 'n';
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : (v > 0 ? 'Infinity' : '-Infinity');
  return v;
};
process.stdout.write(JSON.stringify(__out, __replace));
"""


def convert(js: Path) -> list[dict]:
    src = js.read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as f:
        f.write(PRELUDE + "\n" + src + "\n" + EPILOGUE)
    try:
        out = subprocess.run(["node", f.name], check=True, capture_output=True, text=True).stdout
    finally:
        Path(f.name).unlink()
    return json.loads(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file", type=Path)
    p.add_argument("--op", required=True, help="operator file name, e.g. hard_swish")
    p.add_argument("--source", required=True, help="'owner/repo path' of the WPT file")
    p.add_argument("--commit", required=True)
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    tests = convert(a.file)
    doc = {
        "operation": a.op,
        "source": a.source,
        "wpt_commit": a.commit,
        "tolerance_source": "the test file's own tolerance function, else getPrecisionTolerance's "
        "operatorToleranceDict of web-platform-tests webnn/resources/utils.js (stub in tools/wpt_to_json.py; "
        "gemm: getGemmPrecisionTolerance; reductions: WPT's earlier getReductionPrecisionTolerance rules)",
        "tests": tests,
    }
    head = json.dumps({k: v for k, v in doc.items() if k != "tests"})[:-1]
    text = head + ', "tests": [\n' + ",\n".join(json.dumps(t) for t in tests) + "\n]}\n"  # one case a line
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text)
        print(f"{a.out}: {len(tests)} cases", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
