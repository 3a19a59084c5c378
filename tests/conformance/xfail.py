"""Conformance cases expected to fail, each with its specific reason (mirrored in docs/conformance.md)."""

XFAIL: dict[str, str] = {}
