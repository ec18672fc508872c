"""pv's GGML quantizers against `gguf.quants.quantize` (llama.cpp's numpy reference).

    python -m bench.bench_quantize      # from the repository root

For Q8_0 and Q4_0 on 16M float32 values (one row, x ~ N(0, 1), seed 0): the best of
REPEATS wall times of each side after one warm-up, the ratio gguf_time / pv_time
(target >= 3.0, i.e. at least 3x faster) and a byte-identity check of the two outputs.
`run()` returns the rows for a combined bench script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from gguf import GGMLQuantizationType
from gguf.quants import quantize as gguf_quantize

from engine.quantize import quantize

N_VALUES = 1 << 24
QTYPES = ("Q8_0", "Q4_0")
REPEATS = 5
TARGET_SPEEDUP = 3.0


def _best_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm-up: first-touch allocation, thread pool start-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(n_values: int = N_VALUES, repeats: int = REPEATS) -> list[dict]:
    """One row per qtype: times in ms, speedup = gguf / pv, target and byte identity."""
    x = np.random.default_rng(0).standard_normal(n_values, dtype=np.float32)
    rows = []
    for qtype in QTYPES:
        oracle_type = GGMLQuantizationType[qtype]
        identical = bool(np.array_equal(quantize(x, qtype), gguf_quantize(x, oracle_type)))
        if not identical:
            raise AssertionError(f"{qtype}: pv's bytes differ from gguf.quants.quantize")
        pv_s = _best_seconds(lambda: quantize(x, qtype), repeats)
        gguf_s = _best_seconds(lambda: gguf_quantize(x, oracle_type), repeats)
        rows.append(
            {
                "figure": f"quantize {qtype} {n_values} float32",
                "baseline": "gguf.quants.quantize",
                "pv_ms": pv_s * 1e3,
                "baseline_ms": gguf_s * 1e3,
                "speedup": gguf_s / pv_s,
                "target": f"speedup >= {TARGET_SPEEDUP:g}",
                "ok": gguf_s / pv_s >= TARGET_SPEEDUP,
                "byte_identical": identical,
            }
        )
    return rows


def main() -> int:
    rows = run()
    for row in rows:
        print(
            f"{row['figure']:<32} pv {row['pv_ms']:8.1f} ms   gguf {row['baseline_ms']:8.1f} ms   "
            f"speedup {row['speedup']:5.2f}x ({row['target']}: {'ok' if row['ok'] else 'MISSED'})   "
            f"byte-identical: {row['byte_identical']}"
        )
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
