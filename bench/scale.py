"""Scale benchmark: pv validate and strict lint on a synthetic project, against a floor and a peer.

    python -m bench.scale                       # 2,000 contracts (20,000 falsifiers and tests)
    python -m bench.scale --contracts 200 20000 # the growth curve
    python -m bench.scale --generate-only DIR --contracts 2000

The generator writes a project shaped like a real one: `pyproject.toml` with pytest
`testpaths`, `contracts/*.yaml` (each with equations, obligations with ids, ten
falsifiers, Kani harnesses and a qa_gate, a `depends_on` edge) and
`falsifiers/test_*.py` with ten tests per contract (plain functions, methods of a class,
a parametrized case), each marked `@pytest.mark.falsifies(...)` and named by node id in
its contract, so validate and strict lint both find nothing.

Every figure is a whole process (interpreter start-up included), best of `--repeats`
runs, measured in the same run as its baselines:

- floor: one Python process parsing every contract with libyaml
  (`yaml.load(f, Loader=yaml.CSafeLoader)`); pv cannot check a file without reading it;
- peer: `check-jsonschema --schemafile <pv schema>` on the same files.

Peak memory is the largest resident set of any one process in the command's tree
(`ru_maxrss` from `os.wait4`, which covers the child and the descendants it waited for).
See bench/SCALE.md for the method and the recorded figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

FALSIFIERS_PER_CONTRACT = 10
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "provable-contracts" / "contracts"

PYPROJECT = """\
[project]
name = "scale-project"
version = "0.0.0"

[tool.pytest.ini_options]
testpaths = ["falsifiers"]

[tool.pv]
contracts = ["contracts"]
"""

OBLIGATION_TYPES = ("invariant", "equivalence", "bound", "monotonicity", "symmetry")


def _prefix(i: int) -> str:
    return f"S{i:05d}"


def _stem(i: int) -> str:
    return f"synthetic-kernel-{i:05d}-v1"


def _test_ref(i: int, j: int) -> tuple[str, str]:
    """(node id, python source) of falsifier j of contract i; a mix of node-id shapes."""
    module = f"falsifiers/test_k{i:05d}.py"
    name = f"test_k{i:05d}_property_{j:03d}"
    fid = f"FALSIFY-{_prefix(i)}-{j:03d}"
    if j % 5 == 3:
        return f"{module}::TestK{i:05d}::{name}", f"""
    @pytest.mark.falsifies("{fid}")
    def {name}(self):
        assert abs(0.1 + 0.2 - 0.3) < 1e-12
"""
    if j % 5 == 4:
        return f"{module}::{name}[float32]", f"""
@pytest.mark.falsifies("{fid}")
@pytest.mark.parametrize("dtype", ["float32"])
def {name}(dtype):
    assert dtype.startswith("float")
"""
    return f"{module}::{name}", f"""
@pytest.mark.falsifies("{fid}")
def {name}():
    assert sum(range(10)) == 45
"""


def contract_text(i: int, n: int) -> str:
    prefix = _prefix(i)
    obligations = []
    for k in range(5):
        obligations.append(textwrap.indent(textwrap.dedent(f"""\
            - id: {prefix}-OB-{k:03d}
              type: {OBLIGATION_TYPES[k]}
              property: "Property {k} of kernel {i} holds for every finite input"
              formal: "forall x in R^n: |f_{k}(x) - g_{k}(x)| <= tol * (1 + |g_{k}(x)|)"
              tolerance: 1.0e-{5 + k}
              applies_to: all
            """), "  "))
    falsifiers = []
    for j in range(1, FALSIFIERS_PER_CONTRACT + 1):
        node, _ = _test_ref(i, j)
        falsifiers.append(textwrap.indent(textwrap.dedent(f"""\
            - id: FALSIFY-{prefix}-{j:03d}
              rule: "Property {j % 5} under random inputs"
              prediction: "max relative error <= 1e-5 over 100 random inputs of length 1..4096"
              test: "{node}"
              if_fails: "the kernel drops a term or accumulates in the wrong precision"
              obligation: {prefix}-OB-{j % 5:03d}
              parameters:
                tolerance: 1e-5
                max_len: 4096
            """), "  "))
    harnesses = []
    for k in range(3):
        harnesses.append(textwrap.indent(textwrap.dedent(f"""\
            - id: KANI-{prefix}-{k:03d}
              obligation: {prefix}-OB-{k:03d}
              property: "bounded check of property {k}"
              bound: {4 + k}
              strategy: stub_float
            """), "  "))
    depends = f"  depends_on:\n    - {_stem(i - 1)}\n" if i > 0 else ""
    checks = ", ".join(f'"FALSIFY-{prefix}-{j:03d}"' for j in range(1, 4))
    return textwrap.dedent(f"""\
        metadata:
          version: "1.{i % 7}.0"
          created: 2026-02-18
          author: "scale generator"
          description: >-
            Synthetic kernel {i} of {n}: an elementwise map with a reduction over the
            last axis, written to have the size and shape of a real contract.
          references:
            - "Doe et al. (2024) A synthetic reference for kernel {i}, arXiv:2401.{i:05d}"
          status: PROPOSED
        """) + depends + textwrap.dedent("""\
        equations:
          forward:
            formula: "y_i = x_i / sqrt(mean(x^2) + eps) * g_i"
            domain: "x in R^n, n >= 1, eps > 0"
            codomain: "R^n"
            invariants:
              - "finite input gives finite output"
              - "zero in, zero out"
          backward:
            formula: "dx = g * (dy - y * mean(dy * y)) / sqrt(mean(x^2) + eps)"
            domain: "x, dy in R^n"
        proof_obligations:
        """) + "".join(obligations) + "falsification_tests:\n" + "".join(falsifiers) + \
        "kani_harnesses:\n" + "".join(harnesses) + textwrap.dedent(f"""\
        qa_gate:
          id: F-{prefix}-001
          name: "Kernel {i} gate"
          checks: [{checks}]
          pass_criteria: "all falsifiers pass"
        """)


def test_module_text(i: int) -> str:
    functions, methods = [], []
    for j in range(1, FALSIFIERS_PER_CONTRACT + 1):
        node, source = _test_ref(i, j)
        (methods if "::TestK" in node else functions).append(source)
    klass = f"\n\nclass TestK{i:05d}:" + "".join(methods) if methods else ""
    return f'"""Synthetic falsifiers of {_stem(i)}."""\n\nimport pytest\n' + "".join(functions) + klass


def generate(root: Path, contracts: int) -> Path:
    """Write a synthetic project with `contracts` contracts under `root` (replacing it)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "contracts").mkdir(parents=True)
    (root / "falsifiers").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "falsifiers" / "__init__.py").write_text("", encoding="utf-8")
    for i in range(contracts):
        (root / "contracts" / f"{_stem(i)}.yaml").write_text(contract_text(i, contracts), encoding="utf-8")
        (root / "falsifiers" / f"test_k{i:05d}.py").write_text(test_module_text(i), encoding="utf-8")
    return root


# -- measurement -----------------------------------------------------------------------

FLOOR = """\
import sys, yaml
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""


@dataclass
class Run:
    seconds: float
    peak_mib: float
    returncode: int
    output: str


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """One whole process: wall time, exit status, and peak RSS of its tree."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return Run(elapsed, usage.ru_maxrss / 1024, process.returncode, output)


def best(command: list[str], cwd: Path, repeats: int, before: object = None) -> Run:
    runs = []
    for _ in range(repeats):
        if callable(before):
            before()
        runs.append(run(command, cwd))
    return min(runs, key=lambda r: r.seconds)


def _files(directory: Path) -> list[str]:
    return sorted(str(p) for p in directory.glob("*.yaml"))


def _clear_registry_cache(root: Path) -> None:
    shutil.rmtree(root / ".pv-cache", ignore_errors=True)


def measure(root: Path, repeats: int, *, lint: bool = True, cold: bool = True, peer: bool = True) -> dict[str, Run]:
    """Each figure for the project at `root` (contracts in root/contracts)."""
    installed = Path(sys.executable).with_name("pv")
    pv = [str(installed)] if installed.exists() else [sys.executable, "-m", "pv.cli"]
    files = _files(root / "contracts")
    figures: dict[str, Run] = {}
    figures["floor"] = best([sys.executable, "-c", FLOOR, *files], root, repeats)
    figures["validate --no-cache"] = best([*pv, "validate", "--no-cache"], root, repeats)
    run([*pv, "validate"], root)  # fill the parse cache, unmeasured
    figures["validate warm"] = best([*pv, "validate"], root, repeats)
    if lint:
        if cold:
            figures["lint cold"] = best([*pv, "lint", "--strict-test-binding"], root, 1,
                                        before=lambda: _clear_registry_cache(root))
        else:  # fill the cache unmeasured
            run([*pv, "lint", "--strict-test-binding"], root)
        figures["lint warm"] = best([*pv, "lint", "--strict-test-binding"], root, repeats)
    if peer:
        schema = root / ".schema.json"
        schema.write_text(subprocess.run([*pv, "schema"], capture_output=True, text=True, check=True).stdout)
        figures["check-jsonschema"] = best(["check-jsonschema", "--schemafile", str(schema), *files], root,
                                           max(1, repeats // 2))
    return figures


def report(title: str, figures: dict[str, Run]) -> None:
    floor = figures["floor"].seconds
    print(f"\n{title}")
    print(f"{'command':<22} {'seconds':>8} {'x floor':>8} {'peak MiB':>9} {'exit':>5}")
    for name, r in figures.items():
        print(f"{name:<22} {r.seconds:8.3f} {r.seconds / floor:8.2f} {r.peak_mib:9.0f} {r.returncode:5d}")
    if "lint warm" in figures:
        print(f"lint warm - lint cold = registry collection: "
              f"{figures['lint cold'].seconds - figures['lint warm'].seconds:.3f} s" if "lint cold" in figures else "")
        both = figures["validate warm"].seconds + figures["lint warm"].seconds
        print(f"{'validate + lint, warm':<22} {both:8.3f} {both / floor:8.2f}   (a commit: caches filled by the last run)")
        both = figures["validate --no-cache"].seconds + figures["lint warm"].seconds
        print(f"{'validate cold + lint':<22} {both:8.3f} {both / floor:8.2f}   (validate parses every file)")
    if "check-jsonschema" in figures:
        peer = figures["check-jsonschema"].seconds
        print(f"check-jsonschema / validate = {peer / figures['validate --no-cache'].seconds:.1f}x; "
              f"check-jsonschema / lint warm = {peer / figures['lint warm'].seconds:.1f}x"
              if "lint warm" in figures else
              f"check-jsonschema / validate = {peer / figures['validate --no-cache'].seconds:.1f}x")
    for name, r in figures.items():
        if r.returncode not in (0,) and name != "check-jsonschema":
            print(f"  {name} exited {r.returncode}: {r.output.strip().splitlines()[-1:]}")


def corpus(repeats: int) -> None:
    """`pv validate` on the provable-contracts corpus (findings expected: exit 1 is normal)."""
    if not CORPUS.is_dir():
        print(f"\ncorpus not found at {CORPUS}; skipped")
        return
    with tempfile.TemporaryDirectory(prefix="pv-scale-corpus-") as tmp:
        root = Path(tmp)
        (root / "contracts").mkdir()
        for path in CORPUS.glob("*.yaml"):
            shutil.copy(path, root / "contracts" / path.name)
        (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        figures = measure(root, repeats, lint=False)
        report(f"corpus: {len(_files(root / 'contracts'))} top-level contracts of provable-contracts", figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, nargs="+", default=[2000], help="project sizes to measure")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--no-peer", action="store_true", help="skip check-jsonschema (slow at large sizes)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold lint (pytest collection)")
    parser.add_argument("--generate-only", type=Path, metavar="DIR", help="write the project to DIR and stop")
    args = parser.parse_args(argv)
    if args.generate_only:
        generate(args.generate_only, args.contracts[0])
        print(f"wrote {args.contracts[0]} contracts to {args.generate_only}")
        return 0
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, best of {args.repeats}")
    for n in args.contracts:
        with tempfile.TemporaryDirectory(prefix="pv-scale-") as tmp:
            root = generate(Path(tmp) / "project", n)
            figures = measure(root, args.repeats if n <= 2000 else 1, cold=not args.no_cold, peer=not args.no_peer)
            report(f"{n} contracts, {n * FALSIFIERS_PER_CONTRACT} falsifiers, "
                   f"{n * FALSIFIERS_PER_CONTRACT} tests", figures)
    if not args.no_corpus:
        corpus(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
