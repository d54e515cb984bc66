"""Time convlessons.functional.conv2d against torch.nn.functional.conv2d, side by side.

A typical layer: input 8x64x56x56 float32, 64 filters 3x3, padding 1. Both run in this
one process on the CPU, taking turns; each is warmed up, then timed several times and
the median is reported. The project's budget: ours at most 2.5x slower than torch.

Run:  python benchmarks/bench_conv2d.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from convlessons import functional as F

__all__ = ["main", "median_seconds"]

BUDGET = 2.5


def median_seconds(fns, repeats: int, warmup: int = 2) -> list[float]:
    """Median wall time of each ``fn()`` in ``fns``, after ``warmup`` calls each.

    The functions take turns in every repeat, so a change in machine load during the
    run affects all of them alike.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, bucket in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in times]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 56, 56), dtype=np.float32)
    w = rng.standard_normal((64, 64, 3, 3), dtype=np.float32)
    b = rng.standard_normal(64, dtype=np.float32)
    xt, wt, bt = (torch.from_numpy(a) for a in (x, w, b))

    ours = F.conv2d(x, w, b, padding=1)
    with torch.no_grad():
        ref = torch.nn.functional.conv2d(xt, wt, bt, padding=1).numpy()
    err = float(np.abs(ours - ref).max())
    if ours.dtype != np.float32 or err > 1e-3:
        print(f"MISMATCH: dtype={ours.dtype}, max abs error {err:.2e}")
        return 1

    with torch.no_grad():
        t_ours, t_torch = median_seconds(
            [
                lambda: F.conv2d(x, w, b, padding=1),
                lambda: torch.nn.functional.conv2d(xt, wt, bt, padding=1),
            ],
            args.repeats,
        )
    ratio = t_ours / t_torch
    print("conv2d 8x64x56x56 float32, 64 filters 3x3, padding 1 "
          f"(torch threads: {torch.get_num_threads()}, median of {args.repeats})")
    print(f"  convlessons.functional.conv2d : {t_ours * 1e3:8.1f} ms")
    print(f"  torch.nn.functional.conv2d    : {t_torch * 1e3:8.1f} ms")
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"  ratio ours/torch              : {ratio:8.2f}x ({verdict} the {BUDGET}x budget)")
    print(f"  max abs difference            : {err:.1e}")
    return 0 if ratio <= BUDGET else 2


if __name__ == "__main__":
    raise SystemExit(main())
