"""`pv new`: a contract and its falsifier tests, bound to each other from the first commit.

The scaffold is valid (`pv validate --strict` is clean), declares PROPOSED, and every
falsifier already names a test that carries its `falsifies` marker, so `pv lint
--strict-test-binding` passes at once. Each test fails with "FALSIFY-XX-00N not
implemented" until someone writes it: a scaffold must never read as green.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pv.errors import PvError

CONTRACT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
PREFIX = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")

# (rule, test function, obligation kind, obligation type, property, formal)
_FALSIFIERS = (
    ("Formula agreement", "test_matches_formula", "EQV", "equivalence",
     "Matches the formula evaluated in float64",
     "max_i |f(x)_i - f64(x)_i| <= tol"),
    ("Invariant", "test_invariant_holds", "INV", "invariant",
     "TODO: a property every output satisfies",
     "TODO: the invariant as a predicate over x and f(x)"),
)


class ScaffoldError(PvError):
    """The scaffold cannot be written as asked (bad name, file exists, id taken)."""


@dataclass(frozen=True)
class Scaffold:
    name: str
    prefix: str
    contract_path: Path
    test_path: Path
    contract_text: str
    test_text: str


def default_prefix(name: str) -> str:
    """Initials of the name's words, without the version and 'kernel': rms-norm-v1 -> RN;
    a single word gives its first two letters: softmax-kernel-v1 -> SO."""
    words = [w for w in re.split(r"[-_]+", name) if w and not re.fullmatch(r"v\d+", w) and w != "kernel"]
    if len(words) >= 2:
        return "".join(w[0] for w in words).upper()
    word = words[0] if words else name
    return re.sub(r"[^A-Z0-9]", "", word.upper())[:2] or "XX"


def _module(name: str) -> str:
    return "test_" + re.sub(r"\W", "_", name)


def _equation_name(name: str) -> str:
    return re.sub(r"\W", "_", re.sub(r"-v\d+$", "", name))


def contract_text(name: str, prefix: str, test_nodeids: list[str], today: str) -> str:
    obligations, falsifiers = [], []
    for n, ((rule, _, kind, ob_type, prop, formal), nodeid) in enumerate(zip(_FALSIFIERS, test_nodeids), start=1):
        ob_id = f"{prefix}-{kind}-001"
        obligations.append(
            f"  - id: {ob_id}\n    type: {ob_type}\n    property: \"{prop}\"\n    formal: \"{formal}\"\n"
            + ("    tolerance: 1.0e-6\n" if ob_type == "equivalence" else "") + "    applies_to: all\n")
        falsifiers.append(
            f"  - id: FALSIFY-{prefix}-{n:03d}\n    rule: \"{rule}\"\n"
            f"    prediction: \"TODO: what is measured, on which inputs, and the bound it must meet\"\n"
            f"    test: \"{nodeid}\"\n    if_fails: \"TODO: the likely root cause when this fails\"\n"
            f"    obligation: {ob_id}\n" + ("    parameters: {tolerance: 1.0e-6}\n" if ob_type == "equivalence" else ""))
    checks = ", ".join(f'"FALSIFY-{prefix}-{n:03d}"' for n in range(1, len(_FALSIFIERS) + 1))
    return (
        "metadata:\n"
        '  version: "0.1.0"\n'
        f'  created: "{today}"\n'
        '  author: "TODO: who maintains this contract"\n'
        f'  description: "TODO: what {name} computes, on which inputs and dtypes"\n'
        "  references:\n"
        '    - "TODO: the paper or specification the math comes from"\n'
        "  status: PROPOSED\n"
        "\n"
        "equations:\n"
        f"  {_equation_name(name)}:\n"
        '    formula: "y = f(x)"\n'
        '    domain: "x in R^n, n >= 1, finite"\n'
        '    codomain: "R^n, same shape and dtype as x"\n'
        "    invariants:\n"
        '      - "TODO: a property every output satisfies"\n'
        "\n"
        "proof_obligations:\n" + "".join(obligations) + "\n"
        "falsification_tests:\n" + "".join(falsifiers) + "\n"
        "qa_gate:\n"
        f"  id: F-{prefix}-001\n"
        f'  name: "{name} contract"\n'
        f"  checks: [{checks}]\n"
        '  pass_criteria: "Every falsification test passes"\n'
    )


def falsifier_module_text(prefix: str, contract_display: str) -> str:
    def var(n: int) -> str:  # names read like the ids
        return f"{prefix.replace('-', '_')}_{n:03d}"

    lines = [
        f'"""Falsifiers of {contract_display} (scaffolded by `pv new`).',
        "",
        'Each test fails with "FALSIFY-... not implemented" until it is written: replace the',
        "`.fail(...)` call with a property test whose numbers come from the contract's",
        "`parameters` (e.g. `tolerance = F.tolerance`), then `F.check_close(error)`.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import pytest",
        "",
        "from pv.testing import falsifier",
        "",
    ]
    lines += [f'{var(n)} = falsifier("FALSIFY-{prefix}-{n:03d}")' for n in range(1, len(_FALSIFIERS) + 1)]
    for n, (rule, function, *_rest) in enumerate(_FALSIFIERS, start=1):
        fid = f"FALSIFY-{prefix}-{n:03d}"
        lines += [
            "", "",
            f"@pytest.mark.falsifies({var(n)}.id)",
            f"def {function}() -> None:",
            f'    """{fid} ({rule}): see its prediction in {contract_display}."""',
            f'    {var(n)}.fail("{fid} not implemented")',
        ]
    return "\n".join(lines) + "\n"


def catalogue_path(root: Path, module: str) -> Path:
    """Where the mutant catalogue `module` lives under `root`: a package's __init__.py, else a .py file."""
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def catalogue_text(name: str, module: str) -> str:
    """A mutant catalogue that `pv mutate` can import: empty, with a worked example to copy."""
    return f'''"""Mutants for `pv mutate` (module {module}, scaffolded by `pv new`).

A mutant is one realistic bug, injected in memory into one attribute of one module while
the falsifiers of its contract run: `make(original)` returns the buggy replacement. A
falsifier that fails on it "kills" it; a contract is DISCHARGED only when every mutant of
it is killed. See "Writing mutants" in pv's README.
"""

from __future__ import annotations

from pv.mutation import Mutant

MUTANTS: list[Mutant] = [
    # Mutant(
    #     name="{name}-off-by-one",                 # unique in this catalogue
    #     contract="{name}",                        # the contract whose falsifiers must kill it
    #     target="mypackage.module:function",       # the attribute the tests call, "module:attribute"
    #     description="adds 1e-3 to every output",  # what the bug is, in words
    #     make=lambda original: lambda x: original(x) + 1e-3,
    # ),
]
'''


def plan_scaffold(name: str, prefix: str | None, contracts_dir: Path, tests_dir: Path, root: Path,
                  taken_ids: set[str], today: str | None = None) -> Scaffold:
    """Everything `pv new` will write, checked before anything is written."""
    if not CONTRACT_NAME.fullmatch(name):
        raise ScaffoldError(f"'{name}' is not a contract name: use lower-case letters, digits, '-' and '_' "
                            "(e.g. softmax-kernel-v1)")
    prefix = prefix or default_prefix(name)
    if not PREFIX.fullmatch(prefix):
        raise ScaffoldError(f"--prefix '{prefix}' must be upper-case letters and digits (e.g. SM), "
                            "so that ids read FALSIFY-SM-001")
    contract_path = contracts_dir / f"{name}.yaml"
    test_path = tests_dir / f"{_module(name)}.py"
    for path in (contract_path, test_path):
        if path.exists():
            raise ScaffoldError(f"{path} already exists; pv new never overwrites a file "
                                "(choose another NAME, or remove the file)")
    ids = [f"FALSIFY-{prefix}-{n:03d}" for n in range(1, len(_FALSIFIERS) + 1)]
    clash = sorted(set(ids) & taken_ids)
    if clash:
        raise ScaffoldError(f"{', '.join(clash)} already declared by another contract; "
                            "falsifier ids are unique across the registry: choose another --prefix")
    relative = Path(os.path.relpath(test_path.resolve(), root.resolve())).as_posix()
    nodeids = [f"{relative}::{f[1]}" for f in _FALSIFIERS]
    display = Path(os.path.relpath(contract_path.resolve(), root.resolve())).as_posix()
    today = today or datetime.date.today().isoformat()
    return Scaffold(name, prefix, contract_path, test_path,
                    contract_text(name, prefix, nodeids, today), falsifier_module_text(prefix, display))


def write_scaffold_file(path: Path, text: str) -> None:
    """Create one file; exclusive creation, so a file that appeared meanwhile is not overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists; pv new never overwrites a file") from None


def write_scaffold(scaffold: Scaffold) -> list[Path]:
    """Create the contract and its tests, both or neither."""
    written: list[Path] = []
    try:
        for path, text in ((scaffold.contract_path, scaffold.contract_text), (scaffold.test_path, scaffold.test_text)):
            write_scaffold_file(path, text)
            written.append(path)
    except ScaffoldError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written
