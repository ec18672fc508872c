"""What a pytest collection read: the registry cache's key is made of exactly that.

A cache keyed on a guess (every `.py` under the root, minus directories named `env` or
`build`) is wrong both ways: it misses a conftest reading a YAML file elsewhere and it
skips tests under `falsifiers/env/`. So the collecting child records, through a Python
audit hook (PEP 578), every file opened for reading and every directory listed, and
adds the source of every module imported; pv fingerprints those after collection,
streaming each file. Files of the interpreter and its site-packages are not hashed:
the environment key (the listing of every `sys.path` directory, whose `.dist-info`
names carry each distribution's version) covers them.

Stdlib only: the pytest plugin imports this module (so it sits below the plugin, with the
contract layer, though pv.binding.registry is its other user).
"""

from __future__ import annotations

import hashlib
import os
import site
import stat
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20
# Never content: they change between two reads of the same state, or block.
PSEUDO_ROOTS = ("/proc/", "/sys/", "/dev/")


def environment_roots() -> tuple[str, ...]:
    """Directories whose files the environment key covers (stdlib, site-packages)."""
    paths = sysconfig.get_paths()
    roots = {paths.get(name, "") for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except AttributeError:  # pragma: no cover - a virtualenv's old site module
        pass
    return tuple(sorted(os.path.join(os.path.realpath(r), "") for r in roots if r))


def signature(path: str) -> str:
    """What stat says of a path (as git's index does): a change to the file changes it."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_size}:{st.st_ino}"


class ReadRecorder:
    """An audit hook recording files opened read-only and directories listed, while active.

    An audit hook cannot be removed, so it goes quiet with `stop()`; it must never raise,
    since an exception in it would be raised in the code that opened the file.
    """

    def __init__(self) -> None:
        self.files: dict[str, str] = {}  # path -> its stat signature when first read
        self.dirs: dict[str, str] = {}
        self.active = True

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        try:
            if event == "open":
                path, mode, flags = args
                writing = (mode is not None and any(c in mode for c in "wax+")) or \
                    (mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR))
                if not writing and isinstance(path, (str, bytes, os.PathLike)):
                    name = os.path.abspath(os.fsdecode(path))
                    if name not in self.files:
                        self.files[name] = signature(name)
            elif event in ("os.listdir", "os.scandir"):
                path = args[0] if args else None
                if path is None or isinstance(path, (str, bytes, os.PathLike)):
                    name = os.path.abspath(os.fsdecode(path if path is not None else "."))
                    if name not in self.dirs:
                        self.dirs[name] = signature(name)
        except Exception:  # noqa: BLE001 - never break the code being audited
            pass

    def stop(self) -> None:
        self.active = False


def _source_of(path: str) -> str:
    """A cached `.pyc` stands for its source (the import system reads the source only when
    the cache is stale): `pkg/__pycache__/mod.cpython-311-pytest-9.2.0.pyc` -> `pkg/mod.py`,
    the name pytest's assertion rewriting gives it included."""
    cache_dir, name = os.path.split(path)
    if name.endswith(".pyc") and os.path.basename(cache_dir) == "__pycache__":
        source = os.path.join(os.path.dirname(cache_dir), name.split(".", 1)[0] + ".py")
        if os.path.exists(source):
            return source
    return path


def collection_inputs(recorder: ReadRecorder, extra_files: Iterable[str], rootdir: str,
                      exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The files and directories to key on: what was read, imported modules, the ini file,
    and every directory between the root and anything read under it (a new conftest.py
    there changes collection without being read); with the stat signature of each file
    and directory as collection first met it, so that pv can tell whether the version it
    fingerprints after collection is the one collection read.

    Paths are kept as they were opened, not resolved: read again through the same path,
    a retargeted symlink gives the new target's contents.
    """
    skip = (*environment_roots(), *PSEUDO_ROOTS, *(os.path.join(os.path.realpath(e), "") for e in exclude))
    modules = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
    files = {os.path.abspath(_source_of(f))
             for f in (*recorder.files, *(m for m in modules if isinstance(m, str)), *extra_files)}
    # a __pycache__ listing changes whenever any process writes bytecode; the sources are keyed
    dirs = {d for d in recorder.dirs if os.path.basename(d) != "__pycache__"}
    root = os.path.abspath(rootdir)
    dirs.add(root)
    inside = os.path.join(root, "")
    for path in list(files) + list(dirs):
        parent = os.path.dirname(path)
        while parent.startswith(inside) and parent not in dirs:
            dirs.add(parent)
            parent = os.path.dirname(parent)

    def keep(path: str) -> bool:
        return not os.path.join(os.path.realpath(path), "").startswith(skip)

    seen = {**recorder.files, **recorder.dirs}
    kept_files = sorted(f for f in files if keep(f) and f not in dirs)
    kept_dirs = sorted(d for d in dirs if keep(d))
    return {"files": kept_files, "dirs": kept_dirs,
            "signatures": {p: seen[p] for p in (*kept_files, *kept_dirs) if p in seen}}


def file_digest(path: str) -> str:
    """The content hash of a regular file, streamed; a marker for anything else."""
    try:
        with _open_regular(path) as handle:
            if handle is None:
                return "special"
            digest = hashlib.blake2b(digest_size=20)
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
            return digest.hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable:{error.errno}"


@contextmanager
def _open_regular(path: str | Path) -> Iterator[BinaryIO | None]:
    """The file opened for reading, or None when it is not a regular file. Opened
    non-blocking: opening a FIFO without a writer would otherwise wait for ever."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        yield None
        return
    with os.fdopen(fd, "rb", buffering=0) as handle:
        yield handle


def dir_digest(path: str, ignore: frozenset[str] = frozenset()) -> str:
    """The hash of a directory's entry names (a rename or a new file changes it), less
    `ignore`: caches whose appearance changes no collection (`__pycache__`, pv's own)."""
    try:
        names = sorted(n for n in os.listdir(path) if n not in ignore)
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable:{error.errno}"
    return hashlib.blake2b("\0".join(names).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def fingerprint(inputs: dict[str, list[str]], ignore: frozenset[str] = frozenset()) -> dict[str, dict[str, str]]:
    return {"files": {f: file_digest(f) for f in inputs.get("files", [])},
            "dirs": {d: dir_digest(d, ignore) for d in inputs.get("dirs", [])}}


def changed_since_read(signatures: dict[str, str]) -> list[str]:
    """Paths whose stat signature is not the one collection saw: it may have read another version."""
    return [path for path, seen in signatures.items() if signature(path) != seen]


def names_present(path: Path, names: set[str]) -> bool:
    """Whether every name occurs in the file's text, streamed with an overlap."""
    pending = {n.encode("utf-8", "surrogateescape") for n in names if n}
    if not pending:
        return True
    overlap = max(map(len, pending))
    tail = b""
    try:
        with _open_regular(path) as handle:
            if handle is None:
                return False
            while pending and (chunk := handle.read(CHUNK)):
                window = tail + chunk
                pending = {n for n in pending if n not in window}
                tail = window[-overlap:]
    except OSError:
        return False
    return not pending


def read_regular(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes, or None when it is something else or larger than `limit`."""
    with _open_regular(path) as handle:
        if handle is None:
            return None
        chunks, size = [], 0
        while size <= limit and (chunk := handle.read(min(CHUNK, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    return None if size > limit else b"".join(chunks)
