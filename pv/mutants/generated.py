"""Generated mutants: one operator applied at one place in the source of a kernel.

`pv mutate --auto` reads the source of the kernels a contract names (its
`implementations`, or `mutation.kernels`) and of every function of the same package
they reach by name (helpers, dispatch tables, re-exports), and makes one mutant per
mutation point (pv.mutants.operators). A mutant is the mutated source of one whole
function, compiled in the function's own module globals and swapped in by code
(pv.mutants.reach) in a forked child: files are never written.

Its name is stable while the code does not move: operator, file and line
(`eps-drop@engine/rmsnorm.py:72`, `#2` for a second point of one operator on a line).

The parsing half reads only source; `compile_generated` runs in the pytest child.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType
from typing import Any

from pv.mutants.operators import points

MAX_FUNCTIONS = 40  # per kernel: the reach of a dispatch table stops somewhere


@dataclass(frozen=True)
class Generated:
    """One generated mutant: what the server needs to build it, and what a person reads."""

    name: str
    contract: str
    target: str  # module:function whose code is replaced
    operator: str
    description: str
    diff: str
    filename: str
    lineno: int  # first line of the function in its file
    source: str  # the whole mutated function, dedented

    def spec(self) -> dict[str, Any]:
        return {"target": self.target, "filename": self.filename, "lineno": self.lineno, "source": self.source}


def compile_generated(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """make(original) for a generated mutant: the mutated def, compiled in the original's globals."""

    def make(original: FunctionType) -> Any:
        code = compile("\n" * (int(spec["lineno"]) - 1) + spec["source"], spec["filename"], "exec")
        namespace: dict[str, Any] = {}
        exec(code, original.__globals__, namespace)
        return namespace[original.__name__]

    return make


class GenerationError(Exception):
    """A kernel named by a contract whose source cannot be found or read."""


@dataclass
class _Module:
    name: str
    path: Path
    text: str
    tree: ast.Module
    defs: dict[str, ast.FunctionDef | ast.ClassDef]
    assigns: dict[str, ast.AST]
    imports: dict[str, tuple[str, str]]  # local name -> (module, name)


def _source(name: str, root: Path) -> Path:
    """The module's source file: under the project root as pytest imports it, else on sys.path."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as failed:
        raise GenerationError(f"{name}: cannot locate the module ({failed})") from failed
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise GenerationError(f"{name}: no Python source (only Python source can be mutated)")
    return Path(spec.origin)


def _module(name: str, root: Path, cache: dict[str, _Module]) -> _Module:
    if name in cache:
        return cache[name]
    path = _source(name, root)
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = _Module(name, path, text, tree, {}, {}, {})
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.defs[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        found.assigns[leaf.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.assigns[node.target.id] = node.value
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                found.imports[alias.asname or alias.name] = (base, alias.name)
    cache[name] = found
    return found


def _reachable(kernel: str, root: Path, cache: dict[str, _Module]) -> list[tuple[_Module, ast.FunctionDef, str]]:
    """The kernel's function and the same-package functions it reaches by name, kernel first."""
    module_name, _, attribute = kernel.partition(":")
    package = module_name.split(".")[0]
    order: list[tuple[_Module, ast.FunctionDef, str]] = []
    seen: set[tuple[str, str]] = set()
    work: list[tuple[str, str]] = [(module_name, attribute)]
    while work and len(order) < MAX_FUNCTIONS:
        mod_name, name = work.pop(0)
        if (mod_name, name) in seen:
            continue
        seen.add((mod_name, name))
        module = _module(mod_name, root, cache)
        head, _, rest = name.partition(".")
        node: ast.AST | None = module.defs.get(head)
        if node is None and head in module.imports:
            origin, original = module.imports[head]
            if origin.split(".")[0] == package:
                work.append((origin, original + (f".{rest}" if rest else "")))
            continue
        if node is None and head in module.assigns:
            work.extend((mod_name, n.id) for n in ast.walk(module.assigns[head]) if isinstance(n, ast.Name))
            continue
        if isinstance(node, ast.ClassDef) and rest:
            node = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == rest), None)
        if not isinstance(node, ast.FunctionDef):
            if (mod_name, name) == (module_name, attribute):
                raise GenerationError(f"{kernel}: no function {attribute} in {module.path}")
            continue
        if not node.decorator_list:
            order.append((module, node, f"{mod_name}:{name}"))
        work.extend((mod_name, n.id) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id != node.name)
    return order


def _splice(lines: list[bytes], node: ast.AST, text: str) -> list[bytes] | None:
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
    if start is None or end is None or col is None or end_col is None:
        return None
    statement = text == "pass"
    if not statement and " " in text and not (text.startswith("(") and text.endswith(")")):
        text = f"({text})"
    out = list(lines)
    out[start - 1: end] = [lines[start - 1][:col] + text.encode() + lines[end - 1][end_col:]]
    return out


def _mutants_of(module: _Module, function: ast.FunctionDef, target: str, contract: str, root: Path) -> list[Generated]:
    file_lines = module.text.encode().splitlines(keepends=True)
    first, last = function.lineno, function.end_lineno or function.lineno
    original = file_lines[first - 1: last]
    try:
        relative = module.path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = module.path.as_posix()
    made: list[Generated] = []
    for point in points(function):
        mutated_file = _splice(file_lines, point.node, point.replacement)
        if mutated_file is None:
            continue
        shift = len(mutated_file) - len(file_lines)
        body = mutated_file[first - 1: last + shift]
        source = textwrap.dedent(b"".join(body).decode())
        try:
            changed = ast.dump(ast.parse(source)) != ast.dump(ast.parse(textwrap.dedent(b"".join(original).decode())))
        except SyntaxError:
            continue
        if not changed:
            continue
        line = getattr(point.node, "lineno", first)
        diff = "".join(difflib.unified_diff([b.decode() for b in original], [b.decode() for b in body],
                                            f"a/{relative}", f"b/{relative}", n=0))
        diff = _renumber(diff, first - 1)  # difflib counts from the function's first line
        made.append(Generated(f"{point.operator}@{relative}:{line}", contract, target, point.operator,
                              f"{point.description} in {function.name}", diff, str(module.path), first, source))
    return made


def _renumber(diff: str, offset: int) -> str:
    """Hunk headers in file line numbers (difflib numbers from the slice given)."""
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("@@ "):
            parts = line.split(" ")
            for i in (1, 2):
                sign, rest = parts[i][0], parts[i][1:]
                start, _, count = rest.partition(",")
                parts[i] = f"{sign}{int(start) + offset}" + (f",{count}" if count else "")
            line = " ".join(parts)
        out.append(line)
    return "".join(out)


def generate(contract: str, kernels: list[str], root: Path) -> list[Generated]:
    """Every generated mutant of the contract's kernels; names unique within the contract."""
    cache: dict[str, _Module] = {}
    functions: dict[str, tuple[_Module, ast.FunctionDef]] = {}
    for kernel in kernels:
        for module, function, target in _reachable(kernel, root, cache):
            functions.setdefault(f"{module.name}:{function.name}", (module, function))
    made: list[Generated] = []
    for target, (module, function) in functions.items():
        made.extend(_mutants_of(module, function, target, contract, root))
    counts: dict[str, int] = {}
    unique = []
    for mutant in made:
        counts[mutant.name] = counts.get(mutant.name, 0) + 1
        if counts[mutant.name] > 1:
            mutant = Generated(**{**mutant.__dict__, "name": f"{mutant.name}#{counts[mutant.name]}"})
        unique.append(mutant)
    return unique
