"""Evidence: what a falsify or mutate run observed, written as JSON under reports/evidence/.

Evidence is the only input of a derived status. Each run writes a new file (atomic
write), so the previous run stays available for "what changed since last time".
"""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pv import __version__
from pv.atomic import write_json
from pv.config import load_config
from pv.evidence.model import MODELS, first_error, recorded_at
from pv.testing import worst_margin

RUN_PREFIX, MUTATION_PREFIX = "falsify-", "mutate-"

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


def falsifier_outcomes(tests: list[dict[str, Any]], falsifier_ids: list[str], bound: dict[str, str | None]) -> dict[str, dict[str, Any]]:
    """Fold per-test results into one record per falsifier id."""
    by_id: dict[str, list[dict[str, Any]]] = {fid: [] for fid in falsifier_ids}
    for test in tests:
        for fid in set(test.get("falsifies", [])) | {f for f, node in bound.items() if node == test["nodeid"]}:
            if fid in by_id:
                by_id[fid].append(test)
    records: dict[str, dict[str, Any]] = {}
    for fid, runs in by_id.items():
        if not runs:
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
        failed = [t for t in runs if t["outcome"] in ("failed", "error")]
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
    return path


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
