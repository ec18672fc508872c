"""Running `pv validate contracts/X.yaml` meta-checks in-process, as `pv falsify` evidence.

aprender's contracts cite `pv validate <contract>` as a falsifier's test (the Rust gate skips
it). pv can run that check itself, so it does: the outcome is what `pv validate PATH` would
exit with (an error-level finding after the project's `ignore` list is a failure).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from pv.binding.cargo_resolve import MetaCheck
from pv.config import load_config, without_ignored
from pv.contracts.validate import validate_paths
from pv.diagnostics.diagnostic import Severity
from pv.evidence.results import TestResult


def run_meta_checks(root: Path, checks: Iterable[MetaCheck]) -> list[TestResult]:
    ignored = load_config(root)
    results = []
    for check in checks:
        began = time.monotonic()
        found = validate_paths([root / check.path])
        errors = [d for d in without_ignored(found.diagnostics, ignored) if d.severity is Severity.ERROR]
        result: TestResult = {"nodeid": check.nodeid, "outcome": "failed" if errors or not found.files else "passed",
                                  "duration": round(time.monotonic() - began, 6)}
        if errors:
            result["message"] = f"{len(errors)} error(s); first: {errors[0].code} {errors[0].message}"[:500]
        elif not found.files:
            result["message"] = f"{check.path}: no contract file to validate"
        results.append(result)
    return results
