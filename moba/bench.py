"""`moba bench ...`: performance figures, printed (never timed tests)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from collections import deque

import numpy as np

from engine import ConfigError


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


def _machine() -> str:
    import jax

    dev = jax.devices()[0]
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"JAX {jax.__version__} on {dev.platform} ({dev.device_kind})")


PARTS = ("env", "inference", "learning", "transfer", "learner_idle")  # of an update's time, as `moba train` has it


def bench_train(args: argparse.Namespace) -> None:
    """End-to-end self-play throughput, through the same loop as `moba
    train`: hero steps trained on per second and where the time goes, over
    `--updates` updates once the pool holds its first snapshot (so the
    past-snapshot games, their forward passes and the periodic snapshot,
    checkpoint and TensorBoard writes all count). With workers, env and
    inference are a worker's (they run in parallel), `idle` is the learner
    waiting for rollouts; then how many workers one learner can feed."""
    import tempfile

    from league.selfplay import Trainer
    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    if any(args.workers):  # Ray's processes start before JAX's threads do
        from league.workers import connect

        connect(args.ray_address)
    warm = preset.run.train.snapshot_every  # the first snapshot joins at the end of these
    print(f"moba bench train: preset '{args.preset}', {args.updates} updates per setting after {warm} "
          f"warm-up ones (the first snapshot joins at their end)\nmachine: {_machine()}")
    print(f"{'workers':>7} {'games':>6} {'hero steps/s':>13} {'env':>6} {'infer':>6} {'learn':>6} {'transfer':>8} "
          f"{'idle':>6} {'other':>6} {'broadcast':>10} {'trajectories':>13}")
    for workers in args.workers:
        for games in args.games:
            run = dataclasses.replace(preset.run, train=preset.run.train.replace(num_games=games, workers=workers))
            per_update = run.decisions_per_update()
            run = dataclasses.replace(run, train=run.train.replace(total_steps=per_update * (warm + args.updates)))
            timed = dict.fromkeys(("updates", "wall", "broadcast", "trajectories") + PARTS, 0.0)
            last = 0.0

            def measure(update: int, metrics: dict[str, float]) -> None:
                nonlocal last
                now = time.perf_counter()
                if update > warm:  # from the end of one update to the end of the next
                    timed["updates"] += 1
                    timed["wall"] += now - last
                    update_s = per_update / metrics["perf/hero_steps_per_s"]  # the rollout and PPO step alone
                    for part in PARTS:
                        timed[part] += metrics.get(f"perf/{part}_share", 0.0) * update_s
                    for part in ("broadcast", "trajectories"):
                        timed[part] += metrics.get(f"perf/{part}_s", 0.0)
                last = now

            with tempfile.TemporaryDirectory() as tmp:
                trainer = Trainer(tmp, run, preset.name, ray_address=args.ray_address)
                try:
                    trainer.run(on_update=measure)
                finally:
                    trainer.close()
            if not timed["updates"]:
                return  # stopped (Ctrl-C) before the timed updates
            n, wall = timed["updates"], timed["wall"]
            shares = [timed[part] / wall for part in PARTS]
            # In process the parts follow each other; with workers, env and inference overlap the learner's idle.
            other = 1 - sum(shares) if not workers else 1 - sum(shares[2:])
            print(f"{workers:>7} {games:>6} {per_update * n / wall:>13,.0f}" +
                  "".join(f" {v:>{w}.0%}" for w, v in zip((6, 6, 6, 8, 6), shares)) + f" {other:>6.0%}" +
                  (f" {timed['broadcast'] / n * 1000:>8.0f}ms {timed['trajectories'] / n * 1000:>11.0f}ms"
                   if workers else ""), flush=True)
            if workers:
                learner_rate = per_update * n / (timed["learning"] + timed["transfer"])
                worker_rate = per_update / workers * n / (timed["env"] + timed["inference"])
                print(f"        one learner here learns {learner_rate:,.0f} hero steps/s and a worker plays "
                      f"{worker_rate:,.0f}: it can feed about {learner_rate / worker_rate:.1f} workers", flush=True)


def bench_learn(args: argparse.Namespace) -> None:
    """Train with a fixed seed, through the same loop as `moba train`; at
    each mark of learner hero steps (or of training wall time), play games
    against the random and scripted bots and the teacher. Prints the curve
    and plots it."""
    import json
    from functools import partial
    from pathlib import Path

    from agents.checkpoint import CheckpointError
    from agents.scripted import ScriptedAgent
    from league.play import win_rate
    from league.run import RunFolder
    from league.selfplay import Trainer
    from league.sweep import OPPONENTS, plan, write_json
    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    run = preset.run
    by_steps = args.minutes is None
    marks = sorted(args.steps or [1e6, 2e6, 4e6]) if by_steps else sorted(args.minutes)
    if by_steps:
        # The run's schedules follow the steps to the last mark, where it ends.
        run = dataclasses.replace(run, train=run.train.replace(total_steps=int(marks[-1])))
    else:
        # The run ends by time, not steps (2**24 updates are out of reach); its
        # schedules follow the training time towards the last mark instead.
        run = dataclasses.replace(run, train=run.train.replace(total_steps=run.decisions_per_update() << 24))
    out = Path(args.out)
    curve_path = out / "learn_curve.json"
    if args.resume:
        if not by_steps:
            raise ConfigError("a bench by --minutes cannot resume: its schedules follow the time it trained")
        if not (out / "bench.json").exists():
            raise ConfigError(f"{str(out)!r} holds no bench run to resume")
    elif (out / "run").exists():
        raise ConfigError(f"{str(out)!r} holds a bench run already: add --resume to go on with it, pick another "
                          f"--out or remove it")
    planned = (out / "bench.json").exists()
    plan(out / "bench.json", {"preset": args.preset, "set": list(args.overrides), "steps": marks,
                              "games": args.games, "greedy": args.greedy, "from": args.fork}, "bench run")
    # The marks played so far, each kept as it is played.
    curve: list[dict] = json.loads(curve_path.read_text()) if args.resume and curve_path.exists() else []
    start, eval_s = time.perf_counter(), 0.0
    timed = None if by_steps else (
        lambda: min(1.0, (time.perf_counter() - start - eval_s) / (marks[-1] * 60 or 1)))
    if args.resume and RunFolder(out / "run", run, preset.name).latest_checkpoint() is None:
        raise ConfigError(f"{str(out)!r} has no checkpoint to go on from (it stopped before its first mark): "
                          f"remove it and start again")
    if args.resume:
        trainer = Trainer.resume(out / "run")
    elif args.fork:
        try:
            trainer = Trainer.fork(args.fork, out / "run", run, preset.name, progress=timed)
        except CheckpointError:
            if not planned:  # refused before anything was trained: the folder is as it was
                (out / "bench.json").unlink()
                if not any(out.iterdir()):
                    out.rmdir()
            raise
    else:
        trainer = Trainer(out / "run", run, preset.name, progress=timed)
    # Training minutes go on from the last mark's (the steps trained again since the checkpoint count twice).
    trained_before = curve[-1]["minutes"] if curve else 0.0
    print(f"moba bench learn: preset '{args.preset}', seed {run.train.seed}, {args.games} games per "
          f"point\nmachine: {_machine()}")
    # Sampling against the bots, as in training, the teacher the learner
    # imitates among them; with --greedy also greedily against the scripted
    # bot, which a policy imitating it plays closer to it.
    evaluations = [(name, f"vs {name}", partial(bot, run, 1), False) for name, bot in OPPONENTS.items()]
    if args.greedy:
        evaluations.append(("scripted_greedy", "vs scripted, greedy", ScriptedAgent, True))
    unit = "hero steps" if by_steps else "minutes"
    print(f"{'minutes':>7} {'hero steps':>12}" +
          "".join(f" {label:>{len(label) + 1}}" for _, label, _, _ in evaluations))

    told = 0  # curriculum stages passed and printed

    def evaluate(update: int, metrics: dict[str, float]) -> None:
        # Training time is the run's wall time less these evaluations.
        nonlocal eval_s, told
        t0 = time.perf_counter()
        for line in trainer.curriculum.passed[told:]:
            print(line, flush=True)
        told = len(trainer.curriculum.passed)
        def reached(mark: float) -> bool:
            return trainer.hero_steps() >= mark if by_steps else t0 - start - eval_s >= mark * 60

        while len(curve) < len(marks) and reached(marks[len(curve)]):
            point = {"minutes": trained_before + (t0 - start - eval_s) / 60 if by_steps else marks[len(curve)],
                     "hero_steps": trainer.hero_steps(), "stage": trainer.curriculum.name}
            for name, _, bot, greedy in evaluations:
                point[name] = win_rate(run.game, trainer.agent(seed=2, greedy=greedy), bot(), args.games, seed=1000,
                                       batch=run.train.eval_batch)["win"]
            curve.append(point)
            print(f"{point['minutes']:>7.1f} {point['hero_steps']:>12,}" +
                  "".join(f" {point[name]:>{len(label) + 1}.1%}" for name, label, _, _ in evaluations) +
                  (f"  stage {trainer.curriculum.describe()}" if run.curriculum else ""), flush=True)
            saved = trainer.save_checkpoint()  # a killed bench goes on from its last mark at the latest
            trainer.folder.keep(saved, f"mark_{trainer.hero_steps():012d}")  # to fork from (`--from`)
            write_json(curve_path, curve)
        if len(curve) == len(marks):
            trainer.stop()
        eval_s += time.perf_counter() - t0

    # As `moba train` trains: snapshots join the pool, checkpoints and the
    # TensorBoard log go to the run folder.
    start = time.perf_counter()
    if len(curve) < len(marks):
        trainer.run(on_update=evaluate)
    else:
        trainer.close()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, label, _, _ in evaluations:
        ax.plot([p["hero_steps" if by_steps else "minutes"] for p in curve], [p[name] for p in curve], "o-",
                label=label)
    ax.axhline(0.5, color="grey", lw=0.5)
    for passed in trainer.curriculum.passed if by_steps else ():  # where each curriculum stage ended
        ax.axvline(passed.steps, color="grey", lw=0.5, ls=":")
        ax.annotate(passed.name, (passed.steps, 0.02), rotation=90, fontsize=7, color="grey", ha="right",
                    va="bottom")
    ax.set(xlabel=f"learner {unit}" if by_steps else "CPU training minutes", ylabel="win rate", ylim=(0, 1),
           title=f"moba bench learn ({preset.name}, seed {run.train.seed}, {args.games} games per point)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "learn_curve.png", dpi=120)
    print(f"curve: {curve_path}, plot: {out / 'learn_curve.png'}")


class _Timed:
    """An agent whose decisions are timed: the seconds the main thread
    spends in them (its networks may run meanwhile, `league.play._play`),
    added up on a shared `clock` [seconds]."""

    def __init__(self, agent, clock: list[float]):
        self.agent, self.name, self.reads_obs, self.clock = agent, agent.name, agent.reads_obs, clock
        if hasattr(agent, "start"):
            self.start = self._start

    def _timed(self, f, *args):
        t0 = time.perf_counter()
        out = f(*args)
        self.clock[0] += time.perf_counter() - t0
        return out

    def act(self, env, step, team):
        return self._timed(self.agent.act, env, step, team)

    def _start(self, env, step, team, pool=None, live=None):
        wait = self._timed(self.agent.start, env, step, team, pool, live)
        return lambda: self._timed(wait)


def bench_league(args: argparse.Namespace) -> None:
    """Evaluation throughput: whole games between two agents, as `moba league
    eval` plays them, and the time a 15,000-game evaluation would take."""
    from agents.scripted import ScriptedAgent
    from engine import BatchEnv
    from league.play import play_games
    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    cfg = preset.game
    env = BatchEnv(cfg, num_games=1)

    def learned(seed):
        if args.checkpoints:
            from agents.policy_agent import load_policy_agent

            return load_policy_agent(args.checkpoints[seed % 2], env, seed=seed, name="learned")
        return _untrained_agent(preset, env, seed)

    print(f"moba bench league: preset '{args.preset}', {args.games} whole games per pairing, "
          f"{args.batch} at a time, median of {args.repeats}\nmachine: {_machine()}\nlearned agents: "
          f"{' v '.join(args.checkpoints) if args.checkpoints else 'untrained networks'}")
    print(f"{'pairing':<20} {'games/s':>8} {'decisions/s':>12} {'engine':>7} {'agents':>7} "
          f"{'game min':>8} {'15,000 games':>13}")
    if "learned" in args.pairings:
        play_games(cfg, learned(0), learned(1), 2, seed=0, batch=2)  # compile the policy
    pairings = {
        # Two scripted bots play each game through in compiled code (no split).
        "scripted": ("scripted v scripted", lambda s, clock: ScriptedAgent(), False),
        # The same games decision by decision through Python, as any other
        # pair plays: where the time of a step goes.
        "stepped": ("  stepped", lambda s, clock: _Timed(ScriptedAgent(), clock), True),
        "learned": ("learned v learned", lambda s, clock: _Timed(learned(s), clock), True),
    }
    for label, make, timed in (pairings[p] for p in args.pairings):
        runs = []
        for r in range(args.repeats):
            clock = [0.0]
            a, b = make(2 * r, clock), make(2 * r + 1, clock)
            t0 = time.perf_counter()
            results = play_games(cfg, a, b, args.games, seed=r, batch=args.batch)
            wall = time.perf_counter() - t0
            ticks = sum(x.ticks for x in results)
            decisions = ticks / cfg.frameskip * 10
            runs.append({"games_s": len(results) / wall, "decisions_s": decisions / wall,
                         "agents": clock[0] / wall if timed else np.nan,
                         "minutes": ticks / len(results) / 1800})
        med = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
        projected = 15000 / med["games_s"]
        split = f"{1 - med['agents']:>7.0%} {med['agents']:>7.0%}" if timed else f"{'-':>7} {'-':>7}"
        print(f"{label:<20} {med['games_s']:>8.2f} {med['decisions_s']:>12,.0f} {split} "
              f"{med['minutes']:>8.1f} {projected / 60:>10.0f} min", flush=True)
    if any(args.workers):
        _league_on_workers(args, preset, env)


def _league_on_workers(args: argparse.Namespace, preset, env) -> None:
    """The pairings as `moba league eval --workers N` plays them: blocks of
    the games as Ray tasks, N at once; each worker's rate, and what 15,000
    games would take on machines like this one."""
    from league.evaluate import Player
    from league.workers import EvalWorkers, connect

    connect(args.ray_address)

    def learned(seed: int) -> Player:
        if args.checkpoints:
            from agents import checkpoint

            path = args.checkpoints[seed % 2]
            return Player("learned", f"learned{seed}", path, checkpoint.load(path))
        return Player("learned", f"learned{seed}", "untrained", _untrained(preset, env, seed))

    players = {"scripted": lambda s: Player("scripted", "scripted"), "learned": learned}
    print(f"\n{'pairing':<20} {'workers':>7} {'games/s':>8} {'per worker':>11} {'game min':>8} {'15,000 games':>13} "
          f"{'on 10 such':>11}")
    for name in (p for p in args.pairings if p in players):
        for workers in (n for n in args.workers if n):
            pool = EvalWorkers(preset.game, preset.name, workers)
            per_task = max(1, min(args.batch, -(-args.games // workers)))
            results: list = []
            t0 = time.perf_counter()
            under_way: deque = deque()  # at most `workers` blocks at once, as the evaluation hands them out
            for seed, first in enumerate(range(0, args.games, per_task)):
                if len(under_way) == workers:
                    under_way.popleft()()
                under_way.append(pool.submit(players[name](0), players[name](1), seed,
                                             list(range(min(per_task, args.games - first))), 0.0,
                                             lambda result, replay: results.append(result)))
            while under_way:
                under_way.popleft()()
            rate = len(results) / (time.perf_counter() - t0)
            minutes = sum(r.ticks for r in results) / len(results) / 1800
            print(f"{name + ' v ' + name:<20} {workers:>7} {rate:>8.2f} {rate / workers:>11.2f} {minutes:>8.1f} "
                  f"{15000 / rate / 60:>10.0f} min {15000 / rate / 600:>7.0f} min", flush=True)


def _untrained(preset, env, seed: int) -> tuple[dict, dict]:
    """A checkpoint as `agents.checkpoint.load` reads one, of the preset's
    network with freshly initialised weights: the inference cost of a
    trained one (its scripted purchases too), without needing a file."""
    import jax

    from agents.policy import Policy, init_params, normalizer_init, shapes_for
    from league.selfplay import network_meta

    params = init_params(Policy(preset.run.policy, shapes_for(env.config)), jax.random.PRNGKey(seed))
    tree = jax.device_get({"params": params, "norm": normalizer_init(env.obs_size)._asdict()})
    return {"network": network_meta(preset.run)}, tree


def _untrained_agent(preset, env, seed: int):
    """The policy agent of `_untrained`'s checkpoint, as the league loads one."""
    from agents.policy_agent import policy_agent_from

    return policy_agent_from(_untrained(preset, env, seed), "untrained", env, seed, "learned")


def bench_play(args: argparse.Namespace) -> None:
    """Real-time play: the bots' decision latency and the frame time, with a
    person's hero idle and nine bots (learned networks by default); with
    `--window`, the frame rate of a real window too."""
    windowed = None
    if args.window:  # first: an off-screen run chooses SDL's dummy display
        if os.environ.get("SDL_VIDEODRIVER") == "dummy" or not os.environ.get("DISPLAY"):
            raise ConfigError("--window needs a display: run it under X (xvfb-run -s '-screen 0 1920x1080x24' ...)")
    else:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from engine import BatchEnv
    from moba.play import Session, make_bot, run
    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    env = BatchEnv(preset.game, num_games=1)
    bots = [_untrained_agent(preset, env, i) if args.bot == "learned" else make_bot(args.bot, env, i) for i in (0, 1)]
    session = Session(preset.game, preset.name, 0, bots[0], bots[1], 0, "bench", args.out)
    if args.window:
        windowed = _windowed_fps(session, args.frames)
    run(session, frames=40, window=False)  # compile and warm up
    session.timings.decisions_ms.clear()
    session.timings.frames_ms.clear()
    t = run(session, frames=args.frames, window=False).summary()
    print(f"moba bench play: preset '{args.preset}', {args.bot} bots (9 plus an idle person), "
          f"{args.frames} frames\nmachine: {_machine()}")
    print(f"bot decision latency (all nine, one call per team): p50 {t['decision_p50_ms']:.1f} ms, "
          f"p99 {t['decision_p99_ms']:.1f} ms")
    print(f"frame (events, a decision every {preset.game.frameskip} frames, drawing): median "
          f"{t['frame_ms']:.1f} ms, so up to {t['fps_possible']:.0f} fps (the game runs at 30)")
    for line in windowed or []:
        print(line)


def _windowed_fps(session, frames: int) -> list[str]:
    """Frames per second in a real window, by the wall clock, display flips
    included: as played (the loop held to 30 fps) and unheld, at two window
    sizes."""
    import pygame

    from moba.play import run

    run(session, frames=40)  # compile and warm up
    lines = []
    for size in ((1020, 810), (1600, 1000)):
        for fps in (30, 0):
            pygame.display.quit()
            pygame.display.init()
            pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1]))
            t0 = time.perf_counter()
            run(session, frames=frames, window=True, fps=fps)
            lines.append(f"real window {size[0]}x{size[1]}, {'held to 30 fps as played' if fps else 'unheld'}: "
                         f"{frames / (time.perf_counter() - t0):.1f} frames/s")
    return lines


def wilson(wins: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a win rate."""
    if n == 0:
        return 0.0, 1.0
    p = wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def bench_balance(args: argparse.Namespace) -> None:
    """Scripted 5v5 games with random lineups: each hero's win rate (a draw
    counts half) with a 95% interval, flagged outside 35-65%."""
    from tqdm import tqdm

    from agents.scripted import ScriptedAgent
    from engine import BatchEnv
    from engine import fields as F
    from engine.tables import HEROES
    from moba.presets import load_preset

    cfg = load_preset(args.preset, args.overrides).game.replace(lineup="random")
    env = BatchEnv(cfg, num_games=min(args.batch, args.games), seed=args.seed)
    step = env.reset()
    radiant, dire = ScriptedAgent(), ScriptedAgent()
    lineups = env.state.hi[:, :, F.HERO_ID].copy()
    score = np.zeros(len(HEROES))
    count = np.zeros(len(HEROES), np.int64)
    sides = np.zeros(3)
    minutes = []
    played = 0
    t0 = time.perf_counter()
    bar = tqdm(total=args.games, unit="game", leave=False)
    while played < args.games:
        step = env.step(np.concatenate([radiant.act(env, step, 0), dire.act(env, step, 1)], axis=1))
        for g in np.flatnonzero(step.done):
            if played == args.games:
                break
            winner = int(step.winner[g])
            sides[winner] += 1
            minutes.append(step.length[g] / 1800)
            for h in range(10):
                count[lineups[g, h]] += 1
                score[lineups[g, h]] += 0.5 if winner == 2 else float(winner == h // 5)
            lineups[g] = env.state.hi[g, :, F.HERO_ID]
            played += 1
            bar.update(1)
    bar.close()
    print(f"moba bench balance: preset '{args.preset}', {played} scripted games with random lineups, "
          f"seed {args.seed}, {time.perf_counter() - t0:.0f} s")
    print(f"Radiant {sides[0] / played:.1%}, Dire {sides[1] / played:.1%}, draws {sides[2] / played:.1%}; "
          f"mean length {np.mean(minutes):.1f} min")
    print(f"{'hero':<14} {'role':<8} {'games':>6} {'win rate':>9} {'95% interval':>15}")
    outside = 0
    for i in np.argsort(-score / np.maximum(count, 1)):
        lo, hi = wilson(score[i], int(count[i]))
        rate = score[i] / max(count[i], 1)
        flag = "" if 0.35 <= rate <= 0.65 else "  outside 35-65%"
        outside += bool(flag)
        print(f"{HEROES[i].name:<14} {HEROES[i].role:<8} {count[i]:>6} {rate:>9.1%} "
              f"{f'{lo:.1%}-{hi:.1%}':>15}{flag}")
    print(f"{outside} of {len(HEROES)} heroes outside 35-65%")


def bench_calibration(args: argparse.Namespace) -> None:
    """The win-probability head against game outcomes: Brier score and a
    reliability plot over sampled decisions of `--games` games of the
    network against a bot (half on each side). Scored on the odd games: the
    head as trained, the head fitted afresh on the even games' outcomes
    (written beside the figures as a checkpoint), and a baseline fit there
    on the net worth and building difference (`league.calibration`)."""
    import json
    from pathlib import Path

    from tqdm import tqdm

    from agents import checkpoint
    from agents.policy_agent import load_policy_agent
    from engine import BatchEnv
    from league import calibration
    from league.play import play_games
    from moba.play import make_bot
    from moba.presets import load_preset

    preset = load_preset(args.preset, args.overrides)
    probe = BatchEnv(preset.game, num_games=1)
    if args.games < 4:
        raise ConfigError("--games must be at least 4 (half fit the forecasters, half score them)")
    if not load_policy_agent(args.checkpoint, probe).predicts_win:
        raise ConfigError(f"{args.checkpoint!r} has no win-probability head: it was trained before moba had one")
    out = Path(args.out)
    print(f"moba bench calibration: {args.checkpoint} against {args.vs}, {args.games} games on "
          f"'{preset.name}', seed {args.seed}\nmachine: {_machine()}")
    positions = calibration.Positions()
    bar = tqdm(total=args.games, unit="game", file=sys.stderr)
    for side in (0, 1):
        agent = load_policy_agent(args.checkpoint, probe, seed=args.seed + side, keep_core=True)
        bot = make_bot(args.vs, probe, args.seed + 2 + side)
        collector = calibration.Collector(agent, side)
        n = args.games // 2 + (args.games % 2 if side == 0 else 0)
        play_games(preset.game, *((agent, bot) if side == 0 else (bot, agent)), n, seed=args.seed + side,
                   batch=args.batch, on_result=lambda r: bar.update(1), recorder=collector)
        positions.extend(collector.positions)
    bar.close()
    a = positions.arrays()
    own = np.where(a["side"] == 0, a["outcome"], 1.0 - a["outcome"])  # the network's team won
    fit = ~calibration.held_out(a["game"])
    params = calibration.fit_win_head(agent.policy, agent.params, a["core"][fit], own[fit], seed=args.seed)
    refit = calibration.win_probability(agent.policy, params, a["core"])
    result = calibration.evaluate(positions, {"network, refit": np.where(a["side"] == 0, refit, 1.0 - refit)})
    b = result["brier"]
    print(f"held-out games {result['games'] // 2}, sampled decisions {result['positions']:,} (Radiant won "
          f"{result['radiant_won']:.0%}, draws {result['draws']:.0%})")
    print("Brier score (lower is better): " + ", ".join(f"{name} {v:.4f}" for name, v in b.items()) +
          "\n(baseline: logistic on net worth, buildings and clock; base rate: always the mean)")
    out.mkdir(parents=True, exist_ok=True)
    meta, tree = checkpoint.load(args.checkpoint)
    weights = tree["learner"] if "learner" in tree else tree
    weights["params"] = params
    checkpoint.save(out / "refit.msgpack", meta, tree)
    (out / "calibration.json").write_text(json.dumps(result, indent=1))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.7)
    for name, r in result["reliability"].items():
        ax.plot([x["forecast"] for x in r], [x["observed"] for x in r], "o-", label=f"{name} (Brier {b[name]:.3f})")
    ax.set(xlabel="forecast P(Radiant wins)", ylabel="observed Radiant win frequency", xlim=(0, 1), ylim=(0, 1),
           title=f"win probability, {result['games'] // 2} held-out games")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "calibration.png", dpi=120)
    print(f"figures: {out / 'calibration.json'}, plot: {out / 'calibration.png'}, the network with its head "
          f"fitted: {out / 'refit.msgpack'}")


BENCHES = {"balance": bench_balance, "calibration": bench_calibration, "engine": bench_engine, "train": bench_train,
           "learn": bench_learn, "league": bench_league, "play": bench_play}


def run_bench(args: argparse.Namespace) -> None:
    from moba.compile import ensure_compiled
    from moba.presets import load_preset

    load_preset(args.preset, args.overrides)  # a bad --set is refused before any compiling
    ensure_compiled()  # compiling is never timed (nor counted as training minutes)
    BENCHES[args.bench](args)
