"""Strict test binding on a Rust workspace: pv against cargo listing its own tests.

    python -m bench.cargo_binding               # 200 tests (2 crates x 10 modules x 10 tests)
    python -m bench.cargo_binding --tests 1000 --repeats 5

The generator writes a dependency-free workspace of two crates; each module holds ten
`#[test]`s (one integration-test target per crate too) and one contract cites every test
with `cargo test -p CRATE --lib module::tests::name`, so strict lint finds nothing.

Every figure is a whole process, best of `--repeats`, measured in the same run, after one
`cargo test --no-run` has built the test binaries (compilation is reported on its own: it
is cargo's cost, paid by `cargo test` too):

- floor: `cargo test --workspace --offline -- --list`, cargo listing every test with the
  binaries already built; pv cannot know the tests for less;
- cold: `pv lint --strict-test-binding` with `.pv-cache/` removed (the registry is built:
  `cargo metadata`, `cargo test --no-run` (a no-op build), two `--list` runs per binary);
- warm: the same with the cache in place (key: toolchain, manifests, lock file, sources).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CRATES = ("alpha", "beta-core")
TESTS_PER_MODULE = 10


def generate(root: Path, tests: int) -> int:
    """Write the workspace and its contract; the number of tests written."""
    per_crate = max(1, tests // len(CRATES))
    modules = max(1, per_crate // TESTS_PER_MODULE)
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/alpha", "crates/beta"]\nresolver = "2"\n')
    (root / "contracts").mkdir(parents=True)
    citations = []
    for crate, directory in zip(CRATES, ("alpha", "beta")):
        src = root / "crates" / directory / "src"
        src.mkdir(parents=True)
        (root / "crates" / directory / "Cargo.toml").write_text(
            f'[package]\nname = "{crate}"\nversion = "0.1.0"\nedition = "2021"\n')
        lib = []
        for m in range(modules):
            lib.append(f"pub mod m{m:03d};")
            body = "\n".join(f"    #[test]\n    fn check_{m:03d}_{t:02d}() {{ assert_eq!({t} + 1, {t + 1}); }}"
                             for t in range(TESTS_PER_MODULE))
            (src / f"m{m:03d}.rs").write_text(f"#[cfg(test)]\nmod tests {{\n{body}\n}}\n")
            citations += [f"cargo test -p {crate} --lib m{m:03d}::tests::check_{m:03d}_{t:02d}" for t in range(TESTS_PER_MODULE)]
        (src / "lib.rs").write_text("\n".join(lib) + "\n")
    lines = ['metadata:', '  version: "1.0.0"', '  description: "bench"', '  references: ["bench"]',
             'equations:', '  f:', '    formula: "f(x) = x"', 'falsification_tests:']
    for i, test in enumerate(citations):
        lines += [f"  - id: FALSIFY-BN-{i:04d}", "    rule: r", "    prediction: p", f'    test: "{test}"', "    if_fails: x"]
    (root / "contracts" / "bench-v1.yaml").write_text("\n".join(lines) + "\n")
    return len(citations)


def best(command: list[str], root: Path, repeats: int, before: object = None) -> float:
    times = []
    for _ in range(repeats):
        if callable(before):
            before()
        start = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if shutil.which("cargo") is None:
        print("cargo is not installed; nothing to measure")
        return 2
    with tempfile.TemporaryDirectory(prefix="pv-cargo-bench-") as tmp:
        root = Path(tmp)
        count = generate(root, args.tests)
        start = time.perf_counter()
        subprocess.run(["cargo", "test", "--workspace", "--no-run", "--offline", "-q"], cwd=root, check=True,
                       capture_output=True)
        build = time.perf_counter() - start
        floor = best(["cargo", "test", "--workspace", "--offline", "-q", "--", "--list"], root, args.repeats)
        lint = [sys.executable, "-m", "pv.cli", "lint", "--strict-test-binding"]
        cold = best(lint, root, args.repeats, before=lambda: shutil.rmtree(root / ".pv-cache", ignore_errors=True))
        warm = best(lint, root, args.repeats)
        startup = best([sys.executable, "-m", "pv.cli", "--version"], root, args.repeats)
    print(f"workspace: {count} tests cited by {count} falsifiers, 2 crates; first build {build:.2f} s (cargo's cost)")
    print(f"{'figure':<44} {'seconds':>8} {'ratio to floor':>15}")
    print(f"{'floor: cargo test --workspace -- --list':<44} {floor:>8.3f} {1.0:>15.2f}")
    print(f"{'pv lint --strict-test-binding, cold cache':<44} {cold:>8.3f} {cold / floor:>15.2f}")
    print(f"{'pv lint --strict-test-binding, warm cache':<44} {warm:>8.3f} {warm / floor:>15.2f}")
    print(f"{'(pv start-up alone: pv --version)':<44} {startup:>8.3f} {startup / floor:>15.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
