"""What a falsifier test needs from pv: its numbers from the contract, and a margin record.

    RN_002 = falsifier("FALSIFY-RN-002")

    @pytest.mark.falsifies(RN_002.id)
    @given(...)
    def test_scale_invariance(x):
        RN_002.check_close(observed_error, tolerance=RN_002.tolerance)

The tolerance and input ranges come from the falsifier's `parameters` (or its
obligation's `tolerance`) in the contract YAML, never from a second copy in the test.
`check_close` records the worst error seen against the tolerance (the margin the
scoreboard shows) and fails with a message naming the falsifier id.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pv.contracts.files import discover
from pv.contracts.loader import contract_data
from pv.project import contract_dirs, find_root

# pytest's rootdir, set by the pv plugin: where to look when the caller is not a file.
_pytest_root: Path | None = None

# Observations for the test running now: set by the pytest plugin around each test call.
_observations: dict[str, dict[str, float]] | None = None


def _begin_observing() -> dict[str, dict[str, float]]:
    global _observations
    _observations = {}
    return _observations


def _end_observing() -> None:
    global _observations
    _observations = None


@dataclass(frozen=True)
class Falsifier:
    """A contract's falsifier entry, as a test reads it."""

    id: str
    contract: str
    contract_path: Path
    entry: dict[str, Any] = field(repr=False)
    document: dict[str, Any] = field(repr=False)
    problem: str | None = None  # why the contract entry could not be found; every use raises it

    def __getattribute__(self, name: str) -> Any:
        if name in _NEEDS_ENTRY:
            problem = object.__getattribute__(self, "problem")
            if problem is not None:
                raise LookupError(problem)
        return object.__getattribute__(self, name)

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.entry.get("parameters") or {})

    def param(self, name: str) -> Any:
        try:
            value = self.entry["parameters"][name]
        except (KeyError, TypeError):
            raise KeyError(f"{self.id}: parameter '{name}' is not declared in {self.contract_path.name}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{self.id}: parameter '{name}' = {value!r} in {self.contract_path.name} is not finite "
                             "(see pv validate, PV-SCHEMA-014)")
        return value

    @property
    def tolerance(self) -> float:
        """The falsifier's `parameters.tolerance`, else its obligation's `tolerance`."""
        params = self.entry.get("parameters") or {}
        if "tolerance" in params:
            return _tolerance(self, params["tolerance"])
        obligation = self.obligation
        if obligation is not None and obligation.get("tolerance") is not None:
            return _tolerance(self, obligation["tolerance"])
        raise KeyError(f"{self.id}: no tolerance in its parameters or its obligation ({self.contract_path.name})")

    @property
    def obligation(self) -> dict[str, Any] | None:
        wanted = self.entry.get("obligation")
        for ob in self.document.get("proof_obligations") or []:
            if isinstance(ob, dict) and wanted is not None and ob.get("id") == wanted:
                return ob
        return None

    @property
    def prediction(self) -> str:
        return str(self.entry.get("prediction", ""))

    def check_close(self, error: float, tolerance: float | None = None, what: str = "error") -> None:
        """Fail unless `error <= tolerance`; record error/tolerance as this falsifier's margin."""
        bound = self.tolerance if tolerance is None else _tolerance(self, tolerance)
        observe(self.id, error, bound)
        if math.isnan(error):
            raise AssertionError(
                f"{self.id} falsified ({self.contract}): {what} is NaN (not a number), which no tolerance "
                f"admits; prediction: {self.prediction}")
        if error == -math.inf:  # an excess below a slack may be negative, but never without bound: a bug
            raise AssertionError(
                f"{self.id} falsified ({self.contract}): {what} is -inf, which says nothing was measured; "
                f"prediction: {self.prediction}")
        if not (error <= bound):
            raise AssertionError(
                f"{self.id} falsified ({self.contract}): {what} {error:.6g} exceeds {bound:.6g}; "
                f"prediction: {self.prediction}")

    def fail(self, message: str) -> None:
        raise AssertionError(f"{self.id} falsified ({self.contract}): {message}; prediction: {self.prediction}")


def _tolerance(owner: Falsifier, value: Any) -> float:
    """A tolerance the check can fail against: a finite number >= 0 (never .inf, NaN, a
    bool or a word); pv validate reports the same in the contract (PV-SCHEMA-014), which
    also reads a quoted number (`"1e-5"`) as the number it spells."""
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number) or number < 0:
        raise ValueError(f"{owner.id}: tolerance {value!r} in {owner.contract_path.name} is not a finite number >= 0 "
                         "(see pv validate, PV-SCHEMA-014)")
    return float(number)


_NEEDS_ENTRY = frozenset({"parameters", "param", "tolerance", "obligation", "prediction", "check_close", "fail",
                          "entry", "document"})
# FALSIFY id -> why its contract entry could not be read; the pv plugin fails those tests at setup.
unresolved: dict[str, str] = {}


def _caller_root(depth: int) -> Path:
    """The project of the module calling falsifier(): its file's, else pytest's rootdir, else the cwd's."""
    caller = sys._getframe(depth).f_globals.get("__file__")
    if isinstance(caller, str):
        return find_root(Path(caller).parent)
    return find_root(_pytest_root)


def falsifier(falsifier_id: str, root: Path | None = None) -> Falsifier:
    """The contract entry of `falsifier_id`, found among the contracts of the calling test's project.

    The contracts are read with the loader `pv validate` uses (YAML 1.2 numbers, duplicate
    keys refused), so the numbers a test reads are the numbers validate checked.
    """
    try:
        path, entry, document = lookup_falsifier(falsifier_id, root or _caller_root(2))
    except LookupError as missing:
        # Not raised here: the test module still imports, so one broken or half-written contract
        # fails only the tests bound to it (at setup, with this message), never the whole session.
        unresolved[falsifier_id] = str(missing)
        return Falsifier(id=falsifier_id, contract="?", contract_path=Path(), entry={}, document={}, problem=str(missing))
    return Falsifier(id=falsifier_id, contract=path.stem, contract_path=path, entry=entry, document=document)


def observe(falsifier_id: str, error: float, tolerance: float) -> None:
    """Record one observed error against its tolerance; the worst ratio is kept."""
    if _observations is None:
        return
    _observations[falsifier_id] = worst_margin(_observations.get(falsifier_id), margin(error, tolerance))


def margin(error: float, tolerance: float) -> dict[str, Any]:
    """error/tolerance as strict JSON: a ratio no tolerance bounds (a NaN or infinite error,
    any error against tolerance 0) is None with a note, never a NaN or Infinity token."""
    error, tolerance = float(error), float(tolerance)
    finite = math.isfinite(error) and math.isfinite(tolerance)
    ratio = (error / tolerance if tolerance > 0 else 0.0 if error == 0 else None) if finite else None
    record: dict[str, Any] = {"error": error if math.isfinite(error) else None,
                              "tolerance": tolerance if math.isfinite(tolerance) else None,
                              "ratio": ratio if ratio is None or math.isfinite(ratio) else None}
    if record["ratio"] is None:
        record["note"] = (f"observed error is {error}" if not math.isfinite(error) else
                          f"tolerance is {tolerance}" if not math.isfinite(tolerance) else
                          f"error {error:.6g} against tolerance 0" if tolerance == 0 else
                          f"error {error:.6g} / tolerance {tolerance:.6g} overflows")
    return record


def _ratio_key(m: Mapping[str, Any]) -> float:
    return math.inf if m.get("ratio") is None else float(m["ratio"])


_Margin = TypeVar("_Margin", bound=Mapping[str, Any])


def worst_margin(*margins: _Margin | None) -> _Margin:
    """The margin with the largest ratio; an unbounded one (ratio None) is the worst."""
    return max((m for m in margins if m is not None), key=_ratio_key)


# -- finding a falsifier's contract entry: pv's own loader and file discovery, as `pv validate` reads them


@dataclass(frozen=True)
class FalsifierIndex:
    """FALSIFY id -> (contract path, falsifier entry, whole document); and the files that could not be read."""

    entries: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]]
    unreadable: tuple[str, ...]  # "path:line:col: CODE message", as `pv validate` prints it


@cache
def falsifier_index(dirs: tuple[Path, ...]) -> FalsifierIndex:
    """Every falsifier declared under `dirs`. A file that cannot be read is recorded, not raised:
    one broken contract must not break the falsifier tests of every other contract."""
    entries: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]] = {}
    unreadable: list[str] = []
    found, _ = discover([d for d in dirs if d.exists()])
    for path in found:
        document, problem = contract_data(path)
        if document is None:
            unreadable.append(problem or str(path))
            continue
        for entry in document.get("falsification_tests") or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                entries.setdefault(entry["id"], (path, entry, document))
    return FalsifierIndex(entries, tuple(unreadable))


def lookup_falsifier(falsifier_id: str, root: Path | None = None) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The contract entry of `falsifier_id`; LookupError saying where pv looked and what to do."""
    dirs = tuple(contract_dirs(root or find_root()))
    index = falsifier_index(dirs)
    try:
        return index.entries[falsifier_id]
    except KeyError:
        pass
    where = ", ".join(map(str, dirs))
    message = f"{falsifier_id}: no contract under {where} declares it"
    if index.unreadable:
        shown = "; ".join(index.unreadable[:3]) + (f" (and {len(index.unreadable) - 3} more)" if len(index.unreadable) > 3 else "")
        message += f"; these contract files could not be read, and it may be in one of them: {shown}; run `pv validate`"
    else:
        message += " (is the id spelled as in the contract, and is the contract among [tool.pv] contracts?)"
    raise LookupError(message)


def exercise_preconditions(contract_id: str, equation: str, signature: Any, valid: tuple[tuple[Any, ...], dict[str, Any]],
                           kernel: Any, *, vary: tuple[str, ...] | None = None,
                           examples: dict[str | int, tuple[tuple[Any, ...], dict[str, Any]]] | None = None,
                           without: tuple[str | int, ...] = ()) -> list[str]:
    """One generated falsifier per precondition: what went wrong, or [] when each clause holds up.

    For each precondition of `equation`, pv finds a call (arguments of `signature`, the
    function whose parameters the clauses read) that breaks that clause first, by
    perturbing the `valid` call (only the parameters in `vary`, if given) and asking the
    compiled clauses; `examples` supplies a call for a clause no perturbation reaches;
    `without` names clauses this kernel is known not to check (say why at the call site).
    `kernel` is then called with it (its public form, so a mutant swapped in for the
    public function is what runs) and must raise `ContractViolation` naming the contract
    and quoting that clause. A deleted or weakened check therefore fails here.
    """
    from pv.runtime import ContractViolation
    from pv.runtime.violate import violating_calls

    found, missing = violating_calls(contract_id, equation, signature, valid, examples, vary=vary)
    problems = [f"precondition {c.key!r} ({c.text}): no violating input found from the valid call; "
                "give one in examples" for c in missing if c.key not in without]
    for violation in (v for v in found if v.clause.key not in without):
        args, kwargs = violation.call
        clause = violation.clause
        try:
            kernel(*args, **kwargs)
        except ContractViolation as raised:
            if raised.clause_key != clause.key or contract_id not in str(raised) or clause.text not in str(raised):
                problems.append(f"precondition {clause.key!r} ({clause.text}) broken by {violation.change}, "
                                f"but the kernel reported: {raised}")
        except Exception as other:  # noqa: BLE001 - any other error means the clause was not checked
            problems.append(f"precondition {clause.key!r} ({clause.text}) broken by {violation.change}: the kernel "
                            f"raised {type(other).__name__}: {other}, not ContractViolation")
        else:
            problems.append(f"precondition {clause.key!r} ({clause.text}) broken by {violation.change}, "
                            "but the kernel returned normally")
    return problems
