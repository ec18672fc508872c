"""The fork server: import the project, numpy, pytest and hypothesis once, fork per mutant.

Starting Python, numpy, pytest and hypothesis costs more than running a contract's
falsifiers against one mutant, so `pv mutate` starts this server once
(`python -m pv.mutants.server` in the project root) and each mutant runs in a forked
child: the child applies the mutant in memory (pv.mutants.reach), runs pytest on the
contract's tests, writes pv's results file and its own status (exit code, whether the
mutated function ran), and exits. Nothing is applied in the server itself, so every
child starts from the unmutated kernel, and no file is ever written with a mutant in it.

Protocol, one JSON object per line. stdin: a setup object first, then tasks, then
`{"end": true}`. stdout: one result per task. The server never runs a kernel before
forking (no thread pools to inherit). If stdin closes before `end` (the parent was
killed), it kills its children and exits: an interrupted run leaves nothing behind.

Imported in the pytest-side process: no pydantic, no pv.contracts.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pv import mutation
from pv.mutants import reach
from pv.mutants.generated import compile_generated

_POLL = 0.02


@dataclass
class _Running:
    task: dict[str, Any]
    started: float


def _preload(setup: dict[str, Any]) -> dict[str, mutation.Mutant]:
    """Import once what every child needs; the curated catalogue by name."""
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401

    import pv.pytest_plugin  # noqa: F401  (registers the hypothesis profiles)

    sys.path.insert(0, os.getcwd())
    for name in setup.get("preload", []):
        try:
            importlib.import_module(name)
        except Exception:  # a module that does not import fails in the child, with its reason
            pass
    catalogue = setup.get("catalogue")
    if not catalogue:
        return {}
    return {m.name: m for m in mutation.load_catalogue(catalogue, Path.cwd())}


def _child(task: dict[str, Any], setup: dict[str, Any], curated: dict[str, mutation.Mutant]) -> int:
    """Apply the task's mutant, run its tests, write the status file; the exit code is pytest's."""
    import pytest

    status: dict[str, Any] = {"reached": None, "refused": None}
    applied: reach.Applied | None = None
    name = task.get("mutant")
    try:
        if name is not None:
            if task.get("generated"):
                spec = task["generated"]
                applied = reach.apply(spec["target"], compile_generated(spec))
            else:
                if name not in curated:
                    raise reach.MutantRefused(f"{name}: no such mutant in {setup.get('catalogue')}")
                applied = mutation.apply(curated[name])
    except reach.MutantRefused as refused:
        status["refused"] = str(refused)
        Path(task["status"]).write_text(json.dumps(status), encoding="utf-8")
        return 0
    args = [*task["nodeids"], f"--pv-results={task['results']}", *setup["pytest_args"]]
    if task.get("exitfirst"):
        args.append("-x")
    code = int(pytest.main(args))
    status["exit"] = code
    if applied is not None:
        status["reached"] = applied.reached
    Path(task["status"]).write_text(json.dumps(status), encoding="utf-8")
    return code


def _fork(task: dict[str, Any], setup: dict[str, Any], curated: dict[str, mutation.Mutant]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the server's stdout is the protocol channel
            os.dup2(null, fd)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = _child(task, setup, curated)
    except BaseException:  # noqa: BLE001 - the child must never return into the server loop
        try:
            Path(task["status"]).write_text(json.dumps({"crashed": traceback.format_exc()[-2000:]}), encoding="utf-8")
        except OSError:
            pass
    finally:
        os._exit(code)


def _result(task: dict[str, Any], wait_status: int | None) -> dict[str, Any]:
    result: dict[str, Any] = {"id": task["id"]}
    if wait_status is None:
        result["timeout"] = True
        return result
    try:
        result.update(json.loads(Path(task["status"]).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        signalled = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None
        result["crashed"] = f"the child died (signal {signalled})" if signalled else "the child wrote no status"
    return result


class _Lines:
    """Complete lines from a non-blocking read of a file descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.closed = fd, b"", False

    def read(self, timeout: float) -> list[dict[str, Any]]:
        if self.closed:
            time.sleep(timeout)
            return []
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.closed = True
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


def serve() -> int:
    lines = _Lines(sys.stdin.fileno())
    first: list[dict[str, Any]] = []
    while not first and not lines.closed:
        first = lines.read(1.0)
    if not first:
        return 2
    setup, pending = first[0], first[1:]
    curated = _preload(setup)
    jobs = max(1, int(setup.get("jobs", 1)))
    running: dict[int, _Running] = {}
    ended = False
    out = sys.stdout

    def kill_all() -> None:
        for pid in running:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass

    def terminated(*_: object) -> None:
        kill_all()
        os._exit(1)

    signal.signal(signal.SIGTERM, terminated)
    while True:
        for message in lines.read(_POLL if running or pending else 0.5):
            if message.get("end"):
                ended = True
            else:
                pending.append(message)
        if lines.closed and not ended:  # the parent is gone: leave nothing behind
            kill_all()
            if setup.get("scratch"):
                shutil.rmtree(setup["scratch"], ignore_errors=True)
            return 1
        while pending and len(running) < jobs:
            task = pending.pop(0)
            running[_fork(task, setup, curated)] = _Running(task, time.monotonic())
        for pid, run in list(running.items()):
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            timed_out = not done and time.monotonic() - run.started > float(run.task.get("timeout", 1e9))
            if timed_out:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            if done or timed_out:
                del running[pid]
                out.write(json.dumps(_result(run.task, None if timed_out else wait_status)) + "\n")
                out.flush()
        if ended and not pending and not running:
            return 0


if __name__ == "__main__":
    sys.exit(serve())
