"""The built wheel, installed in a clean virtual environment, used on a project outside this repository.

Offline and bounded: the wheel is built from a copy of pv's sources without build isolation,
installed with `--no-deps --no-index` into a venv without pip, whose dependencies (pytest,
pydantic, hypothesis...) come from the running environment through a .pth file; that file
adds the running site-packages as a plain path, so an editable install of pv there stays
invisible and the venv imports the wheel's pv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

from pv import DISTRIBUTION, __version__
from tests.conftest import REPO

TIMEOUT = 300

KERNEL = """\
import math


def softmax(x):
    m = max(x)
    e = [math.exp(v - m) for v in x]
    s = sum(e)
    return [v / s for v in e]
"""

WRITTEN_TESTS = """\
import math

import pytest
from hypothesis import given, strategies as st

from pv.testing import falsifier
from scratchkern import softmax

SM_001 = falsifier("FALSIFY-SM-001")
SM_002 = falsifier("FALSIFY-SM-002")
inputs = st.lists(st.floats(-50, 50), min_size=1, max_size=8)


@pytest.mark.falsifies(SM_001.id)
@given(inputs)
def test_matches_formula(x):
    m = max(x)
    e = [math.exp(v - m) for v in x]
    SM_001.check_close(max(abs(a - b / sum(e)) for a, b in zip(softmax(x), e)))


@pytest.mark.falsifies(SM_002.id)
@given(inputs)
def test_invariant_holds(x):
    if abs(sum(softmax(x)) - 1.0) > 1e-9:
        SM_002.fail("the outputs do not sum to 1")
"""

MUTANTS = """\
from pv.mutation import Mutant

MUTANTS = [
    Mutant("softmax-scaled", "softmax-v1", "scratchkern:softmax", "multiplies every output by 1.01",
           lambda original: lambda x: [v * 1.01 for v in original(x)]),
]
"""


def run(*command: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, env=env, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "pv", source / "pv", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "--no-index", "-w", str(dist), str(source)], capture_output=True, text=True, timeout=TIMEOUT)
    assert built.returncode == 0, built.stdout + built.stderr
    [path] = dist.glob("*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv") / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert made.returncode == 0, made.stderr
    python = home / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home,
                    env=os.environ.copy()).stdout.strip())
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "running-environment.pth").write_text("\n".join(paths) + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                                "--no-index", str(wheel)], capture_output=True, text=True, timeout=TIMEOUT)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return home


def clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PV_CONTRACTS_DIR", "PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PV_MUTANT")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_wheel_holds_pv_and_nothing_else(wheel: Path) -> None:
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"pv", f"{DISTRIBUTION.replace('-', '_')}-{__version__}.dist-info"}, top
    for module in ("pv/commands/check.py", "pv/contracts/loader.py", "pv/reports/templates/scoreboard.html.j2",
                   "pv/__main__.py", "pv/py.typed"):
        assert module in names


def test_the_installed_commands_answer(venv: Path, tmp_path: Path) -> None:
    env = clean_env(venv)
    for command in ([venv / "bin" / "pv", "--version"], [venv / "bin" / "python", "-m", "pv", "--version"]):
        done = run(*command, cwd=tmp_path, env=env)
        assert done.returncode == 0 and done.stdout.strip() == f"pv {__version__} ({DISTRIBUTION})", done
    where = run(venv / "bin" / "python", "-c", "import pv; print(pv.__file__)", cwd=tmp_path, env=env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # the wheel's pv, not this checkout's
    engine = run(venv / "bin" / "python", "-c", "import engine", cwd=tmp_path, env=env)
    assert "No module named 'engine'" in engine.stderr  # no generic top-level package installed


def test_a_scratch_project_from_pv_new_to_pv_check(venv: Path, tmp_path: Path) -> None:
    env = clean_env(venv)
    pv = venv / "bin" / "pv"
    project = tmp_path / "scratch"
    (project / "tests").mkdir(parents=True)
    (project / "scratchkern").mkdir()
    (project / "scratchkern" / "__init__.py").write_text(KERNEL)
    (project / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "scratch"
        version = "0"

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        pythonpath = ["."]
        """))

    new = run(pv, "new", "softmax-v1", "--prefix", "SM", cwd=project / "tests", env=env)
    assert new.returncode == 0, new.stdout + new.stderr
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file() and not {"__pycache__", ".pv-cache"} & set(p.parts)) == [
        "contracts/softmax-v1.yaml", "pyproject.toml", "scratchkern/__init__.py", "tests/mutants.py",
        "tests/test_softmax_v1.py"]

    lint = run(pv, "lint", "--strict-test-binding", cwd=project, env=env)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "2 bound" in lint.stdout

    falsify = run(pv, "falsify", "--profile", "fast", cwd=project, env=env)
    assert falsify.returncode == 1, falsify.stdout + falsify.stderr  # the scaffold never reads as green
    assert "FALSIFY-SM-001 not implemented" in falsify.stdout

    check = run(pv, "check", "--profile", "fast", cwd=project, env=env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "exit 2" not in check.stdout and "validate: ok; lint --strict-test-binding: ok" in check.stdout

    # the user writes the tests and one mutant: the whole job is green
    (project / "tests" / "test_softmax_v1.py").write_text(WRITTEN_TESTS)
    (project / "tests" / "mutants.py").write_text(MUTANTS)
    check = run(pv, "check", "--profile", "fast", cwd=project, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "1 of 1 mutants killed; 2 of 2 falsifiers killed at least one" in check.stdout
    assert (project / "reports" / "scoreboard.html").is_file()
    assert (project / ".pv-cache" / ".gitignore").read_text().splitlines()[-1] == "*"
