"""Regenerate tests/data/torch2webnn/: webnn-graph files written by the public PyTorch exporter.

The exporter is rustnn/torch2webnn (https://github.com/rustnn/torch2webnn); this script needs a
checkout of it and its dependencies (torch, safetensors, einops, jinja2, sympy):

    python tools/torch2webnn_cases.py /path/to/torch2webnn

For each model of its test suite listed in CASES it writes <case>/model.webnn and
<case>/model.safetensors with the exporter's ``export_model_with_weights`` (as its own test
helper ``validate_webnn_execution`` does), plus the input(s) and PyTorch's output(s) as .npy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "torch2webnn"

# case directory -> (tests/models.py class, constructor args, input shapes)
CASES = {
    "single_conv": ("SingleConv", (), [(1, 3, 16, 16)]),
    "multi_input": ("MultiInputModel", (), [(2, 10), (2, 15)]),
    "layer_norm": ("NormalizationOpsModel", (), [(2, 10)]),
    "batch_norm2d": ("SingleBatchNorm2d", (4,), [(2, 4, 8, 8)]),
    "split_with_sizes": ("SplitWithSizes", ([2, 3, 1], 0), [(6, 4)]),
    "concat": ("ConcatModel", (1,), [(2, 3, 4, 5), (2, 3, 4, 5), (2, 3, 4, 5)]),
    "pointwise_activations": ("PointwiseActivationsModel", (), [(1, 10)]),
    "pooling": ("ReductionOpsModel", (), [(1, 3, 8, 8)]),
    "shape_ops": ("ShapeOpsModel", (), [(2, 3, 10)]),
    "pointwise_math": ("PointwiseMathModel", (), [(1, 10)]),  # the exporter types "+ 1" as i32: must be refused
}


def main(repo: str) -> int:
    sys.path[:0] = [repo, str(Path(repo) / "tests")]
    import models  # torch2webnn's tests/models.py
    import numpy as np
    import torch
    from webnn_torch_export import export_model_with_weights

    commit = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    for case, (cls, args, shapes) in CASES.items():
        torch.manual_seed(0)
        model = getattr(models, cls)(*args).eval()
        inputs = tuple(torch.randn(*s) for s in shapes)
        d = OUT / case
        d.mkdir(parents=True, exist_ok=True)
        with torch.no_grad():
            expected = model(*inputs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        export_model_with_weights(model, inputs, webnn_path=str(d / "model.webnn"), weights_path=str(d / "model.safetensors"))
        for i, x in enumerate(inputs):
            np.save(d / f"input_{i}.npy", x.numpy())
        for i, y in enumerate(expected):
            np.save(d / f"expected_{i}.npy", y.numpy())
        print(f"wrote {d}")
    (OUT / "SOURCE.json").write_text(json.dumps({
        "exporter": "https://github.com/rustnn/torch2webnn", "commit": commit,
        "generated_by": "tools/torch2webnn_cases.py", "cases": {k: v[0] for k, v in CASES.items()},
    }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
