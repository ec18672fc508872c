"""The parse cache changes how fast pv reads contracts, never what it reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pv.contracts.cache_file import read_checked, write_checked
from pv.contracts import parse_cache
from pv.contracts.parse_cache import ParseCache
from pv.contracts.validate import ValidationResult, validate_paths
from tests.conftest import CORPUS, REPO, VALID_CONTRACT


def cached_document(path: Path) -> dict:
    payload = read_checked(path, parse_cache.CACHE_KIND)
    assert payload is not None
    return json.loads(payload)


def findings(result: ValidationResult) -> list[str]:
    return [f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}" for d in result.diagnostics]


def validate_twice(root: Path, contracts: Path) -> tuple[ValidationResult, ValidationResult, ValidationResult]:
    """(no cache, cold cache, warm cache)."""
    plain = validate_paths([contracts])
    cold = validate_paths([contracts], ParseCache.open(root))
    warm = validate_paths([contracts], ParseCache.open(root))
    return plain, cold, warm


def test_corpus_and_bundled_contracts_read_the_same_from_the_cache(tmp_path: Path) -> None:
    for name, source in (("corpus", CORPUS), ("bundled", REPO / "contracts")):
        root = tmp_path / name
        shutil.copytree(source, root / "contracts")
        plain, cold, warm = validate_twice(root, root / "contracts")
        assert findings(plain) == findings(cold) == findings(warm)
        assert [f.contract for f in plain.files] == [f.contract for f in warm.files]
        assert [f.doc.data for f in plain.files] == [f.doc.data for f in warm.files]
        entries = cached_document(root / ".pv-cache" / "parsed.json")["entries"]
        assert len(entries) >= len(plain.files) - 5  # all but the few JSON cannot hold (dates)


def test_a_finding_in_a_cached_file_keeps_its_position(tmp_path: Path) -> None:
    contract = tmp_path / "contracts" / "x-v1.yaml"
    contract.parent.mkdir()
    contract.write_text(VALID_CONTRACT.replace('version: "1.0.0"', 'version: "one"'))
    plain, cold, warm = validate_twice(tmp_path, contract.parent)
    assert findings(plain) == findings(warm) and warm.diagnostics
    assert warm.diagnostics[0].line > 1  # a real position, found by parsing the text again


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    contract = tmp_path / "contracts" / "x-v1.yaml"
    contract.parent.mkdir()
    contract.write_text(VALID_CONTRACT)
    assert not validate_paths([contract.parent], ParseCache.open(tmp_path)).diagnostics
    contract.write_text(VALID_CONTRACT.replace("metadata:", "metdata:"))
    changed = validate_paths([contract.parent], ParseCache.open(tmp_path))
    assert findings(changed) == findings(validate_paths([contract.parent])) and changed.diagnostics


@pytest.mark.parametrize("content", ["not json", '{"loader": "other", "entries": {}}', "[1, 2]", '{"entries": 3}'])
def test_a_foreign_or_broken_cache_file_is_ignored_and_rewritten(tmp_path: Path, content: str) -> None:
    contract = tmp_path / "contracts" / "x-v1.yaml"
    contract.parent.mkdir()
    contract.write_text(VALID_CONTRACT)
    cache_file = tmp_path / ".pv-cache" / "parsed.json"
    cache_file.parent.mkdir()
    cache_file.write_text(content)
    assert not validate_paths([contract.parent], ParseCache.open(tmp_path)).diagnostics
    assert len(cached_document(cache_file)["entries"]) == 1


def test_a_change_in_the_loader_empties_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    contract = tmp_path / "contracts" / "x-v1.yaml"
    contract.parent.mkdir()
    contract.write_text(VALID_CONTRACT)
    validate_paths([contract.parent], ParseCache.open(tmp_path))
    assert ParseCache.open(tmp_path).get(VALID_CONTRACT) is not None
    monkeypatch.setattr(parse_cache, "LOADER_SOURCE", Path(parse_cache.__file__))
    assert ParseCache.open(tmp_path).get(VALID_CONTRACT) is None


@pytest.mark.parametrize("data", [{"created": __import__("datetime").date(2026, 1, 1)}, {1: "integer key"},
                                  {"x": float("nan")}, {"true": 1, "x": {True: 2}}])
def test_data_json_cannot_hold_is_not_cached(tmp_path: Path, data: dict) -> None:
    cache = ParseCache.open(tmp_path)
    cache.put("text", data)
    cache.save()
    assert ParseCache.open(tmp_path).get("text") is None


def test_two_files_with_one_text_do_not_share_objects(tmp_path: Path) -> None:
    cache = ParseCache.open(tmp_path)
    cache.put("text", {"a": [1]})
    cache.save()
    warm = ParseCache.open(tmp_path)
    first, second = warm.get("text"), warm.get("text")
    assert first == second and first is not second and first["a"] is not second["a"]


@pytest.mark.parametrize("entries", ['"a string"', '{"short": {}}', '[1]'])
def test_a_wrong_shape_payload_with_a_valid_checksum_is_ignored(tmp_path: Path, entries: str) -> None:
    contract = tmp_path / "contracts" / "x-v1.yaml"
    contract.parent.mkdir()
    contract.write_text(VALID_CONTRACT)
    version = parse_cache._loader_digest()
    write_checked(tmp_path / ".pv-cache" / "parsed.json", parse_cache.CACHE_KIND, f'{{"loader": "{version}", "entries": {entries}}}')
    assert not validate_paths([contract.parent], ParseCache.open(tmp_path)).diagnostics
    assert len(cached_document(tmp_path / ".pv-cache" / "parsed.json")["entries"]) == 1


def test_an_edited_entry_is_not_trusted(tmp_path: Path) -> None:
    """A cached entry changed by hand (here: a broken contract's data replaced by a valid
    one) fails the checksum: the file is parsed again and its finding reported."""
    contract = tmp_path / "contracts" / "x-v1.yaml"
    contract.parent.mkdir()
    broken = VALID_CONTRACT.replace('version: "1.0.0"', 'version: "one"')
    contract.write_text(broken)
    validate_paths([contract.parent], ParseCache.open(tmp_path))
    cache_file = tmp_path / ".pv-cache" / "parsed.json"
    head, _, body = cache_file.read_text().partition("\n")
    cache_file.write_text(head + "\n" + body.replace('"version":"one"', '"version":"1.0.0"'))
    assert '"version":"1.0.0"' in cache_file.read_text()
    assert [d.code for d in validate_paths([contract.parent], ParseCache.open(tmp_path)).diagnostics] == ["PV-SCHEMA-007"]
