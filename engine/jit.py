"""`kernel`: numba's `njit` with the options every compiled function of the
project shares.

Kernels are cached (in the folder `engine.cache` picks) and compiled
without numba's reference counting (NRT). Every kernel passes the State and
the World, NamedTuples of about twenty arrays each, down to small helpers;
with reference counting on, numba increments and decrements each of those
arrays around many inlined calls, and its pruning pass leaves most of them
in: `attackable()` cost 0.24 us a call that way and 0.002 us without. The
arrays belong to Python objects that outlive every call, so nothing needs
counting. The price: a kernel cannot allocate (no `np.empty`, no
`argsort`), so scratch space lives in the State.
"""

from __future__ import annotations

from typing import Any, Callable

from numba import njit


def kernel(fn: Callable | None = None, **options: Any) -> Any:
    """`@kernel`, or `@kernel(inline="always")`, `@kernel(parallel=True)`."""
    jit = njit(cache=True, _nrt=False, **options)
    return jit(fn) if fn is not None else jit
