"""The project loaded once: contracts parsed, tests collected, every falsifier resolved.

`pv check` builds one `Plan` and hands it to validate, lint, falsify, mutate and the
scoreboard; every other command builds the same object through `load_plan`, so no step
parses a contract, asks pytest for its tests or resolves a binding a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pv.binding.cargo import CargoTest, source_files
from pv.binding.cargo_resolve import MetaCheck
from pv.binding.registries import CargoTestRegistry, Registries, open_registries
from pv.binding.registry import Registry
from pv.binding.resolve import Binding, BindingState
from pv.config import Config, load_config
from pv.contracts.model import ContractFile
from pv.contracts.parse_cache import ParseCache
from pv.contracts.validate import ValidationResult, validate_paths
from pv.project import default_contract_paths, find_root
from pv.diagnostics.diagnostic import Diagnostic
from pv.diagnostics.render import counted


@dataclass
class FalsifierPlan:
    falsifier_id: str
    contract: str
    binding: Binding
    nodeids: list[str] = field(default_factory=list)  # the bound test and every test marked with the id
    # every contract declaring this id when more than one does (PV-SCHEMA-009): which
    # one's parameters a test reads is then a matter of file order, so it is never run
    conflict: tuple[str, ...] = ()


@dataclass
class Plan:
    root: Path
    config: Config
    validation: ValidationResult
    registries: Registries  # every registry the project has (pytest, cargo, meta)
    bindings: dict[str, list[Binding]]  # per contract file path, in the order of its falsifiers
    falsifiers: dict[str, FalsifierPlan]

    @property
    def contracts(self) -> list[ContractFile]:
        return self.validation.contracts

    @property
    def registry(self) -> Registry:
        """pytest's registry."""
        return self.registries.pytest

    @property
    def unreadable(self) -> list[ContractFile]:
        """Files given that are not contracts pv could read: every report lists them with their
        errors and counts what they declare, so a broken file never vanishes from a total."""
        return [f for f in self.validation.files if f.contract is None]

    @property
    def problems(self) -> list[Diagnostic]:
        """Paths given that could not be read at all (no such file, an empty directory)."""
        return [d for d in self.validation.diagnostics if d.code == "PV-IO-001" and d.line == 0]

    def denominator(self) -> str:
        """"133 falsifiers in 20 files (19 contracts read, 1 unreadable)": the words every
        summary starts from."""
        files = len(self.contracts) + len(self.unreadable)
        declared = sum(f.declared_falsifiers for f in (*self.contracts, *self.unreadable))
        unread = f", {len(self.unreadable)} unreadable" if self.unreadable else ""
        return (f"{counted(declared, 'falsifiers')} in {counted(files, 'files')} "
                f"({counted(len(self.contracts), 'contracts')} read{unread})")

    def nodeids(self, contract: str | None = None) -> list[str]:
        """The pytest node ids to run (cargo and meta falsifiers run elsewhere: `other_falsifiers`)."""
        seen: dict[str, None] = {}
        for plan in self.falsifiers.values():
            if (contract is None or plan.contract == contract) and plan.binding.registry == "pytest" and not plan.conflict:
                seen.update(dict.fromkeys(plan.nodeids))
        return list(seen)

    def other_falsifiers(self) -> list[FalsifierPlan]:
        """Bound falsifiers whose tests are not pytest's (cargo tests, `pv validate` meta-checks)."""
        return [p for p in self.falsifiers.values()
                if p.binding.registry != "pytest" and p.binding.state is BindingState.RESOLVED and p.binding.tests
                and not p.conflict]

    def source_files(self, fplan: FalsifierPlan) -> list[str]:
        """The files (relative to the root) a cargo or meta falsifier's verdict depends on."""
        files = [t.path for t in fplan.binding.tests if isinstance(t, MetaCheck)]
        cargo = self.registries.members.get("cargo")
        if isinstance(cargo, CargoTestRegistry):
            files += source_files(cargo.registry, [t.package for t in fplan.binding.tests if isinstance(t, CargoTest)])
        return files

    def expected_results(self) -> dict[str, list[str]]:
        """Per runnable falsifier (not a duplicate id), the node ids whose results decide it: the
        cited tests and every test marked with the id. A cargo test cited twice, once with
        --include-ignored and once without, belongs only to the citation that runs it."""
        return {fid: p.nodeids for fid, p in self.falsifiers.items() if not p.conflict}


def load_contracts(paths: list[Path] | None, root: Path, *,
                   use_cache: bool = True) -> ValidationResult:
    """Every contract under `paths` (default: the project's), validated, through the parse cache."""
    cache = ParseCache.open(root) if use_cache else None
    return validate_paths(paths or default_contract_paths(root), cache)


def references(validation: ValidationResult) -> list[str | None]:
    """Every `test:` the contracts cite: which registries the project needs opened."""
    return [t.test for f in validation.contracts if f.contract for t in f.contract.falsification_tests]


def make_plan(root: Path, config: Config, validation: ValidationResult, registries: Registries) -> Plan:
    """Resolve every falsifier of the valid contracts against the registries, once."""
    marked = registries.pytest.by_falsifier()
    declared_in: dict[str, list[str]] = {}
    for f in validation.contracts:
        assert f.contract is not None
        for test in f.contract.falsification_tests:
            declared_in.setdefault(test.id, []).append(f.path)  # twice in one file is a duplicate too
    bindings: dict[str, list[Binding]] = {}
    falsifiers: dict[str, FalsifierPlan] = {}
    for f in validation.contracts:
        assert f.contract is not None
        bindings[f.path] = []
        for test in f.contract.falsification_tests:
            binding = registries.resolve(test.id, test.test)
            bindings[f.path].append(binding)
            if test.id in falsifiers:
                continue  # a duplicate: the first declaration stands for the conflict
            conflict = tuple(declared_in[test.id]) if len(declared_in[test.id]) > 1 else ()
            if binding.registry != "pytest":
                nodeids = [t.nodeid for t in binding.tests] if binding.state is BindingState.RESOLVED else []
            else:
                nodeids = [t.nodeid for t in marked.get(test.id, []) if not t.skipped]
                if binding.state is BindingState.RESOLVED and binding.test and binding.test.nodeid not in nodeids:
                    nodeids.insert(0, binding.test.nodeid)
            falsifiers[test.id] = FalsifierPlan(test.id, f.stem, binding, [] if conflict else nodeids, conflict)
    return Plan(root=root, config=config, validation=validation, registries=registries, bindings=bindings,
                falsifiers=falsifiers)


def load_plan(paths: list[Path] | None = None, root: Path | None = None, *, use_cache: bool = True) -> Plan:
    """The project as every command sees it: contracts, the test registry and the bindings."""
    root = root or find_root()
    config = load_config(root)
    validation = load_contracts(paths, root, use_cache=use_cache)
    registries = open_registries(root, config.tests, use_cache=use_cache, references=references(validation))
    return make_plan(root, config, validation, registries)
