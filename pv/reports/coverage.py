"""Coverage across contracts: obligations covered by falsifiers, falsifiers bound to tests.

The Rust pv counts every obligation of a contract with any falsifier as covered; here
an obligation is covered only when a falsifier cites its id (pv.reports.traceability), so the
number means what it says. Obligations without ids are reported as untraceable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pv.binding.status import FalsifierStatus
from pv.reports.traceability import ContractTrace


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _counts(traces: Sequence[ContractTrace]) -> dict[str, Any]:
    obligations = [ob for t in traces for ob in t.obligations]
    falsifiers = [fz for t in traces for fz in t.falsifiers]
    covered = sum(ob.covered for ob in obligations)
    bound = sum(fz.bound for fz in falsifiers)
    return {
        "equations": sum(len(t.file.contract.equations) for t in traces if t.file.contract),
        "obligations": len(obligations),
        "obligations_traceable": sum(ob.id is not None for ob in obligations),
        "obligations_covered": covered,
        "obligations_covered_percent": _percent(covered, len(obligations)),
        "falsifiers": len(falsifiers),
        "falsifiers_bound": bound,
        "falsifiers_pending": sum(fz.status is FalsifierStatus.PENDING for fz in falsifiers),
        "falsifiers_skipped": sum(fz.status is FalsifierStatus.SKIPPED for fz in falsifiers),
        "falsifiers_bound_percent": _percent(bound, len(falsifiers)),
        "kani_harnesses": sum(len(t.file.contract.kani_harnesses) for t in traces if t.file.contract),
    }


def coverage_report(traces: Sequence[ContractTrace]) -> dict[str, Any]:
    """Per contract, per obligation type and overall counts with percentages (plain data)."""
    by_type: dict[str, dict[str, Any]] = {}
    for ob in (ob for t in traces for ob in t.obligations):
        row = by_type.setdefault(ob.type, {"obligations": 0, "covered": 0})
        row["obligations"] += 1
        row["covered"] += ob.covered
    for row in by_type.values():
        row["covered_percent"] = _percent(row["covered"], row["obligations"])
    return {
        "contracts": [{"stem": t.stem, "path": t.file.path, **_counts([t]),
                       "falsifier_status": {fz.id: fz.status.value for fz in t.falsifiers}} for t in traces],
        "by_obligation_type": dict(sorted(by_type.items())),
        "totals": {"contracts": len(traces), **_counts(traces)},
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def render_coverage_text(report: dict[str, Any]) -> str:
    rows = [("contract", "obligations covered", "falsifiers bound", "kani")]
    for c in report["contracts"]:
        untraceable = c["obligations"] - c["obligations_traceable"]
        note = f" ({untraceable} without id)" if untraceable else ""
        rows.append((c["stem"],
                     f"{c['obligations_covered']}/{c['obligations']} {_pct(c['obligations_covered_percent'])}{note}",
                     f"{c['falsifiers_bound']}/{c['falsifiers']} {_pct(c['falsifiers_bound_percent'])}",
                     str(c["kani_harnesses"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.append("")
    lines.append("by obligation type:")
    for name, row in report["by_obligation_type"].items():
        lines.append(f"  {name:<14} {row['covered']}/{row['obligations']} {_pct(row['covered_percent'])}")
    t = report["totals"]
    lines.append("")
    lines.append(
        f"{t['contracts']} contracts: obligations covered {t['obligations_covered']}/{t['obligations']} "
        f"{_pct(t['obligations_covered_percent'])} ({t['obligations'] - t['obligations_traceable']} without id), "
        f"falsifiers bound {t['falsifiers_bound']}/{t['falsifiers']} {_pct(t['falsifiers_bound_percent'])}"
        f" ({t['falsifiers_pending']} pending)")
    return "\n".join(lines) + "\n"
