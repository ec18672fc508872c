"""Output formats (SARIF 2.1.0, GitHub annotations, colour) and `[tool.pv]` configuration."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pv.config import ConfigError, load_config
from pv.diagnostics.diagnostic import Diagnostic, Severity
from pv.diagnostics.render import render
from tests.conftest import CORPUS, REPO, VALID_CONTRACT, optional, run_pv

SARIF_SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif-2.1.0-rtm.5.json").read_text())


@pytest.mark.parametrize("command", ["validate", "lint"])
def test_sarif_validates_against_the_sarif_2_1_0_schema(command: str) -> None:
    done = run_pv(REPO, command, "--format", "sarif", str(CORPUS))
    log = json.loads(done.stdout)
    jsonschema = optional("jsonschema")
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [run] = log["runs"]
    assert run["results"], "the corpus yields findings"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        region = result["locations"][0]["physicalLocation"].get("region")
        assert region is None or region["startLine"] >= 1


def test_github_annotations_escape_and_locate() -> None:
    out = io.StringIO()
    diagnostic = Diagnostic("a,b.yaml", 3, 7, "PV-VER-002", Severity.ERROR, "50% bad\nsecond line", ("hint: x",))
    render("github", [diagnostic], {"errors": 1}, out)
    first = out.getvalue().splitlines()[0]
    assert first == "::error file=a%2Cb.yaml,line=3,col=7,title=PV-VER-002::50%25 bad%0Asecond line%0Ahint: x"


def test_no_colour_when_not_a_terminal_or_no_color(write_contract) -> None:
    path = write_contract(VALID_CONTRACT.replace('version: "1.0.0"', 'version: "1"'))
    done = run_pv(path.parent, "validate", str(path))
    assert "\033[" not in done.stdout and "PV-SCHEMA-007" in done.stdout


def write_project(root: Path, tool_pv: str) -> None:
    (root / "pyproject.toml").write_text(f"[project]\nname = 'x'\nversion = '0'\n\n[tool.pv]\n{tool_pv}\n")


def test_config_sets_paths_strictness_and_ignores(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "id-v1.yaml").write_text(VALID_CONTRACT + "future: 1\n")
    write_project(tmp_path, 'contracts = ["specs"]\nstrict = true')
    load_config.cache_clear()
    done = run_pv(tmp_path, "validate")
    assert done.returncode == 1 and "specs/id-v1.yaml:37:1: PV-SCHEMA-005" in done.stdout  # found via config, strict
    write_project(tmp_path, 'contracts = ["specs"]\nstrict = true\nignore = ["PV-SCHEMA-005"]')
    done = run_pv(tmp_path, "validate")
    assert done.returncode == 0 and "1 contract," in done.stdout


def test_command_line_paths_override_config(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(VALID_CONTRACT)
    write_project(tmp_path, 'contracts = ["missing-dir"]')
    done = run_pv(tmp_path, "validate", "other.yaml")
    assert done.returncode == 0 and "1 file," in done.stdout


def test_unknown_config_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    write_project(tmp_path, 'contract = ["specs"]')
    load_config.cache_clear()
    with pytest.raises(ConfigError, match="unknown key 'contract'; did you mean 'contracts'"):
        load_config(tmp_path)
    done = run_pv(tmp_path, "validate")
    assert done.returncode == 2 and "did you mean 'contracts'" in done.stderr and "Traceback" not in done.stderr


def test_config_value_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    write_project(tmp_path, 'strict = "yes"')
    load_config.cache_clear()
    with pytest.raises(ConfigError, match="strict must be bool"):
        load_config(tmp_path)
