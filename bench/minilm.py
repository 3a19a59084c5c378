"""all-MiniLM-L6-v2 on the CPU: webnn against raw ONNX Runtime, the standard exports, torch and
sentence-transformers, every variant interleaved call by call in one process.

Part 1 (equal work): batch 1 and 32 of sentences that are exactly ``--seq-len`` tokens long,
so every variant computes the same [batch, seq_len] tokens, and every variant ends in the
same embeddings (mean pooling over the mask, L2 normalisation):

- ``webnn``: ``ctx.compute`` on the ONNX Runtime backend (exact gelu, the default);
- ``raw ORT, webnn's ONNX``: raw ONNX Runtime on webnn's standard ONNX export;
- ``best export``: Hugging Face BertModel (eager attention) exported with torch.onnx, then
  ONNX Runtime's transformers optimizer (Attention, SkipLayerNormalization, BiasGelu: what
  optimum's ORTOptimizer runs; optimum's own exporter is used when it is installed);
- ``torch.onnx export``: the same export without the optimizer;
- ``torch eager`` and ``sentence-transformers encode`` (its own tokenization).

Every ONNX Runtime session uses webnn's session options (the same threads). Exports are
made once and cached in ``--cache-dir`` (default ``bench/results/cache``, git-ignored).
Each round times one call of every variant, in a rotating order; the table gives the median
time and the median over rounds of ``time(peer) / time(webnn)`` (below 1: the peer is faster)
with its 10th-90th percentile spread, and the machine's load average.

Part 2 (real use): ``MiniLM.encode`` with length buckets against sentence-transformers
``encode`` (its own padding to the longest of each batch of 32) on the demo's sentences and
on a mix of lengths 5-128 tokens, with the largest difference from unbucketed embeddings.

    PYTHONPATH=src python bench/minilm.py [--rounds 20] [--batches 1,32] [--mix 1000] [--skip-peers]

Writes bench/results/minilm.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

import webnn
from webnn.backends.onnxruntime import session_options
from webnn.converters import default_registry
from webnn.models import minilm

RESULTS = Path(__file__).parent / "results"
WORDS = ["the", "a", "man", "woman", "is", "eating", "riding", "playing", "food", "bread", "horse", "violin", "quickly", "slowly", "near", "far"]
Runner = Callable[[], Any]


def load() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"load1": one, "load5": five, "load15": fifteen, "cpus": os.cpu_count() or 0}


def sentences_of(n_tokens: int, count: int, rng: np.random.Generator, tokenizer: Any) -> list[str]:
    """Sentences of exactly ``n_tokens`` tokens ([CLS] and [SEP] included; ``tokenizer``
    neither pads nor truncates)."""
    out = []
    for _ in range(count):
        words = list(rng.choice(WORDS, size=n_tokens))
        while len(tokenizer.encode(" ".join(words)).ids) > n_tokens:
            words.pop()
        out.append(" ".join(words))
    return out


_MODEL_DIR: Path | None = None


def model_dir() -> Path:
    """The verified model files as a folder (for torch, transformers and sentence-transformers),
    extracted once per run into a temporary directory."""
    global _MODEL_DIR
    if _MODEL_DIR is None:
        import atexit
        import shutil
        import tempfile

        d = Path(tempfile.mkdtemp(prefix="webnn-minilm-"))
        atexit.register(shutil.rmtree, d, True)
        _MODEL_DIR = minilm.model_files().extract(d)
    return _MODEL_DIR


def pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def ort_session(path_or_bytes: str | bytes) -> ort.InferenceSession:
    return ort.InferenceSession(path_or_bytes, session_options(), providers=["CPUExecutionProvider"])


def export_hf(cache: Path, optimized: bool) -> tuple[Path, str]:
    """(model file, label): BertModel (eager attention) exported once, optionally optimized."""
    cache.mkdir(parents=True, exist_ok=True)
    raw = cache / "minilm-torchscript.onnx"
    opt = cache / "minilm-optimized.onnx"
    how = "torch.onnx (TorchScript) export"
    if not raw.exists():
        try:
            from optimum.exporters.onnx import main_export  # type: ignore[import-not-found]

            main_export(str(model_dir()), output=str(cache / "optimum"), task="feature-extraction", opset=17)
            os.replace(cache / "optimum" / "model.onnx", raw)
            (cache / "how").write_text("optimum-onnx export")
        except ImportError:
            import torch
            from transformers import AutoModel

            bert = AutoModel.from_pretrained(str(model_dir()), attn_implementation="eager").eval()

            class Hidden(torch.nn.Module):
                def __init__(self) -> None:
                    super().__init__()
                    self.bert = bert

                def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                    return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

            dummy = tuple(torch.ones((1, 16), dtype=torch.int64) for _ in range(3))
            dyn = {n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")}
            tmp = raw.with_suffix(".tmp")
            torch.onnx.export(
                Hidden(), dummy, str(tmp), input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"], dynamic_axes=dyn, opset_version=17, dynamo=False,
            )  # fmt: skip
            os.replace(tmp, raw)
            (cache / "how").write_text(how)
    how = (cache / "how").read_text() if (cache / "how").exists() else how
    if not optimized:
        return raw, how
    if not opt.exists():
        from onnxruntime.transformers.optimizer import optimize_model

        m = optimize_model(str(raw), model_type="bert", num_heads=minilm.HEADS, hidden_size=minilm.HIDDEN)
        m.save_model_to_file(str(opt.with_suffix(".tmp")))
        os.replace(opt.with_suffix(".tmp"), opt)
    return opt, how + " + ONNX Runtime transformers optimizer"


def hf_runner(path: Path, ids: np.ndarray, mask: np.ndarray) -> Runner:
    sess = ort_session(str(path))
    names = {i.name for i in sess.get_inputs()}
    feeds = {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64), "token_type_ids": np.zeros_like(ids, np.int64)}
    feeds = {k: v for k, v in feeds.items() if k in names}
    return lambda: pool(sess.run(None, feeds)[0], mask)


def torch_runner(ids: np.ndarray, mask: np.ndarray) -> tuple[Runner, str]:
    import torch
    from sentence_transformers import SentenceTransformer

    bert = SentenceTransformer(str(model_dir()), device="cpu")[0].auto_model.eval()
    t_ids, t_mask = torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(mask.astype(np.int64))

    def run() -> Any:
        with torch.inference_mode():
            h = bert(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
            m = t_mask.unsqueeze(-1).to(h.dtype)
            return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=1)

    return run, f"torch {torch.__version__} eager ({torch.get_num_threads()} threads)"


def st_model() -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir()), device="cpu")


def interleave(runners: dict[str, Runner], rounds: int, reference: str, warmup: int = 2) -> dict[str, dict[str, float]]:
    """Time one call of every runner per round (rotating order, after ``warmup`` rounds)."""
    names = list(runners)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds + warmup):
        order = names[r % len(names) :] + names[: r % len(names)]
        for n in order:
            t0 = time.perf_counter()
            runners[n]()
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[n].append(dt)
    out = {}
    for n in names:
        ratios = sorted(p / w for p, w in zip(times[n], times[reference], strict=False))
        q = np.quantile(ratios, [0.1, 0.5, 0.9])
        out[n] = {"median_s": statistics.median(times[n]), "ratio": float(q[1]), "ratio_p10": float(q[0]), "ratio_p90": float(q[2])}
    return out


def equal_work(batch: int, seq_len: int, rounds: int, cache: Path, peers: bool, rng: np.random.Generator) -> dict:
    ctx = webnn.MLContext(accelerated=False)
    model = minilm.MiniLM.load(ctx, batch=batch, seq_len=seq_len, buckets=())
    sents = sentences_of(seq_len, batch, rng, minilm.load_tokenizer(None))
    ids, mask = minilm.tokenize(minilm.load_tokenizer(seq_len), sents)
    assert mask.all(), "every sentence fills the sequence"
    feeds = {"input_ids": ids, "attention_mask": mask}
    graph = model.graph
    raw = ort_session(default_registry().convert(graph.info, "onnx").data)
    runners: dict[str, Runner] = {
        "webnn": lambda: ctx.compute(graph, feeds)["embeddings"],
        "raw ORT, webnn's ONNX": lambda: raw.run(None, feeds)[0],
    }
    labels = {"webnn": "webnn ctx.compute (ONNX Runtime backend, exact gelu)", "raw ORT, webnn's ONNX": "raw ONNX Runtime on webnn's standard ONNX export"}
    if peers:
        best, best_label = export_hf(cache, optimized=True)
        plain, plain_label = export_hf(cache, optimized=False)
        runners["best export"], labels["best export"] = hf_runner(best, ids, mask), best_label
        runners["torch.onnx export"], labels["torch.onnx export"] = hf_runner(plain, ids, mask), plain_label
        runners["torch eager"], labels["torch eager"] = torch_runner(ids, mask)
        st = st_model()
        runners["sentence-transformers"] = lambda: st.encode(sents, batch_size=batch, convert_to_numpy=True, normalize_embeddings=True)
        labels["sentence-transformers"] = "sentence-transformers encode (its tokenization; the same sentences)"
        ref = np.asarray(runners["webnn"]())
        for n in ("best export", "torch.onnx export", "sentence-transformers"):
            got = np.asarray(runners[n]())
            labels[n] += f" [max |emb - webnn| {np.abs(got - ref).max():.1e}]"
    before = load()
    stats = interleave(runners, rounds, "webnn")
    return {"batch": batch, "seq_len": seq_len, "rounds": rounds, "load_before": before, "load_after": load(), "variants": {n: {**stats[n], "label": labels[n]} for n in runners}}


def mixed_sentences(count: int, rng: np.random.Generator, tokenizer: Any) -> list[str]:
    lengths = rng.integers(5, 129, size=count)
    return [sentences_of(int(n), 1, rng, tokenizer)[0] for n in lengths]


def real_use(name: str, sents: list[str], rounds: int, peers: bool) -> dict:
    ctx = webnn.MLContext(accelerated=False)
    bucketed = minilm.MiniLM.load(ctx, batch=min(32, len(sents)), seq_len=128)
    plain = minilm.MiniLM.load(ctx, batch=min(32, len(sents)), seq_len=128, buckets=())
    emb, emb_plain = bucketed.encode(sents), plain.encode(sents)  # also builds the graphs
    runners: dict[str, Runner] = {"webnn": lambda: bucketed.encode(sents)}
    if len(sents) <= 100:  # unbucketed throughput too (on the big set it only costs time)
        runners["webnn, no buckets"] = lambda: plain.encode(sents)
    row: dict[str, Any] = {"set": name, "sentences": len(sents), "max_diff_vs_unbucketed": float(np.abs(emb - emb_plain).max())}
    if peers:
        st = st_model()
        runners["sentence-transformers"] = lambda: st.encode(sents, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
        row["max_diff_vs_sentence_transformers"] = float(np.abs(runners["sentence-transformers"]() - emb).max())
    row["load_before"] = load()
    stats = interleave(runners, rounds, "webnn", warmup=1 if len(sents) > 100 else 2)
    row["load_after"] = load()
    row["variants"] = {n: {**s, "sentences_per_s": len(sents) / s["median_s"]} for n, s in stats.items()}
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--rounds", type=int, default=20, help="timed rounds per batch size (after 2 warm-up rounds)")
    ap.add_argument("--mix", type=int, default=1000, help="sentences in the mixed-length set (0: skip part 2)")
    ap.add_argument("--mix-rounds", type=int, default=3)
    ap.add_argument("--skip-peers", action="store_true", help="only webnn and raw ONNX Runtime")
    ap.add_argument("--cache-dir", default=str(RESULTS / "cache"))
    ap.add_argument("--out", default=str(RESULTS / "minilm.json"))
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    peers = not args.skip_peers
    result: dict[str, Any] = {"machine": {"platform": platform.platform(), "onnxruntime": ort.__version__, **load()}, "equal_work": [], "real_use": []}
    for bs in (int(b) for b in args.batches.split(",") if b):
        row = equal_work(bs, args.seq_len, args.rounds, Path(args.cache_dir), peers, rng)
        result["equal_work"].append(row)
        print(f"\nbatch {bs}, {args.seq_len} tokens, {args.rounds} rounds, load {row['load_before']['load1']:.1f} -> {row['load_after']['load1']:.1f} on {row['load_after']['cpus']} CPUs")
        print(f"  {'variant':24s} {'median ms':>10s} {'peer/webnn':>10s} {'p10-p90':>13s}  what")
        for n, v in row["variants"].items():
            print(f"  {n:24s} {v['median_s'] * 1e3:10.1f} {v['ratio']:10.2f} {v['ratio_p10']:6.2f}-{v['ratio_p90']:<6.2f}  {v['label']}")
    if args.mix:
        tok = minilm.load_tokenizer(None)
        sets = [("demo sentences", list(minilm.DEMO_SENTENCES)), (f"{args.mix} mixed 5-128 tokens", mixed_sentences(args.mix, rng, tok))]
        for name, sents in sets:
            row = real_use(name, sents, args.mix_rounds if len(sents) > 100 else args.rounds, peers)
            result["real_use"].append(row)
            print(f"\n{name}: load {row['load_before']['load1']:.1f} -> {row['load_after']['load1']:.1f}; max |bucketed - unbucketed| {row['max_diff_vs_unbucketed']:.1e}")
            print(f"  {'variant':24s} {'sentences/s':>11s} {'peer/webnn':>10s} {'p10-p90':>13s}")
            for n, v in row["variants"].items():
                print(f"  {n:24s} {v['sentences_per_s']:11.1f} {v['ratio']:10.2f} {v['ratio_p10']:6.2f}-{v['ratio_p90']:<6.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
