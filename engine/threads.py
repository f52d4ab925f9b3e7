"""Long kernels run on several Python threads: a kernel over a range of
games (`lo`, `hi`), called on contiguous shares of the batch at once.

For kernels that each call keeps busy for long (whole games played out),
this is as fast as numba's `parallel=True`, and compiles in about a
quarter of the time: a parallel kernel's loop body is outlined and the
whole call tree below it linked and optimised twice (BENCHMARKS.md,
"Compiling the engine"). For a decision step (a tenth of a millisecond
for eight games on `small`) handing work to a thread costs as much as the
work, so the step stays a `prange`. A kernel compiled with `nogil` runs
on its thread in true parallel. A game touches only its own row, so it
comes out the same whatever the number of threads; that number is
numba's (`numba.set_num_threads`, `NUMBA_NUM_THREADS`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numba

_pool: ThreadPoolExecutor | None = None

# After each parallel region libgomp's threads (numba's OpenMP layer) spin
# 300,000 times before sleeping: between the engine's steps that takes a
# core from JAX's networks. 20,000 keeps the engine's speed and gave the
# networks 10-15% more (BENCHMARKS.md). libgomp reads it when it loads.
SPINCOUNT = "20000"


def share_cores() -> None:
    """Make libgomp's idle threads give their core back soon; before any
    parallel kernel runs (a user's own GOMP_SPINCOUNT or OMP_WAIT_POLICY stands)."""
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", SPINCOUNT)


def over_games(fn: Callable[..., Any], num_games: int, *args: Any) -> None:
    """`fn(*args, lo, hi)` over every game, in one share a thread."""
    n = min(numba.get_num_threads(), num_games)
    if n <= 1:
        fn(*args, 0, num_games)
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max(1, numba.config.NUMBA_NUM_THREADS - 1), thread_name_prefix="moba-games")
    bounds = [num_games * i // n for i in range(n + 1)]
    shares = [_pool.submit(fn, *args, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    fn(*args, bounds[0], bounds[1])  # this thread takes the first share
    for share in shares:
        share.result()
