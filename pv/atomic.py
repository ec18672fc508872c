"""Atomic file writes: a reader (or a Ctrl-C, or a `kill -9`) never sees a truncated file.

One file: written to a temporary beside it, fsynced, renamed over it. A set of files that
must agree (the scoreboard's JSON, Markdown and HTML) is committed through a journal:
every temporary is written first, then the journal naming them, then the renames; a pv
killed between the journal and the last rename leaves a journal the next writer rolls
forward, so the set is never left mixed for longer than until the next pv. Temporaries
carry their writer's pid, and those of dead writers are swept (pv.lifetime).

A temporary is private (0600) as mkstemp creates it; before it replaces the target it gets
the mode the target had, or for a new file the mode the umask allows (as `open()` gives),
so `pv lint --fix` keeps a contract's mode and reports stay shared as the umask says.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pv.lifetime import sweep_temporaries, temporary_prefix


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: the only portable way to read it is to set it back
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def _stage(path: Path, text: str) -> Path:
    """`text` in a fsynced temporary beside `path`, named for this process."""
    mode = _mode_for(path)
    handle, tmp = tempfile.mkstemp(prefix=temporary_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_text(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, fsync it, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(path.parent)
    tmp = _stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, document: Any) -> None:
    """Strict JSON (RFC 8259): a NaN or Infinity is a ValueError here, not a token that
    `JSON.parse` and every strict reader reject later."""
    write_text(path, json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One committer per directory at a time; the lock dies with its holder (flock). The
    directory itself is locked, so no lock file is left among the reports for `git add`."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _roll_forward(journal: Path) -> None:
    """Finish a commit a killed writer journaled: rename what it staged, then drop the journal."""
    try:
        staged = json.loads(journal.read_text(encoding="utf-8"))
        pairs = [(journal.parent / str(tmp), journal.parent / str(final)) for tmp, final in staged.items()]
    except (OSError, ValueError, AttributeError):
        pairs = []  # the journal is written atomically; an unreadable one commits nothing
    for tmp, final in pairs:
        if tmp.parent == journal.parent and final.parent == journal.parent and tmp.is_file():
            os.replace(tmp, final)
    journal.unlink(missing_ok=True)


def commit_set(directory: Path, name: str, files: Mapping[str, str]) -> list[Path]:
    """Write `files` (file name -> text) into `directory` so that they change together."""
    directory.mkdir(parents=True, exist_ok=True)
    journal = directory / f".{name}.commit"
    with _locked(directory):
        (directory / f".{name}.lock").unlink(missing_ok=True)  # the lock file older versions left
        if journal.exists():
            _roll_forward(journal)
        sweep_temporaries(directory)
        staged: dict[str, str] = {}
        try:
            for file_name, text in files.items():
                staged[_stage(directory / file_name, text).name] = file_name
            write_json(journal, staged)
        except BaseException:
            for tmp in staged:
                (directory / tmp).unlink(missing_ok=True)
            raise
        _roll_forward(journal)
    return [directory / file_name for file_name in files]
