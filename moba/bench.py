"""`moba bench ...`: performance figures, printed (never timed tests)."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np


def _engine_run(cfg, games: int, seed: int) -> dict[str, float]:
    """Scripted bots on both sides until every game slot has finished one game."""
    from agents.scripted import ScriptedAgent
    from engine import BatchEnv
    from engine import fields as F

    env = BatchEnv(cfg, num_games=games, seed=seed)
    radiant, dire = ScriptedAgent(), ScriptedAgent()
    step = env.reset()
    finished = np.zeros(games, bool)
    ticks = 0
    decisions = 0
    env_s = bot_s = 0.0
    while not finished.all():
        t0 = time.perf_counter()
        actions = np.concatenate([radiant.act(env, step, 0), dire.act(env, step, 1)], axis=1)
        t1 = time.perf_counter()
        before = env.state.gi[:, F.TICK].copy()
        step = env.step(actions)
        t2 = time.perf_counter()
        after = np.where(step.done, step.length, env.state.gi[:, F.TICK])
        ticks += int((after - before).sum())
        decisions += 10 * games
        bot_s += t1 - t0
        env_s += t2 - t1
        finished |= step.done
    return {"ticks_per_s": ticks / env_s, "decisions_per_s": decisions / env_s,
            "ticks_per_s_with_bots": ticks / (env_s + bot_s), "ticks": ticks,
            "bytes_per_game": sum(a.nbytes for a in env.state) / games}


def _warm_up(cfg) -> None:
    """Compile (or load from the cache) every kernel before timing anything."""
    from agents.scripted import ScriptedAgent
    from engine import BatchEnv

    env = BatchEnv(cfg, num_games=1, seed=0)
    step = env.reset()
    bot = ScriptedAgent()
    env.step(np.concatenate([bot.act(env, step, 0), bot.act(env, step, 1)], axis=1))


def bench_engine(args: argparse.Namespace) -> None:
    import numba

    from moba.presets import load_preset

    overrides = list(args.overrides)
    if args.max_minutes is not None:
        overrides.append(f"game.time_cap_minutes={args.max_minutes}")
    cfg = load_preset(args.preset, overrides).game
    cores = os.cpu_count() or 1
    threads = args.threads or sorted({1, cores})
    print(f"moba bench engine: preset '{args.preset}', cap {cfg.time_cap_minutes} min, "
          f"scripted vs scripted, whole games, median of {args.repeats} runs")
    print(f"machine: {platform.processor() or platform.machine()}, {cores} cores, "
          f"numba {numba.__version__}")
    _warm_up(cfg)
    print(f"{'threads':>7} {'batch':>5} {'ticks/s':>10} {'per core':>10} "
          f"{'decisions/s':>12} {'with bots':>10} {'game min':>9} {'MB/game':>8}")
    for n_threads in threads:
        numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
        for games in args.batch:
            runs = [_engine_run(cfg, games, seed=r) for r in range(args.repeats)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"{n_threads:>7} {games:>5} {med['ticks_per_s']:>10,.0f} "
                  f"{med['ticks_per_s'] / min(n_threads, games):>10,.0f} "
                  f"{med['decisions_per_s']:>12,.0f} {med['ticks_per_s_with_bots']:>10,.0f} "
                  f"{med['ticks'] / games / 1800:>9.1f} {med['bytes_per_game'] / 1e6:>8.2f}",
                  flush=True)


def run_bench(args: argparse.Namespace) -> None:
    if args.bench == "engine":
        bench_engine(args)
