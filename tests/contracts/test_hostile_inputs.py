"""Hostile inputs: each is refused with a positioned diagnostic, never a traceback, a hang or a blow-up.

Every case runs the real CLI (`python -m pv.cli`) in a subprocess under stated bounds:

- memory: the address space is capped at MEMORY_LIMIT (1 GiB, `RLIMIT_AS` set in
  `preexec_fn`), so a blow-up dies with MemoryError (a traceback, which fails the test);
- time: TIMEOUT (20 s) wall clock per command, so a hang (a FIFO read, an endless
  alias expansion) fails the test instead of the suite;
- output: stdout under OUTPUT_LIMIT, so a hostile value is never echoed at length.

and asserts: exit 1 (findings) or 2 (I/O), a diagnostic naming the file and the rule
code (at the stated line:col where the position is meaningful), no "Traceback" on stderr.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import VALID_CONTRACT

MEMORY_LIMIT = 1 << 30
TIMEOUT = 20
OUTPUT_LIMIT = 64 * 1024


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_pv(cwd: Path, *args: str, code: str | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`pv ARGS` in `cwd` under the memory and time bounds; `code` replaces the entry point."""
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "pv.cli", *args]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PV_CONTRACTS_DIR", None)
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, errors="replace", env=env,
                          timeout=timeout, preexec_fn=_bounded)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert len(done.stdout) < OUTPUT_LIMIT, f"{len(done.stdout):,} characters of output"
    return done


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small pv project: one clean contract bound to one real test, and a hostile/ folder."""
    root = tmp_path_factory.mktemp("hostile") / "project"
    (root / "contracts").mkdir(parents=True)
    (root / "falsifiers").mkdir()
    (root / "hostile").mkdir()
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "hostile"
        version = "0"

        [tool.pytest.ini_options]
        testpaths = ["falsifiers"]
        """))
    (root / "falsifiers" / "__init__.py").write_text("")
    (root / "falsifiers" / "test_identity.py").write_text(textwrap.dedent("""\
        import pytest

        @pytest.mark.falsifies("FALSIFY-ID-001")
        def test_identity():
            assert True
        """))
    (root / "contracts" / "identity-v1.yaml").write_text(VALID_CONTRACT)
    # Collect the registry once, unbounded by TIMEOUT: the hostile files below are never
    # read by collection, so every lint case then runs on the cached registry and the
    # bound measures the hostile file, not a cold pytest start on a loaded machine.
    assert run_pv(root, "lint", timeout=600).returncode == 0
    return root


def replace(old: str, new: str) -> str:
    assert old in VALID_CONTRACT
    return VALID_CONTRACT.replace(old, new, 1)


def billion_laughs() -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# name -> (file contents, expected code, expected exit, expected (line, col) or None).
# Exit 0 only where the finding is a warning (an unknown key): the point there is that
# the key is quoted clipped and escaped, not echoed.
# 10**10 values after expansion in 1 KB; 10,000 and 1,000,000 nested brackets (libyaml's
# own composer recurses in C and crashed at ~100,000); `- - - ...` is block nesting on
# one line (10,000 nested block mappings would need 100 MB of indentation).
TEXT_CASES: dict[str, tuple[str | bytes, str, int, tuple[int, int | tuple[int, ...]] | None]] = {
    "python_tag_object_apply": (replace('author: "pv tests"', 'author: !!python/object/apply:os.system ["touch PWNED"]'),
                                "PV-YAML-003", 1, (4, 11)),
    "python_tag_name": (replace('author: "pv tests"', "author: !!python/name:os.system ''"), "PV-YAML-003", 1, (4, 11)),
    "billion_laughs": (billion_laughs(), "PV-YAML-004", 1, None),
    "duplicate_key": (replace('  author: "pv tests"\n', '  author: "pv tests"\n  author: "again"\n'), "SCHEMA-020", 1, (5, 3)),
    "duplicate_top_level_section": (VALID_CONTRACT + "equations: {}\n", "SCHEMA-020", 1, (37, 1)),
    "latin1": (replace('author: "pv tests"', 'author: "caf\xe9"').encode("latin-1"), "PV-YAML-005", 1, (4, 1)),
    "utf16_with_bom": (VALID_CONTRACT.encode("utf-16"), "PV-YAML-005", 1, (1, 1)),
    "utf16_without_bom": (VALID_CONTRACT.encode("utf-16-le"), "PV-YAML-005", 1, (1, 1)),
    "utf8_bom_positions_unshifted": (b"\xef\xbb\xbf" + replace("metadata:", "metdata:").encode(), "PV-SCHEMA-006", 1, (1, 1)),
    "nul_byte": (replace('author: "pv tests"', 'author: "pv\x00tests"').encode(), "PV-YAML-005", 1, (4, 1)),
    "ten_megabyte_version": (replace('version: "1.0.0"', 'version: "' + "9" * 10_000_000 + '"'), "PV-SCHEMA-007", 1, (2, 12)),
    "ten_megabyte_key": (VALID_CONTRACT + "? " + "x" * 10_000_000 + "\n: 1\n", "PV-SCHEMA-005", 0, (37, 3)),
    "over_size_limit": ("a: " + "x" * 40_000_000 + "\n", "PV-YAML-004", 1, (1, 1)),
    # the column is where pv's limit (200 levels) or, first, PyYAML >= 6.0.4's own (1000) stops
    "deep_flow_10k": ("metadata: " + "[" * 10_000 + "]" * 10_000 + "\n", "PV-YAML-004", 1, (1, (211, 1010))),
    "deep_flow_1m": ("[" * 1_000_000 + "]" * 1_000_000 + "\n", "PV-YAML-004", 1, (1, (202, 1001))),
    "deep_flow_mappings_10k": ("metadata: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", "PV-YAML-004", 1, None),
    "deep_block_10k": ("metadata:\n  " + "- " * 10_000 + "x\n", "PV-YAML-004", 1, None),
    "recursive_alias": ("metadata: &a [*a]\n", "PV-YAML-004", 1, (1, 15)),
    "undefined_alias": ("metadata: *nowhere\n", "PV-YAML-001", 1, (1, 11)),
    "two_documents": (VALID_CONTRACT + "---\n" + VALID_CONTRACT, "PV-YAML-001", 1, (37, 1)),
    "top_level_list": ("- metadata: {}\n- equations: {}\n", "PV-SCHEMA-001", 1, (1, 1)),
    "top_level_scalar": ("just a sentence\n", "PV-SCHEMA-001", 1, (1, 1)),
    "empty_file": ("", "PV-SCHEMA-001", 1, (1, 1)),
    "only_a_comment": ("# nothing here\n", "PV-SCHEMA-001", 1, (1, 1)),
    "mapping_as_key": ("? {a: 1}\n: 2\n", "PV-SCHEMA-003", 1, (1, 3)),
    "explicit_tag_on_empty_value": (replace("bound: 8", "bound: !!int"), "PV-SCHEMA-003", 1, (31, 12)),
    "explicit_bool_tag_on_a_word": (replace("bound: 8", "bound: !!bool maybe"), "PV-SCHEMA-003", 1, (31, 12)),
    "huge_integer": (replace("bound: 8", "bound: " + "9" * 5000), "PV-SCHEMA-003", 1, (31, 12)),
    "terminal_escape_in_key": (VALID_CONTRACT + '"\\e[2J\\e]0;owned\\a": 1\n', "PV-SCHEMA-005", 0, (37, 1)),
}


@pytest.mark.parametrize("name", sorted(TEXT_CASES))
def test_hostile_file_is_reported_not_crashed_on(name: str, project: Path) -> None:
    text, code, exit_code, position = TEXT_CASES[name]
    path = project / "hostile" / f"{name}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    done = run_pv(project, "validate", f"hostile/{name}.yaml")
    assert done.returncode == exit_code, done.stdout[-2000:]
    if position is None:
        places = [f"hostile/{name}.yaml:"]
    else:
        line, columns = position
        places = [f"hostile/{name}.yaml:{line}:{column}: {code} " for column in (columns if isinstance(columns, tuple) else (columns,))]
    assert any(line.startswith(tuple(places)) and f" {code} " in line for line in done.stdout.splitlines()), \
        done.stdout[-2000:]
    assert not (project / "PWNED").exists()
    assert "\x1b" not in done.stdout  # hostile escape sequences never reach the terminal


# lint reports the errors of files that do not load as a contract (validate reports the rest)
LINT_CASES = ("python_tag_object_apply", "billion_laughs", "deep_flow_1m", "latin1", "empty_file", "recursive_alias")


@pytest.mark.parametrize("name", LINT_CASES)
def test_lint_reports_the_same_file_without_crashing(name: str, project: Path) -> None:
    text, code, _, _ = TEXT_CASES[name]
    path = project / "hostile" / f"lint-{name}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    done = run_pv(project, "lint", "--strict-test-binding", f"hostile/lint-{name}.yaml", "contracts")
    assert done.returncode == 1, done.stdout[-2000:]
    assert any(line.startswith(f"hostile/lint-{name}.yaml:") and f" {code} " in line for line in done.stdout.splitlines())


# -- paths that are not contract files ---------------------------------------------------

def _directory(root: Path) -> str:
    (root / "hostile" / "folder.yaml").mkdir(exist_ok=True)
    return "hostile/folder.yaml"


def _empty_directory(root: Path) -> str:
    (root / "hostile" / "nothing").mkdir(exist_ok=True)
    return "hostile/nothing"


def _symlink_loop(root: Path) -> str:
    a, b = root / "hostile" / "loop-a.yaml", root / "hostile" / "loop-b.yaml"
    if not a.is_symlink():
        a.symlink_to(b.name)
        b.symlink_to(a.name)
    return "hostile/loop-a.yaml"


def _fifo(root: Path) -> str:
    fifo = root / "hostile" / "pipe.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)  # reading it would block forever: no writer
    return "hostile/pipe.yaml"


def _endless_device(root: Path) -> str:
    link = root / "hostile" / "zero.yaml"
    if not link.is_symlink():
        link.symlink_to("/dev/zero")  # reading it would never end
    return "hostile/zero.yaml"


def _missing(root: Path) -> str:
    return "hostile/not-there.yaml"


PATH_CASES: dict[str, Callable[[Path], str]] = {
    "directory_named_like_a_contract": _directory, "empty_directory": _empty_directory,
    "symlink_loop": _symlink_loop, "fifo": _fifo, "endless_device": _endless_device, "missing": _missing,
}


@pytest.mark.parametrize("name", sorted(PATH_CASES))
@pytest.mark.parametrize("command", ["validate", "lint"])
def test_path_that_is_not_a_contract_file_is_an_io_error(name: str, command: str, project: Path) -> None:
    given = PATH_CASES[name](project)
    done = run_pv(project, command, given)
    assert done.returncode == 2, done.stdout[-2000:]
    assert f"{given}:0:0: PV-IO-001 " in done.stdout


def test_unreadable_file_is_an_io_error(project: Path) -> None:
    """Tests run as root, which chmod 000 does not stop, so the child's open() raises
    PermissionError for this one file, exactly as the kernel would for another user; the
    real chmod is exercised below when the suite runs unprivileged."""
    path = project / "hostile" / "secret.yaml"
    path.write_text(VALID_CONTRACT)
    shim = textwrap.dedent("""\
        import errno, os, sys
        real_open = os.open
        def refusing_open(path, *args, **kwargs):
            if os.path.basename(os.fspath(path)) == "secret.yaml":
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_open(path, *args, **kwargs)
        os.open = refusing_open
        from pv.cli import main
        sys.exit(main(sys.argv[1:]))
        """)
    done = run_pv(project, "validate", "hostile/secret.yaml", code=shim)
    assert done.returncode == 2 and "hostile/secret.yaml:0:0: PV-IO-001 cannot read: Permission denied" in done.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files; covered by the PermissionError test above")
def test_chmod_000_file_is_an_io_error(project: Path) -> None:
    path = project / "hostile" / "locked.yaml"
    path.write_text(VALID_CONTRACT)
    path.chmod(0)
    try:
        done = run_pv(project, "validate", "hostile/locked.yaml")
    finally:
        path.chmod(0o644)
    assert done.returncode == 2 and "hostile/locked.yaml:0:0: PV-IO-001" in done.stdout


# -- test references that point outside the project --------------------------------------

def test_test_reference_outside_the_project_is_unresolved_and_never_touched(project: Path, tmp_path: Path) -> None:
    """`test:` names a file outside the root (relative and absolute): lint reports it
    unresolved and neither imports nor opens it. The relative target would write a
    marker if imported; the absolute one is a FIFO, so opening it for reading would hang
    past the timeout."""
    outside = project.parent.parent / "x.py"
    marker = tmp_path / "imported"
    outside.write_text(f"open({str(marker)!r}, 'w').write('imported')\ndef t():\n    pass\n")
    fifo = tmp_path / "path.py"
    os.mkfifo(fifo)
    contract = VALID_CONTRACT.replace("falsifiers/test_identity.py::test_identity", "../../x.py::t")
    contract = contract.replace("kani_harnesses:", textwrap.dedent(f"""\
          - id: FALSIFY-ID-002
            rule: "absolute path"
            prediction: "p"
            test: "{fifo}::t"
            if_fails: "f"
        kani_harnesses:"""))
    (project / "hostile" / "outside-v1.yaml").write_text(contract)
    done = run_pv(project, "lint", "--strict-test-binding", "hostile/outside-v1.yaml")
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    assert any(line.startswith("hostile/outside-v1.yaml:25:11: PV-VER-002 FALSIFY-ID-001 names '../../x.py::t'")
               for line in lines), done.stdout
    assert any(line.startswith("hostile/outside-v1.yaml:31:11: PV-VER-002 FALSIFY-ID-002") for line in lines), done.stdout
    assert not marker.exists()


# -- HTML and script in contract text ----------------------------------------------------

HOSTILE_HTML = "<script>alert('pv')</script><img src=x onerror=alert(1)>\"'&"


def test_html_in_contract_fields_is_inert_in_the_scoreboard(tmp_path: Path) -> None:
    root = tmp_path / "html"
    (root / "contracts").mkdir(parents=True)
    (root / "falsifiers").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "h"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["falsifiers"]\n')
    (root / "falsifiers" / "__init__.py").write_text("")
    (root / "falsifiers" / "test_identity.py").write_text(
        'import pytest\n\n@pytest.mark.falsifies("FALSIFY-ID-001")\ndef test_identity():\n    assert True\n')
    quoted = HOSTILE_HTML.replace("\\", "\\\\").replace('"', '\\"')
    text = VALID_CONTRACT
    for field, value in (('description: "Identity kernel"', f'description: "{quoted}"'),
                         ('rule: "Identity"', f'rule: "{quoted}"'),
                         ('prediction: "max |f(x) - x| <= 1e-5"', f'prediction: "{quoted}"'),
                         ('if_fails: "kernel changes its input"', f'if_fails: "{quoted}"\n    guard: "{quoted}"')):
        text = text.replace(field, value, 1)
    stem = "x\"><script>alert(2)<"
    (root / "contracts" / f"{stem}.yaml").write_text(text)
    done = run_pv(root, "scoreboard", timeout=300)  # a cold pytest collection first; the HTML is the point
    assert done.returncode == 0, done.stdout + done.stderr
    html = (root / "reports" / "scoreboard.html").read_text()
    assert "<script>alert" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert html.count("&lt;script&gt;alert(&#39;pv&#39;)&lt;/script&gt;") >= 3  # description, rule, prediction
    assert "x&#34;&gt;&lt;script&gt;alert(2)&lt;" in html  # the file name
    assert html.count("<script>") == 1  # the page's own sorting/filtering script, nothing else
