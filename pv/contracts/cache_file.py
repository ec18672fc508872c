"""A cache file that can tell it was changed: a checksum line, then the payload.

Every file under `.pv-cache/` is an input pv did not just compute: truncated by a full
disk, edited by hand, written by another version. Each is written with the checksum of
its payload and read back only if the file is a regular file of bounded size whose
payload still has that checksum; anything else reads as "no cache" and is rebuilt.
The checksum detects corruption and careless edits; each cache also checks what it
holds against the files it describes (see the modules that use it).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from pv.atomic import write_text

MAX_BYTES = 512 << 20


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=20).hexdigest()


def write_checked(path: Path, kind: str, payload: str) -> None:
    """Write `payload` under a header naming its `kind` and checksum (atomically)."""
    header = json.dumps({"kind": kind, "checksum": _digest(payload.encode("utf-8", "surrogatepass"))})
    write_text(path, header + "\n" + payload)


def read_checked(path: Path, kind: str, limit: int = MAX_BYTES) -> str | None:
    """The payload, or None when the file is missing, not regular, too large, not of
    `kind`, or not what was written."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("kind") != kind or header.get("checksum") != _digest(body):
            return None
        return body.decode("utf-8")
    except ValueError:  # JSON and Unicode errors
        return None
