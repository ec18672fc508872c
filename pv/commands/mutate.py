"""`pv mutate`: run each contract's falsifiers against realistic injected bugs.

A falsifier that passes on a broken kernel proves nothing. For every mutant in the
catalogue ([tool.pv] mutants, or `--catalogue`), and with `--auto` for
every mutant generated from the source of the contract's kernels, the falsifiers of the
mutant's contract run against the mutated kernel in a forked child of one fork server;
the kill matrix goes into the evidence. Findings (exit 1): a surviving mutant, a mutant
whose function the tests never ran (NOT-REACHED), a refused or crashed mutant, and a
falsifier that kills nothing and is not labelled a guard (IDLE; `guard:` in its contract
entry).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pv.contracts.model import ContractFile
from pv.evidence.fingerprint import bind_inputs, hashes_of_catalogue
from pv.evidence.plan import Plan, load_plan
from pv.diagnostics.escape import terminal
from pv.diagnostics.render import counted
from pv.evidence.store import MUTATION_PREFIX, provenance, write_evidence
from pv.mutants.generated import GenerationError, generate
from pv.evidence.kill_matrix import PROFILE, Candidate, kill_matrix
from pv.mutants.states import DETECTED, FINDINGS, STATES, operator_rates
from pv.mutation import load_catalogue, target_problem

EXAMPLE = """example:
  pv mutate                           # the curated catalogue: first kill per mutant
  pv mutate --auto                    # plus mutants generated from the kernels' source
  pv mutate --full-matrix -j 2        # every falsifier against every mutant
  pv mutate contracts/rmsnorm-kernel-v1.yaml
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("mutate", help="prove the falsifiers can fail: kill matrix", description=__doc__,
                            epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="contract files or directories (default: contracts/)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed for every run (default 0)")
    parser.add_argument("--catalogue", default=None, help="module holding MUTANTS (default: [tool.pv] mutants)")
    parser.add_argument("--auto", action="store_true",
                        help="also generate mutants from the source of the kernels each contract names")
    parser.add_argument("--full-matrix", action="store_true",
                        help="run every falsifier against every mutant (default: stop a mutant at its first "
                             "kill, then run each falsifier with no kill alone until it kills one)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="mutants run in parallel (default: CPU count)")
    parser.set_defaults(run=run)


def kernels_of(contract_file: ContractFile) -> list[str]:
    """What `--auto` mutates: `mutation.kernels`, else the values of `implementations`."""
    contract = contract_file.contract
    assert contract is not None
    if contract.mutation is not None and contract.mutation.kernels:
        return list(contract.mutation.kernels)
    return sorted(set(contract.implementations.values()))


def _candidates(auto: bool, contracts: list[ContractFile], root: Path,
                module: str) -> tuple[list[Candidate], list[str]]:
    stems = {f.stem for f in contracts}
    catalogue = load_catalogue(module, root)
    notes = [f"note: catalogue has mutants for {stem}, which is not among the contracts given"
             for stem in sorted({m.contract for m in catalogue} - stems)]
    candidates = [Candidate.curated(m) for m in catalogue if m.contract in stems]
    if auto:
        for f in contracts:
            kernels = kernels_of(f)
            if not kernels:
                notes.append(f"note: {f.stem} names no kernel (implementations or mutation.kernels): nothing generated")
                continue
            candidates.extend(Candidate.of(g) for g in generate(f.stem, kernels, root))
    return candidates, notes


def run(args: argparse.Namespace) -> int:
    return execute(load_plan(args.paths or None), catalogue=args.catalogue, seed=args.seed, jobs=args.jobs,
                   auto=args.auto, full_matrix=args.full_matrix)


def execute(plan: Plan, *, catalogue: str | None = None, seed: int = 0, jobs: int | None = None, auto: bool = False,
            full_matrix: bool = False) -> int:
    module = catalogue or plan.config.mutants
    try:
        candidates, notes = _candidates(auto, plan.contracts, plan.root, module)
    except (ImportError, ValueError, GenerationError) as failed:
        print(f"pv mutate: {failed}", file=sys.stderr)
        return 2
    if not candidates:
        stems = ", ".join(sorted(f.stem for f in plan.contracts)) or "the contracts given"
        print(f"pv mutate: the catalogue {module} has no mutant for {stems}; add one (`Mutant(name, contract, "
              "target, description, make)` in its MUTANTS list: see \"Writing mutants\" in pv's README)" +
              ("" if auto else ", or try --auto"), file=sys.stderr)
        return 1
    # checked before any mutant runs: a typo would otherwise fail every child and read as a crash
    problems = [f"mutant '{c.name}' ({module}): {problem}" for c in candidates
                if c.generated is None and (problem := target_problem(c.target))]
    if problems:
        for problem in problems:
            print(f"pv mutate: {problem}", file=sys.stderr)
        return 2
    equivalent = {f.stem: dict(f.contract.mutation.equivalent) for f in plan.contracts
                  if f.contract is not None and f.contract.mutation is not None}
    if auto:  # every mutant exists in this run: a mark naming none has gone stale (a moved line)
        for stem, marks in sorted(equivalent.items()):
            named = {c.name for c in candidates if c.contract == stem}
            for name in sorted(set(marks) - named):
                print(terminal(f"pv mutate: note: {stem}'s mutation.equivalent names '{name}', which is no mutant of this "
                               "run (a generated name carries its line: if the line moved, copy the new name)"),
                      file=sys.stderr)
    full = full_matrix
    generated = sum(1 for c in candidates if c.generated)
    print(f"pv mutate: {len(candidates) - generated} curated and {generated} generated mutants against "
          f"{counted(len({c.contract for c in candidates}), 'contracts')} ({'full matrix' if full else 'first kill'})",
          file=sys.stderr)
    # the kill matrix holds for these files as they are now (hashed before the runs)
    inputs, _ = bind_inputs(plan, {c.contract for c in candidates})
    inputs.update(hashes_of_catalogue(plan.root, module))
    matrix = kill_matrix(plan, candidates, catalogue=module, seed=seed, jobs=jobs or os.cpu_count() or 1,
                         full=full, equivalent=equivalent, log=lambda line: print(line, file=sys.stderr))
    rows: list[dict[str, Any]] = matrix["mutants"]
    guards = {t.id: t.guard for f in plan.contracts if f.contract for t in f.contract.falsification_tests}
    in_scope = {fid for fid, p in plan.falsifiers.items() if p.contract in {c.contract for c in candidates}}
    kills = {fid: sum(fid in row["killed_by"] for row in rows) for fid in sorted(in_scope)}
    matrix["falsifiers"] = {fid: {"kills": n, "guard": guards.get(fid)} for fid, n in kills.items()}
    matrix["operators"] = operator_rates(rows)
    document = {"kind": "mutate", **provenance(plan.root), "profile": PROFILE, "seed": seed,
                "matrix": "full" if full else "first-kill", "auto": auto, **matrix, "inputs": inputs}
    path = write_evidence(plan.root, MUTATION_PREFIX, document)
    idle = [fid for fid, n in kills.items() if n == 0 and not guards.get(fid)]
    states = {s: sum(r["state"] == s for r in rows) for s in STATES}
    print(f"evidence: {path.relative_to(plan.root)}")
    others = ", ".join(f"{n} {s}" for s, n in states.items() if n and s != "killed")
    print(f"{sum(states[s] for s in DETECTED)} of {len(rows)} mutants killed" + (f" ({others})" if others else "") +
          f"; {sum(1 for n in kills.values() if n)} of {len(kills)} falsifiers killed at least one")
    if auto:
        for operator, entry in matrix["operators"].items():
            rate = "-" if entry["kill_rate"] is None else f"{entry['kill_rate']:.0%}"
            print(f"  {operator:<15} {entry['detected']:>3}/{entry['total']:<3} killed ({rate})")
    for row in rows:
        if row["state"] in FINDINGS:
            print(f"{row['state'].upper()} {row['name']}: {_why(row)}")
    for fid in idle:
        print(f"IDLE {fid}: killed no mutant and is not labelled a guard")
    for note in notes:
        print(note)
    for contract, failing in matrix["baseline_failures"].items():
        print(f"BASELINE {contract}: {', '.join(failing)} fail on the unmutated kernel; no kill credited to them")
    findings = any(r["state"] in FINDINGS for r in rows)
    return 1 if findings or idle or matrix["baseline_failures"] else 0


def _why(row: dict[str, Any]) -> str:
    if row["state"] == "survived":
        return f"no falsifier of {row['contract']} failed ({row['description']})"
    return str(row.get("reason") or row["description"])
