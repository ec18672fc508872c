"""The cargo registry is exactly what cargo builds and lists, from cache or fresh; the cache
follows sources and toolchain, never holds a build error, and is refused when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pv.binding import cargo
from pv.project import CACHE_DIR


def names(registry: cargo.CargoRegistry) -> set[tuple[str, str, str, str, bool]]:
    return {(t.package, t.kind, t.target, t.name, t.ignored) for t in registry.tests.values()}


def test_cached_registry_equals_a_fresh_listing(cargo_workspace: tuple[Path, dict[str, int]]) -> None:
    root, _ = cargo_workspace
    fresh = cargo.collect_fresh(root)
    cargo.collect(root)
    cached = cargo.collect(root)
    assert cached.from_cache and not fresh.from_cache
    assert names(cached) == names(fresh)
    assert ("alpha", "test", "integ", "integ_smoke", False) in names(fresh)
    assert ("alpha", "lib", "alpha", "tests::slow_ignored", True) in names(fresh)
    assert ("beta-core", "lib", "beta_core", "parity_gate::parity_gate_gpu", False) in names(fresh)
    assert len(fresh.tests) == 12 and set(fresh.default_members) == {"alpha", "beta-core"}


def test_a_source_change_is_seen_and_a_build_error_names_the_crate_and_is_never_cached(
        cargo_workspace: tuple[Path, dict[str, int]]) -> None:
    root, _ = cargo_workspace
    source = root / "crates" / "beta" / "src" / "lib.rs"
    original = source.read_text(encoding="utf-8")
    cache = root / CACHE_DIR / cargo.CACHE_NAME
    try:
        cargo.collect(root)
        source.write_text(original + "\n#[cfg(test)]\nmod later { #[test] fn added_later() {} }\n", encoding="utf-8")
        registry = cargo.collect(root)
        assert not registry.from_cache and ("beta-core", "lib", "beta_core", "later::added_later", False) in names(registry)
        before = cache.read_text(encoding="utf-8")
        source.write_text(original + "\nfn broken( {\n", encoding="utf-8")
        with pytest.raises(cargo.CargoBuildError, match="crate `beta-core`"):
            cargo.collect(root)
        assert cache.read_text(encoding="utf-8") == before  # the failure left no entry
        with pytest.raises(cargo.CargoBuildError):
            cargo.collect(root)  # and is not served from a cache the second time either
    finally:
        source.write_text(original, encoding="utf-8")
    assert "later::added_later" not in {t.name for t in cargo.collect(root).tests.values()}


@pytest.mark.parametrize("garbage", ["not json", "[]", '{"key": 1}', None])
def test_a_malformed_cache_is_rebuilt_without_a_traceback(cargo_workspace: tuple[Path, dict[str, int]],
                                                           garbage: str | None) -> None:
    root, _ = cargo_workspace
    cargo.collect(root)
    cache = root / CACHE_DIR / cargo.CACHE_NAME
    if garbage is None:  # the right key over a tampered body: a test whose package does not exist
        document = json.loads(cache.read_text(encoding="utf-8"))
        document["tests"].append(["no-such-crate", "lib", "x", "tests::ghost", False])
        garbage = json.dumps(document)
    cache.write_text(garbage, encoding="utf-8")
    registry = cargo.collect(root)
    assert not registry.from_cache and "tests::ghost" not in {t.name for t in registry.tests.values()}


def test_the_key_follows_the_toolchain_and_build_environment(cargo_workspace: tuple[Path, dict[str, int]],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = cargo_workspace
    key = cargo.cache_key(root)
    monkeypatch.setenv("RUSTFLAGS", "-C debug-assertions=off")
    assert cargo.cache_key(root) != key
    monkeypatch.delenv("RUSTFLAGS")
    monkeypatch.setattr(cargo, "_toolchain", lambda root: "rustc 9.99.0\ncargo 9.99.0\n")
    assert cargo.cache_key(root) != key


def test_evidence_and_contracts_do_not_invalidate_the_cache(cargo_workspace: tuple[Path, dict[str, int]]) -> None:
    root, _ = cargo_workspace
    key = cargo.cache_key(root)
    (root / "reports" / "evidence").mkdir(parents=True, exist_ok=True)
    (root / "reports" / "evidence" / "probe.json").write_text("{}", encoding="utf-8")
    try:
        assert cargo.cache_key(root) == key
    finally:
        (root / "reports" / "evidence" / "probe.json").unlink()
