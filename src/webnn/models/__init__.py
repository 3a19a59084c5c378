"""Real networks built with the WebNN builder (used by the demo and benchmarks)."""
