"""`kill -9` at random points: reports, evidence and caches stay readable, nothing is orphaned,
nothing is left behind for ever, and the next run is correct.

Thirty kills of `pv falsify`, `pv mutate` and `pv scoreboard` on the toy project, each at a
random moment of its run (seeded: a failure replays). After each kill: no process is left
running in the project, every JSON file pv keeps parses as strict JSON and every evidence
file validates, and the three scoreboards are from one run unless a commit is pending (then
the next pv finishes it). After all thirty, one more run of each: exit codes as on a clean
project, consistent reports, no temporary file or `pv-run-*` directory left.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from pv.contracts.cache_file import read_checked
from pv.evidence.store import read_evidence, EvidenceFile
from tests.conftest import copy_project

KILLS = 30
BUDGET = 90.0  # seconds for the thirty kills (about 35 s on an idle 2-core machine)
COMMANDS = (["falsify", "--profile", "fast", "--seed", "2"], ["mutate", "-j", "2"], ["scoreboard"])


def start(project: Path, env: dict[str, str], args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pv.cli", *args], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def processes_in(project: Path) -> list[int]:
    """Processes (other than this one) whose working directory is the project."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if Path(os.readlink(entry / "cwd")) == project:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until_none_left(project: Path, limit: float = 10.0) -> list[int]:
    deadline = time.monotonic() + limit
    while (left := processes_in(project)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _refuse(token: str) -> None:
    raise ValueError(f"not strict JSON: {token}")


def strict(path: Path) -> object:
    def refuse(token: str) -> None:
        raise ValueError(f"{path}: {token}")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def report_ids(reports: Path) -> set[str | None]:
    ids: set[str | None] = set()
    if (reports / "scoreboard.json").exists():
        ids.add(strict(reports / "scoreboard.json")["report_id"])  # type: ignore[index]
    for name, pattern in (("scoreboard.md", r"<!-- pv report (\w+) -->"),
                          ("scoreboard.html", r'<meta name="pv-report" content="(\w+)">')):
        if (reports / name).exists():
            found = re.search(pattern, (reports / name).read_text(encoding="utf-8"))
            ids.add(found[1] if found else None)
    return ids


def assert_readable(project: Path) -> None:
    reports = project / "reports"
    for path in reports.glob("*.json"):
        strict(path)
    for path in (project / ".pv-cache").glob("*.json"):  # one JSON document, or a checksum header line then one
        text = path.read_text(encoding="utf-8")
        header, _, payload = text.partition("\n")
        if header.startswith('{"kind"'):
            assert read_checked(path, json.loads(header)["kind"]) == payload, path
            json.loads(payload)
        else:
            strict(path)
    for path in (reports / "evidence").glob("*.json"):
        assert isinstance(read_evidence(path, path.name.split("-")[0]), EvidenceFile), path
    if (reports / "scoreboard.html").exists():
        assert (reports / "scoreboard.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    pending = (reports / ".scoreboard.commit").exists()
    assert pending or len(report_ids(reports)) <= 1, report_ids(reports)


def test_thirty_kills_leave_everything_readable_and_the_next_run_correct(tmp_path: Path) -> None:
    project = copy_project(tmp_path).resolve()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    # one clean run of each first, so that kills land in every phase (not only collection)
    for args in COMMANDS:
        subprocess.run([sys.executable, "-m", "pv.cli", *args], cwd=project, env=env, capture_output=True, check=False)
    chance = random.Random(18)
    began = time.monotonic()
    for i in range(KILLS):
        args = COMMANDS[i % len(COMMANDS)]
        child = start(project, env, args)
        time.sleep(chance.uniform(0.05, 1.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert not wait_until_none_left(project), f"kill {i} of pv {args[0]} left processes running"
        assert_readable(project)
    assert time.monotonic() - began < BUDGET

    falsify = subprocess.run([sys.executable, "-m", "pv.cli", *COMMANDS[0]], cwd=project, env=env,
                             capture_output=True, text=True)
    assert falsify.returncode == 0, falsify.stdout + falsify.stderr
    mutate = subprocess.run([sys.executable, "-m", "pv.cli", *COMMANDS[1]], cwd=project, env=env,
                            capture_output=True, text=True)
    assert mutate.returncode == 1 and "SURVIVED mean-tiny-bias" in mutate.stdout  # as on a clean project
    board = subprocess.run([sys.executable, "-m", "pv.cli", "scoreboard"], cwd=project, env=env,
                           capture_output=True, text=True)
    # written and red, as on a clean project: the survivor leaves the declared DISCHARGED unsupported
    assert board.returncode == 1 and "declares DISCHARGED but the evidence supports only FUNCTIONAL" in board.stderr, \
        board.stdout + board.stderr
    reports = project / "reports"
    assert len(report_ids(reports)) == 1 and not (reports / ".scoreboard.commit").exists()
    totals = strict(reports / "scoreboard.json")["totals"]  # type: ignore[index]
    assert totals["pass"] == 4 and totals["stale"] == 0
    litter = [p for p in project.rglob("*.tmp")] + list(scratch.glob("pv-*"))
    assert not litter, litter


def test_a_commit_cut_between_renames_is_rolled_forward_by_the_next_writer(tmp_path: Path, monkeypatch) -> None:
    """The scoreboard set is journaled: a writer that dies after one rename leaves the journal,
    and the next writer completes that commit before its own (then no temporary is left)."""
    from pv import atomic

    out = tmp_path / "out"
    atomic.commit_set(out, "scoreboard", {"a.json": "1", "b.md": "1"})
    real_replace, calls = os.replace, []

    def dies_after_the_first_rename(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 3:  # the journal's own rename, then a.json, then the kill
            raise SystemExit("killed")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", dies_after_the_first_rename)
    try:
        atomic.commit_set(out, "scoreboard", {"a.json": "2", "b.md": "2"})
    except SystemExit:
        pass
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    assert (out / ".scoreboard.commit").exists() and (out / "a.json").read_text() == "2"
    assert (out / "b.md").read_text() == "1"  # mixed until the next writer
    atomic._roll_forward(out / ".scoreboard.commit")  # what the next commit_set does first
    assert [(out / n).read_text() for n in ("a.json", "b.md")] == ["2", "2"]
    assert not list(out.glob("*.tmp")) and not (out / ".scoreboard.commit").exists()


def test_temporaries_of_a_dead_writer_are_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    from pv.atomic import write_text

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".report.json.{dead.stdout.strip()}.abc123.tmp"
    live = tmp_path / f".report.json.{os.getpid()}.def456.tmp"
    stale.write_text("half a report")
    live.write_text("being written")
    write_text(tmp_path / "report.json", "{}")
    assert not stale.exists() and live.exists()


def test_a_committed_set_leaves_only_its_files(tmp_path: Path) -> None:
    """The set's lock is the directory itself: no `.scoreboard.lock` for `git add -A` to pick up
    (one an older pv left is removed), and a second writer still waits for the first."""
    import fcntl
    import threading

    from pv import atomic

    out = tmp_path / "out"
    out.mkdir()
    (out / ".scoreboard.lock").write_text("")
    atomic.commit_set(out, "scoreboard", {"a.json": "1"})
    assert sorted(p.name for p in out.iterdir()) == ["a.json"]
    holder = os.open(out, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    writer = threading.Thread(target=atomic.commit_set, args=(out, "scoreboard", {"a.json": "2"}))
    writer.start()
    writer.join(0.5)
    assert writer.is_alive() and (out / "a.json").read_text() == "1"  # waiting for the lock
    os.close(holder)
    writer.join(10)
    assert (out / "a.json").read_text() == "2"
