"""The states a mutant ends in, and what each counts as: one place for mutate, scoreboard and status.

    killed       a falsifier of its contract failed on it (and passes on the kernel)
    timeout      its run took far longer than the kernel's: a hang, or a loaded machine;
                 a finding (rerun it), never counted killed: no falsifier failed
    survived     its function ran and every falsifier passed: a finding
    not-reached  its function never ran during the falsifiers' tests: a finding of its own
                 (the tests do not exercise that code), never counted killed nor survived
    equivalent   survived or not reached, and marked in the contract with a reason
    refused      the target cannot be mutated in place (a builtin, a C function): a finding
    error        the run died without results: a finding
"""

from __future__ import annotations

from typing import Any

STATES = ("killed", "timeout", "survived", "not-reached", "equivalent", "refused", "error")
DETECTED = ("killed",)
FINDINGS = ("survived", "not-reached", "timeout", "refused", "error")  # each blocks DISCHARGED


def mutant_state(row: dict[str, Any]) -> str:
    """A kill-matrix row's state; evidence written before states existed had only `survived`."""
    state = row.get("state")
    if isinstance(state, str) and state in STATES:
        return state
    return "survived" if row.get("survived", True) else "killed"


def operator_rates(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per operator ('curated' for the catalogue): mutants in each state, and the kill rate over
    the decidable ones (equivalent, refused and errored mutants left out)."""
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(str(row.get("operator") or "curated"), {s: 0 for s in STATES} | {"total": 0})
        entry[mutant_state(row)] += 1
        entry["total"] += 1
    for entry in table.values():
        decided = entry["total"] - entry["equivalent"] - entry["refused"] - entry["error"]
        entry["detected"] = entry["killed"]
        entry["kill_rate"] = round(entry["detected"] / decided, 4) if decided else None
    return dict(sorted(table.items()))
