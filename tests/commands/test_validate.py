"""`pv validate`, `pv schema` and `pv explain` as a user runs them: exit codes and output shapes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from pv.cli import main
from pv.commands.explain import rules_markdown
from pv.contracts.schema import json_schema
from tests.conftest import REPO, VALID_CONTRACT, optional


def test_clean_contract_exits_0_with_summary(write_contract, pv) -> None:
    code, out, _ = pv("validate", str(write_contract(VALID_CONTRACT)))
    assert code == 0
    assert out.strip() == "1 file, 1 contract, 1 falsifier, 0 errors, 0 warnings"


def test_error_exits_1_with_path_line_col_code(write_contract, pv) -> None:
    path = write_contract(VALID_CONTRACT.replace('  author: "pv tests"\n', '  author: "a"\n  author: "b"\n'))
    code, out, _ = pv("validate", str(path))
    assert code == 1
    assert out.splitlines()[0].startswith(f"{path}:5:3: SCHEMA-020 duplicate key 'author'")


def test_warning_exits_0_unless_strict(write_contract, pv) -> None:
    path = write_contract(VALID_CONTRACT + "future_section: {}\n")
    assert pv("validate", str(path))[0] == 0
    assert pv("validate", "--strict", str(path))[0] == 1


def test_missing_path_exits_2(tmp_path, pv) -> None:
    code, out, _ = pv("validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and "PV-IO-001" in out


def test_usage_error_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--format", "xml"])
    assert exited.value.code == 2


def test_json_output_shape(write_contract, pv) -> None:
    path = write_contract(VALID_CONTRACT.replace("falsification_tests:", "falsfication_tests:"))
    code, out, _ = pv("validate", "--format", "json", str(path))
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"version", "diagnostics", "summary"}
    assert set(report["summary"]) == {"files", "contracts", "falsifiers", "errors", "warnings"}
    [first] = [d for d in report["diagnostics"] if d["code"] == "PV-SCHEMA-006"]
    assert set(first) == {"path", "line", "col", "code", "severity", "message", "hints"}
    assert (first["line"], first["col"], first["severity"]) == (21, 1, "error")


def test_bundled_contracts_validate_clean(pv, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = pv("validate", "--strict")
    assert code == 0, out
    files, contracts, falsifiers, errors, warnings = (int(part.split()[0]) for part in out.splitlines()[-1].split(", "))
    assert contracts >= 4 and falsifiers >= 24 and errors == warnings == 0


def test_schema_is_valid_json_schema_and_accepts_bundled_contracts(pv) -> None:
    code, out, _ = pv("schema")
    schema = json.loads(out)
    assert code == 0 and schema == json_schema()
    jsonschema = optional("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    contracts = sorted((REPO / "contracts").glob("*.yaml"))
    assert contracts
    for path in contracts:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_schema_rejects_a_bad_obligation_type(capsys) -> None:
    jsonschema = optional("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    document = yaml.safe_load(VALID_CONTRACT.replace("type: invariant", "type: vibes"))
    document["proof_obligations"][0]["tolerance"] = 1e-5
    assert list(validator.iter_errors(document))


def test_explain_and_rules_doc_are_in_sync(pv) -> None:
    assert (REPO / "docs" / "RULES.md").read_text(encoding="utf-8") == rules_markdown()
    code, out, _ = pv("explain", "pv-schema-006")
    assert code == 0 and "typo" in out


def test_console_script_runs_without_traceback(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe\x00m")
    done = subprocess.run([sys.executable, "-m", "pv.cli", "validate", str(bad)], capture_output=True, text=True)
    assert done.returncode == 1 and "PV-YAML-005" in done.stdout and "Traceback" not in done.stderr


def test_validate_does_not_import_numpy(tmp_path) -> None:
    probe = "import sys, pv.cli; pv.cli.main(['validate', '" + str(REPO / "contracts") + "']); print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip().endswith("False")
