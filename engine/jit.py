"""`kernel`: numba's `njit` with the options every compiled function of the
project shares, and a dispatcher that compiles each kernel once.

Kernels are cached (in the folder `engine.cache` picks) and compiled
without numba's reference counting (NRT). Every kernel passes the State and
the World, NamedTuples of about twenty arrays each, down to small helpers;
with reference counting on, numba increments and decrements each of those
arrays around many inlined calls, and its pruning pass leaves most of them
in: `attackable()` cost 0.24 us a call that way and 0.002 us without. The
arrays belong to Python objects that outlive every call, so nothing needs
counting. The price: a kernel cannot allocate (no `np.empty`, no
`argsort`), so scratch space lives in the State.

Compile time (BENCHMARKS.md, "Compiling the engine"):

- numba compiles a kernel afresh for every new tuple of argument types it
  is called with from another kernel: a game index that is int64 in one
  caller and uint64 (a `prange` index) in another, an int32 read from a
  State array, a constant (`Literal[int](0)`). The engine's kernels were
  compiled up to twelve times each. `Kernel` widens the integers of such a
  call to int64 and drops the literal types, so each is compiled once.
- `inline=True` asks LLVM to inline the kernel into its callers
  (`alwaysinline`), not numba's own IR inliner (`inline="always"`), which
  re-typed every inlined body in every caller: the same machine code, in
  about a quarter of the compile time.
"""

from __future__ import annotations

from typing import Any, Callable

from numba.core import types
from numba.core.registry import CPUDispatcher

KERNELS: list["Kernel"] = []  # every kernel defined, for `engine.compile`'s progress


def _widen(t: types.Type) -> types.Type:
    t = types.unliteral(t)
    return types.int64 if isinstance(t, types.Integer) else t


class Kernel(CPUDispatcher):
    """numba's CPU dispatcher, compiling one specialisation for the calls
    from other kernels where numba would compile one per integer type and
    constant (`get_call_template` is where numba types a call between
    compiled functions; the caller then converts its arguments)."""

    def get_call_template(self, args, kws):
        _, args = self._compiler.fold_argument_types(args, kws)
        return super().get_call_template(tuple(_widen(a) for a in args), {})


def kernel(fn: Callable | None = None, *, inline: bool = False, parallel: bool = False,
           nogil: bool = False) -> Any:
    """`@kernel`; `inline=True`: inlined into its callers by LLVM;
    `parallel=True`: for a `prange` over games; `nogil=True`: called from
    Python on several threads at once (`engine.threads`)."""
    options = {"nopython": True, "_nrt": False, "forceinline": inline, "parallel": parallel, "nogil": nogil}

    def build(f: Callable) -> Kernel:
        disp = Kernel(py_func=f, locals={}, targetoptions=dict(options))
        disp.enable_caching()
        KERNELS.append(disp)
        return disp

    return build(fn) if fn is not None else build
