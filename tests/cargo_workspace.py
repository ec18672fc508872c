"""A small dependency-free cargo workspace, mixed with a Python project, written by the tests.

Two crates (`alpha`, `beta-core`), unit tests in nested modules, an integration-test target
(`alpha`'s `tests/integ.rs`), an `#[ignore]`d test and a failing one; a pyproject with one
pytest falsifier; one contract whose falsifiers cite every shape of the `test:` grammar.
`CONTRACT_LINES` maps each falsifier to the line of its `test:`, where lint reports it.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

CARGO = shutil.which("cargo")
SKIP_REASON = "cargo is not installed: the Rust registry cannot be exercised"

FILES = {
    "Cargo.toml": """\
        [workspace]
        members = ["crates/alpha", "crates/beta"]
        resolver = "2"
        """,
    "crates/alpha/Cargo.toml": """\
        [package]
        name = "alpha"
        version = "0.1.0"
        edition = "2021"

        [features]
        extra = []
        """,
    "crates/alpha/src/lib.rs": """\
        pub mod config;
        pub mod transformer;

        pub fn add(a: i32, b: i32) -> i32 { a + b }

        #[cfg(test)]
        mod tests {
            #[test]
            fn add_works() { assert_eq!(super::add(1, 2), 3); }

            #[test]
            #[ignore]
            fn slow_ignored() {}

            #[test]
            fn add_is_wrong() { assert_eq!(super::add(2, 2), 5, "two and two"); }

            #[cfg(feature = "extra")]
            #[test]
            fn extra_only() {}
        }
        """,
    "crates/alpha/src/config.rs": """\
        #[cfg(test)]
        mod tests {
            #[test]
            fn init_matches_input() {}

            #[test]
            fn qwen2_matches_hf_config_2026_05_04() {}
        }
        """,
    "crates/alpha/src/transformer.rs": """\
        pub mod attention {
            #[cfg(test)]
            mod tests {
                #[test]
                fn gqa_7_to_1_matches_full_mha() {}
            }
        }

        pub mod model {
            #[cfg(test)]
            mod tests {
                #[test]
                fn forward_pass_smoke() {}
            }
        }
        """,
    "crates/alpha/tests/integ.rs": """\
        #[test]
        fn integ_smoke() { assert_eq!(alpha::add(1, 1), 2); }

        #[test]
        fn falsify_ws_roundtrip() {}
        """,
    "crates/beta/Cargo.toml": """\
        [package]
        name = "beta-core"
        version = "0.1.0"
        edition = "2021"
        """,
    "crates/beta/src/lib.rs": """\
        #[cfg(test)]
        mod tests {
            #[test]
            fn beta_ok() {}
        }

        #[cfg(test)]
        mod parity_gate {
            #[test]
            fn parity_gate_cpu() {}

            #[test]
            fn parity_gate_gpu() {}
        }
        """,
    "pyproject.toml": """\
        [tool.pytest.ini_options]
        testpaths = ["falsifiers"]
        """,
    "falsifiers/test_py.py": """\
        import pytest


        @pytest.mark.falsifies("FALSIFY-WS-018")
        def test_python_side():
            assert 1 + 1 == 2
        """,
}

# (falsifier id, test:) in contract order; the contract writes each `test:` on its own line.
CITATIONS = [
    # dangling (PV-VER-002)
    ("FALSIFY-WS-001", "cargo test -p alpha --lib config::tests::init_matches_constructor"),       # suffix drift
    ("FALSIFY-WS-002", "cargo test -p alpha --lib transformer::model::tests::gqa_7_to_1_matches_full_mha"),  # module path
    ("FALSIFY-WS-003", "cargo test -p beta-core --lib tests::add_works"),                           # wrong crate
    ("FALSIFY-WS-004", "cargo test -p alpha --test integration integ_smoke"),                       # wrong --test target
    ("FALSIFY-WS-005", "cargo test -p alpha --lib tests::add_works && cargo test -p beta-core --lib -- parity_gate_tpu"),
    ("FALSIFY-WS-006", "MUTANT_this_test_fn_does_not_exist_anywhere"),                             # bare name
    ("FALSIFY-WS-007", "falsifiers/test_py.py::test_python_renamed"),                              # pytest side
    ("FALSIFY-WS-008", "cargo test -p alpha --lib tests::extra_only"),                              # needs --features
    ("FALSIFY-WS-009", "cargo test -p alpha --lib --features nope tests::add_works"),               # no such feature
    # resolved
    ("FALSIFY-WS-010", "cargo test -p alpha --lib tests::add_works"),                               # exact path
    ("FALSIFY-WS-011", "cargo test -p beta-core --lib -- beta_ok"),                                 # filter after --
    ("FALSIFY-WS-012", "cargo test -p beta-core --lib parity_gate"),                                # suite prefix
    ("FALSIFY-WS-013", "cargo test -p alpha --test integ integ_smoke"),                             # integration target
    ("FALSIFY-WS-014", "LIVE-PENDING \u2014 requires the GPU runner"),                              # deferral, em dash
    ("FALSIFY-WS-015", "LIVE-PENDING: needs a real checkpoint"),                                    # deferral, colon
    ("FALSIFY-WS-016", "pv validate contracts/ws-v1.yaml"),                                         # meta
    ("FALSIFY-WS-017", "falsify_ws_roundtrip"),                                                     # bare function
    ("FALSIFY-WS-018", "falsifiers/test_py.py::test_python_side"),                                  # pytest side
    ("FALSIFY-WS-019", "cargo test -p alpha --lib -- --include-ignored tests::slow_ignored"),       # ignored, run
    ("FALSIFY-WS-020", "cargo test -p alpha --lib tests::add_is_wrong"),                            # resolves, fails
    ("FALSIFY-WS-021", "cargo test -p alpha --lib --features extra tests::add_works"),              # a feature build
    ("FALSIFY-WS-022", "cargo test -p alpha --features extra --lib -- extra_only"),                 # feature-gated test
    # resolved, with a note (PV-VER-012) or a never-runs finding (PV-VER-008)
    ("FALSIFY-WS-030", 'cargo test -p alpha --lib -- transformer 2>&1 | grep "test result: ok"'),
    ("FALSIFY-WS-031", "cargo test -p alpha --lib config::tests (2/2 PASS)"),
    ("FALSIFY-WS-033", "cargo test -p alpha --lib tests::slow_ignored"),
]
DANGLING = {fid for fid, _ in CITATIONS[:9]}
NOTED = {"FALSIFY-WS-030", "FALSIFY-WS-031"}
NEVER_RUNS = {"FALSIFY-WS-033"}


def contract_text(citations: list[tuple[str, str]] = CITATIONS) -> tuple[str, dict[str, int]]:
    lines = ['metadata:', '  version: "1.0.0"', '  description: "cargo workspace fixture"', '  references: ["pv tests"]',
             'equations:', '  f:', '    formula: "f(x) = x"',
             'proof_obligations:', '  - {type: invariant, property: "f is the identity"}',  # a kernel states one
             'falsification_tests:']
    where: dict[str, int] = {}
    for fid, test in citations:
        lines += [f"  - id: {fid}", "    rule: r", "    prediction: p"]
        lines.append(f"    test: {_quote(test)}")
        where[fid] = len(lines)
        lines.append("    if_fails: x")
    return "\n".join(lines) + "\n", where


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_workspace(root: Path) -> dict[str, int]:
    """Write the workspace and its contract under `root`; the line of each falsifier's `test:`."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    text, where = contract_text()
    (root / "contracts").mkdir(exist_ok=True)
    (root / "contracts" / "ws-v1.yaml").write_text(text, encoding="utf-8")
    return where
