"""all-MiniLM-L6-v2 built with the WebNN builder vs an independent float64 numpy BERT."""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnn
from webnn.models import minilm

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "A man is riding a horse.",
    "The quick brown fox jumps over the lazy dog, twice, and then sleeps.",
]
SEQ = 32


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf)(x)


def reference_embeddings(w: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Independent float64 implementation of BERT + mean pooling + L2 norm."""
    W = {k: v.astype(np.float64) for k, v in w.items() if v.dtype == np.float32}
    B, S = ids.shape

    def ln(x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * W[name + ".weight"] + W[name + ".bias"]

    def lin(x, name):
        return x @ W[name + ".weight"].T + W[name + ".bias"]

    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:S] + W["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    keep = mask.astype(bool)[:, None, None, :]
    for i in range(6):
        p = f"encoder.layer.{i}"
        q, k, v = (lin(x, f"{p}.attention.self.{n}").reshape(B, S, 12, 32).transpose(0, 2, 1, 3) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(32)
        s = np.where(keep, s, -np.inf)
        s = np.exp(s - s.max(-1, keepdims=True))
        pr = s / s.sum(-1, keepdims=True)
        c = (pr @ v).transpose(0, 2, 1, 3).reshape(B, S, 384)
        x = ln(lin(c, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
        hmid = lin(x, f"{p}.intermediate.dense")
        hmid = 0.5 * hmid * (1 + _erf(hmid / math.sqrt(2)))
        x = ln(lin(hmid, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
    m = mask.astype(np.float64)[:, :, None]
    pooled = (x * m).sum(1) / m.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def weights() -> dict[str, np.ndarray]:
    return minilm.load_weights()


@pytest.fixture(scope="module")
def inputs() -> tuple[np.ndarray, np.ndarray]:
    return minilm.tokenize(minilm.load_tokenizer(SEQ), SENTENCES)


def _run(ctx: webnn.MLContext, weights, inputs) -> tuple[webnn.MLGraph, np.ndarray]:
    b = webnn.MLGraphBuilder(ctx)
    emb = minilm.build_encoder(b, weights, len(SENTENCES), SEQ)
    g = b.build({"e": emb})
    ids, mask = inputs
    return g, ctx.compute(g, {"input_ids": ids, "attention_mask": mask})["e"]


@pytest.mark.slow
def test_matches_float64_reference_on_onnxruntime(weights, inputs) -> None:
    ids, mask = inputs
    assert mask.sum(1).min() >= 3 and mask.sum(1).max() < SEQ  # real padding is exercised
    g, got = _run(webnn.MLContext(accelerated=False), weights, inputs)
    assert g.backend == "onnxruntime"
    ref = reference_embeddings(weights, ids, mask)
    err = np.abs(got.astype(np.float64) - ref).max()
    assert err <= 1e-4, f"max abs error {err}"
    sim = got @ got.T
    assert sim[0, 1] > sim[0, 2] + 0.2  # eating food ~ eating bread, not riding a horse
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_encode_pads_partial_batches() -> None:
    model = minilm.MiniLM.load(webnn.MLContext(accelerated=False), batch=2, seq_len=SEQ)
    three = model.encode(SENTENCES[:3])
    assert three.shape == (3, 384)
    single = model.encode(SENTENCES[2:3])
    np.testing.assert_allclose(three[2], single[0], atol=1e-5)


@pytest.mark.slow
def test_matches_reference_on_simulated_tensorrt_rtx(weights, inputs, tmp_path) -> None:
    """The real TensorRT-RTX AOT build and engine cache, outputs from the labelled simulation."""
    pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'webnn[trtx]')")
    ctx = webnn.MLContext(backend="trtx", simulate=True, cache_dir=str(tmp_path))
    g, got = _run(ctx, weights, inputs)
    assert g.backend == "trtx" and g.simulated
    ids, mask = inputs
    err = np.abs(got.astype(np.float64) - reference_embeddings(weights, ids, mask)).max()
    assert err <= 1e-4, f"max abs error {err}"
    assert any(tmp_path.rglob("*")), "the engine was not cached"
