"""Mutants of engine.rmsnorm.rmsnorm (contract rmsnorm-kernel-v1).

Each replacement is the plain kernel, y = x / sqrt(mean(x^2) + eps) * g over the last
axis with the engine's precondition checks, with one realistic bug. The statistic is
taken in float64 (so only the mutant that is about overflow overflows) and the result
is returned in the input dtype, as the engine does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pv.mutation import Mutant

CONTRACT = "rmsnorm-kernel-v1"
TARGET = "engine.rmsnorm:rmsnorm"
Kernel = Callable[..., np.ndarray]


def _checked(x: Any, weight: Any, eps: float) -> tuple[np.ndarray, np.ndarray]:
    from engine.rmsnorm import _check, _violation  # the engine's own precondition checks

    x, weight = np.asarray(x), np.asarray(weight)
    _check(x, weight, eps)
    if not np.isfinite(x).all():
        raise _violation("finite", "x contains NaN or Inf")
    return x, weight


def _mean_square(x: np.ndarray, axis: int | None = -1) -> np.ndarray:
    x64 = x.astype(np.float64)
    return np.mean(x64 * x64, axis=axis, keepdims=True)


def _kernel(body: Callable[[np.ndarray, np.ndarray, float], np.ndarray]) -> Callable[[Kernel], Kernel]:
    """Wrap `body(x, weight, eps)` with the engine's signature, checks and output dtype."""

    def make(original: Kernel) -> Kernel:
        def rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float = 1e-6) -> np.ndarray:
            x, weight = _checked(x, weight, eps)
            with np.errstate(all="ignore"):
                return body(x, weight, eps).astype(x.dtype)

        return rmsnorm

    return make


def _eps_dropped(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(_mean_square(x)) * g


def _eps_outside_sqrt(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / (np.sqrt(_mean_square(x)) + eps) * g


def _sum_not_mean(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    x64 = x.astype(np.float64)
    return x / np.sqrt(np.sum(x64 * x64, axis=-1, keepdims=True) + eps) * g


def _sqrt_missing(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / (_mean_square(x) + eps) * g


def _rsqrt_of_eps_only(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    ms = _mean_square(x)  # computed, then the wrong variable goes into the rsqrt
    return x * (1.0 / np.sqrt(eps + 0.0 * ms)) * g


def _weight_missing(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(_mean_square(x) + eps)


def _weight_before_statistic(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    xg = x * g
    return xg / np.sqrt(_mean_square(xg) + eps)


def _first_axis(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(_mean_square(x, axis=0) + eps) * g


def _whole_tensor(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(_mean_square(x, axis=None) + eps) * g


def _abs_mean_squared(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    m = np.mean(np.abs(x.astype(np.float64)), axis=-1, keepdims=True)
    return x / np.sqrt(m * m + eps) * g


def _no_overflow_rescue(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    # x^2 in the input dtype: float32 rows with |x| > ~1.8e19 overflow to inf and come out 0
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + x.dtype.type(eps)) * g


def _correct(x: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(_mean_square(x) + eps) * g


def _eps_unchecked(original: Kernel) -> Kernel:
    def rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        # the eps clause was removed from the checks: eps <= 0 and NaN pass through
        x, weight = _checked(x, weight, 1e-6)
        with np.errstate(all="ignore"):
            return _correct(x, weight, eps).astype(x.dtype)

    return rmsnorm


def _finite_unchecked(original: Kernel) -> Kernel:
    def rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        from engine.rmsnorm import _check

        # the finite-x check was dropped; dtype, shape, eps and weight checks remain
        x, weight = np.asarray(x), np.asarray(weight)
        _check(x, weight, eps)
        with np.errstate(all="ignore"):
            return _correct(x, weight, eps).astype(x.dtype)

    return rmsnorm


def _weight_finite_unchecked(original: Kernel) -> Kernel:
    def rmsnorm(x: np.ndarray, weight: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        from engine.contract import precondition_check
        from engine.rmsnorm import _rmsnorm, _violation

        # the finite_weight clause was dropped from the checks: Inf or NaN in g reach the output
        x, weight = np.asarray(x), np.asarray(weight)
        precondition_check(CONTRACT, "rmsnorm", _rmsnorm, without=("finite", "finite_weight"))(x, weight, eps)
        if not np.isfinite(x).all():
            raise _violation("finite", "x contains NaN or Inf")
        with np.errstate(all="ignore"):
            return _correct(x, weight, eps).astype(x.dtype)

    return rmsnorm


MUTANTS = [
    Mutant("rmsnorm-eps-dropped", CONTRACT, TARGET,
           "y = x / sqrt(mean(x^2)) * g: eps forgotten, so 0 / 0 = NaN on a zero row", _kernel(_eps_dropped)),
    Mutant("rmsnorm-eps-outside-sqrt", CONTRACT, TARGET,
           "y = x / (sqrt(mean(x^2)) + eps) * g: eps added after the square root", _kernel(_eps_outside_sqrt)),
    Mutant("rmsnorm-sum-not-mean", CONTRACT, TARGET,
           "sum of squares in place of their mean: RMS(y) = 1 / sqrt(n)", _kernel(_sum_not_mean)),
    Mutant("rmsnorm-sqrt-missing", CONTRACT, TARGET,
           "y = x / (mean(x^2) + eps) * g: divides by the mean square, not its root", _kernel(_sqrt_missing)),
    Mutant("rmsnorm-rsqrt-of-eps-only", CONTRACT, TARGET,
           "rsqrt(eps) in place of rsqrt(mean(x^2) + eps): the statistic never reaches the output",
           _kernel(_rsqrt_of_eps_only)),
    Mutant("rmsnorm-weight-missing", CONTRACT, TARGET,
           "the weight g is never applied", _kernel(_weight_missing)),
    Mutant("rmsnorm-weight-before-statistic", CONTRACT, TARGET,
           "x * g is normalised (weight folded in before the statistic)", _kernel(_weight_before_statistic)),
    Mutant("rmsnorm-first-axis", CONTRACT, TARGET,
           "mean(x^2) over axis 0 (columns) instead of the last axis", _kernel(_first_axis)),
    Mutant("rmsnorm-whole-tensor", CONTRACT, TARGET,
           "one mean(x^2) over the whole tensor instead of one per row", _kernel(_whole_tensor)),
    Mutant("rmsnorm-abs-mean-squared", CONTRACT, TARGET,
           "mean(|x|)^2 in place of mean(x^2)", _kernel(_abs_mean_squared)),
    Mutant("rmsnorm-no-overflow-rescue", CONTRACT, TARGET,
           "x^2 in the input dtype with no rescaled fallback: float32 rows above ~1e19 overflow to a zero output",
           _kernel(_no_overflow_rescue)),
    Mutant("rmsnorm-eps-unchecked", CONTRACT, TARGET,
           "precondition eps > 0 removed: eps = 0, eps < 0 and NaN are accepted", _eps_unchecked),
    Mutant("rmsnorm-finite-unchecked", CONTRACT, TARGET,
           "precondition 'finite' removed: NaN and Inf in x flow into the output", _finite_unchecked),
    Mutant("rmsnorm-weight-finite-unchecked", CONTRACT, TARGET,
           "precondition 'finite_weight' removed: NaN and Inf in the weight flow into the output "
           "(no hand-written case covers it: the falsifier's generated input per clause does)",
           _weight_finite_unchecked),
]
