"""One benchmark run of the engine kernels against their baselines.

    python -m bench.run            # from the repository root

Each row prints the kernel's best-of-N wall time, its baseline's, the ratio and the
target it is held to (see bench/README.md). torch runs with as many intra-op threads as
numpy's BLAS uses, so neither side gets more cores than the other.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.attention import attention, attention_tiled
from engine.kd_loss import kd_loss
from engine.rmsnorm import rmsnorm

REPEATS = 7
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def best_ms(fn: Callable[[], Any], repeats: int = REPEATS) -> float:
    # torch's OpenMP workers keep spinning for a while after a parallel region and would
    # steal the cores from whatever runs next; let them go to sleep first.
    time.sleep(0.3)
    fn()  # warm-up: first-touch allocation, BLAS thread start-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def blas_threads() -> tuple[str, int]:
    """Which BLAS numpy uses and with how many threads (threadpoolctl if installed)."""
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                return f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture')})", int(pool["num_threads"])
    except ImportError:
        pass
    config = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    blas = config.get("Build Dependencies", {}).get("blas", {})
    name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip() + " (threadpoolctl not installed)"
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
    return name, threads


def row(name: str, ms: float, baseline: str, base_ms: float, target: str, ok: bool) -> dict[str, Any]:
    return {"kernel": name, "ms": ms, "baseline": baseline, "baseline_ms": base_ms,
            "ratio": ms / base_ms, "target": target, "met": ok}


def bench_rmsnorm(rng: np.random.Generator) -> list[dict[str, Any]]:
    x = rng.standard_normal((4096, 4096), dtype=np.float32)
    g = rng.standard_normal(4096).astype(np.float32)
    xt, gt = torch.from_numpy(x), torch.from_numpy(g)
    ours = best_ms(lambda: rmsnorm(x, g, 1e-6))
    torch_ms = best_ms(lambda: F.rms_norm(xt, (4096,), gt, 1e-6))
    copy_ms = best_ms(lambda: x.copy())  # the floor: read x once, write a fresh array once
    return [
        row("rmsnorm 4096x4096 f32", ours, "torch F.rms_norm", torch_ms, "ratio <= 0.5 (>= 2x faster)", ours <= 0.5 * torch_ms),
        row("rmsnorm 4096x4096 f32", ours, "numpy x.copy()", copy_ms, "ratio <= 3.0", ours <= 3.0 * copy_ms),
    ]


def bench_attention(rng: np.random.Generator) -> list[dict[str, Any]]:
    shape = (1, 16, 1024, 64)
    q, k, v = (rng.standard_normal(shape, dtype=np.float32) for _ in range(3))
    qt, kt, vt = (torch.from_numpy(a) for a in (q, k, v))
    rows = []
    for causal in (False, True):
        tag = "causal" if causal else "full"
        # Square causal: torch's top-left is_causal equals the bottom-right convention here.
        sdpa = best_ms(lambda: F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal))
        ref = best_ms(lambda: attention(q, k, v, causal=causal))
        tiled = best_ms(lambda: attention_tiled(q, k, v, causal=causal))
        rows.append(row(f"attention B1 H16 S1024 D64 f32 {tag}", ref, "torch SDPA", sdpa, "ratio <= 1.5", ref <= 1.5 * sdpa))
        rows.append(row(f"attention_tiled B1 H16 S1024 D64 f32 {tag}", tiled, "torch SDPA", sdpa, "ratio <= 2.0", tiled <= 2.0 * sdpa))
    return rows


def bench_kd(rng: np.random.Generator) -> list[dict[str, Any]]:
    zs = rng.standard_normal((512, 32000), dtype=np.float32) * 3
    zt = rng.standard_normal((512, 32000), dtype=np.float32) * 3
    y = rng.integers(0, 32000, 512)
    zst, ztt, yt = torch.from_numpy(zs), torch.from_numpy(zt), torch.from_numpy(y)
    t, alpha = 2.0, 0.5

    def torch_kd() -> float:
        kl = F.kl_div(F.log_softmax(zst / t, -1), F.log_softmax(ztt / t, -1), reduction="batchmean", log_target=True)
        return (alpha * t * t * kl + (1 - alpha) * F.cross_entropy(zst, yt)).item()

    ours = best_ms(lambda: kd_loss(zs, zt, y, temperature=t, alpha=alpha))
    base = best_ms(torch_kd)
    return [row("kd_loss 512x32000 f32 T=2 a=0.5", ours, "torch kl_div+cross_entropy", base, "ratio <= 1.0", ours <= base)]


def bench_quantize() -> list[dict[str, Any]]:
    from bench import bench_quantize

    # speedup gguf / pv >= 3 is ratio pv / gguf <= 1/3; bench_quantize raises on differing bytes
    return [row(f"{r['figure']} (bytes identical)", r["pv_ms"], r["baseline"], r["baseline_ms"],
                f"ratio <= {1 / bench_quantize.TARGET_SPEEDUP:.2f} (>= {bench_quantize.TARGET_SPEEDUP:g}x faster)", r["ok"])
            for r in bench_quantize.run()]


def render(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        if {"kernel", "ms", "baseline", "baseline_ms", "ratio"} <= r.keys():
            target = r.get("target", "")
            met = r.get("met")
            verdict = "" if met is None else ("  OK" if met else "  MISSED")
            print(f"{r['kernel']:<44} {r['ms']:9.2f} ms | {r['baseline']:<28} {r['baseline_ms']:9.2f} ms "
                  f"| ratio {r['ratio']:6.2f} | target {target}{verdict}")
        else:  # rows from other benchmarks may carry their own fields
            print("  ".join(f"{key}={value}" for key, value in r.items()))


def main() -> int:
    blas, threads = blas_threads()
    torch.set_num_threads(threads)
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, cpus {os.cpu_count()}")
    print(f"numpy BLAS: {blas}, threads {threads}; torch intra-op threads {torch.get_num_threads()}")
    print("BLAS environment: " + ", ".join(f"{name}={os.environ.get(name, '(unset)')}" for name in BLAS_ENV)
          + "  (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE can force a slower kernel path)")
    rng = np.random.default_rng(0)
    rows = bench_rmsnorm(rng) + bench_attention(rng) + bench_kd(rng)
    render(rows)
    quantize = bench_quantize()
    render(quantize)
    missed = [r for r in rows + quantize if r.get("met") is False]
    print(f"{len(rows) + len(quantize)} figures, {len(missed)} targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
