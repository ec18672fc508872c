"""Evidence: what a falsify or mutate run observed, written as JSON under reports/evidence/.

Evidence is the only input of a derived status. Each run writes a new file (atomic
write), so the previous run stays available for "what changed since last time".
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pv import __version__
from pv.atomic import write_json
from pv.config import load_config

RUN_PREFIX, MUTATION_PREFIX = "falsify-", "mutate-"

_OUTCOME_ORDER = {"failed": 3, "error": 2, "passed": 1, "skipped": 0}
OUTCOME_STATUS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIPPED"}


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
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
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
            "margin": max(margins, key=lambda m: m["ratio"]) if margins else None,
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
    document: dict[str, Any]


def write_evidence(root: Path, prefix: str, document: dict[str, Any]) -> Path:
    # Microsecond stamps sort by name in time order; a new run never overwrites an old one.
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = evidence_dir(root) / f"{prefix}{stamp}.json"
    write_json(path, document)
    return path


def history(root: Path, prefix: str) -> list[EvidenceFile]:
    """Readable evidence files of one kind, newest first; unreadable ones are skipped."""
    files = sorted(evidence_dir(root).glob(f"{prefix}*.json"), reverse=True)
    found = []
    for path in files:
        try:
            found.append(EvidenceFile(path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return found
