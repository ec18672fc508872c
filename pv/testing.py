"""What a falsifier test needs from pv: its numbers from the contract, and a margin record.

    RN_002 = falsifier("FALSIFY-RN-002")

    @pytest.mark.falsifies(RN_002.id)
    @given(...)
    def test_scale_invariance(x):
        RN_002.check_close(observed_error, tolerance=RN_002.tolerance)

The tolerance and input ranges come from the falsifier's `parameters` (or its
obligation's `tolerance`) in the contract YAML, never from a second copy in the test.
`check_close` records the worst error seen against the tolerance (the margin the
scoreboard shows) and fails with a message naming the falsifier id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pv.project import lookup_falsifier

# Observations for the test running now: set by the pytest plugin around each test call.
_observations: dict[str, dict[str, float]] | None = None


def _begin_observing() -> dict[str, dict[str, float]]:
    global _observations
    _observations = {}
    return _observations


def _end_observing() -> None:
    global _observations
    _observations = None


@dataclass(frozen=True)
class Falsifier:
    """A contract's falsifier entry, as a test reads it."""

    id: str
    contract: str
    contract_path: Path
    entry: dict[str, Any] = field(repr=False)
    document: dict[str, Any] = field(repr=False)

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.entry.get("parameters") or {})

    def param(self, name: str) -> Any:
        try:
            value = self.entry["parameters"][name]
        except (KeyError, TypeError):
            raise KeyError(f"{self.id}: parameter '{name}' is not declared in {self.contract_path.name}") from None
        return _number(value)

    @property
    def tolerance(self) -> float:
        """The falsifier's `parameters.tolerance`, else its obligation's `tolerance`."""
        params = self.entry.get("parameters") or {}
        if "tolerance" in params:
            return float(_number(params["tolerance"]))
        obligation = self.obligation
        if obligation is not None and obligation.get("tolerance") is not None:
            return float(_number(obligation["tolerance"]))
        raise KeyError(f"{self.id}: no tolerance in its parameters or its obligation ({self.contract_path.name})")

    @property
    def obligation(self) -> dict[str, Any] | None:
        wanted = self.entry.get("obligation")
        for ob in self.document.get("proof_obligations") or []:
            if isinstance(ob, dict) and wanted is not None and ob.get("id") == wanted:
                return ob
        return None

    @property
    def prediction(self) -> str:
        return str(self.entry.get("prediction", ""))

    def check_close(self, error: float, tolerance: float | None = None, what: str = "error") -> None:
        """Fail unless `error <= tolerance`; record error/tolerance as this falsifier's margin."""
        bound = self.tolerance if tolerance is None else tolerance
        observe(self.id, error, bound)
        if not (error <= bound):  # NaN fails too
            raise AssertionError(
                f"{self.id} falsified ({self.contract}): {what} {error:.6g} exceeds {bound:.6g}; "
                f"prediction: {self.prediction}")

    def fail(self, message: str) -> None:
        raise AssertionError(f"{self.id} falsified ({self.contract}): {message}; prediction: {self.prediction}")


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def falsifier(falsifier_id: str) -> Falsifier:
    """The contract entry of `falsifier_id`, found among the project's contracts."""
    path, entry, document = lookup_falsifier(falsifier_id)
    return Falsifier(id=falsifier_id, contract=path.stem, contract_path=path, entry=entry, document=document)


def observe(falsifier_id: str, error: float, tolerance: float) -> None:
    """Record one observed error against its tolerance; the worst ratio is kept."""
    if _observations is None:
        return
    ratio = error / tolerance if tolerance > 0 else (0.0 if error == 0 else math.inf)
    if math.isnan(ratio):
        ratio = math.inf
    worst = _observations.get(falsifier_id)
    if worst is None or ratio > worst["ratio"]:
        _observations[falsifier_id] = {"error": float(error), "tolerance": float(tolerance), "ratio": float(ratio)}
