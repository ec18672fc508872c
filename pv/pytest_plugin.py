"""pytest plugin (entry point `pytest11`): binds tests to contracts and records what ran.

- registers the marker `@pytest.mark.falsifies("FALSIFY-X-001", ...)`;
- `--pv-registry=FILE` writes what pytest collected (node ids, markers, parametrize ids,
  unconditional skips, collection errors): the registry `pv lint` resolves against;
- `--pv-results=FILE` writes each test's outcome, duration, hypothesis examples,
  falsifying example and observed margins: the raw material of `pv falsify` evidence.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pv import lifetime, mutation, testing
from pv.atomic import write_json
from pv.contracts.reads import ReadRecorder, collection_inputs
from pv.profiles import HYPOTHESIS_PROFILES

MARKER = "falsifies"
_MARGINS = pytest.StashKey[dict[str, dict[str, float]]]()
_MUTANT = pytest.StashKey[str]()
# hypothesis's statistics text: "100 passing examples, 0 failing examples, 0 invalid examples"
# up to 6.15x, "100 passing, 0 failing, and 0 invalid test cases" since
_EXAMPLES = re.compile(r"(\d+) passing(?: examples?)?, (\d+) failing(?: examples?)?,(?: and)? (\d+) invalid")


def _register_hypothesis_profiles() -> None:
    """Register fast/ci/full unless the project did; `mutate` also skips shrinking.

    No example database: a run is then fully determined by its seed and profile, which
    is what the evidence records for replay, and mutant runs leave nothing behind.
    """
    try:
        from hypothesis import Phase, settings
    except ImportError:  # pragma: no cover - hypothesis is a pv dependency
        return
    for name, examples in HYPOTHESIS_PROFILES.items():
        try:
            settings.get_profile(name)
        except Exception:
            settings.register_profile(name, max_examples=examples, deadline=None, print_blob=True, database=None)
    settings.register_profile("mutate", max_examples=HYPOTHESIS_PROFILES["fast"], deadline=None, database=None,
                              phases=[Phase.explicit, Phase.generate])


_register_hypothesis_profiles()
lifetime.die_with_parent()  # started by pv: never outlive it (a `kill -9` of pv kills this run too)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pv", "pv contract verification")
    group.addoption("--pv-registry", metavar="FILE", help="write the collected test registry as JSON")
    group.addoption("--pv-results", metavar="FILE", help="write per-test results as JSON")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(*ids): this test discharges the named FALSIFY-* falsifiers of a contract")
    target = config.getoption("pv_results", None)
    if target and not hasattr(config, "workerinput"):  # an xdist worker's reports reach the controller
        config.pluginmanager.register(_Recorder(Path(target)), "pv-results")
    if os.environ.get(mutation.MUTANT_ENV):
        applied = mutation.apply_from_environment()  # recorded: results of a mutant are never evidence
        if applied is not None:
            config.stash[_MUTANT] = applied.name


def falsifier_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers(MARKER):
        ids.extend(str(arg) for arg in mark.args)
    return ids


def _unconditionally_skipped(item: pytest.Item) -> bool:
    if item.get_closest_marker("skip") is not None:
        return True
    return any(mark.args and all(arg is True for arg in mark.args) for mark in item.iter_markers("skipif"))


def registry_entry(item: pytest.Item) -> dict[str, Any]:
    path, line, _ = item.location
    callspec = getattr(item, "callspec", None)
    return {
        "nodeid": item.nodeid,
        "path": path,
        "line": (line or 0) + 1,
        "falsifies": falsifier_ids(item),
        "params": callspec.id if callspec is not None else None,
        "skipped": _unconditionally_skipped(item),
    }


class _CollectErrors:
    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            self.errors.append({"nodeid": report.nodeid, "message": text[-1] if text else "collection failed"})


_collect_errors = _CollectErrors()
_READS = pytest.StashKey[ReadRecorder]()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Start recording what collection reads (the registry cache's key) before the first
    conftest is imported; only in a registry run, since an audit hook stays for the process."""
    if getattr(early_config.known_args_namespace, "pv_registry", None):
        recorder = ReadRecorder()
        sys.addaudithook(recorder)
        early_config.stash[_READS] = recorder


def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.getoption("pv_registry", None):
        session.config.pluginmanager.register(_collect_errors, "pv-collect-errors")


def pytest_collection_finish(session: pytest.Session) -> None:
    target = session.config.getoption("pv_registry", None)
    if not target:
        return
    tests = [registry_entry(item) for item in session.items]
    document: dict[str, Any] = {"rootdir": str(session.config.rootpath), "tests": tests, "errors": _collect_errors.errors}
    recorder = session.config.stash.get(_READS, None)
    if recorder is not None:
        recorder.stop()
        config = session.config
        plugins = [getattr(p, "__file__", None) for p in config.pluginmanager.get_plugins()]
        extra = [str(config.inipath)] if config.inipath else []
        extra += [f for f in plugins if isinstance(f, str)]
        document["read"] = collection_inputs(recorder, extra, str(config.rootpath), exclude=[str(Path(target).parent)])
    write_json(Path(target), document)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    observations = testing._begin_observing()
    try:
        yield
    finally:
        testing._end_observing()
        item.stash[_MARGINS] = observations


# Each phase's report carries pv's record of it in `user_properties`, which pytest-xdist
# sends to the controller with the report; only the process that reads the reports in
# `pytest_runtest_logreport` (the controller, or the one process of a serial run) keeps
# results, as pytest's junitxml does. Workers record nothing and write nothing.
_USER_PROPERTY = "pv_result"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not item.config.getoption("pv_results", None):
        return
    record: dict[str, Any] = registry_entry(item)
    if report.when == "call":
        record["margins"] = item.stash.get(_MARGINS, {})
        stats = getattr(item, "hypothesis_statistics", "")
        counts = [sum(map(int, m)) for m in _EXAMPLES.findall(stats)]
        record["examples"] = sum(counts) if counts else None
    if report.skipped:
        record["message"] = _last_line(report)
    elif report.failed:
        record["message"] = _failure_message(report)
        # the example is in the exception's notes (hypothesis >= 6.16x), in the long report,
        # or in captured output (older versions)
        texts = [record["message"], str(report.longrepr), *(text for _, text in report.sections)]
        example = next(filter(None, map(_falsifying_example, texts)), None)
        if example:
            record["falsifying_example"] = example
    report.user_properties.append((_USER_PROPERTY, record))


class _Recorder:
    """Per-test results of one run, kept by the process that reads the reports."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.results: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        recorded = [value for name, value in report.user_properties if name == _USER_PROPERTY]
        if not recorded:
            return
        record: dict[str, Any] = recorded[-1]  # type: ignore[assignment]  # what makereport appended
        entry = self.results.setdefault(report.nodeid, {
            **{k: record[k] for k in ("nodeid", "path", "line", "falsifies", "params", "skipped")},
            "outcome": "passed", "duration": 0.0})
        entry["duration"] = round(entry["duration"] + report.duration, 6)
        if report.when == "call":
            entry["margins"] = record.get("margins", {})
            entry["examples"] = record.get("examples")
        if report.skipped:
            entry["outcome"] = "skipped"
            entry["message"] = record.get("message", "")
        elif report.failed:
            entry["outcome"] = "failed" if report.when == "call" else "error"
            entry["message"] = record.get("message", "")
            if record.get("falsifying_example"):
                entry["falsifying_example"] = record["falsifying_example"]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        write_json(self.target, {"finished": time.time(), "exitstatus": int(exitstatus),
                                 "collected": int(session.testscollected), "tests": list(self.results.values()),
                                 "mutant": session.config.stash.get(_MUTANT, None)})


def _last_line(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr).strip().splitlines()[-1] if longrepr else ""


def _failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)[:2000]
    return _last_line(report)[:2000]


# hypothesis's heading of a failing example: "Falsifying example: test(...)" up to 6.15x,
# "Failing test case: test(...)" since, with "explicit" for an @example ("Falsifying
# explicit example", "Failing explicit example"); the lines after it end at a blank line
# or a note.
_EXAMPLE_HEADING = re.compile(r"(?:Falsifying|Failing) (?:explicit )?(?:example|test case)")
_AFTER_EXAMPLE = ("E ", "Traceback", "Explanation:", "You can reproduce")


def _falsifying_example(text: str) -> str | None:
    heading = _EXAMPLE_HEADING.search(text)
    if heading is None:
        return None
    lines: list[str] = []
    for line in text[heading.start():].splitlines():
        if lines and (not line.strip() or line.startswith(_AFTER_EXAMPLE)):
            break
        lines.append(line)
    return "\n".join(lines)[:2000]
