"""CoreML tests: everything but ``@pytest.mark.macos`` runs anywhere coremltools is installed.

Tests marked ``macos`` need CoreML itself (macOS with coremltools' native bridge) and are
skipped elsewhere with the reason from :func:`webnn.executors.coreml.availability`.
"""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("coremltools") is None:  # pragma: no cover - CI installs it
    collect_ignore_glob = ["test_*.py"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from webnn.executors.coreml import availability

    ok, why = availability()
    if ok:
        return
    skip = pytest.mark.skip(reason=f"needs CoreML on macOS: {why}")
    for item in items:
        if "macos" in item.keywords:
            item.add_marker(skip)
