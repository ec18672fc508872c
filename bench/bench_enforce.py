"""Per-call overhead of `pv.enforce` against icontract and deal, and with checks off.

    python -m bench.bench_enforce         # needs the `bench` extra (icontract, deal)

The same function (it returns its first argument, so the check is all there is to time)
carries the same precondition in each library: `eps > 0` on a float, then
`isfinite(x).all()` on a 16-element array. pv reads the clause from a contract written
to a scratch project in a temporary directory; icontract and deal get the same
condition as a lambda. Overhead = best-of-N time per call minus the undecorated
function's, measured in this run. Targets: pv's overhead <= icontract's and deal's;
with `PV_CONTRACTS=off` the decorator returns the function itself (overhead 0).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import deal
import icontract
import numpy as np

REPEATS = 7
CALLS = 100_000

CONTRACT = """\
metadata: {version: "1.0.0", description: "bench"}
equations:
  scalar:
    formula: "y = x"
    preconditions: ["eps > 0"]
  array:
    formula: "y = x"
    preconditions: ["isfinite(x).all()"]
"""

KERNELS = """\
import pv

@pv.enforce("bench-v1", "scalar")
def scalar(x, eps):
    return x

@pv.enforce("bench-v1", "array")
def array(x, eps):
    return x
"""


def _scratch_project(root: Path) -> Path:
    (root / "contracts").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    (root / "contracts" / "bench-v1.yaml").write_text(CONTRACT)
    (root / "kernels.py").write_text(KERNELS)
    return root / "kernels.py"


def _load(path: Path, name: str, mode: str | None) -> ModuleType:
    """Import the scratch kernels with `PV_CONTRACTS` as given (read at decoration time)."""
    previous = os.environ.pop("PV_CONTRACTS", None)
    if mode is not None:
        os.environ["PV_CONTRACTS"] = mode
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        os.environ.pop("PV_CONTRACTS", None)
        if previous is not None:
            os.environ["PV_CONTRACTS"] = previous


def _plain(x: Any, eps: float) -> Any:
    return x


def per_call_ns(functions: dict[str, Callable[..., Any]], x: Any, eps: float) -> dict[str, float]:
    """Best time per call of each function, the candidates timed in turn within each repeat
    so that a noisy neighbour slows all of them alike rather than whichever ran then."""
    timers = {name: timeit.Timer(lambda f=f: f(x, eps)) for name, f in functions.items()}
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(REPEATS):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(number=CALLS) / CALLS * 1e9)
    return best


def main() -> int:
    x = np.linspace(1.0, 2.0, 16)
    with tempfile.TemporaryDirectory() as scratch:
        path = _scratch_project(Path(scratch))
        on, off = _load(path, "bench_kernels_on", None), _load(path, "bench_kernels_off", "off")
        rows = {
            "eps > 0": {
                "pv.enforce": on.scalar,
                "icontract": icontract.require(lambda eps: eps > 0)(_plain),
                "deal": deal.pre(lambda x, eps: eps > 0)(_plain),
                "pv.enforce, PV_CONTRACTS=off": off.scalar,
            },
            "isfinite(x).all()": {
                "pv.enforce": on.array,
                "icontract": icontract.require(lambda x: np.isfinite(x).all())(_plain),
                "deal": deal.pre(lambda x, eps: np.isfinite(x).all())(_plain),
                "pv.enforce, PV_CONTRACTS=off": off.array,
            },
        }
        print(f"python {sys.version.split()[0]}, icontract {icontract.__version__}, deal {deal.__version__}; "
              f"best of {REPEATS} x {CALLS} calls")
        failures = 0
        for clause, decorated in rows.items():
            times = per_call_ns({"undecorated": _plain, **decorated}, x, 1e-6)
            base = times.pop("undecorated")
            overhead = {name: ns - base for name, ns in times.items()}
            print(f"\nprecondition {clause}: undecorated call {base:.0f} ns")
            print(f"  {'':32s} {'overhead ns/call':>17s} {'pv / this':>10s}")
            for name, ns in overhead.items():
                ratio = f"{overhead['pv.enforce'] / ns:10.2f}" if name in ("icontract", "deal") else ""
                print(f"  {name:32s} {ns:17.0f} {ratio}")
            switched_off = decorated["pv.enforce, PV_CONTRACTS=off"]
            # Off means no wrapper at all: the function object is the one the module defined.
            unwrapped = not hasattr(switched_off, "__wrapped__") and not hasattr(switched_off, "__pv_contract__")
            verdicts = {
                "pv <= icontract": overhead["pv.enforce"] <= overhead["icontract"],
                "pv <= deal": overhead["pv.enforce"] <= overhead["deal"],
                "off is the undecorated function": unwrapped,
            }
            for what, ok in verdicts.items():
                print(f"  target {what}: {'met' if ok else 'MISSED'}")
                failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
