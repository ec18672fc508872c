"""`pv mutate`: run each contract's falsifiers against realistic injected bugs.

A falsifier that passes on a broken kernel proves nothing. For every mutant in the
catalogue ([tool.pv] mutants, or `--catalogue`), the falsifiers of the
mutant's contract run against the mutated kernel; the kill matrix goes into the
evidence. A surviving mutant, or a falsifier that kills nothing and is not labelled a
guard (`guard:` in its contract entry), is a finding: exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pv.evidence.store import MUTATION_PREFIX, provenance, write_evidence
from pv.mutation import CATALOGUE_ENV, MUTANT_ENV, Mutant, load_catalogue, target_problem
from pv.evidence.fingerprint import bind_inputs, hashes_of_catalogue
from pv.evidence.plan import Plan, load_plan
from pv.evidence.runner import run_tests

EXAMPLE = """example:
  pv mutate                           # every mutant of every bundled contract
  pv mutate contracts/rmsnorm-kernel-v1.yaml
"""
PROFILE = "mutate"  # the 'fast' budget without shrinking: a kill needs one counterexample


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("mutate", help="prove the falsifiers can fail: kill matrix", description=__doc__,
                            epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: contracts/)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed for every run (default 0)")
    parser.add_argument("--catalogue", default=None, help="module holding MUTANTS (default: [tool.pv] mutants)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="mutants run in parallel (default: CPU count)")
    parser.set_defaults(run=run)


def _failing(tests: list[dict[str, Any]], plan: Plan, contract: str) -> set[str]:
    ids = {fid for fid, p in plan.falsifiers.items() if p.contract == contract}
    bound = plan.bound_nodeids()
    failed: set[str] = set()
    for test in tests:
        if test["outcome"] in ("failed", "error"):
            failed |= (set(test["falsifies"]) | {f for f, n in bound.items() if n == test["nodeid"]}) & ids
    return failed


def kill_matrix(plan: Plan, mutants: list[Mutant], catalogue: str, seed: int, jobs: int) -> dict[str, Any]:
    contracts = sorted({m.contract for m in mutants})

    def baseline(contract: str) -> set[str]:
        _, tests = run_tests(plan.root, plan.nodeids(contract), profile=PROFILE, seed=seed, quiet=True)
        return _failing(tests, plan, contract)

    def attack(mutant: Mutant) -> set[str]:
        _, tests = run_tests(plan.root, plan.nodeids(mutant.contract), profile=PROFILE, seed=seed, quiet=True,
                             env={MUTANT_ENV: mutant.name, CATALOGUE_ENV: catalogue})
        return _failing(tests, plan, mutant.contract)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        baselines = dict(zip(contracts, pool.map(baseline, contracts)))
        rows = []
        for mutant, killers in zip(mutants, pool.map(attack, mutants)):
            credited = sorted(killers - baselines[mutant.contract])
            rows.append({"name": mutant.name, "contract": mutant.contract, "target": mutant.target,
                         "description": mutant.description, "killed_by": credited, "survived": not credited})
            print(f"  {'killed  ' if credited else 'SURVIVED'} {mutant.name}: {', '.join(credited) or '-'}", file=sys.stderr)
    return {"mutants": rows, "baseline_failures": {c: sorted(f) for c, f in baselines.items() if f}}


def run(args: argparse.Namespace) -> int:
    return execute(load_plan(args.paths or None), catalogue=args.catalogue, seed=args.seed, jobs=args.jobs)


def execute(plan: Plan, *, catalogue: str | None = None, seed: int = 0, jobs: int | None = None) -> int:
    module = catalogue or plan.config.mutants
    mutants_of_project = load_catalogue(module, plan.root)
    stems = {f.stem for f in plan.contracts}
    unknown = sorted({m.contract for m in mutants_of_project} - {p.contract for p in plan.falsifiers.values()} - stems)
    mutants = [m for m in mutants_of_project if m.contract in stems]
    if not mutants:
        print(f"pv mutate: the catalogue {module} has no mutant for {', '.join(sorted(stems)) or 'the contracts given'}; "
              "add one (`Mutant(name, contract, target, description, make)` in its MUTANTS list: see "
              "\"Writing mutants\" in pv's README)", file=sys.stderr)
        return 1
    problems = [f"mutant '{m.name}' ({module}): {problem}" for m in mutants if (problem := target_problem(m))]
    if problems:
        for problem in problems:
            print(f"pv mutate: {problem}", file=sys.stderr)
        return 2
    print(f"pv mutate: {len(mutants)} mutants against {len({m.contract for m in mutants})} contracts", file=sys.stderr)
    # the kill matrix holds for these files as they are now (hashed before the runs)
    inputs, _ = bind_inputs(plan, {m.contract for m in mutants})
    inputs.update(hashes_of_catalogue(plan.root, module))
    matrix = kill_matrix(plan, mutants, module, seed, jobs or os.cpu_count() or 1)
    guards = {t.id: t.guard for f in plan.contracts if f.contract for t in f.contract.falsification_tests}
    in_scope = {fid for fid, p in plan.falsifiers.items() if p.contract in {m.contract for m in mutants}}
    kills = {fid: sum(fid in row["killed_by"] for row in matrix["mutants"]) for fid in sorted(in_scope)}
    matrix["falsifiers"] = {fid: {"kills": n, "guard": guards.get(fid)} for fid, n in kills.items()}
    document = {"kind": "mutate", **provenance(plan.root), "profile": PROFILE, "seed": seed, **matrix,
                "inputs": inputs}
    path = write_evidence(plan.root, MUTATION_PREFIX, document)
    survivors = [row["name"] for row in matrix["mutants"] if row["survived"]]
    idle = [fid for fid, n in kills.items() if n == 0 and not guards.get(fid)]
    print(f"evidence: {path.relative_to(plan.root)}")
    print(f"{len(mutants) - len(survivors)} of {len(mutants)} mutants killed; "
          f"{sum(1 for n in kills.values() if n)} of {len(kills)} falsifiers killed at least one")
    for name in survivors:
        print(f"SURVIVED {name}: no falsifier of its contract failed")
    for fid in idle:
        print(f"IDLE {fid}: killed no mutant and is not labelled a guard")
    for stem in unknown:
        print(f"note: catalogue has mutants for {stem}, which is not among the contracts given")
    for contract, failing in matrix["baseline_failures"].items():
        print(f"BASELINE {contract}: {', '.join(failing)} fail on the unmutated kernel; no kill credited to them")
    return 1 if survivors or idle or matrix["baseline_failures"] else 0
