"""The kill matrix: every mutant against its contract's falsifiers, through the fork server.

Each mutant ends in one of the states of pv.mutants.states (killed, survived,
not-reached, equivalent, timeout, refused, error).

`full=True` runs every falsifier against every mutant: each falsifier's kills are
exact. Otherwise (what `pv check` uses) a mutant stops at its first failing falsifier,
which is all a kill needs, and then each falsifier credited with no kill runs alone
against its contract's mutants until one fails: whether a falsifier kills anything (the
IDLE finding, the DISCHARGED level) is still exact, its kill count a lower bound.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pv.lifetime import sweep_tempdirs
from pv.binding.registry import pytest_command, subprocess_env
from pv.evidence.plan import Plan
from pv.evidence.results import RunFailed, TestResult, checked_results
from pv.evidence.store import counted_against, result_owners
from pv.mutants.generated import Generated
from pv.mutation import CATALOGUE_ENV, MUTANT_ENV, Mutant

PROFILE = "mutate"  # the 'fast' budget without shrinking: a kill needs one counterexample
MIN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Candidate:
    """A mutant to run: curated (by catalogue name) or generated (by its source)."""

    name: str
    contract: str
    target: str
    description: str
    operator: str
    diff: str
    generated: Generated | None = None

    @staticmethod
    def curated(mutant: Mutant) -> Candidate:
        return Candidate(mutant.name, mutant.contract, mutant.target, mutant.description, mutant.operator, mutant.diff)

    @staticmethod
    def of(mutant: Generated) -> Candidate:
        return Candidate(mutant.name, mutant.contract, mutant.target, mutant.description, mutant.operator,
                         mutant.diff, mutant)


class ForkServer:
    """One `python -m pv.mutants.server` child: tasks in, results out, one JSON line each."""

    def __init__(self, root: Path, *, catalogue: str | None, preload: Iterable[str], jobs: int, seed: int) -> None:
        sweep_tempdirs("pv-mutate-")  # a killed run's scratch, named for its dead owner
        self.scratch = tempfile.TemporaryDirectory(prefix=f"pv-mutate-{os.getpid()}-")
        env = subprocess_env(Path(self.scratch.name))
        for name in (MUTANT_ENV, CATALOGUE_ENV):  # a mutant is the server's to apply, never the environment's
            env.pop(name, None)
        command = pytest_command([])[:1] + ["-m", "pv.mutants.server"]
        plugin = pytest_command([])[3:]  # "-p pv.pytest_plugin" when plugin autoload is off
        self.process = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self._send({"scratch": self.scratch.name, "catalogue": catalogue, "preload": sorted(set(preload)), "jobs": jobs,
                    "pytest_args": [*plugin, "-p", "no:cacheprovider", "-q", f"--hypothesis-profile={PROFILE}",
                                    f"--hypothesis-seed={seed}"]})
        self._count = 0
        self.jobs = jobs

    def _send(self, message: dict[str, Any]) -> None:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message) + "\n")
        stdin.flush()

    def run(self, tasks: list[dict[str, Any]], on_result: Callable[[int, dict[str, Any]], None] | None = None,
            prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Run `tasks` (each: mutant, generated spec, nodeids, exitfirst, timeout); results in task order.

        Tasks are sent a few at a time, so `prepare(task)` (e.g. ordering its tests) sees the
        results so far; `on_result(index, result)` is called as each finishes (out of order)."""
        first = self._count + 1
        self._count += len(tasks)
        results: dict[int, dict[str, Any]] = {}
        sent = 0
        stdout = self.process.stdout
        assert stdout is not None
        while len(results) < len(tasks):
            while sent < len(tasks) and sent - len(results) < self.jobs + 1:
                task = prepare(tasks[sent]) if prepare else tasks[sent]
                number = first + sent
                self._send({**task, "id": number, "results": f"{self.scratch.name}/{number}.json",
                            "status": f"{self.scratch.name}/{number}.status"})
                sent += 1
            line = stdout.readline()
            if not line:
                raise RunFailed(f"the mutation fork server exited {self.process.wait()} before all results came back")
            result = json.loads(line)
            path = Path(f"{self.scratch.name}/{result['id']}.json")
            try:
                result["tests"] = (checked_results(json.loads(path.read_text(encoding="utf-8"))["tests"], str(path))
                                   if path.exists() else None)
            except (OSError, ValueError, KeyError, TypeError, RunFailed):
                result["tests"] = None  # the mutant's state is then an error: "the test run wrote no results"
            results[result["id"] - first] = result
            if on_result is not None:
                on_result(result["id"] - first, result)
        return [results[i] for i in range(len(tasks))]

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self._send({"end": True})
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.scratch.cleanup()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _spec(candidate: Candidate) -> dict[str, Any] | None:
    return candidate.generated.spec() if candidate.generated is not None else None


def failing(tests: list[TestResult], plan: Plan, contract: str) -> set[str]:
    """Falsifier ids of `contract` whose tests failed or errored in this run."""
    ids = {fid for fid, p in plan.falsifiers.items() if p.contract == contract}
    owners = result_owners(plan.expected_results())
    failed: set[str] = set()
    for test in tests:
        if test["outcome"] in ("failed", "error"):
            failed |= counted_against(test, owners) & ids
    return failed


def _state(result: dict[str, Any], credited: list[str], equivalent: str | None) -> tuple[str, str | None]:
    if result.get("refused"):
        return "refused", str(result["refused"])
    if result.get("timeout"):
        return "timeout", "the run exceeded its time limit (a hang, or a loaded machine: rerun it)"
    if result.get("tests") is None:
        return "error", str(result.get("crashed") or "the test run wrote no results")
    if result.get("reached") is False:
        return ("equivalent", equivalent) if equivalent else ("not-reached", "its function never ran in these tests")
    if credited:
        return "killed", None
    return ("equivalent", equivalent) if equivalent else ("survived", None)


def kill_matrix(plan: Plan, candidates: list[Candidate], *, catalogue: str | None, seed: int, jobs: int, full: bool,
                equivalent: dict[str, dict[str, str]], log: Callable[[str], None]) -> dict[str, Any]:
    """Baselines, then every candidate; the rows and baseline failures of the evidence."""
    contracts = sorted({c.contract for c in candidates})
    preload = {c.target.partition(":")[0] for c in candidates}
    with ForkServer(plan.root, catalogue=catalogue, preload=preload, jobs=jobs, seed=seed) as server:
        started = time.monotonic()
        base_tasks = [{"mutant": None, "nodeids": plan.nodeids(c), "exitfirst": False} for c in contracts]
        base = server.run(base_tasks)
        baseline_time = time.monotonic() - started
        baselines: dict[str, set[str]] = {}
        for contract, result in zip(contracts, base):
            if result.get("tests") is None:
                raise RunFailed(f"the unmutated run of {contract} produced no results "
                                f"({result.get('crashed') or 'pytest failed before running'})")
            baselines[contract] = failing(result["tests"], plan, contract)
        timeout = max(MIN_TIMEOUT, 20 * baseline_time)
        tasks = [{"mutant": c.name, "generated": _spec(c), "contract": c.contract,
                  "nodeids": plan.nodeids(c.contract), "exitfirst": not full, "timeout": timeout} for c in candidates]
        rows: list[dict[str, Any] | None] = [None] * len(candidates)

        def record(index: int, result: dict[str, Any]) -> None:
            candidate = candidates[index]
            killers = failing(result["tests"], plan, candidate.contract) if result.get("tests") is not None else set()
            credited = sorted(killers - baselines[candidate.contract]) if result.get("reached") is not False else []
            state, reason = _state(result, credited, equivalent.get(candidate.contract, {}).get(candidate.name))
            row: dict[str, Any] = {
                "name": candidate.name, "contract": candidate.contract, "target": candidate.target,
                "kind": "generated" if candidate.generated else "curated", "operator": candidate.operator,
                "description": candidate.description, "state": state,
                "killed_by": credited if state == "killed" else [], "survived": state == "survived",
            }
            if reason:
                row["reason"] = reason
            if candidate.diff:
                row["diff"] = candidate.diff
            rows[index] = row
            shown = ", ".join(credited) if state == "killed" else (reason or "-")
            log(f"  {state:<11} {candidate.name}: {shown}")

        def uncredited_first(task: dict[str, Any]) -> dict[str, Any]:
            """Tests of falsifiers with the fewest kills so far first: a first kill then spreads the
            credit, and fewer falsifiers need a run of their own afterwards."""
            if full:
                return task
            credits: dict[str, int] = {}
            for row in rows:
                for fid in row["killed_by"] if row else ():
                    credits[fid] = credits.get(fid, 0) + 1
            contract = task["contract"]
            # falsifiers failing on the unmutated kernel last: under -x they would end every run
            ranked = sorted((fid for fid, p in plan.falsifiers.items() if p.contract == contract),
                            key=lambda fid: (fid in baselines[contract], credits.get(fid, 0)))
            order: dict[str, None] = {}
            for fid in ranked:
                order.update(dict.fromkeys(plan.falsifiers[fid].nodeids))
            order.update(dict.fromkeys(task["nodeids"]))
            return {**task, "nodeids": list(order)}

        server.run(tasks, record, uncredited_first)
        done = [row for row in rows if row is not None]
        if not full:
            _confirm_idle(server, plan, done, baselines, timeout, candidates, log)
    return {"mutants": done,
            "baseline_failures": {c: sorted(f) for c, f in baselines.items() if f}}


def _confirm_idle(server: ForkServer, plan: Plan, rows: list[dict[str, Any]], baselines: dict[str, set[str]],
                  timeout: float, candidates: list[Candidate], log: Callable[[str], None]) -> None:
    """First-kill runs credit one falsifier per mutant: give every uncredited falsifier its own
    chance, alone, mutant after mutant (as many at once as there are jobs) until one dies."""
    contracts = {row["contract"] for row in rows}
    credited = {fid for row in rows for fid in row["killed_by"]}
    spec = {c.name: c for c in candidates}
    jobs = max(1, server.jobs)
    for fid, fplan in plan.falsifiers.items():
        if fplan.contract not in contracts or fid in credited or fid in baselines[fplan.contract] or not fplan.nodeids:
            continue
        targets = [row for row in rows if row["contract"] == fplan.contract and row["state"] in ("killed", "survived")]
        for start in range(0, len(targets), jobs):
            batch = targets[start:start + jobs]
            tasks = [{"mutant": row["name"], "nodeids": fplan.nodeids, "exitfirst": True, "timeout": timeout,
                      "generated": _spec(spec[row["name"]])}
                     for row in batch]
            results = server.run(tasks)
            killed = [row for row, result in zip(batch, results)
                      if result.get("tests") is not None and fid in failing(result["tests"], plan, fplan.contract)]
            for row in killed:
                row["killed_by"] = sorted({*row["killed_by"], fid})
            if killed:
                log(f"  {fid} kills {', '.join(r['name'] for r in killed)} (run alone)")
                break

