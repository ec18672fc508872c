"""What `pv status` shows: each contract's equations, obligations and falsifiers with
their derived statuses, next to the status the contract declares.

The statuses come from `pv.reports.scoreboard.build_model` (which calls the one derivation in
`pv.binding.status`), so `pv status` and the scoreboard always agree; this module only adds
the parts of the contract the scoreboard does not show.
"""

from __future__ import annotations

from pv.evidence.plan import Plan
from pv.reports.model import StatusContract, StatusReport
from pv.reports.scoreboard import build_model, totals_line
from pv.binding.status import underclaim, unsupported_claim


def status_report(plan: Plan) -> StatusReport:
    """The scoreboard model's contracts, each with its equations, obligations and verdict."""
    model = build_model(plan)
    files = {f.path: f for f in plan.contracts}
    contracts: list[StatusContract] = []
    for row in model["contracts"]:
        contract = files[row["path"]].contract
        assert contract is not None
        citing: dict[str, list[str]] = {}
        for fz in row["falsifiers"]:
            if fz["obligation"]:
                citing.setdefault(fz["obligation"], []).append(fz["id"])
        contracts.append({
            **row,
            "equations": [{"name": name, "formula": eq.formula} for name, eq in contract.equations.items()],
            "proof_obligations": [
                {"id": ob.id, "type": ob.type, "property": ob.property, "falsifiers": citing.get(ob.id, []) if ob.id else []}
                for ob in contract.proof_obligations],
            "overclaim": unsupported_claim(row["declared"], row["derived"]),
            "underclaim": underclaim(row["declared"], row["derived"]),
        })
    return {"evidence": model["evidence"], "totals": model["totals"], "denominator": model["denominator"],
            "contracts": contracts, "unreadable": model["unreadable"]}


def render_status_text(report: StatusReport) -> str:
    lines: list[str] = []
    for c in report["contracts"]:
        verdict = "agrees" if c["agrees"] else (c["overclaim"] or c["underclaim"] or "disagrees")
        lines.append(f"{c['stem']} {c['version']} ({c['path']})")
        lines.append(f"  status: declared {c['declared'] or '-'}, derived {c['derived']}: {verdict}")
        lines.append(f"  equations: {', '.join(e['name'] for e in c['equations'])}")
        obligations = c["proof_obligations"]
        cited = sum(bool(ob["falsifiers"]) for ob in obligations)
        lines.append(f"  obligations: {len(obligations)} ({cited} cited by a falsifier)")
        for ob in obligations:
            by = ", ".join(ob["falsifiers"]) or "no falsifier"
            lines.append(f"    {ob['id'] or '-':<12} {ob['type']:<12} {ob['property']}  <- {by}")
        lines.append(f"  falsifiers: {len(c['falsifiers'])}")
        for fz in c["falsifiers"]:
            lines.append(f"    {fz['id']:<18} {fz['status']:<8} {fz['test'] or '-'}")
            if fz["status"] in ("STALE", "DUPLICATE"):
                lines.append(f"      {fz['message']}")
        lines.append("")
    for u in report["unreadable"]:
        lines.append(f"{u['path']}: UNREADABLE ({u['falsifiers_declared']} falsifiers declared, not counted below)")
        lines.extend(f"  {error}" for error in u["errors"])
        lines.append("")
    evidence = report["evidence"]["falsify"]
    source = f"evidence {evidence['file']}" if evidence else "no recorded run (statuses from bindings)"
    lines.append(f"{totals_line(report)}; {source}")
    return "\n".join(lines) + "\n"
