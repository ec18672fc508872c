"""Parsed contract data, cached by content hash, so an unchanged file is not parsed again.

A commit runs `pv validate` and then `pv lint` over the same contracts, and parsing the
YAML is most of either run. An unchanged file's data is read back from
`.pv-cache/parsed.json` instead: decoding JSON is about 15x faster than parsing YAML.

- The key is the file's text (its hash), and the cache as a whole is keyed on the loader's
  own source and the PyYAML version (and libyaml's presence), so a change in how pv reads
  YAML empties it.
- Only data JSON holds losslessly is stored (no dates, no non-string keys, no NaN); a file
  the fast parser could not read plainly is never stored. Positions are not stored: a file
  with a finding is parsed again for them, on demand, as without the cache.
- Data served from the cache is shared with it: callers read it and never change it.
- JSON, never pickle: a planted cache file can at worst misreport a file, not run code.
- The file carries the checksum of its payload (pv/contracts/cache_file.py); an unreadable,
  foreign, truncated or edited cache file, or one of the wrong shape, is ignored and
  rewritten, never trusted.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from pv.contracts.cache_file import read_checked, write_checked
from pv.project import CACHE_DIR

CACHE_FILE = "parsed.json"
CACHE_KIND = "pv parse cache 1"
MAX_ENTRIES = 50_000  # files unused in this run are dropped beyond this
LOADER_SOURCE = Path(__file__).with_name("loader.py")


def _loader_digest() -> str:
    """What decides the parsed data: pv's loader and the YAML library under it."""
    import yaml

    parser = f"PyYAML {yaml.__version__} libyaml {getattr(yaml, '__with_libyaml__', False)}".encode()
    return hashlib.blake2b(LOADER_SOURCE.read_bytes() + parser, digest_size=8).hexdigest()


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class ParseCache:
    """What one run read from the cache and added to it; `save` writes it back."""

    def __init__(self, path: Path, entries: dict[str, Any], version: str) -> None:
        self.path, self.version = path, version
        self._old = entries
        self._used: dict[str, Any] = {}
        self._added = False

    @classmethod
    def open(cls, root: Path) -> ParseCache:
        path = root / CACHE_DIR / CACHE_FILE
        version = _loader_digest()
        payload = read_checked(path, CACHE_KIND)
        try:
            document = json.loads(payload) if payload is not None else None
        except ValueError:
            document = None
        if not isinstance(document, dict) or document.get("loader") != version:
            return cls(path, {}, version)
        entries = document.get("entries")
        if not isinstance(entries, dict) or not all(isinstance(k, str) and len(k) == 32 for k in entries):
            return cls(path, {}, version)
        return cls(path, entries, version)

    def get(self, text: str) -> Any:
        """The cached data of `text`, or None (an empty document is never cached)."""
        key = _key(text)
        if key in self._used:  # two files with one text: each gets its own objects
            return copy.deepcopy(self._used[key])
        data = self._old.get(key)
        if data is not None:
            self._used[key] = data
        return data

    def put(self, text: str, data: Any) -> None:
        """Remember `data` for `text` if JSON gives it back exactly."""
        if data is None:
            return
        try:
            encoded = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError):
            return
        decoded = json.loads(encoded)
        if decoded != data:  # e.g. an integer key would come back a string
            return
        self._used[_key(text)] = decoded
        self._added = True

    def save(self) -> None:
        """Write back what this run used or added (and older entries, up to MAX_ENTRIES)."""
        unused = {k: v for k, v in self._old.items() if k not in self._used}
        if not self._added and len(self._used) + len(unused) <= MAX_ENTRIES:
            return
        kept = dict(list(unused.items())[: max(0, MAX_ENTRIES - len(self._used))])
        kept.update(self._used)
        try:
            write_checked(self.path, CACHE_KIND, json.dumps({"loader": self.version, "entries": kept}, separators=(",", ":")))
        except OSError:  # a read-only checkout still validates; it just parses every time
            pass
