"""Running bound Rust tests: one `cargo test` per package, outcome and duration per test.

The tests of one package run in one invocation, each named with `--exact` and every
target they live in selected explicitly (so doc-tests and unrelated binaries stay out).
libtest has no stable per-test timing, so the tests run with `--test-threads=1` and the
output is read as it streams: libtest prints `test NAME ... ` when a test starts and its
result when it ends, and the time between the two is that test's duration. stderr is
merged into stdout so cargo's `Running <source> (<binary>)` line tells which target the
following results belong to (two targets may both hold a `tests::x`).

A test that was asked for and never reported (a build failure, a crash mid-binary) is an
error with the reason, never a pass; a build failure names the crate.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv.binding.cargo import CargoRegistry, CargoTest
from pv.evidence.results import TestResult

_RUNNING = re.compile(r"^\s*Running (?:unittests )?(\S+)")
_START = re.compile(r"^test (\S+) \.\.\. ")
_RESULT = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored)")
_FAILURE_HEADER = re.compile(r"^---- (\S+) stdout ----$")
_ERROR = re.compile(r"^error(\[E\d+\])?: (.*)")
_OUTCOMES = {"ok": "passed", "FAILED": "failed", "ignored": "skipped"}


@dataclass(frozen=True)
class PackageRun:
    package: str  # with its feature flags when not the default build
    command: list[str]
    exit_code: int
    results: list[TestResult]


def cargo_command(package: str, tests: Iterable[CargoTest]) -> list[str]:
    tests = list(tests)
    selectors: dict[str, None] = {}
    for t in tests:
        selectors.update(dict.fromkeys(["--lib"] if t.kind == "lib" else [f"--{t.kind}", t.target]))
    names = sorted({t.name for t in tests})
    features = tests[0].features.split() if tests else []
    return ["cargo", "test", "-p", package, *features, "--offline", "--no-fail-fast", *selectors, "--",
            "--exact", "--include-ignored", "--test-threads=1", *names]


def _target_of(source: str, registry: CargoRegistry, package: str) -> tuple[str, str] | None:
    """The (kind, target) whose source cargo named in `Running ...`."""
    spec = registry.packages.get(package)
    if spec is None:
        return None
    for target in spec.targets:
        if source == target.src_path or source.endswith("/" + target.src_path) or Path(source).name.startswith(
                target.name.replace("-", "_") + "-"):
            return target.kind, target.name
    return None


def _stream(command: list[str], root: Path) -> tuple[int, list[tuple[float, str]]]:
    """Run `command`, returning its exit code and each output fragment with the time it arrived."""
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "CARGO_TERM_COLOR": "never", "RUST_BACKTRACE": "0"})
    assert process.stdout is not None
    chunks: list[tuple[float, str]] = []
    fd = process.stdout.fileno()
    while True:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append((time.monotonic(), data.decode("utf-8", "replace")))
    return process.wait(), chunks


def _parse(chunks: list[tuple[float, str]], registry: CargoRegistry, package: str) -> tuple[dict[tuple[str, str, str], dict[str, Any]], list[str], dict[str, list[str]]]:
    """Results keyed by (kind, target, name), compiler errors, and failure output per test name."""
    results: dict[tuple[str, str, str], dict[str, Any]] = {}
    errors: list[str] = []
    failures: dict[str, list[str]] = {}
    scope: tuple[str, str] | None = None
    started: dict[str, float] = {}
    buffer = ""
    in_failure: str | None = None
    for at, text in chunks:
        buffer += text
        *lines, buffer = buffer.split("\n")
        for line in lines:
            line = line.rstrip("\r")
            running = _RUNNING.match(line)
            result = _RESULT.match(line)
            header = _FAILURE_HEADER.match(line)
            if running:
                scope, in_failure = _target_of(running.group(1), registry, package), None
            elif result and scope is not None:
                name, word = result.group(1), result.group(2)
                begin = started.pop(name, at)
                results[(scope[0], scope[1], name)] = {"outcome": _OUTCOMES[word], "duration": round(at - begin, 6)}
            elif header:
                in_failure = header.group(1)
                failures.setdefault(in_failure, [])
            elif in_failure is not None:
                if line.startswith("failures:") or line.startswith("test result:"):
                    in_failure = None
                elif line.strip():
                    failures[in_failure].append(line.strip())
            elif _ERROR.match(line):
                errors.append(line.strip())
        start = _START.match(buffer)
        if start and start.group(1) not in started:
            started[start.group(1)] = at
    return results, errors, failures


def run_package(root: Path, registry: CargoRegistry, package: str, tests: list[CargoTest]) -> PackageRun:
    command = cargo_command(package, tests)
    exit_code, chunks = _stream(command, root)
    results, errors, failures = _parse(chunks, registry, package)
    out: list[TestResult] = []
    # cargo exiting non-zero with no failed test to explain it (a binary that crashed after its
    # last "ok", a failing doctest or build step): no test of this invocation has passed for sure
    unexplained = exit_code != 0 and not any(r["outcome"] == "failed" for r in results.values())
    for test in tests:
        found = results.get((test.kind, test.target, test.name))
        if found is not None and found["outcome"] == "passed" and unexplained:
            found = {**found, "outcome": "error",
                     "message": f"reported ok, but cargo exited {exit_code} with no failed test to explain it"
                                + (f": {errors[0]}" if errors else "")}
        elif found is None:
            why = (f"crate `{package}` did not build: {errors[0]}" if errors else
                   f"cargo exited {exit_code} without a result for this test")
            found = {"outcome": "error", "duration": 0.0, "message": why}
        elif found["outcome"] == "failed":
            found = {**found, "message": " | ".join(failures.get(test.name, [])[:4])[:500] or "failed"}
        result: TestResult = {"nodeid": test.nodeid, "outcome": found["outcome"], "duration": found.get("duration", 0.0)}
        if found.get("message") is not None:
            result["message"] = found["message"]
        out.append(result)
    label = f"{package} {tests[0].features}".strip() if tests else package
    return PackageRun(label, command, exit_code, out)


def run_cargo_tests(root: Path, registry: CargoRegistry, tests: Iterable[CargoTest]) -> list[PackageRun]:
    """One invocation per package (and per feature set a citation asks for), in package order."""
    by_package: dict[tuple[str, str], dict[str, CargoTest]] = {}
    for test in tests:
        by_package.setdefault((test.package, test.features), {})[test.nodeid] = test
    return [run_package(root, registry, package, list(chosen.values())) for (package, _), chosen in sorted(by_package.items())]
