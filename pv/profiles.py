"""Hypothesis example budgets by profile name, recorded in evidence so a red run can be
replayed with the same budget. Kept apart from the pytest plugin so the CLI can offer the
names without importing pytest and hypothesis."""

from __future__ import annotations

HYPOTHESIS_PROFILES = {"fast": 20, "ci": 100, "full": 1000}
