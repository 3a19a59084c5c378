"""A real transformer exported with torch.onnx.export imports and matches the project's own
builder-built all-MiniLM-L6-v2 (webnn.models.minilm), padding masks included."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import webnn
from webnn.onnx import load_model

pytestmark = pytest.mark.slow

SEQ = 24
SENTENCES = ["A man is eating food.", "A man is riding a white horse on an enclosed ground, slowly, at dawn."]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """all-MiniLM-L6-v2 (Hugging Face BertModel + mean pooling + L2 normalisation), exported once."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from webnn.models import minilm

    bert = transformers.BertModel.from_pretrained(str(minilm.model_dir())).eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids, mask):
            h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    path = tmp_path_factory.mktemp("minilm") / "minilm.onnx"
    ids = torch.zeros((len(SENTENCES), SEQ), dtype=torch.int64)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            SentenceEmbedding().eval(), (ids, torch.ones_like(ids)), str(path), dynamo=False, opset_version=17,
            input_names=["input_ids", "attention_mask"], output_names=["embeddings"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}},
        )
    return path


def test_exported_minilm_matches_the_builder_minilm(exported: Path) -> None:
    from webnn.models import minilm

    ctx = webnn.MLContext(backend="onnxruntime")
    with pytest.raises(webnn.ValidationError, match=r"input 'input_ids': dimension 0 \('batch'\) is symbolic"):
        load_model(exported, ctx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = load_model(exported, ctx, dims={"batch": len(SENTENCES), "sequence": SEQ})
    ops = {op.type for op in graph.info.operations}
    assert {"matmul", "softmax", "layer_normalization", "erf", "gather"} <= ops
    ids, mask = minilm.tokenize(minilm.load_tokenizer(SEQ), SENTENCES)
    assert (mask == 0).any()  # the shorter sentence is padded: the attention mask matters
    got = ctx.compute(graph, {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)})["embeddings"]

    b = webnn.MLGraphBuilder(ctx)
    ref_graph = b.build({"e": minilm.build_encoder(b, minilm.load_weights(), len(SENTENCES), SEQ)})
    ref = ctx.compute(ref_graph, {"input_ids": ids, "attention_mask": mask})["e"]
    assert got.shape == ref.shape == (len(SENTENCES), 384)
    assert float(np.abs(got - ref).max()) < 1e-5
