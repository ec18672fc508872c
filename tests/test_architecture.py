"""The layout is a pipeline with one-way doors: each part of pv imports only the parts
before it, and the code that runs inside every pytest process stays light.

    errors, atomic, profiles  <-  diagnostics  <-  config, project  <-  contracts  <-  binding
    <-  evidence  <-  reports  <-  commands  <-  cli

`testing`, `mutation` and `pytest_plugin` run inside the user's pytest: they may import
the layers up to contracts' YAML loader, never pydantic (checked by a real import below).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PV = REPO / "pv"
LAYER = {
    "pv": 0, "pv.errors": 0, "pv.atomic": 0, "pv.profiles": 0, "pv.lifetime": 0,
    "pv.diagnostics": 1,
    "pv.config": 2, "pv.project": 2,
    "pv.contracts": 3, "pv.testing": 3, "pv.mutation": 3, "pv.mutants": 3, "pv.pytest_plugin": 3, "pv.enforce": 3, "pv.runtime": 3,
    "pv.binding": 4,
    "pv.evidence": 5,
    "pv.reports": 6,
    "pv.commands": 7,
    "pv.cli": 8, "pv.__main__": 8,
}
MAX_ROOT_MODULES = 12


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """The layer a module belongs to: its subpackage, or itself at the root."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _imports() -> dict[str, set[str]]:
    """Every pv module and the pv modules it imports (module level and inside functions)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PV.rglob("*.py")):
        module = _module(path)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.split(".")[0] == "pv"}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pv":
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names if (PV.parent / f"{node.module}.{a.name}".replace(".", "/")).with_suffix(".py").exists()}
        graph[module] = found
    return graph


def test_every_unit_has_a_layer() -> None:
    assert {_unit(m) for m in _imports()} <= set(LAYER), "a new part of pv needs its place in LAYER"


def test_imports_only_point_down_the_pipeline() -> None:
    upward = [f"{m} -> {i}" for m, imported in _imports().items() for i in imported
              if LAYER[_unit(i)] > LAYER[_unit(m)]]
    assert upward == []


def test_no_import_cycle() -> None:
    imports = _imports()
    graph = {m: {i for i in imported if i in imports} for m, imported in imports.items()}
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
        return None

    for module in sorted(graph):
        if module not in state:
            assert cycle_from(module) is None  # the cycle found, as a path that ends where it starts


def test_the_root_holds_at_most_twelve_modules() -> None:
    root_modules = sorted(p.name for p in PV.glob("*.py") if p.name != "__init__.py")
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules


def test_pytest_side_does_not_import_pydantic() -> None:
    code = ("import sys, pv.testing, pv.pytest_plugin, pv.mutation; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'numpy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"
