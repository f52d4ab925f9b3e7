"""Compiling the engine before it is used: `moba compile`, and the first
command that plays games on a new machine.

numba compiles a kernel the first time it is called and keeps its machine
code in the cache folder (`engine.cache`), so this happens once per machine
and engine version. `ensure_compiled()` says so while it works, with a
progress bar over the kernels; splits the work over two processes where
there are two cores (the kernels of a phase's lanes share little, and each
process finds the other's in the cache); and leaves a stamp in the cache
folder, so later commands go straight to loading (a second or two). Ray
workers on the machine load from the same folder.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numba
import numpy as np
from numba import typeof
from numba.core import event

from agents.scripted import ScriptedAgent, play_out, scripted_actions, scripted_purchases
from engine import BatchEnv, GameConfig
from engine.cache import engine_cache_dir
from engine.effects import castable
from engine.jit import KERNELS
from engine.sim import apply_actions, finish_events, observe_one, reset_batch, step_batch, step_game, tick_game

# Phases run one after the other; a phase's lanes run at once, one a process
# (the first in this one). The kernels of the first phase are the leaves of
# the game's call tree; `step_game` then finds them all in the cache.
PHASES = (
    (("tick_game",), ("reset_batch", "apply_actions", "finish_events", "scripted_actions", "python_calls")),
    (("step_game",),),
    (("step_batch",), ("play_out",)),
)
# What a kernel's compiling weighs in the progress bar, where not 1: those
# that link and optimise the whole game below them (about 0.25 s a kernel
# for the others, 3 s for step_game and 14 s for the parallel step_batch on
# the machine of BENCHMARKS.md).
WEIGHTS = {"step_game": 12, "step_batch": 50}


def _signature(*args: Any) -> tuple:
    return tuple(typeof(a) for a in args)


def _targets() -> dict[str, Callable[[], None]]:
    """Each name of PHASES: compiles its kernels for the argument types the
    engine calls them with (without running them)."""
    env = BatchEnv(GameConfig(), num_games=1, seed=0)
    s, w = env.state, env.world
    actions = np.zeros((1, 10, 5), np.int32)
    bot = ScriptedAgent()
    retreat, build_pos = bot.memory(1)
    ticks = np.zeros(1, np.int64)
    return {
        "tick_game": lambda: tick_game.compile(_signature(s, w, 0)),
        "reset_batch": lambda: reset_batch.compile(_signature(s, w, True)),
        "apply_actions": lambda: apply_actions.compile(_signature(s, w, 0, actions)),
        "finish_events": lambda: finish_events.compile(_signature(s, w, 0)),
        "scripted_actions": lambda: scripted_actions.compile(
            _signature(s, w, 0, actions, retreat, build_pos, ticks)),
        # Called from Python: by the client, by `BatchEnv.restore`, by a network's scripted shopping.
        "python_calls": lambda: (castable.compile(_signature(s, w, 0, 0, 0)),
                                 observe_one.compile(_signature(s, w, 0, True)),
                                 scripted_purchases.compile(_signature(s, w, 0, actions, retreat, build_pos))),
        "step_game": lambda: step_game.compile(_signature(s, w, 0, actions, True)),
        "step_batch": lambda: step_batch.compile(_signature(s, w, actions, np.ones(1, bool), True)),
        "play_out": lambda: play_out.compile(_signature(
            s, w, np.ones(1, bool), actions, retreat, build_pos, retreat, build_pos, 0, 0, 0, 1)),
    }


def stamp_path() -> Path:
    """The file whose presence says this machine's cache holds every kernel
    of these sources and this numba."""
    digest = hashlib.sha1(numba.__version__.encode())
    for path in sorted({inspect.getsourcefile(k.py_func) for k in KERNELS}):
        digest.update(Path(path).read_bytes())
    return engine_cache_dir() / f"compiled-{digest.hexdigest()[:16]}"


class _Counter(event.Listener):
    """Calls `seen(name)` as each kernel is compiled."""

    def __init__(self, seen: Callable[[str], None]):
        self.seen = seen

    def on_start(self, ev: event.Event) -> None:
        pass

    def on_end(self, ev: event.Event) -> None:
        self.seen(ev.data["dispatcher"].py_func.__qualname__)


def _run(names: tuple[str, ...], seen: Callable[[str], None]) -> None:
    targets = _targets()
    with event.install_listener("numba:compile", _Counter(seen)):
        for name in names:
            targets[name]()


def _lane_process(lane: tuple[str, ...], seen: Callable[[str], None]) -> subprocess.Popen:
    """A process compiling `lane`; a thread passes on the names it prints."""
    # The same modules as this process: its path, and not the working directory first (-P).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-P", "-m", "moba.compile", *lane], stdout=subprocess.PIPE, text=True,
                            env=env)

    def relay() -> None:
        for line in proc.stdout:
            seen(line.strip())

    threading.Thread(target=relay, daemon=True).start()
    return proc


def compile_engine(progress: Callable[[int, int], None] | None = None, processes: int | None = None) -> None:
    """Compile every kernel into the cache folder; `progress(done, total)`
    as kernels are compiled, in WEIGHTS."""
    total = sum(WEIGHTS.get(k.py_func.__qualname__, 1) for k in KERNELS)
    done: set[str] = set()
    lock = threading.Lock()

    def seen(name: str) -> None:
        with lock:
            done.add(name)
            if progress is not None:
                progress(min(sum(WEIGHTS.get(n, 1) for n in done), total), total)

    parallel = (processes or min(2, os.cpu_count() or 1)) >= 2
    for phase in PHASES:
        others = [_lane_process(lane, seen) for lane in phase[1:]] if parallel else []
        for lane in phase if not parallel else phase[:1]:
            _run(lane, seen)
        for proc in others:
            if proc.wait() != 0:
                raise RuntimeError(f"compiling the engine failed in a helper process (exit code {proc.returncode})")
    stamp_path().touch()
    if progress is not None:
        progress(total, total)


def cmd_compile(args: Any) -> None:
    if stamp_path().exists():
        print(f"the engine is compiled already (cache {engine_cache_dir()})")
        return
    ensure_compiled()


def ensure_compiled(quiet: bool = False) -> None:
    """Compile the engine if this machine has not yet, with a progress bar
    (to stderr); nothing when it has."""
    if stamp_path().exists():
        return
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", file=sys.stderr, disable=quiet, dynamic_ncols=True,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}",
               desc="compiling the engine (first run on this machine, about 1-2 min)")
    start = time.perf_counter()
    finished = threading.Event()

    def progress(done: int, total: int) -> None:
        bar.update(100 * done // total - bar.n)

    def tick() -> None:  # the clock moves while one long kernel compiles
        while not finished.wait(1.0):
            bar.refresh()

    threading.Thread(target=tick, daemon=True).start()
    try:
        compile_engine(progress)
    finally:
        finished.set()
        bar.close()
    if not quiet:
        print(f"compiled the engine in {time.perf_counter() - start:.0f} s, "
              f"cached in {engine_cache_dir()}", file=sys.stderr)


if __name__ == "__main__":  # one lane of a phase: `python -m moba.compile NAME ...`, as compile_engine runs it
    _run(tuple(sys.argv[1:]), lambda name: print(name, flush=True))
