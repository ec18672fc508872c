"""The scoreboard model's shape: what the HTML, JSON and Markdown renderers, `pv status` and
`pv check` read, typed once so that a renamed or missing key is a type error, not a blank cell.

`scoreboard.json` is this model written out; its keys are part of pv's output format.
"""

from __future__ import annotations

from typing import Any, TypedDict

from pv.contracts.model import UnreadableSummary as UnreadableRow


class EvidenceSummary(TypedDict, total=False):
    file: str
    time: str
    commit: str | None
    dirty: bool | None
    profile: str | None
    seed: int | None
    max_examples: int | None


class RejectedFile(TypedDict):
    file: str
    reason: str


class EvidenceInfo(TypedDict):
    falsify: EvidenceSummary | None
    previous: EvidenceSummary | None
    mutate: EvidenceSummary | None
    mutate_stale: str | None  # why the newest mutation run no longer describes the code
    rejected: list[RejectedFile]


class FalsifierRow(TypedDict):
    id: str
    contract: str
    rule: str
    prediction: str
    test: str | None
    obligation: str | None
    status: str  # a pv.binding.status.FalsifierStatus value
    duration: float | None
    examples: int | None
    margin: dict[str, Any] | None
    message: str | None  # why STALE or not run, else the recorded failure message
    recorded_outcome: str | None
    evidence: str | None  # the evidence file the status comes from
    falsifying_example: str | None
    nodeids: list[str]
    mutants_killed: list[str]
    guard: str | None


class ContractRow(TypedDict):
    stem: str
    path: str
    version: str
    description: str
    declared: str | None
    derived: str
    agrees: bool
    by_status: dict[str, int]
    obligations: int
    obligations_cited: int
    obligations_passing: int
    falsifiers: list[FalsifierRow]


# functional form: `pass` is a keyword. One count per status (pv.binding.status.FalsifierStatus, lower case).
Totals = TypedDict("Totals", {
    "files": int, "unreadable": int, "falsifiers_declared": int, "contracts": int, "falsifiers": int,
    "unbound": int, "pending": int, "bound": int, "pass": int, "fail": int, "error": int, "skipped": int,
    "stale": int, "duplicate": int,
    "contracts_agreeing": int, "mutants": int, "mutants_killed": int, "mutants_survived": int,
    "mutants_not_reached": int, "mutants_equivalent": int, "mutants_generated": int,
})


class LintSummary(TypedDict):
    """Strict lint's errors on the same bindings: a scoreboard never looks green beside a red lint."""

    errors: int
    findings: list[str]  # the first few, as `pv lint` prints them


class Changes(TypedDict):
    newly_failing: list[str]
    newly_passing: list[str]


class StatusObligation(TypedDict):
    id: str | None
    type: str
    property: str
    falsifiers: list[str]  # the falsifiers citing it


class StatusContract(ContractRow):
    """A scoreboard row with what `pv status` adds: equations, obligations, the verdict's words."""

    equations: list[dict[str, str]]
    proof_obligations: list[StatusObligation]
    overclaim: str | None
    underclaim: str | None


class StatusReport(TypedDict):
    evidence: EvidenceInfo
    totals: Totals
    denominator: str
    contracts: list[StatusContract]
    unreadable: list[UnreadableRow]


__all__ = ["Changes", "ContractRow", "EvidenceInfo", "EvidenceSummary", "FalsifierRow", "LintSummary", "RejectedFile",
           "ScoreboardModel", "StatusContract", "StatusObligation", "StatusReport", "Totals", "UnreadableRow"]


class ScoreboardModel(TypedDict, total=False):
    pv_version: str
    evidence: EvidenceInfo
    denominator: str
    totals: Totals
    changes: Changes
    lint: LintSummary
    contracts: list[ContractRow]
    unreadable: list[UnreadableRow]
    mutants: list[dict[str, Any]]  # pv.evidence.model.MutantRow as data, with state, kind and operator
    operators: dict[str, dict[str, Any]]  # pv.mutants.states.operator_rates
    mutation_matrix: str | None
    report_id: str  # set when written: the three files of one run carry the same id
