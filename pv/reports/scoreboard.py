"""The falsifier scoreboard: contracts + latest evidence -> one model -> HTML, JSON, Markdown.

Every status shown is derived (pv.binding.status) from the binding and the recorded evidence;
nothing is typed by hand. The model is plain data so the three renderers cannot
disagree on a number.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from pv import __version__
from pv.diagnostics.escape import markdown
from pv.atomic import commit_set
from pv.binding.resolve import BindingState
from pv.evidence.fingerprint import changed
from pv.evidence.store import MUTATION_PREFIX, RUN_PREFIX, EvidenceFile, history
from pv.evidence.plan import Plan
from pv.binding.status import OUTCOME_STATUS, FalsifierState, FalsifierStatus, agrees, derive_contract_status, falsifier_status
from pv.binding.lint import lint
from pv.config import without_ignored
from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.diagnostics.render import counted
from pv.reports.model import ContractRow, EvidenceSummary, FalsifierRow, LintSummary, ScoreboardModel, StatusReport
from pv.mutants.states import DETECTED, FINDINGS, mutant_state, operator_rates

STATUS_ORDER = [s.value for s in FalsifierStatus]


def _evidence_summary(evidence: EvidenceFile | None, root: Path) -> EvidenceSummary | None:
    if evidence is None:
        return None
    document = evidence.document
    summary: EvidenceSummary = {"file": _shown(evidence.path, root), "time": document["time"]}
    for key in ("commit", "dirty", "profile", "seed", "max_examples"):
        if key in document:
            summary[key] = document[key]
    return summary


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _relative(path: str, root: Path) -> str:
    return os.path.relpath(Path(path).resolve(), root.resolve())


class _Staleness:
    """Whether a recorded run still describes the files as they are now (one hash per file per view)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.memo: dict[str, str | None] = {}

    def of(self, document: dict[str, Any], paths: list[str] | None, contract: str | None = None) -> str | None:
        """Why the run no longer describes the files (None: it does). `contract`: the
        falsifier's contract file, which every real record lists among its inputs."""
        inputs = document.get("inputs")
        if not inputs or not paths:
            return "the run recorded no hashes of what it tested; run pv falsify"
        if document.get("pv_version") != __version__:
            return f"recorded by pv {document.get('pv_version')}, this is pv {__version__}; run pv falsify"
        if contract is not None and contract not in paths:
            return f"the run's record does not cover its contract {contract}; run pv falsify"
        different = changed(self.root, inputs, paths, self.memo)
        if different:
            shown = ", ".join(different[:3]) + (f" and {len(different) - 3} more" if len(different) > 3 else "")
            return f"changed since the run: {shown}; run pv falsify"
        return None


def _latest_records(runs: list[EvidenceFile]) -> dict[str, tuple[EvidenceFile, dict[str, Any] | None]]:
    """Each falsifier's newest recorded outcome (runs over a subset leave the others' alone);
    None when the newest run that planned it got no result: an older PASS is not evidence
    about the code that run tested."""
    latest: dict[str, tuple[EvidenceFile, dict[str, Any] | None]] = {}
    for run in reversed(runs):  # oldest first, so newer runs overwrite
        for fid in run.document.get("not_run", []):
            latest[fid] = (run, None)
        for fid, record in run.document["falsifiers"].items():
            latest[fid] = (run, record)
    return latest


_LINT_SHOWN = 10


def _lint_summary(plan: Plan) -> LintSummary:
    """Strict lint's binding errors (after the project's ignore list), from the plan's bindings."""
    known = {fid for f in plan.contracts if f.contract for fid in (t.id for t in f.contract.falsification_tests)}
    found = lint(plan.validation.files, plan.registries, strict=True, known_ids=known, resolved=plan.bindings)
    errors = sorted((d for d in without_ignored(found.diagnostics, plan.config) if d.severity is Severity.ERROR),
                    key=Diagnostic.sort_key)
    return {"errors": len(errors), "findings": [f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}" for d in errors[:_LINT_SHOWN]]}


def build_model(plan: Plan) -> ScoreboardModel:
    runs, rejected_runs = history(plan.root, RUN_PREFIX)
    mutations, rejected_mutations = history(plan.root, MUTATION_PREFIX)
    staleness = _Staleness(plan.root)
    recorded = _latest_records(runs)
    previous = runs[1].document if len(runs) > 1 else None
    mutation = mutations[0].document if mutations else None
    mutation_stale = staleness.of(mutation, list((mutation.get("inputs") or {}))) if mutation else None
    if mutation_stale:
        mutation = None  # kills against other code say nothing of this code
    kills: dict[str, list[str]] = {}
    for mutant in (mutation or {}).get("mutants", []):
        for fid in mutant["killed_by"]:
            kills.setdefault(fid, []).append(mutant["name"])
    mutated_contracts = {row["contract"] for row in (mutation or {}).get("mutants", [])}

    contracts: list[ContractRow] = []
    all_falsifiers: list[FalsifierRow] = []
    for f in plan.contracts:
        assert f.contract is not None
        rows: list[FalsifierRow] = []
        states: list[FalsifierState] = []
        for test, binding in zip(f.contract.falsification_tests, plan.bindings[f.path]):
            fplan = plan.falsifiers[test.id]
            run, record = recorded.get(test.id, (None, None))
            stale = None
            if fplan.conflict:
                record = None
                stale = f"declared in {' and '.join(fplan.conflict)} (PV-SCHEMA-009): never run until one is renamed"
            elif run is not None and record is not None and binding.state is BindingState.RESOLVED:
                stale = staleness.of(run.document, record.get("inputs"), _relative(f.path, plan.root))
            elif run is not None and record is None:
                stale = f"not run by the latest run ({_shown(run.path, plan.root)}): its tests reported no result"
            status = falsifier_status(binding, record["outcome"] if record else None, stale=bool(stale),
                                      duplicate=bool(fplan.conflict))
            killed = kills.get(test.id, [])
            states.append(FalsifierState(status, kills=len(killed) if f.stem in mutated_contracts else None,
                                         guard=test.guard is not None))
            row: FalsifierRow = {
                "id": test.id, "contract": f.stem, "rule": test.rule, "prediction": test.prediction,
                "test": test.test, "obligation": test.obligation, "status": status.value,
                "duration": record.get("duration") if record else None,
                "examples": record.get("examples") if record else None,
                "margin": record.get("margin") if record else None,
                "message": stale or (record.get("message") if record else None),
                "recorded_outcome": OUTCOME_STATUS[record["outcome"]] if record else None,
                "evidence": _shown(run.path, plan.root) if run is not None and record else None,
                "falsifying_example": record.get("falsifying_example") if record else None,
                "nodeids": record.get("nodeids", fplan.nodeids) if record else fplan.nodeids,
                "mutants_killed": killed, "guard": test.guard,
            }
            rows.append(row)
        # not reached, refused and errored mutants block DISCHARGED as survivors do: none was killed
        survivors = sum(1 for m in (mutation or {}).get("mutants", [])
                        if m["contract"] == f.stem and mutant_state(m) in FINDINGS)
        derived = derive_contract_status(states, survivors)
        declared = f.contract.metadata.status
        cited = {r["obligation"] for r in rows if r["obligation"]}
        passing_cited = {r["obligation"] for r in rows if r["obligation"] and r["status"] == "PASS"}
        obligation_ids = [ob.id for ob in f.contract.proof_obligations]
        contracts.append({
            "stem": f.stem, "path": f.path, "version": f.contract.metadata.version,
            "description": f.contract.metadata.description,
            "declared": declared, "derived": derived,
            "agrees": agrees(declared, derived),
            "by_status": {s: sum(r["status"] == s for r in rows) for s in STATUS_ORDER if any(r["status"] == s for r in rows)},
            "obligations": len(obligation_ids),
            "obligations_cited": sum(1 for o in obligation_ids if o in cited),
            "obligations_passing": sum(1 for o in obligation_ids if o in passing_cited),
            "falsifiers": rows,
        })
        all_falsifiers.extend(rows)

    before = {fid: OUTCOME_STATUS[r["outcome"]] for fid, r in (previous or {}).get("falsifiers", {}).items()}
    now = {r["id"]: r["status"] for r in all_falsifiers}
    shown = {c["stem"] for c in contracts}  # a mutation run over other contracts says nothing of these
    mutants: list[dict[str, Any]] = [{**m, "state": mutant_state(m), "kind": m.get("kind", "curated"), "operator": m.get("operator", "curated")}
               for m in (mutation or {}).get("mutants", []) if m["contract"] in shown]
    count = Counter(r["status"] for r in all_falsifiers)
    return {
        "pv_version": __version__,
        "evidence": {
            "falsify": _evidence_summary(runs[0] if runs else None, plan.root),
            "previous": _evidence_summary(runs[1] if len(runs) > 1 else None, plan.root),
            "mutate": _evidence_summary(mutations[0] if mutations else None, plan.root),
            "mutate_stale": mutation_stale,
            "rejected": [{"file": _shown(r.path, plan.root), "reason": r.reason}
                         for r in (*rejected_runs, *rejected_mutations)],
        },
        "denominator": plan.denominator(),
        "totals": {
            "files": len(contracts) + len(plan.unreadable),
            "unreadable": len(plan.unreadable),
            "falsifiers_declared": len(all_falsifiers) + sum(f.declared_falsifiers for f in plan.unreadable),
            "contracts": len(contracts),
            "falsifiers": len(all_falsifiers),
            "unbound": count["UNBOUND"], "pending": count["PENDING"], "bound": count["BOUND"], "pass": count["PASS"],
            "fail": count["FAIL"], "error": count["ERROR"], "skipped": count["SKIPPED"], "stale": count["STALE"],
            "duplicate": count["DUPLICATE"],
            "contracts_agreeing": sum(c["agrees"] for c in contracts),
            "mutants": len(mutants),
            "mutants_killed": sum(m["state"] in DETECTED for m in mutants),
            "mutants_survived": sum(m["state"] == "survived" for m in mutants),
            "mutants_not_reached": sum(m["state"] == "not-reached" for m in mutants),
            "mutants_equivalent": sum(m["state"] == "equivalent" for m in mutants),
            "mutants_generated": sum(m["kind"] == "generated" for m in mutants),
        },
        "changes": {
            "newly_failing": sorted(f for f, s in now.items() if s in ("FAIL", "ERROR") and before.get(f) not in (None, "FAIL", "ERROR")),
            "newly_passing": sorted(f for f, s in now.items() if s == "PASS" and before.get(f) in ("FAIL", "ERROR")),
        },
        "lint": _lint_summary(plan),
        "contracts": contracts,
        "unreadable": [f.unreadable_summary() for f in plan.unreadable]
                      + [{"path": d.path, "stem": None, "falsifiers_declared": 0, "errors": [f"{d.code} {d.message}"]}
                         for d in plan.problems],
        "mutants": mutants,
        "operators": operator_rates(mutants),
        "mutation_matrix": (mutation or {}).get("matrix"),
    }


# The order a totals line names the statuses in: outcomes first, then what did not run.
_TOTALS_ORDER = ("PASS", "FAIL", "ERROR", "SKIPPED", "STALE", "DUPLICATE", "BOUND", "UNBOUND", "PENDING")


def totals_line(model: ScoreboardModel | StatusReport) -> str:
    """The one summary of a model's totals, every status named, from the denominator of every
    file given: the scoreboard, its Markdown and `pv status` print it."""
    t = model["totals"]
    by_status: Mapping[str, object] = t
    counts = ", ".join(f"{by_status[s.lower()]} {s}" + (" (not run)" if s == "BOUND" else "") for s in _TOTALS_ORDER)
    read = f"; of the {t['falsifiers']} read" if model["unreadable"] else ""
    return (f"{model['denominator']}{read}: {counts}; {t['mutants_killed']} of {t['mutants']} mutants killed "
            f"({t['mutants_generated']} generated; {t['mutants_survived']} survived, "
            f"{t['mutants_not_reached']} not reached, {t['mutants_equivalent']} equivalent)")


def render_markdown(model: ScoreboardModel) -> str:
    lines = [
        "# Falsifier scoreboard", "",
        totals_line(model) + ".", "",
    ]
    lines += [f"Of {model['denominator']}:", ""] if model["unreadable"] else []
    for u in model["unreadable"]:
        lines.append(f"- UNREADABLE {markdown(u['path'])} ({u['falsifiers_declared']} falsifiers declared, not counted above): "
                     + markdown("; ".join(u["errors"]) or "no contract"))
    if model["unreadable"]:
        lines.append("")
    lint_errors = model["lint"]["errors"]
    if lint_errors:
        lines.append(markdown(f"Strict lint: {counted(lint_errors, 'errors')} "
                              "(pv lint --strict-test-binding); these statuses may rest on a broken binding:"))
        lines += [""] + [f"- {markdown(finding)}" for finding in model["lint"]["findings"]] + [""]
    changes = model["changes"]
    if changes["newly_failing"] or changes["newly_passing"]:
        lines += [markdown(f"Newly failing: {', '.join(changes['newly_failing']) or 'none'}. "
                           f"Newly passing: {', '.join(changes['newly_passing']) or 'none'}."), ""]
    lines += ["| contract | declared | derived | agrees | falsifiers | obligations cited |", "|---|---|---|---|---|---|"]
    for c in model["contracts"]:
        counts = ", ".join(f"{n} {s}" for s, n in c["by_status"].items())
        lines.append(_row(c["stem"], c["declared"] or "-", c["derived"], "yes" if c["agrees"] else "NO", counts,
                          f"{c['obligations_cited']}/{c['obligations']}"))
    lines += ["", "| falsifier | rule | status | test | examples | margin | mutants killed |", "|---|---|---|---|---|---|---|"]
    for c in model["contracts"]:
        for r in c["falsifiers"]:
            margin = _ratio_text(r["margin"])
            killed = str(len(r["mutants_killed"])) + (" (guard)" if r["guard"] else "")
            lines.append(_row(r["id"], r["rule"], r["status"], r["test"] or "-",
                              str(r["examples"]) if r["examples"] is not None else "-", margin, killed))
    if model["operators"]:
        lines += ["", "| mutation operator | mutants | killed | survived | not reached | equivalent | kill rate |",
                  "|---|---|---|---|---|---|---|"]
        for name, o in model["operators"].items():
            rate = "-" if o["kill_rate"] is None else f"{o['kill_rate']:.0%}"
            lines.append(_row(name, str(o["total"]), str(o["detected"]), str(o["survived"]), str(o["not-reached"]),
                              str(o["equivalent"]), rate))
    return "\n".join(lines) + "\n"


def _ratio_text(margin: dict[str, Any] | None) -> str:
    if not margin:
        return "-"
    return f"{margin['ratio']:.3g}" if margin.get("ratio") is not None else f"unbounded ({margin.get('note', '')})"


def _row(*cells: str) -> str:
    """A Markdown table row; every cell escaped (a `|` in a status cannot shift a column)."""
    return "| " + " | ".join(markdown(str(cell)) for cell in cells) + " |"


def render_html(model: ScoreboardModel) -> str:
    env = Environment(loader=PackageLoader("pv.reports", "templates"), autoescape=select_autoescape(default=True))
    template = env.get_template("scoreboard.html.j2")
    return template.render(model=model, model_json=json.dumps(model["totals"], sort_keys=True, allow_nan=False))


def write_scoreboard(model: ScoreboardModel, out_dir: Path) -> list[Path]:
    """Render all three first, then commit them as one set (pv.atomic.commit_set): a failure
    or a kill leaves the old reports, and the three always come from one run, which the id
    each carries shows."""
    model = {**model, "report_id": uuid.uuid4().hex}
    rendered = {
        "scoreboard.json": json.dumps(model, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
        "scoreboard.md": render_markdown(model) + f"\n<!-- pv report {model['report_id']} -->\n",
        "scoreboard.html": render_html(model),
    }
    return commit_set(out_dir, "scoreboard", rendered)
