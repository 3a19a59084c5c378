"""The seed's executor functions: run a model's bytes directly on one engine.

``webnn.executors.onnx`` (ONNX Runtime), ``webnn.executors.trtx`` (TensorRT-RTX) and
``webnn.executors.coreml`` (CoreML) each expose ``run_*_zeroed`` and ``run_*_with_inputs``.
"""
