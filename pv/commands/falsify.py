"""`pv falsify`: run the bound falsifiers and write the evidence of what happened."""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import sys
from pathlib import Path

from pv.binding.status import OUTCOME_STATUS
from pv.diagnostics.escape import terminal
from pv.diagnostics.render import counted
from pv.evidence.store import RUN_PREFIX, falsifier_outcomes, missing_results, provenance, write_evidence
from pv.evidence.fingerprint import bind_inputs
from pv.evidence.results import TestResult
from pv.project import display_path, io_problem
from pv.profiles import HYPOTHESIS_PROFILES
from pv.evidence.runner import run_tests
from pv.evidence.plan import Plan, load_plan
from pv.binding.cargo import CargoTest
from pv.binding.cargo_resolve import MetaCheck
from pv.evidence.cargo_runner import run_cargo_tests
from pv.evidence.meta_runner import run_meta_checks
from pv.mutation import MUTANT_ENV

EXAMPLE = """example:
  pv falsify                          # every bound falsifier, profile 'ci'
  pv falsify --profile full -n auto   # 1000 examples each, in parallel (pytest-xdist)
  pv falsify --seed 1234              # replay a red run with its recorded seed
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("falsify", help="run the falsifiers and record evidence", description=__doc__,
                            epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(parser)
    parser.set_defaults(run=run)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: contracts/)")
    parser.add_argument("--profile", choices=sorted(HYPOTHESIS_PROFILES), default="ci",
                        help="hypothesis example budget: " + ", ".join(f"{k}={v}" for k, v in HYPOTHESIS_PROFILES.items()))
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random, recorded)")
    parser.add_argument("-n", "--workers", default=None, help="run in parallel with pytest-xdist, e.g. auto")


def collection_errors(plan: Plan) -> list[str]:
    """Test files pytest could not collect, with the error: a falsifier bound there cannot run."""
    return [f"{e.get('nodeid') or '(session)'}: {re.sub(r'^E +', '', str(e.get('message')))}" for e in plan.registry.errors]


# pytest's exit codes that mean the run itself went wrong (interrupted, internal error,
# usage error): no outcome it reports can be trusted as evidence.
_BROKEN_RUN = {2: "interrupted", 3: "internal error", 4: "usage error"}


def run(args: argparse.Namespace) -> int:
    if args.workers and importlib.util.find_spec("xdist") is None:
        print(f"pv falsify: -n {args.workers} runs tests in parallel with pytest-xdist, which is not installed: "
              "pip install pytest-xdist (or run without -n)", file=sys.stderr)
        return 2
    return execute(load_plan(args.paths or None), profile=args.profile, seed=args.seed, workers=args.workers)


def execute(plan: Plan, *, profile: str, seed: int | None, workers: str | None) -> int:
    if not plan.contracts:
        print("pv falsify: no contract to falsify (none found, or none valid: see pv validate)", file=sys.stderr)
        return 2
    if not plan.falsifiers:
        print("pv falsify: the contracts declare no falsifier; nothing to run", file=sys.stderr)
        return 2
    blocked = {fid: p.conflict for fid, p in plan.falsifiers.items() if p.conflict}
    for fid, paths in blocked.items():
        print(f"pv falsify: {fid} is declared in {' and '.join(paths)} (PV-SCHEMA-009): not run until one is renamed",
              file=sys.stderr)
    errors = collection_errors(plan)
    for error in errors:
        print(terminal(f"pv falsify: could not collect {error}"), file=sys.stderr)
    nodeids = plan.nodeids()
    others = plan.other_falsifiers()
    if not nodeids and not others:
        why = "; fix the collection errors above" if errors else " (see pv lint --strict-test-binding)"
        print(f"pv falsify: no falsifier is bound to a collected test; nothing to run{why}", file=sys.stderr)
        return 1
    if os.environ.get(MUTANT_ENV):
        print(f"pv falsify: ignoring {MUTANT_ENV}={os.environ[MUTANT_ENV]}: evidence is about the kernel as it is "
              f"(replay a mutant with pv mutate, or with pytest by hand)", file=sys.stderr)
    seed = seed if seed is not None else random.randrange(2**32)
    other_count = len({t.nodeid for p in others for t in p.binding.tests})
    print(f"pv falsify: {counted(len(plan.falsifiers), 'falsifiers')}, {counted(len(nodeids) + other_count, 'tests')}, profile {profile}, "
          f"seed {seed}", file=sys.stderr)
    inputs, depends = bind_inputs(plan)  # hashed before the run: a change during it makes the evidence stale
    exit_status, tests = 0, list[TestResult]()
    if nodeids:
        exit_status, tests = run_tests(plan.root, nodeids, profile=profile, seed=seed, workers=workers)
        if exit_status in _BROKEN_RUN:
            print(f"pv falsify: pytest exited {exit_status} ({_BROKEN_RUN[exit_status]}); no evidence written",
                  file=sys.stderr)
            return 2
    cargo_exit = _run_other(plan, tests)
    expected = plan.expected_results()
    records = falsifier_outcomes(tests, expected)
    for fid, record in records.items():
        record["contract"] = plan.falsifiers[fid].contract
        record["inputs"] = depends.get(fid)
        unrun = plan.falsifiers[fid].binding.unrun
        if unrun and record["outcome"] == "passed":  # what ran passed; the citation as a whole did not run
            record["outcome"] = "skipped"
            record["message"] = (f"its tests passed, but `{unrun[0]}` in its citation is no test pv can run, so the "
                                 "prediction was only partly tested: cite the tests alone, or make that part a test")
    # a falsifier with a test to run and no result for each is a failure of the run, never "ok"
    not_run = sorted(fid for fid, nodeids in expected.items() if nodeids and fid not in records)
    document = {
        "kind": "falsify",
        **provenance(plan.root),
        "profile": profile,
        "max_examples": HYPOTHESIS_PROFILES[profile],
        "seed": seed,
        "pytest_exit": exit_status,
        **({"cargo_exit": cargo_exit} if cargo_exit else {}),
        "falsifiers": records,
        "not_run": not_run,
        "inputs": inputs,
    }
    try:
        path = write_evidence(plan.root, RUN_PREFIX, document) if records else None
    except OSError as failed:
        print(f"pv falsify: cannot write evidence: {io_problem(failed)}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for record in records.values():
        counts[OUTCOME_STATUS[record["outcome"]]] = counts.get(OUTCOME_STATUS[record["outcome"]], 0) + 1
    unbound = len(plan.falsifiers) - len(records) - len(not_run) - len(blocked)
    if path is not None:
        print(f"evidence: {display_path(path, plan.root)}")
    summary = [f"{n} {s}" for s, n in sorted(counts.items())]
    summary += [f"{len(not_run)} not run", f"{unbound} unbound or pending"]
    if blocked:
        summary.append(f"{len(blocked)} blocked (duplicate id)")
    print(", ".join(summary))
    for fid, record in records.items():
        if record["outcome"] in ("failed", "error"):
            print(terminal(f"{fid} {OUTCOME_STATUS[record['outcome']]}: {record.get('message')}"))
            print(f"  replay: pv falsify --profile {profile} --seed {seed}")
    skipped = sorted(fid for fid, record in records.items() if record["outcome"] == "skipped")
    for fid in skipped:  # a skip decided at run time (pytest.skip, importorskip, skipif): it proved nothing
        print(f"{fid} SKIPPED: its tests skipped when run ({records[fid].get('message') or 'no reason given'}); "
              "a falsifier that does not run is not evidence")
    for fid in not_run:
        missing = missing_results(tests, expected[fid])
        print(terminal(f"{fid} NOT RUN: {', '.join(missing[:3])}{' and more' if len(missing) > 3 else ''} reported no result "
                       f"(pytest exit {exit_status}{', nothing collected' if exit_status == 5 else ''})"))
    falsified = any(r["outcome"] in ("failed", "error") for r in records.values())
    return 1 if falsified or not_run or blocked or skipped else 0


def _run_other(plan: Plan, tests: list[TestResult]) -> dict[str, int]:
    """Run bound cargo tests (one invocation per package) and meta-checks; append their
    per-test results to `tests`, each naming the falsifiers bound to it; cargo's exit codes."""
    bound: dict[str, set[str]] = {}
    cargo_tests: dict[str, CargoTest] = {}
    checks: dict[str, MetaCheck] = {}
    for fplan in plan.other_falsifiers():
        for test in fplan.binding.tests:
            bound.setdefault(test.nodeid, set()).add(fplan.falsifier_id)
            if isinstance(test, CargoTest):
                cargo_tests[test.nodeid] = test
            elif isinstance(test, MetaCheck):
                checks[test.nodeid] = test
    results = run_meta_checks(plan.root, checks.values())
    exits: dict[str, int] = {}
    cargo = plan.registries.members.get("cargo") if plan.registries else None
    if cargo_tests and cargo is not None:
        from pv.binding.registries import CargoTestRegistry
        assert isinstance(cargo, CargoTestRegistry)
        for run in run_cargo_tests(plan.root, cargo.registry, cargo_tests.values()):
            print(f"pv falsify: {' '.join(run.command[:4])} ... ({counted(len(run.results), 'tests')}): exit {run.exit_code}",
                  file=sys.stderr)
            exits[run.package] = run.exit_code
            results += run.results
    for result in results:
        tests.append({**result, "falsifies": sorted(bound.get(result["nodeid"], ()))})
    return exits
