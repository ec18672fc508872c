"""Resolving a cargo `test:` against cargo's own test list, with cargo's filter semantics.

What `cargo test -p P [--lib | --test T | ...] [NAME] [-- FILTER... --exact --skip S]` runs:
the packages named by `-p` (or the default members), the targets selected (by default the
library, binaries and integration tests), and in each the tests whose full path contains a
filter (equals it under `--exact`) and contains no `--skip` pattern. `#[ignore]`d tests are
listed but do not run unless `--ignored`/`--include-ignored`.

pv resolves each leg of a compound separately and is stricter than cargo in one way: every
filter must select a test (cargo ORs its filters, so a dangling one would go unnoticed). A
wrong `-p` crate or `--test` target is dangling even when the function exists elsewhere,
because cargo would refuse the command or run nothing. A bare identifier names a function:
it resolves to tests whose last path segment is exactly that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pv.binding.cargo import CargoRegistry, CargoTest, FeatureSet
from pv.binding.cargo_command import CargoLeg, MetaLeg, OtherLeg, is_rust_ident, parse_command
from pv.binding.resolve import MAX_CANDIDATES, Binding, BindingState, Dangling, NameParts, RegisteredTest, rank

_DEFAULT_KINDS = ("lib", "bin", "test")


@dataclass(frozen=True, slots=True)
class MetaCheck:
    """`pv validate PATH` as a test: pv runs it itself (`pv falsify`)."""

    path: str

    @property
    def nodeid(self) -> str:
        return f"pv validate {self.path}"

    @property
    def function(self) -> str:
        return self.path

    @property
    def falsifies(self) -> tuple[str, ...]:
        return ()

    @property
    def skipped(self) -> bool:
        return False


def resolve_meta(falsifier_id: str, reference: str, root: Path) -> Binding:
    """A `pv validate` reference resolves when every file it names exists under the project root."""
    checks, dangling = _meta(parse_command(reference).legs, root)
    if dangling or not checks:
        return Binding(falsifier_id, reference, BindingState.UNRESOLVED, registry="meta", dangling=tuple(dangling))
    return Binding(falsifier_id, reference, BindingState.RESOLVED, checks[0], registry="meta", tests=tuple(checks))


def _meta(legs: tuple[object, ...], root: Path) -> tuple[list[MetaCheck], list[Dangling]]:
    checks, dangling = [], []
    for leg in legs:
        if isinstance(leg, MetaLeg):
            for path in leg.paths or ("",):
                if path and (root / path).is_file():
                    checks.append(MetaCheck(path))
                else:
                    dangling.append(Dangling(path or leg.text, "no such contract file under the project root"))
    return checks, dangling


def cargo_parts(test: CargoTest) -> NameParts:
    return NameParts(f"{test.package} {test.kind} {test.target}", test.package, test.modules, test.function, None)


def _scopes(leg: CargoLeg, registry: CargoRegistry) -> tuple[list[tuple[str, str, str]], list[Dangling], list[str]]:
    """(package, kind, target) scopes the leg selects, what in it cannot exist, and notes."""
    dangling: list[Dangling] = []
    notes: list[str] = []
    names = [p.split("@", 1)[0] for p in leg.packages]
    members = ", ".join(sorted(registry.packages))
    for name in names:
        if name not in registry.packages:
            dangling.append(Dangling(f"-p {name}", f"no package `{name}` in the workspace (members: {members})"))
    if leg.workspace:
        chosen = [p for p in registry.packages if p not in leg.exclude]
    elif names:
        chosen = [n for n in names if n in registry.packages]
    else:
        chosen = list(registry.default_members)
    scopes: list[tuple[str, str, str]] = []
    for kind, target in leg.targets or tuple((k, None) for k in _DEFAULT_KINDS):
        if kind == "doc":
            notes.append("doc-tests are not in pv's cargo registry: `--doc` is not checked")
            continue
        found = [(p, t.kind, t.name) for p in chosen for t in registry.packages[p].targets
                 if t.kind == kind and (target is None or t.name == target)]
        if target is not None and not found and chosen:
            have = sorted({t.name for p in chosen for t in registry.packages[p].targets if t.kind == kind})
            dangling.append(Dangling(f"--{kind} {target}", f"no {kind} target `{target}` in {_packages(chosen)} "
                                     f"(its {kind} targets: {', '.join(have) or 'none'})"))
        elif leg.targets and kind == "lib" and not found and chosen:
            dangling.append(Dangling("--lib", f"{_packages(chosen)} has no library target"))
        scopes += found
    return scopes, dangling, notes


def leg_feature_sets(leg: CargoLeg) -> list[FeatureSet]:
    """The non-default builds a leg asks for: one per package it names."""
    sets = [FeatureSet.of(p.split("@", 1)[0], leg.features, leg.all_features, leg.no_default_features) for p in leg.packages]
    return [f for f in sets if f is not None]


def _features(leg: CargoLeg, registry: CargoRegistry) -> tuple[str, list[Dangling], list[str]]:
    """The feature flags whose build the leg's tests come from, what cannot be built, and notes."""
    asked = leg.features or leg.all_features or leg.no_default_features
    if not asked:
        return "", [], []
    if not leg.packages:
        return "", [], ["features without -p: resolved against the default-feature build"]
    wanted = leg_feature_sets(leg)
    flags = wanted[0].flags
    dangling = [Dangling(f"{f.flags}", f"cargo refuses it: {registry.refused[f]}") for f in wanted if f in registry.refused]
    dangling += [Dangling(f.flags, f"package `{f.package}` was not built with these features")
                 for f in wanted if f not in registry.feature_sets and f.package in registry.packages]
    return flags, dangling, []


def _packages(names: list[str]) -> str:
    return ", ".join(f"package `{n}`" for n in names)


def _matches(pattern: str, name: str, exact: bool) -> bool:
    return pattern == name if exact else pattern in name


def _scope_text(leg: CargoLeg) -> str:
    parts = [f"-p {p}" for p in leg.packages] or (["--workspace"] if leg.workspace else ["the default members"])
    parts += [f"--{k}" + (f" {t}" if t else ("" if k == "lib" else "s")) for k, t in leg.targets]
    return " ".join(parts)


def resolve_leg(leg: CargoLeg, registry: CargoRegistry) -> tuple[list[CargoTest], list[CargoTest], list[Dangling], list[str]]:
    """(tests selected, of them those that run by default, dangling parts, notes) for one leg."""
    scopes, dangling, notes = _scopes(leg, registry)
    flags, refused, feature_notes = _features(leg, registry)
    dangling = [Dangling(leg.text, e) for e in leg.errors] + dangling + refused
    notes = list(leg.notes) + notes + feature_notes
    wanted = set(scopes)
    pool = [t for t in registry.tests.values() if (t.package, t.kind, t.target) in wanted and t.features == flags]
    pool = [t for t in pool if not any(_matches(s, t.name, leg.exact) for s in leg.skips)]
    if not leg.filters:
        selected = pool
        if not dangling:
            notes.append(f"no filter: the citation is every test of {_scope_text(leg)} ({len(pool)})")
    else:
        selected = [t for t in pool if any(_matches(f, t.name, leg.exact) for f in leg.filters)]
        for f in leg.filters:
            if not any(_matches(f, t.name, leg.exact) for t in pool) and not dangling:
                dangling.append(Dangling(f, f"matches none of the {len(pool)} tests cargo lists for {_scope_text(leg)}"))
    if not selected and not dangling:
        dangling.append(Dangling(leg.cited, f"selects no test in {_scope_text(leg)}"))
    runs = [t for t in selected if {"default": not t.ignored, "only": t.ignored, "include": True}[leg.ignored]]
    return selected, runs, dangling, notes


def resolve_cargo(falsifier_id: str, reference: str, registry: CargoRegistry) -> Binding:
    """Each leg resolved on its own; the binding resolves only when every leg does."""
    parsed = parse_command(reference)
    if not parsed.cargo_legs and is_rust_ident(reference.strip()):
        return _resolve_bare(falsifier_id, reference, registry)
    selected: dict[str, RegisteredTest] = {}
    runs: dict[str, RegisteredTest] = {}
    dangling: list[Dangling] = []
    notes = list(parsed.notes)
    unrun = [leg.text for leg in parsed.legs if isinstance(leg, OtherLeg)]
    first_wanted: NameParts | None = None
    first_flags = ""
    for leg in parsed.legs:
        if isinstance(leg, CargoLeg):
            chosen, running, missed, leg_notes = resolve_leg(leg, registry)
            selected.update((t.nodeid, t) for t in chosen)
            runs.update((t.nodeid, t) for t in running)
            dangling += missed
            notes += leg_notes
            if missed and first_wanted is None:
                first_wanted = _wanted(leg, missed[0])
                first_flags = _features(leg, registry)[0]
        elif isinstance(leg, MetaLeg):
            checks, missed = _meta((leg,), registry.root)
            selected.update((c.nodeid, c) for c in checks)
            runs.update((c.nodeid, c) for c in checks)
            dangling += missed
        elif isinstance(leg, OtherLeg):
            notes.append(f"`{leg.text}` is not a cargo test: not checked")
    if dangling or not selected:
        candidates = _candidates(falsifier_id, first_wanted, registry, first_flags)
        return Binding(falsifier_id, reference, BindingState.UNRESOLVED, candidates=candidates, registry="cargo",
                       dangling=tuple(dangling), notes=tuple(notes))
    primary = next(iter(runs.values()), next(iter(selected.values())))
    return Binding(falsifier_id, reference, BindingState.RESOLVED, primary, registry="cargo",
                   tests=tuple(runs.values()), notes=tuple(notes), unrun=tuple(unrun))


def _wanted(leg: CargoLeg, missed: Dangling) -> NameParts:
    cited = missed.cited if missed.cited in leg.filters else (leg.filters[0] if leg.filters else "")
    segments = cited.split("::")
    package = leg.packages[0].split("@", 1)[0] if leg.packages else ""
    kind, target = leg.targets[0] if len(leg.targets) == 1 else ("", None)
    scope = f"{package} {kind} {target or (package.replace('-', '_') if kind == 'lib' else '')}"
    return NameParts(scope, package, tuple(segments[:-1]), segments[-1], None)


def _candidates(falsifier_id: str, wanted: NameParts | None, registry: CargoRegistry,
                flags: str = "") -> tuple[RegisteredTest, ...]:
    """The closest tests, one per test (a test in several feature builds is offered from the
    build the citation asks for, else the default one)."""
    if wanted is None:
        return ()
    ranked = rank(falsifier_id, wanted, ((cargo_parts(t), t) for t in registry.tests.values()))
    ranked.sort(key=lambda st: (-st[0], getattr(st[1], "features", "") != flags, getattr(st[1], "features", "") != "",
                                st[1].nodeid))
    chosen: dict[tuple[str, str, str, str], RegisteredTest] = {}
    for _, t in ranked:
        if isinstance(t, CargoTest):
            chosen.setdefault((t.package, t.kind, t.target, t.name), t)
        if len(chosen) == MAX_CANDIDATES:
            break
    return tuple(chosen.values())


def _resolve_bare(falsifier_id: str, reference: str, registry: CargoRegistry) -> Binding:
    name = reference.strip()
    matches = [t for t in registry.tests.values() if t.function == name and not t.features]  # the default build
    if not matches:
        wanted = NameParts("", "", (), name, None)
        return Binding(falsifier_id, reference, BindingState.UNRESOLVED, candidates=_candidates(falsifier_id, wanted, registry),
                       registry="cargo", dangling=(Dangling(name, "no test function of that name in cargo's test list"),))
    runs = [t for t in matches if not t.ignored]
    notes = (f"bare name: {len(matches)} tests are named `{name}`",) if len(matches) > 1 else ()
    return Binding(falsifier_id, reference, BindingState.RESOLVED, (runs or matches)[0], registry="cargo",
                   tests=tuple(runs), notes=notes)


def choose_cargo_fix(binding: Binding, registry: CargoRegistry) -> tuple[str | None, str]:
    """The rewritten `test:`, when one dangling filter has one clearly right replacement."""
    reference = binding.reference or ""
    if binding.state is not BindingState.UNRESOLVED:
        return None, "already resolved or deliberately pending"
    if len(binding.dangling) != 1 or not binding.candidates:
        return None, f"{len(binding.dangling)} dangling parts and {len(binding.candidates)} candidates; fix by hand"
    cited = binding.dangling[0].cited
    if cited.startswith("-") or " " in cited:
        return None, f"`{cited}` is a crate or target, not a test path; choose the right one by hand"
    best = binding.candidates[0]
    if not isinstance(best, CargoTest):
        return None, "no cargo test to point at"
    leg = next((leg for leg in parse_command(reference).cargo_legs if cited in leg.filters), None)
    if leg is None:
        return None, f"`{cited}` is not a filter of a cargo command"
    wanted = _wanted(leg, binding.dangling[0])
    ranked = rank(binding.falsifier_id, wanted, ((cargo_parts(t), t) for t in registry.tests.values()
                                                 if t.features == best.features))
    close = [t for s, t in ranked if s >= ranked[0][0] - 5.0]
    if len(close) != 1 or close[0] is not best:
        return None, f"{len(close)} candidates are about as close ({', '.join(t.nodeid for t in close[:3])}); choose by hand"
    if leg.packages and best.package != wanted.family:
        return None, f"the closest test is in another crate ({best.package}); choose by hand"
    if not _related(wanted.function, best.function):
        return None, f"`{best.function}` is not clearly the test `{wanted.function}` meant; choose by hand"
    pool_size = sum(1 for t in registry.tests.values()
                    if (t.package, t.kind, t.target, t.features) == (best.package, best.kind, best.target, best.features)
                    and _matches(best.name, t.name, leg.exact))
    if pool_size != 1:
        return None, f"`{best.name}` would also select {pool_size - 1} other test(s); add `--exact` by hand"
    occurrences = list(re.finditer(rf"(?<![\w:]){re.escape(cited)}(?![\w:])", reference))
    if len(occurrences) != 1:
        return None, f"`{cited}` occurs {len(occurrences)} times in the command; fix by hand"
    at = occurrences[0]
    return reference[:at.start()] + best.name + reference[at.end():], f"the one close test in {best.package} {best.selector}"


def _related(cited: str, real: str) -> bool:
    """Same function (module drift), one extends the other, or they share most of a prefix (suffix drift)."""
    if cited == real or real.startswith(cited) or cited.startswith(real):
        return True
    common = len(next((cited[:i] for i in range(min(len(cited), len(real)), 0, -1) if real.startswith(cited[:i])), ""))
    return common >= max(8, len(cited) // 2)
