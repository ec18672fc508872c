"""pytest plugin (entry point `pytest11`): the `falsifies` marker that binds tests to contracts."""

from __future__ import annotations

import pytest

MARKER = "falsifies"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids): this test discharges the named FALSIFY-* falsifiers of a contract",
    )
