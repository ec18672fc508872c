"""Evidence: what a falsify or mutate run observed, written as JSON under reports/evidence/.

Evidence is the only input of a derived status. Each run writes a new file (atomic
write), so the previous run stays available for "what changed since last time".
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pv import __version__
from pv.atomic import write_json
from pv.config import load_config
from pv.evidence.model import MODELS, first_error, recorded_at
from pv.evidence.results import TestResult
from pv.testing import worst_margin

RUN_PREFIX, MUTATION_PREFIX = "falsify-", "mutate-"
_EVIDENCE_NAME = re.compile(r"(?:falsify|mutate)-\d{8}T\d{12}Z\.json")

_OUTCOME_ORDER = {"failed": 3, "error": 2, "passed": 1, "skipped": 0}


def evidence_dir(root: Path) -> Path:
    return root / load_config(root).reports / "evidence"


def provenance(root: Path) -> dict[str, Any]:
    """Commit, time and versions: enough to know what a piece of evidence is about."""
    def git(*args: str) -> str | None:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "pv_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def result_owners(expected: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Node id -> the falsifiers whose planned tests include it (`Plan.expected_results`)."""
    owners: dict[str, set[str]] = {}
    for fid, nodeids in expected.items():
        for nodeid in nodeids:
            owners.setdefault(nodeid, set()).add(fid)
    return owners


def counted_against(test: TestResult, owners: Mapping[str, set[str]]) -> set[str]:
    """The falsifiers one test result counts against: those its `falsifies` marker names and
    those whose planned tests include it. The one answer for evidence and for the kill matrix."""
    return set(test.get("falsifies", ())) | owners.get(test["nodeid"], set())


def missing_results(tests: Iterable[TestResult], nodeids: Iterable[str]) -> list[str]:
    """The planned node ids that reported nothing in this run."""
    reported = {t["nodeid"] for t in tests}
    return [n for n in nodeids if n not in reported]


def falsifier_outcomes(tests: Sequence[TestResult], expected: Mapping[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Fold per-test results into one record per falsifier id of `expected` (id -> the node ids
    planned for it). A falsifier whose planned tests did not all report has no record (it was
    not run, and another test passing says nothing of the one cited), unless one that did
    report failed: a failure is evidence whatever else ran."""
    owners = result_owners(expected)
    by_id: dict[str, list[TestResult]] = {fid: [] for fid in expected}
    for test in tests:
        for fid in counted_against(test, owners):
            if fid in by_id:
                by_id[fid].append(test)
    records: dict[str, dict[str, Any]] = {}
    for fid, runs in by_id.items():
        failed = [t for t in runs if t["outcome"] in ("failed", "error")]
        if not runs or (missing_results(runs, expected[fid]) and not failed):
            continue
        worst = max(runs, key=lambda t: _OUTCOME_ORDER.get(t["outcome"], 0))
        outcome = worst["outcome"] if worst["outcome"] != "skipped" or all(t["outcome"] == "skipped" for t in runs) else "passed"
        margins = [t["margins"][fid] for t in runs if fid in (t.get("margins") or {})]
        examples = [t["examples"] for t in runs if t.get("examples") is not None]
        record: dict[str, Any] = {
            "nodeids": sorted(t["nodeid"] for t in runs),
            "outcome": outcome,
            "duration": round(sum(t.get("duration", 0.0) for t in runs), 6),
            "examples": sum(examples) if examples else None,
            "margin": worst_margin(*margins) if margins else None,
        }
        if failed:
            record["message"] = failed[0].get("message")
            record["falsifying_example"] = failed[0].get("falsifying_example")
            record["failed_nodeid"] = failed[0]["nodeid"]
        records[fid] = record
    return records


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    document: dict[str, Any]  # validated against its model (pv.evidence.model), as plain data
    recorded: datetime


@dataclass(frozen=True)
class Rejected:
    """An evidence file that cannot be used, and why (shown with its path on every view)."""

    path: Path
    reason: str


def write_evidence(root: Path, prefix: str, document: dict[str, Any]) -> Path:
    # Microsecond stamps keep names unique; which run is newest is read from "time" inside.
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = evidence_dir(root) / f"{prefix}{stamp}.json"
    write_json(path, document)
    prune(root, prefix, keep=load_config(root).history)
    return path


def prune(root: Path, prefix: str, keep: int) -> list[Path]:
    """Delete all but the `keep` newest evidence files of one kind (0 keeps all): one file per run
    would otherwise grow without end. Only pv's own names are touched."""
    if keep <= 0:
        return []
    files = sorted(p for p in evidence_dir(root).glob(f"{prefix}*.json") if _EVIDENCE_NAME.fullmatch(p.name))
    removed = files[:-keep]
    for path in removed:
        try:
            path.unlink()
        except OSError:
            pass  # another run pruned it, or read-only: the next run tries again
    return removed


# A clock a little ahead is tolerated; evidence from further ahead would pin every view.
FUTURE_SKEW = timedelta(minutes=5)


def read_evidence(path: Path, kind: str) -> EvidenceFile | Rejected:
    """One evidence file, validated on read; never raises for what the file holds."""
    try:
        if not path.is_file():  # a FIFO would block the read for ever, a device never end
            return Rejected(path, "not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_EVIDENCE_BYTES + 1)
        if len(raw) > MAX_EVIDENCE_BYTES:
            return Rejected(path, f"larger than {MAX_EVIDENCE_BYTES // 2**20} MiB")
        data = json.loads(raw, parse_constant=_reject_constant)
    except OSError as failed:
        return Rejected(path, f"cannot read: {failed.strerror or failed}")
    except (ValueError, RecursionError) as failed:
        return Rejected(path, f"not strict JSON: {failed}")
    try:
        model = MODELS[kind].model_validate(data)
        recorded = recorded_at(model)
    except ValidationError as invalid:
        return Rejected(path, first_error(invalid))
    except ValueError as failed:
        return Rejected(path, f"$.time: {failed}")
    if recorded > datetime.now(timezone.utc) + FUTURE_SKEW:
        return Rejected(path, f"$.time: {model.time} is in the future; evidence cannot predate its run")
    return EvidenceFile(path, model.model_dump(mode="json", exclude_unset=False), recorded)


MAX_EVIDENCE_BYTES = 64 * 2**20


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def history(root: Path, prefix: str) -> tuple[list[EvidenceFile], list[Rejected]]:
    """Valid evidence files of one kind, newest recorded run first, and the rejected ones."""
    kind = prefix.rstrip("-")
    found: list[EvidenceFile] = []
    rejected: list[Rejected] = []
    try:
        paths = sorted(evidence_dir(root).glob(f"{prefix}*.json"))
    except OSError:
        paths = []
    for path in paths:
        read = read_evidence(path, kind)
        (found if isinstance(read, EvidenceFile) else rejected).append(read)  # type: ignore[arg-type]
    found.sort(key=lambda e: (e.recorded, e.path.name), reverse=True)
    return found, rejected
