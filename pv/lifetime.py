"""Nothing pv starts or writes outlives it: a `kill -9` leaves no orphan and no litter for ever.

A killed process runs no cleanup, so two mechanisms cover what `finally` cannot:

- children die with their parent: pv passes its pid in PV_PARENT_PID to every pytest it
  starts; pv's pytest plugin, when loaded there, asks Linux to SIGKILL it when that
  parent dies (PR_SET_PDEATHSIG), exits at once if pv is already gone (the kill came
  before the request), and passes its own pid on, so xdist workers die with it in
  turn. The environment carries it, not a `preexec_fn`, which is unsafe in the threads
  `pv mutate` runs its children from. Elsewhere than Linux the request is skipped.
- temporaries name their owner: `pv-run-<pid>-*` directories and `.<name>.<pid>.*.tmp`
  files; the next pv sweeps those whose owner is no longer alive (a live owner's,
  including another pv running now, are left alone; a reused pid only delays a sweep).
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARENT_ENV = "PV_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def child_environment() -> dict[str, str]:
    """What a child pv starts needs to die with this process."""
    return {PARENT_ENV: str(os.getpid())}


def die_with_parent() -> None:
    """In a child pv started: SIGKILL on the parent's death, or exit now if it is already dead."""
    wanted = os.environ.get(PARENT_ENV, "")
    if not wanted.isdigit():
        return
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if not pid_alive(int(wanted)):
        os._exit(1)  # pv died before the request: an orphan already, go
    os.environ[PARENT_ENV] = str(os.getpid())  # this process's own children die with it


@contextmanager
def owned_tempdir(prefix: str) -> Iterator[Path]:
    """A temporary directory named for this process, removed on exit; swept if we are killed."""
    sweep_tempdirs(prefix)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep_tempdirs(prefix: str, parent: Path | None = None) -> None:
    """Remove `<prefix><pid>-*` directories of processes no longer alive."""
    parent = parent or Path(tempfile.gettempdir())
    owner = re.compile(re.escape(prefix) + r"(\d+)-")
    try:
        entries = list(parent.glob(f"{prefix}*"))
    except OSError:
        return
    for entry in entries:
        found = owner.match(entry.name)
        try:
            if found and not pid_alive(int(found[1])) and entry.is_dir() and not entry.is_symlink() \
                    and entry.stat().st_uid == os.getuid():
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def temporary_prefix(path: Path) -> str:
    """The name prefix of a temporary written beside `path` by this process."""
    return f".{path.name}.{os.getpid()}."


def sweep_temporaries(directory: Path, keep: frozenset[str] = frozenset()) -> None:
    """Remove `.<name>.<pid>.*.tmp` files in `directory` whose writer is no longer alive."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        found = _TEMPORARY.match(name)
        if found and name not in keep and not pid_alive(int(found[1])):
            try:
                os.unlink(directory / name)
            except OSError:
                continue
