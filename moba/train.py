"""`moba train`: a self-play run with a progress bar, a summary against the
bots at the end, and one recorded game of the final agent to watch."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from engine import ConfigError
from league.config import KINDS


def _bar_postfix(metrics: dict[str, float]) -> dict[str, str]:
    post = {"steps/s": f"{metrics['perf/hero_steps_per_s']:.0f}"}
    for kind in KINDS:
        if f"win_rate/{kind}" in metrics:
            post[f"win_{kind}"] = f"{metrics[f'win_rate/{kind}']:.2f}"
    return post


def evaluate_against_bots(trainer: Any) -> None:
    """The summary: the learner against the random and scripted bots, a line
    each with a progress bar and the running win rate (on the evaluation
    workers at once, with rollout workers)."""
    from tqdm import tqdm

    from league.bots import LINES

    games = trainer.cfg.train.eval_games
    print(f"evaluating against the bots, {games} games each:")
    bars = {line: tqdm(total=games, unit="game", file=sys.stderr, dynamic_ncols=True, leave=False, position=i,
                       desc=f"  vs {line.name}") for i, line in enumerate(LINES)}
    wins = dict.fromkeys(LINES, 0)

    def on_game(line: Any, outcome: str) -> None:
        wins[line] += outcome == "win"
        bar = bars[line]
        bar.update(1)
        bar.set_postfix(won=f"{wins[line] / bar.n:.0%}")

    rates = trainer.evaluator.run_lines(trainer.learner.params, trainer.learner.norm, on_game)
    for bar in bars.values():
        bar.close()
    for line, r in rates.items():
        print(f"  vs {line.name:16}: won {r['win']:.1%}, drew {r['draw']:.1%}, lost {r['loss']:.1%}")


def record_final_game(trainer: Any) -> Path:
    """One game of the final agent (Radiant) against the scripted bot, as a
    replay in the run's replays/."""
    from agents.scripted import ScriptedAgent
    from league.play import play_games
    from replays.recorder import Recorder

    cfg = trainer.cfg
    agent = trainer.agent(seed=cfg.train.seed + 13)
    recorder = Recorder(trainer.run_dir / "replays", trainer.folder.preset, ("learner", "scripted"),
                        prefix=f"final-{trainer.hero_steps()}")
    play_games(cfg.game, agent, ScriptedAgent(), 1, seed=cfg.train.seed + 2000, batch=1, recorder=recorder)
    return recorder.written[0]


def cmd_train(args: argparse.Namespace) -> None:
    from league.selfplay import Trainer, TrainingError
    from moba.compile import ensure_compiled
    from moba.presets import load_preset

    if args.resume:
        if args.overrides or args.run_dir or args.workers is not None or args.fork:
            raise ConfigError("--resume continues a run with its own config (and worker count); "
                              "drop --set, --workers, --run-dir and --from")
        ensure_compiled()
        trainer = Trainer.resume(args.resume, ray_address=args.ray_address)
        print(f"resuming {args.resume} at update {trainer.update} ({trainer.hero_steps():,} hero steps)")
    else:
        workers = [] if args.workers is None else [f"train.workers={args.workers}"]
        preset = load_preset(args.preset, args.overrides + workers)
        if preset.run.train.workers:
            import league.workers  # noqa: F401  (without Ray: a one-line error, before any compiling)
        run_dir = Path(args.run_dir or f"runs/{preset.name}-{time.strftime('%Y%m%d-%H%M%S')}")
        if (run_dir / "checkpoints").exists():
            raise ConfigError(f"run folder {str(run_dir)!r} already holds a run; "
                              f"continue it with --resume {run_dir} or pick another --run-dir")
        ensure_compiled()
        if args.fork:
            trainer = Trainer.fork(args.fork, run_dir, preset.run, preset.name, ray_address=args.ray_address)
            print(f"forked {args.fork} at {trainer.hero_steps():,} hero steps into {run_dir}")
        else:
            trainer = Trainer(run_dir, preset.run, preset.name, ray_address=args.ray_address)
    try:
        train(trainer)
    except TrainingError as e:
        raise SystemExit(f"moba: error: {e}") from None
    finally:
        trainer.close()


def train(trainer: Any) -> None:
    """Run `trainer` with a progress bar; then the summary, the final game
    and the commands to watch it and play with it."""
    from tqdm import tqdm

    cfg = trainer.cfg
    where = f" on {cfg.train.workers} rollout workers" if cfg.train.workers else ""
    print(f"run folder {trainer.run_dir}: {trainer.updates_total} updates of "
          f"{cfg.ppo.rollout_steps} steps x {cfg.train.num_games} games x 5 heroes{where}; "
          f"TensorBoard: tensorboard --logdir {trainer.run_dir / 'tb'}")
    for i, stage in enumerate(cfg.curriculum):
        print(f"  curriculum stage {i + 1}: {stage}" + (" (playing now)" if i == trainer.curriculum.index else ""))
    bar = tqdm(total=cfg.train.total_steps, initial=min(trainer.hero_steps(), cfg.train.total_steps),
               unit="step", unit_scale=True, file=sys.stderr, dynamic_ncols=True, desc="training")
    bar.set_postfix_str("compiling the network (JAX) with the first update")
    curriculum = trainer.curriculum
    told = len(curriculum.passed)

    def on_update(update: int, metrics: dict[str, float]) -> None:
        nonlocal told
        for line in curriculum.passed[told:]:
            bar.write(str(line))
        told = len(curriculum.passed)
        bar.update(min(trainer.hero_steps(), cfg.train.total_steps) - bar.n)
        bar.set_postfix(({"stage": curriculum.describe()} if cfg.curriculum else {}) | _bar_postfix(metrics))

    try:
        trainer.run(on_update)
    finally:
        bar.close()
    latest = trainer.latest_checkpoint()
    if trainer.stop_requested:
        print(f"stopped at update {trainer.update}; checkpoint {latest}\n"
              f"continue with: moba train --resume {trainer.run_dir}")
        return
    if cfg.train.eval_games:
        evaluate_against_bots(trainer)
    replay = record_final_game(trainer)
    print(f"done: {trainer.hero_steps():,} hero steps in {trainer.update} updates\n"
          f"  checkpoint   {latest}\n  snapshots    {trainer.run_dir / 'pool'} ({len(trainer.pool)})\n"
          f"  TensorBoard  tensorboard --logdir {trainer.run_dir / 'tb'}\n"
          f"a game of the final agent (Radiant) against the scripted bot:\n"
          f"  watch it     moba watch {replay}\n"
          f"  render it    moba render {replay} -o {replay.with_suffix('.gif').name}\n"
          f"the final agent in a live game:\n"
          f"  play with it     moba play --mode coop --bot {latest}\n"
          f"  play against it  moba play --mode versus --bot {latest}")
