"""Pydantic models of the provable-contracts contract format, as written in 2026.

Field names, defaults, aliases and enums follow the Rust `pv` (crate
`aprender-contracts`, `schema/types.rs`) so that its contracts validate here unchanged:
every key it parses is a known key here, and every spelling it accepts (`statement`
for `property`, `expected` for `prediction`, ...) is accepted. pv extensions (all
optional) close known gaps of the format: `id` on proof obligations,
`obligation`/`parameters`/`guard` on falsifiers, named `preconditions` on equations,
`status` in metadata and top-level `implementations` for contracts with several
implementations of one kernel. Unknown keys are kept (`extra="allow"`) and reported as
warnings by the validator.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from pv.contracts.vocabulary import KERNEL_KINDS, ContractKind


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


ObligationType = Literal[
    "invariant", "equivalence", "bound", "monotonicity", "idempotency", "linearity",
    "symmetry", "associativity", "conservation", "ordering", "completeness", "soundness",
    "involution", "determinism", "roundtrip", "state_machine", "classification",
    "independence", "termination", "safety", "liveness",
    # design by contract (Meyer 1997)
    "precondition", "postcondition", "frame", "loop_invariant", "loop_variant", "old_state",
    "subcontract",
]
KaniStrategy = Literal["exhaustive", "stub_float", "compositional", "bounded_int"]
LeanStatus = Literal["proved", "sorry", "wip", "not-applicable"]
EnforcementLevel = Literal["basic", "standard", "strict", "proven"]
Scalar = str | int | float | bool


class Metadata(_Section):
    version: str = Field(description="Semantic version of the contract, e.g. \"1.0.0\".")
    description: str
    created: str | None = None
    author: str | None = None
    references: list[str] = Field(default_factory=list, description="Citations; at least one.")
    depends_on: list[str] = Field(default_factory=list, description="Stems of contracts this one builds on.")
    status: str | None = Field(default=None, description="Declared lifecycle word: PROPOSED, PARTIAL_ALGORITHM_LEVEL, FUNCTIONAL, DISCHARGED, ...")
    changelog: list[Any] | None = None
    registry: bool = Field(default=False, description="Legacy flag: a kernel-kind contract with it is a registry.")
    kind: ContractKind | None = Field(default=None, description="What the contract describes; kernel when absent.")
    enforcement_level: EnforcementLevel | None = None
    locked_level: str | None = None
    competitor: str | None = None
    demand_score: int | None = None
    intake_status: Literal["missing", "partial", "supported", "unclear"] | None = None
    language: str | None = Field(
        default=None,
        description="pv extension: language of the implementations; `python` makes clauses Python expressions.",
    )


class Clause(NamedTuple):
    """One pre- or postcondition of an equation, whichever form the contract wrote.

    `key` is the clause's name in pv's mapping form and its index in the 2026 list
    form, so `("equations", name, "preconditions", key)` is its place in the YAML
    either way.
    """

    key: str | int
    text: str


ClauseBlock = dict[str, str] | list[str]


class Equation(_Section):
    id: str | None = Field(default=None, description="The equation's name in the list form of `equations`.")
    formula: str = Field(default="", description="The claim; required (SCHEMA-004) on kernel contracts.")
    domain: str | None = None
    codomain: str | None = None
    invariants: list[str] = Field(default_factory=list)
    preconditions: ClauseBlock = Field(
        default_factory=dict,
        description="What the kernel checks at entry: a list of expressions (2026 form) "
                    "or a mapping clause key -> clause text (pv's form).",
    )
    postconditions: ClauseBlock = Field(
        default_factory=list,
        description="What the kernel guarantees on return, in either form of `preconditions`.",
    )
    lean_theorem: str | None = Field(default=None, description="Lean 4 theorem proving this equation.")
    float_tolerance: float | None = Field(default=None, description="IEEE 754 slack at boundaries.")
    assumes: dict[str, Any] | None = Field(default=None, description="What this equation requires from upstream.")
    guarantees: dict[str, Any] | None = Field(default=None, description="What this equation provides downstream.")

    def clauses(self, block: Literal["preconditions", "postconditions"]) -> list[Clause]:
        """The clauses of `block` in the order written, the same shape for both forms."""
        written = getattr(self, block)
        if isinstance(written, dict):
            return [Clause(key, text) for key, text in written.items()]
        return [Clause(i, text) for i, text in enumerate(written)]


class LeanProof(_Section):
    theorem: str
    module: str | None = None
    status: LeanStatus = "sorry"
    depends_on: list[str] = Field(default_factory=list)
    mathlib_imports: list[str] = Field(default_factory=list)
    notes: str | None = None


class ProofObligation(_Section):
    id: str | None = Field(default=None, description="Citable id, e.g. RN-INV-001.")
    type: ObligationType = "invariant"
    property: str = Field(default="", validation_alias=AliasChoices("property", "statement"))
    formal: str | None = Field(default=None, validation_alias=AliasChoices("formal", "verification"))
    tolerance: float | None = None
    applies_to: str | None = Field(default=None, description="all, scalar, simd, converter or another word.")
    lean: LeanProof | None = None
    requires: str | None = Field(default=None, description="Postcondition only: the precondition obligation it needs.")
    applies_to_phase: str | None = Field(default=None, description="Loop invariant/variant only: a kernel phase.")
    parent_contract: str | None = Field(default=None, description="Subcontract only: the contract it refines.")
    na_reason: str | None = None
    na_owner: str | None = None


class FalsificationTest(_Section):
    id: str = Field(description="FALSIFY-<PREFIX>-<NNN>, unique across all contracts.")
    rule: str = Field(default="", validation_alias=AliasChoices("rule", "description"))
    prediction: str = Field(default="", validation_alias=AliasChoices("prediction", "expected"))
    test: str | None = Field(default=None, validation_alias=AliasChoices("test", "command"),
                             description="pytest node id, or LIVE-PENDING: <reason>.")
    test_harness: str | None = Field(default=None, description="How to run it, in the harness spelling.")
    name: str | None = Field(default=None, description="The bare test name, when `test` does not say it.")
    if_fails: str = Field(default="", validation_alias=AliasChoices("if_fails", "fails_if"))
    status: str | None = Field(default=None, description="Declared lifecycle word of this falsifier.")
    binds_to: str | None = Field(default=None, description="The equation this falsifier tests.")
    algorithm_evidence: dict[str, Any] | list[Any] | None = None
    obligation: str | None = Field(default=None, description="pv extension: id of the obligation it tests.")
    parameters: dict[str, Scalar | list[Scalar]] = Field(
        default_factory=dict,
        description="pv extension: tolerances and input ranges the falsifier reads (single source of numbers).",
    )
    guard: str | None = Field(
        default=None,
        description="pv extension: why this falsifier guards an edge no mutant reaches.",
    )


class KaniHarness(_Section):
    id: str
    obligation: str
    property: str | None = None
    bound: int | None = None
    strategy: KaniStrategy | None = None
    solver: str | None = None
    harness: str | None = None
    actually_verified: bool | None = None


class QaGate(_Section):
    id: str = ""
    name: str = ""
    description: str | None = None
    checks: list[str] = Field(default_factory=list)
    pass_criteria: str | None = None
    falsification: str | None = None


class KernelPhase(_Section):
    name: str
    description: str
    invariant: str | None = None


class KernelStructure(_Section):
    phases: list[KernelPhase]


class EnforcementRule(_Section):
    description: str
    check: str | None = None
    severity: str | None = None
    reference: str | None = None


class VerificationSummary(_Section):
    total_obligations: int
    l2_property_tested: int = 0
    l3_kani_proved: int = 0
    l4_lean_proved: int = 0
    l4_sorry_count: int = 0
    l4_not_applicable: int = 0


class TypeInvariant(_Section):
    name: str
    type: str
    predicate: str
    description: str | None = None


class Beat(_Section):
    """A beat-benchmark's pinned baseline (`metadata.kind: beat-benchmark`)."""

    pillar: int | None = None
    incumbent: str = ""
    incumbent_pinned: str | None = None
    canonical_task: str | None = None
    metric: str = ""
    direction: str = ""
    baseline_value: float | None = None
    baseline_floor: float | None = None
    beat_threshold: float | None = None
    baseline_sourced_date: str | None = None
    approved_compute: str | None = None
    ci_gate_name: str = ""


class MutationSection(_Section):
    kernels: list[str] = Field(
        default_factory=list,
        description="pv extension: 'module:function' of each kernel `pv mutate --auto` mutates "
                    "(default: the values of `implementations`).",
    )
    equivalent: dict[str, str] = Field(
        default_factory=dict,
        description="pv extension: generated mutant name -> why no test can tell it from the kernel; "
                    "such a mutant is reported EQUIVALENT, not as a finding.",
    )


class Contract(_Section):
    """One kernel contract: the math, what must hold, and what could prove it wrong."""

    model_config = ConfigDict(extra="allow", title="provable-contracts v1 contract (pv)")

    metadata: Metadata
    equations: dict[str, Equation] = Field(
        default_factory=dict,
        description="name -> equation; also written as a list of entries with `id`. Required on kernel kinds.")
    proof_obligations: list[ProofObligation] = Field(default_factory=list)
    kernel_structure: KernelStructure | None = None
    simd_dispatch: dict[str, dict[str, str]] = Field(default_factory=dict)
    enforcement: dict[str, EnforcementRule] = Field(default_factory=dict)
    falsification_tests: list[FalsificationTest] = Field(default_factory=list)
    kani_harnesses: list[KaniHarness] = Field(default_factory=list)
    qa_gate: QaGate | None = None
    verification_summary: VerificationSummary | None = None
    type_invariants: list[TypeInvariant] = Field(default_factory=list)
    coq_spec: dict[str, Any] | None = None
    beat: Beat | None = None
    parity: Any = None
    stories: list[Any] = Field(default_factory=list)
    falsification: Any = Field(default=None, description="Legacy block: kept and reported, never run.")
    falsification_conditions: Any = Field(default=None, description="Legacy block: kept and reported, never run.")
    implementations: dict[str, str] = Field(
        default_factory=dict,
        description="pv extension: name -> 'module:function' of each implementation of the kernel.",
    )
    mutation: MutationSection | None = Field(
        default=None, description="pv extension: the kernels `pv mutate --auto` mutates, equivalent mutants.")

    @field_validator("equations", mode="before")
    @classmethod
    def _equations_by_name(cls, written: Any) -> Any:
        """The list form (`- id: silu`) keyed by each entry's `id`, as the Rust parser does.

        An entry without an id is named `equation_<index>` (nothing dropped); two entries
        with one id are an error here, where the Rust parser keeps the last silently.
        """
        if not isinstance(written, list):
            return written
        named: dict[str, Any] = {}
        for i, entry in enumerate(written):
            name = equation_name(entry, i)
            if name in named:
                raise ValueError(f"two equations are named '{name}' (entry {i} repeats an earlier id)")
            named[name] = entry
        return named


    @property
    def effective_kind(self) -> str:
        """The effective kind: `metadata.kind`, kernel when absent, registry when a
        kernel-kind contract carries the legacy `registry: true` (as the Rust pv reads it)."""
        declared = self.metadata.kind or "kernel"
        return "registry" if self.metadata.registry and declared == "kernel" else declared

    @property
    def requires_proofs(self) -> bool:
        """Held to the kernel rules: equations, qa_gate and PROVABILITY-001."""
        return self.effective_kind in KERNEL_KINDS


def equation_name(entry: Any, index: int) -> str:
    """The name of entry `index` of a list-form `equations` block."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
        return str(entry["id"])
    return f"equation_{index}"


def equation_keys(written: Any) -> dict[str, str | int]:
    """Equation name -> its key in the YAML (itself in the map form, the index in the list form)."""
    if isinstance(written, list):
        return {equation_name(entry, i): i for i, entry in enumerate(written)}
    if isinstance(written, dict):
        return {str(name): name for name in written}
    return {}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the contract format, for editors and external validators."""
    schema = Contract.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
