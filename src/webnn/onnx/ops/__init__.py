"""ONNX operator handlers, one module per family; each module registers its operators."""
