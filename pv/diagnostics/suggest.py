"""Did you mean: the one place that turns a near miss into a suggestion."""

from __future__ import annotations


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, swaps."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closest_typo(key: str, known: list[str]) -> str | None:
    """The known key `key` is a slip of: one or two edits away (one for short keys).

    A similarity ratio is not enough: `type_enforcement` is a deliberate key of its own,
    not a misspelt `enforcement`.
    """
    budget = 1 if len(key) <= 5 else 2
    known = [k for k in known if abs(len(k) - len(key)) <= budget]  # the distance is at least that
    best = min(known, key=lambda k: edit_distance(key, k), default=None)
    if best is not None and 0 < edit_distance(key, best) <= budget:
        return best
    return None
