"""Every diagnostic code pv can emit: its severity, what it means, why, and the fix.

This table is the single source for `pv explain CODE` and for docs/RULES.md (a test
keeps the two in sync). Codes shared with the Rust provable-contracts `pv` keep their
meaning there (SCHEMA-0xx, AUDIT-0xx, PV-VER-00x); pv's own rules use PV-<AREA>-<NNN>.
"""

from __future__ import annotations

from dataclasses import dataclass

from pv.diagnostics.diagnostic import Diagnostic, Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    summary: str
    why: str
    fix: str

    def at(self, path: str, position: tuple[int, int], message: str, *hints: str) -> Diagnostic:
        return Diagnostic(path, position[0], position[1], self.code, self.severity, message, hints)


_RULES = [
    # -- shared with the Rust pv: same code, same meaning ------------------------------
    Rule("SCHEMA-001", E, "metadata.references is empty",
         "Every contract must cite the source its math comes from.",
         "Add at least one citation under metadata.references."),
    Rule("SCHEMA-002", E, "metadata.version is empty",
         "Versions let a diff tell which change a consumer must re-check.",
         "Set metadata.version to a semver string such as \"1.0.0\"."),
    Rule("SCHEMA-003", E, "equations is empty",
         "A contract without an equation states nothing that could be falsified.",
         "Add at least one entry under equations with a formula."),
    Rule("SCHEMA-004", E, "an equation's formula is empty",
         "The formula is the claim; an empty one makes every falsifier vacuous.",
         "Write the equation's formula."),
    Rule("SCHEMA-005", E, "a proof obligation's property is empty",
         "An obligation must say what has to hold.",
         "Describe the property in proof_obligations[].property."),
    Rule("SCHEMA-006", W, "two proof obligations share the same formal predicate",
         "Duplicate predicates usually mean a copy-paste that forgot to change the claim.",
         "Make each obligation's formal predicate state its own property."),
    Rule("SCHEMA-007", E, "duplicate falsification test id within one contract",
         "Evidence is keyed by falsifier id; two falsifiers with one id hide each other.",
         "Give each falsifier its own FALSIFY-<PREFIX>-<NNN> id."),
    Rule("SCHEMA-008", E, "a falsifier's prediction is empty",
         "A falsifier without a prediction cannot be shown wrong.",
         "State the prediction with numbers: what is measured and the bound it must meet."),
    Rule("SCHEMA-009", W, "a falsifier's if_fails is empty",
         "When a falsifier fails, the diagnosis should be one read away.",
         "Describe the likely root cause in if_fails."),
    Rule("SCHEMA-010", E, "duplicate Kani harness id",
         "Harness results are keyed by id.",
         "Give each kani harness its own id."),
    Rule("SCHEMA-011", E, "a Kani harness has an empty obligation",
         "Every harness must say which proof obligation it discharges.",
         "Set kani_harnesses[].obligation to the obligation it proves."),
    Rule("SCHEMA-012", W, "a Kani harness has no unwind bound",
         "Kani needs an unwind bound to terminate.",
         "Set kani_harnesses[].bound."),
    Rule("SCHEMA-013", W, "no qa_gate defined (kernel kinds)",
         "The quality gate says what must pass before the kernel ships.",
         "Add a qa_gate with id, name, checks and pass_criteria."),
    Rule("SCHEMA-014", E, "`requires` on an obligation that is not a postcondition",
         "Only a postcondition needs a precondition; on any other type the link is read by nothing.",
         "Move `requires` to the postcondition obligation, or change the obligation's type."),
    Rule("SCHEMA-015", E, "`applies_to_phase` on an obligation that is not a loop invariant or variant",
         "A kernel phase is where a loop invariant or variant holds; on any other type it means nothing.",
         "Remove `applies_to_phase`, or make the obligation a loop_invariant or loop_variant."),
    Rule("SCHEMA-016", E, "`parent_contract` on an obligation that is not a subcontract",
         "Only a subcontract refines a parent contract.",
         "Remove `parent_contract`, or make the obligation a subcontract."),
    Rule("SCHEMA-017", E, "a subcontract's parent_contract is not in metadata.depends_on",
         "The dependency graph must see the edge a subcontract refines.",
         "Add the parent contract's stem to metadata.depends_on."),
    Rule("SCHEMA-018", E, "top-level `kind:`",
         "The kind is read from metadata.kind only; a top-level `kind:` decides nothing and "
         "often contradicts the real one.",
         "Move it under metadata (if it names a real kind) or delete it."),
    Rule("SCHEMA-019", E, "a top-level key that is a near miss of a contract block",
         "A misspelt block (`falsification_test`, `qa_gates`) is dropped with everything inside it.",
         "Rename the key to the block it meant (the message names it)."),
    Rule("SCHEMA-020", E, "duplicate mapping key",
         "YAML parsers silently keep the last value, so the first one is lost unseen.",
         "Remove or rename one of the two keys, or merge the two blocks into one."),
    Rule("PROVABILITY-001", E, "a kernel contract lacks obligations or falsifiers, or has fewer falsifiers than obligations",
         "A kernel contract is a claim to be proved: every obligation needs at least one test that "
         "could falsify it. (The Rust pv also requires Kani harnesses; Kani proves Rust code, and "
         "pv's kernels are Python, so pv does not.)",
         "Add the missing section, or falsifiers until there are at least as many as obligations; "
         "set metadata.kind if the contract does not describe a kernel."),
    Rule("BEAT-001", E, "a beat-benchmark contract has no `beat:` block",
         "A beat benchmark is a pinned, CI-enforced claim; without the block there is nothing to enforce.",
         "Add `beat:` with incumbent, metric, direction, beat_threshold, ci_gate_name and approved_compute."),
    Rule("BEAT-002", E, "beat.incumbent is empty or names none of the four pillars",
         "The claim is to beat a named incumbent (scikit-learn, PyTorch, Unsloth, Ollama/llama.cpp).",
         "Name the incumbent."),
    Rule("BEAT-003", E, "beat.metric is empty",
         "Without a metric the threshold measures nothing.",
         "Name the measured quantity, e.g. accuracy or tokens_per_sec."),
    Rule("BEAT-004", E, "beat.direction is not higher_is_better or lower_is_better",
         "The direction decides which side of the threshold is a regression.",
         "Set beat.direction to higher_is_better or lower_is_better."),
    Rule("BEAT-005", E, "beat.beat_threshold is missing or not finite",
         "The threshold is the value CI fails below; an infinite one can never fail.",
         "Pin a finite beat.beat_threshold."),
    Rule("BEAT-006", E, "beat.ci_gate_name is empty",
         "A gate nobody runs enforces nothing.",
         "Name the CI test that enforces the beat."),
    Rule("BEAT-007", E, "beat.approved_compute is missing or not CPU/GPU",
         "Which compute the gate may use decides who can run it.",
         "Set beat.approved_compute to CPU or GPU."),
    Rule("AUDIT-001", W, "no falsification tests",
         "A contract with no falsifier is not falsifiable.",
         "Add falsification_tests with precise predictions."),
    Rule("AUDIT-002", E, "a Kani harness has an empty obligation reference",
         "Traceability from proof to obligation is broken.",
         "Name the obligation in kani_harnesses[].obligation."),
    Rule("AUDIT-003", W, "equations but no proof obligations",
         "Obligations are what is derived from the equations and then checked.",
         "Add proof_obligations derived from the equations."),
    # -- loading: the YAML itself -------------------------------------------------------
    Rule("PV-YAML-001", E, "the file is not well-formed YAML",
         "pv cannot check a contract it cannot parse.",
         "Fix the YAML syntax at the reported position."),
    Rule("PV-YAML-003", E, "a YAML tag pv does not accept",
         "Contracts are untrusted input; tags such as !!python/object could run code in "
         "an unsafe loader. pv accepts only plain YAML data.",
         "Remove the tag and write the value as plain YAML data."),
    Rule("PV-YAML-004", E, "the document exceeds pv's size limits",
         "Alias expansion (\"billion laughs\") and extreme nesting can exhaust memory or time.",
         "Write the data out without deep alias chains or extreme nesting."),
    Rule("PV-YAML-005", E, "the file is not UTF-8 text",
         "Contracts are UTF-8 text; other encodings or binary data cannot be read reliably.",
         "Save the file as UTF-8 (a BOM is accepted)."),
    Rule("PV-IO-001", E, "a path cannot be read",
         "pv was asked to check something that does not exist or cannot be opened.",
         "Check the path and its permissions."),
    # -- the contract schema ------------------------------------------------------------
    Rule("PV-SCHEMA-001", E, "the document is not a mapping",
         "A contract is a mapping of sections (metadata, equations, ...).",
         "Make the top level a mapping with at least metadata and equations."),
    Rule("PV-SCHEMA-002", E, "a required section or field is missing",
         "The provable-contracts v1 format requires it.",
         "Add the missing key; `pv schema` prints the full format."),
    Rule("PV-SCHEMA-003", E, "a value has the wrong type or form",
         "The format defines each field's type; a wrong one is usually a slip.",
         "Change the value to the type named in the message."),
    Rule("PV-SCHEMA-004", E, "a value is not one of the allowed choices",
         "Enumerated fields (obligation type, kani strategy) drive downstream tooling.",
         "Use one of the listed values."),
    Rule("PV-SCHEMA-005", W, "unknown key",
         "Unknown keys are allowed for forward compatibility, but nothing checks them.",
         "Remove the key or ignore the warning if a newer format defines it."),
    Rule("PV-SCHEMA-006", E, "unknown key that looks like a typo of a known key",
         "A misspelt section (`falsfication_tests`) silently drops everything inside it.",
         "Rename the key to the suggested one."),
    Rule("PV-SCHEMA-007", E, "metadata.version is not semver",
         "Version bumps are computed by `pv diff`; that needs MAJOR.MINOR.PATCH.",
         "Write the version as MAJOR.MINOR.PATCH, e.g. \"1.2.0\"."),
    Rule("PV-SCHEMA-008", W, "falsifier id does not follow the FALSIFY-<PREFIX>-<NNN> style",
         "Ids are how tests, evidence and reports refer to a falsifier; one style makes them "
         "searchable. The Rust pv accepts any id (FALSIFY-001, REG-F-001), so this is a style "
         "warning, a finding only under --strict.",
         "Rename the id, e.g. FALSIFY-RN-001."),
    Rule("PV-SCHEMA-009", E, "falsifier id declared by more than one contract",
         "Ids must be unique across the registry, or evidence for one is credited to another.",
         "Give one of the falsifiers a new id (the message names the other file)."),
    Rule("PV-SCHEMA-010", E, "depends_on names a contract that does not exist",
         "Dependencies form the graph that incremental runs and audits follow.",
         "Fix the contract stem or add the missing contract."),
    Rule("PV-SCHEMA-011", E, "a reference names an obligation id that does not exist",
         "When obligations carry ids, a kani harness or falsifier citing an unknown one "
         "claims to cover something nobody stated.",
         "Cite one of the obligation ids declared in proof_obligations."),
    Rule("PV-SCHEMA-012", E, "duplicate proof obligation id",
         "Obligation ids are referenced by harnesses and falsifiers.",
         "Give each obligation its own id."),
    Rule("PV-SCHEMA-013", E, "qa_gate.checks names a falsifier that does not exist",
         "A quality gate that requires a missing falsifier can never be met honestly.",
         "Name a falsifier id declared in falsification_tests."),
    Rule("PV-SCHEMA-014", E, "a tolerance or numeric parameter is not a plain finite number",
         "A falsifier checks `error <= tolerance`: a tolerance of .inf, 1e400 (read as infinity), "
         "'inf' or NaN passes on any error, a negative one fails on every run, and YAML 1.1 reads "
         "`1:30` as the sexagesimal 90. Such a falsifier cannot say anything about the kernel.",
         "Write a finite decimal number (a tolerance >= 0), e.g. `tolerance: 1.0e-6`; quote "
         "text that is not a number."),
    Rule("PV-SCHEMA-015", E, "one field written under two spellings",
         "The format accepts aliases (`statement` for `property`, `expected` for `prediction`); "
         "with both written, one value would be dropped unseen.",
         "Keep one of the two keys."),
    Rule("PV-SCHEMA-016", E, "an id holds characters other than ASCII letters, digits, '-', '_' and '.'",
         "Ids are matched byte for byte by tests, evidence and other tools; Unicode digits "
         "(`٠٠١`, full-width `００１`) look like ASCII ones and are not.",
         "Write the id in ASCII, e.g. FALSIFY-RN-001."),
    Rule("PV-SCHEMA-017", W, "a legacy `falsification:` or `falsification_conditions:` block",
         "Its rows are not falsification tests: nothing binds, runs or counts them, although they "
         "read like falsifiers.",
         "Move each row into falsification_tests (id, rule, prediction, test, if_fails)."),
    Rule("PV-SCHEMA-018", E, "an unknown lifecycle status word",
         "The declared status is checked against the evidence; a word pv does not know (a typo "
         "such as DISCHARGD) would switch that check off.",
         "Use one of the lifecycle words the message lists (README, \"Lifecycle words\")."),
    Rule("PV-CLAUSE-001", E, "a Python contract clause is unsafe or does not parse",
         "In a contract whose implementations are Python (metadata.language: python, or "
         "implementations declared), each pre- and postcondition is an expression pv.enforce "
         "compiles and runs in the user's process. A clause outside the safe subset (dunder or "
         "private names, lambdas, list comprehensions, calls off the allow-list) would be refused "
         "at import time; one that does not parse checks nothing. Clauses of contracts for other "
         "languages (aprender's Rust) are not parsed.",
         "Rewrite the clause in the safe subset described in the README (Runtime contracts), "
         "e.g. `isfinite(x).all()`, `x.shape[-1] % 32 == 0`."),
    # -- test binding (pv lint) ----------------------------------------------------------
    Rule("PV-VER-001", W, "a falsifier's test is prose or does not resolve (non-strict)",
         "Outside strict mode an unbound falsifier is reported but tolerated while a contract matures.",
         "Set `test:` to the pytest node id of the test that discharges it, e.g. "
         "falsifiers/test_x.py::test_y; run with --strict-test-binding to enforce."),
    Rule("PV-VER-002", E, "a falsifier's test does not resolve to a collected test (strict)",
         "A reference to a test that pytest does not collect is a claim nothing checks: the "
         "test was renamed, moved, reparametrized, or never written.",
         "Use the candidate pv lists (the first is usually right), or `pv lint --fix` when "
         "exactly one candidate carries the falsifier's marker."),
    Rule("PV-VER-003", W, "a falsifier is explicitly deferred with LIVE-PENDING",
         "An honest, visible deferral is better than a reference to nothing.",
         "Write the test and replace `LIVE-PENDING: ...` with its node id."),
    Rule("PV-VER-004", E, "a test's falsifies marker names an id no contract declares (orphan marker)",
         "The test claims to discharge a falsifier that does not exist: a typo, or a "
         "falsifier renamed or removed from its contract.",
         "Fix the id in @pytest.mark.falsifies(...) or declare the falsifier in a contract."),
    Rule("PV-VER-005", E, "the contract names a test whose marker does not name the falsifier",
         "Binding is two-way: the contract names the test and the test names the falsifier; "
         "when they disagree, one of them is stale.",
         "Add the id to the test's @pytest.mark.falsifies(...) or point `test:` at the right test."),
    Rule("PV-VER-006", E, "a falsifier does not cover every implementation (falsifier parity)",
         "When a contract declares several implementations, a falsifier that runs against only "
         "one lets the other regress silently.",
         "Parametrize the falsifier's tests over every name in `implementations` (the "
         "parametrize id must contain the implementation name)."),
    Rule("PV-VER-007", E, "the declared metadata.status is not supported by the evidence",
         "A status is a claim about evidence; FUNCTIONAL with an unbound falsifier is false.",
         "Bind and pass the falsifiers, or lower metadata.status to what the evidence supports."),
    Rule("PV-VER-008", E, "a bound test is skipped unconditionally (stale binding)",
         "A test that never runs discharges nothing.",
         "Remove the unconditional skip, or bind the falsifier to a test that runs."),
    Rule("PV-VER-009", E, "strict binding resolved fewer references than the contracts declare",
         "A gate that checked nothing must not read as green (vacuity guard).",
         "Make sure the contracts and the test paths given are the ones meant, and bind the falsifiers."),
    Rule("PV-VER-010", E, "a test file could not be collected by pytest",
         "Every test in a file that fails to import is missing from the registry, so its "
         "bindings cannot resolve.",
         "Run `pytest --collect-only` on the file and fix the import error."),
    Rule("PV-VER-011", E, "the test registry could not be built",
         "Without pytest's collection (or cargo's build of the test binaries), no binding can be checked.",
         "Run `python -m pytest --collect-only` (or `cargo test --no-run --offline`) in the project root "
         "and fix what it reports."),
    Rule("PV-VER-012", W, "a cargo citation has parts pv accepts but does not check",
         "A pipe (`2>&1 | grep ...`), an annotation (`(11/11 PASS)`), features, an unknown option or a "
         "filter-less suite is part of the claim the command makes, and pv cannot vouch for it.",
         "Cite the test itself (`cargo test -p CRATE --lib path::to::test`); keep commentary out of `test:`."),
    # -- traceability (pv audit), versions (pv diff), dependencies (pv graph) -------------
    Rule("PV-AUDIT-001", E, "a proof obligation is covered by no falsifier",
         "An obligation nothing tries to falsify is a claim nobody checks; the chain "
         "reference -> equation -> obligation -> falsifier -> test breaks there.",
         "Add a falsifier whose `obligation:` names the obligation's id, or remove the obligation."),
    Rule("PV-AUDIT-002", W, "proof obligations carry no ids, so coverage cannot be traced",
         "Without `proof_obligations[].id` a falsifier cannot say which obligation it tests, "
         "so no tool can tell a covered obligation from a forgotten one (a known gap of the v1 format).",
         "Give each obligation an id (e.g. RN-INV-001) and cite it from falsifiers with `obligation:`."),
    Rule("PV-AUDIT-003", W, "a falsifier cites no obligation",
         "In a contract whose obligations carry ids, a falsifier without `obligation:` covers "
         "nothing traceable, and the obligation it was written for looks uncovered.",
         "Set `obligation:` to the id of the obligation the falsifier tests."),
    Rule("PV-AUDIT-004", E, "a falsifier is not bound to a collected test",
         "A falsifier that no collected test discharges cannot produce evidence, so every status "
         "above PROPOSED that depends on it is unsupported.",
         "Set `test:` to the pytest node id of the test that discharges it (`pv lint` lists the "
         "closest candidates), or defer it explicitly with `LIVE-PENDING: reason`."),
    Rule("PV-DIFF-001", E, "the declared version bump is smaller than the changes need",
         "Consumers decide what to re-check from the version: a removed falsifier or a changed "
         "formula released as a patch tells them nothing needs re-checking.",
         "Raise metadata.version to at least the bump `pv diff` reports (MAJOR.MINOR.PATCH)."),
    Rule("PV-GRAPH-001", E, "metadata.depends_on forms a cycle",
         "Dependencies say what a contract builds on; a cycle has no order in which the "
         "contracts can be checked or released, and usually means one edge points the wrong way.",
         "Remove or reverse one depends_on entry of the cycle named in the message."),
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}


def rule(code: str) -> Rule:
    return RULES[code]
