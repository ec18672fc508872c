"""The `test:` grammar: each shape aprender's contracts use, parsed the way cargo reads it.

No cargo needed: these are the parser's cases (strings verbatim from aprender's contracts
where one exists), and the registry choice that follows from each shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.binding.cargo_command import CargoLeg, MetaLeg, OtherLeg, parse_command
from pv.binding.registries import Registries
from pv.binding.registry import Registry
from pv.binding.resolve import BindingState, is_pending


def only_leg(text: str) -> CargoLeg:
    [leg] = parse_command(text).legs
    assert isinstance(leg, CargoLeg)
    return leg


def test_crate_lib_and_full_module_path() -> None:
    leg = only_leg("cargo test -p aprender-train --lib transformer::config::tests::qwen2_0_5b_matches_hf_config")
    assert leg.packages == ("aprender-train",) and leg.targets == (("lib", None),)
    assert leg.filters == ("transformer::config::tests::qwen2_0_5b_matches_hf_config",) and not leg.notes


def test_filter_after_double_dash() -> None:
    leg = only_leg("cargo test -p aprender-train --lib -- falsify_apr_pretrain_arch_009")
    assert leg.filters == ("falsify_apr_pretrain_arch_009",)


def test_features_and_block_scalar_newline() -> None:
    leg = only_leg("cargo test -p apr-cli --lib --features training falsify_apr_distill_train_001_real_tensors_mutate\n")
    assert leg.features == ("training",) and leg.filters == ("falsify_apr_distill_train_001_real_tensors_mutate",)


def test_integration_target_filter_and_runtime_args() -> None:
    leg = only_leg("cargo test -p aprender-serve --features cuda --test qwen3_moe_gpu_per_stage_diff falsify_moe_sub_002 "
                   "-- --include-ignored")
    assert leg.targets == (("test", "qwen3_moe_gpu_per_stage_diff"),)
    assert leg.filters == ("falsify_moe_sub_002",) and leg.ignored == "include"


def test_compound_has_two_legs() -> None:
    legs = parse_command("cargo test -p aprender-train --lib -- falsify_009 && "
                         "cargo test -p apr-cli --lib commands::pretrain::tests::preflight").legs
    assert [leg.packages for leg in legs if isinstance(leg, CargoLeg)] == [("aprender-train",), ("apr-cli",)]


def test_trailing_annotation_is_stripped_and_noted() -> None:
    leg = only_leg("cargo test -p apr-cli --lib commands::diff::aprt_stage_diff_tests (11/11 PASS)")
    assert leg.filters == ("commands::diff::aprt_stage_diff_tests",)
    assert any("11/11 PASS" in note and "annotation" in note for note in leg.notes)


def test_pipe_is_stripped_and_noted_never_read_as_a_filter() -> None:
    leg = only_leg('cargo test -p aprender-core --lib -- logistic_regression 2>&1 | grep "test result: ok"')
    assert leg.filters == ("logistic_regression",)
    assert leg.notes and "grep" in leg.notes[0]


def test_exact_skip_ignored_and_equals_forms() -> None:
    leg = only_leg("cargo test --package=alpha --test=integ -- --exact a::b --skip slow --ignored c")
    assert leg.packages == ("alpha",) and leg.targets == (("test", "integ"),)
    assert leg.filters == ("a::b", "c") and leg.exact and leg.skips == ("slow",) and leg.ignored == "only"


def test_two_testnames_before_double_dash_is_what_cargo_refuses() -> None:
    assert only_leg("cargo test -p alpha first second").errors


def test_meta_and_other_shapes() -> None:
    [meta] = parse_command("pv validate contracts/apr-pretrain-arch-polymorphic-v1.yaml").legs
    assert isinstance(meta, MetaLeg) and meta.paths == ("contracts/apr-pretrain-arch-polymorphic-v1.yaml",)
    [other] = parse_command("apr trace --help | grep -q save-tensor").legs
    assert isinstance(other, OtherLeg)
    [prose] = parse_command("property test in distill.rs — sample 1000 random logit vectors").legs
    assert isinstance(prose, OtherLeg)


@pytest.mark.parametrize(("text", "pending"), [
    ("LIVE-PENDING \u2014 requires \u00a750.4 step 5g.2 LIVE 500-step fine-tune dispatch", True),
    ("LIVE-PENDING: GPU smoke", True),
    ("LIVE-PENDING \u2013 needs hardware", True),
    ("LIVE-PENDING", False),          # a deferral must carry its reason
    ("LIVE-PENDING:   ", False),
    ("NOT-LIVE-PENDING: x", False),
])
def test_deferral_spellings(text: str, pending: bool) -> None:
    assert is_pending(text) is pending


def registries_without_cargo(tmp_path: Path) -> Registries:
    return Registries(tmp_path, Registry(root=tmp_path, tests={}))


@pytest.mark.parametrize(("reference", "kind"), [
    ("cargo test -p a --lib x", "cargo"),
    ("RUST_LOG=debug cargo test -p a x", "cargo"),
    ("cargo +nightly test -p a x", "cargo"),
    ("pv validate contracts/x.yaml", "meta"),
    ("falsifiers/test_x.py::test_y", "pytest"),
    ("proptest with random vectors", "pytest"),  # prose: reported by the pytest side as before
    ("some_bare_fn", "pytest"),                  # a bare name binds to cargo only in a Rust project
])
def test_the_registry_is_chosen_by_the_shape_of_the_reference(tmp_path: Path, reference: str, kind: str) -> None:
    assert registries_without_cargo(tmp_path).kind_of(reference) == kind


def test_a_cargo_citation_in_a_project_without_cargo_is_dangling_not_prose(tmp_path: Path) -> None:
    binding = registries_without_cargo(tmp_path).resolve("FALSIFY-X-001", "cargo test -p a --lib x")
    assert binding.state is BindingState.UNRESOLVED and binding.registry == "cargo"
    assert binding.dangling and "cargo" in binding.dangling[0].reason


def test_meta_check_resolves_only_when_the_contract_file_exists(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "x.yaml").write_text("metadata: {}\n", encoding="utf-8")
    registries = Registries(tmp_path, Registry(root=tmp_path, tests={}))
    from pv.binding.registries import MetaRegistry
    registries.members["meta"] = MetaRegistry(tmp_path)
    assert registries.resolve("F-1", "pv validate contracts/x.yaml").state is BindingState.RESOLVED
    missing = registries.resolve("F-1", "pv validate contracts/y.yaml")
    assert missing.state is BindingState.UNRESOLVED and missing.dangling[0].cited == "contracts/y.yaml"
