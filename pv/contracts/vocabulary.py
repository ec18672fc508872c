"""The closed word lists of the 2026 contract format: contract kinds and lifecycle words.

The Rust `pv` reads `metadata.kind` as an enum and never reads the lifecycle words at
all; pv reads both, because a word nothing checks (`DISCHARGD`) silently switches off
every check that depends on it. One list each, used by the schema, the validator and
status derivation.
"""

from __future__ import annotations

from typing import Literal

ContractKind = Literal[
    "kernel", "registry", "model-family", "model-family-variant", "tokenizer", "training-loop",
    "pretraining-corpus", "training-precondition-gate", "corpus-assembly", "pattern", "schema",
    "beat-benchmark", "competitive-parity", "kaizen",
]

# Kinds held to the kernel rules (equations, qa_gate, PROVABILITY-001): the Rust
# `requires_proofs()`. Every other kind is validated only for what it does contain.
KERNEL_KINDS = frozenset({"kernel", "competitive-parity"})

# Every lifecycle word the 2026 contracts write, mapped onto the level of pv's derived
# status (PROPOSED < PARTIAL < FUNCTIONAL < DISCHARGED) that the word claims. The words
# are the authors' own (see README, "Lifecycle words"): PARTIAL_ALGORITHM_LEVEL means
# "the falsifiers are bound to executable tests", FUNCTIONAL "all of them pass",
# DISCHARGED "and a live or empirical run was recorded"; ACTIVE* are the qwen3-moe
# contract's names for the functional stage (algorithm level, then at runtime).
LIFECYCLE_LEVELS: dict[str, str] = {
    "PROPOSED": "PROPOSED",
    "DRAFT": "PROPOSED",
    "PENDING": "PROPOSED",
    "DEFERRED": "PROPOSED",
    "BLOCKER_FIXTURE_ABSENT": "PROPOSED",
    "PARTIAL": "PARTIAL",
    "PARTIAL_ALGORITHM_LEVEL": "PARTIAL",
    "FUNCTIONAL": "FUNCTIONAL",
    "ACTIVE": "FUNCTIONAL",
    "ACTIVE_ALGORITHM_LEVEL": "FUNCTIONAL",
    "ACTIVE_RUNTIME": "FUNCTIONAL",
    "DISCHARGED": "DISCHARGED",
    "FULL_DISCHARGED": "DISCHARGED",
}


def lifecycle_level(word: str) -> str | None:
    """The derived level `word` claims, or None when it is not a lifecycle word.

    Case and `-`/`_` are forgiven (`partial-algorithm-level`), spelling is not.
    """
    return LIFECYCLE_LEVELS.get(word.strip().upper().replace("-", "_"))
