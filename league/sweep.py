"""A sweep (`moba sweep`): one training run per point of a grid of settings,
each a normal run folder under the sweep's folder, and what each run's agent
does against the bots afterwards.

A trial is resumable as any run is (`Trainer.resume`), and it is complete
when its `result.json` exists, written atomically after its measurement: a
sweep run again, or a trial retried on another Ray worker, picks up every
trial where it stopped and measures none twice."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from agents.random_agent import RandomAgent
from agents.rewards import reward_terms
from agents.scripted import ScriptedAgent
from engine import BatchEnv, ConfigError
from engine.constants import HEROES_PER_TEAM
from engine.spec import EVENT_INDEX, EVENT_NAMES
from league.config import RunConfig
from league.play import play_games

PLAN = "sweep.json"
RESULT = "result.json"
# What a game of the trial's agent looks like, per hero of its team (summed
# over the team's five for kills, deaths and tower damage).
BEHAVIOUR = ("last_hits", "denies", "kills", "deaths", "tower_damage")
# The bots each trial's agent plays: the random and scripted (evaluation)
# bots, and the teacher, the scripted bot as the kickstart imitates it.
OPPONENTS: dict[str, Callable[[RunConfig, int], Any]] = {
    "random": lambda cfg, seed: RandomAgent(seed),
    "scripted": lambda cfg, seed: ScriptedAgent(),
    "teacher": lambda cfg, seed: ScriptedAgent(cfg.teacher.group_minute),
}


@dataclass(frozen=True)
class Trial:
    name: str  # its folder under trials/: the point's settings, as KEY=VALUE joined by commas
    settings: tuple[tuple[str, str], ...]  # (KEY, VALUE) of this point of the grid


def parse_axes(axes: list[str]) -> dict[str, list[str]]:
    """`--grid KEY=V1,V2,...` arguments as {KEY: [V1, V2, ...]}, or a
    ConfigError naming the bad one."""
    out: dict[str, list[str]] = {}
    for text in axes:
        key, sep, values = text.partition("=")
        choices = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or not choices:
            raise ConfigError(f"--grid {text!r}: write KEY=VALUE1,VALUE2,... (such as rewards.last_hits=-0.16,0)")
        if key.strip() in out:
            raise ConfigError(f"--grid names {key.strip()!r} twice")
        out[key.strip()] = choices
    return out


def parse_points(points: list[str]) -> list[tuple[tuple[str, str], ...]]:
    """`--trial "KEY=VALUE KEY=VALUE"` arguments as settings ('' is the
    preset as it is), or a ConfigError naming the bad one."""
    out = []
    for text in points:
        pairs = [item.partition("=") for item in text.split()]
        if any(not sep or not key for key, sep, _ in pairs):
            raise ConfigError(f"--trial {text!r}: write KEY=VALUE KEY=VALUE ... (or '' for the preset as it is)")
        out.append(tuple((key, value) for key, _, value in pairs))
    return out


def grid(axes: dict[str, list[str]], points: list[tuple[tuple[str, str], ...]] | None = None) -> list[Trial]:
    """Every listed point (or the preset alone) with every combination of the
    axes' values, the points innermost: a sweep of recipes over seeds has
    every recipe of the first seed first."""
    trials = []
    for values in itertools.product(*axes.values()):
        for point in points or [()]:
            settings = point + tuple(zip(axes, values))
            name = ",".join(f"{k}={v}" for k, v in settings) or "preset"
            trials.append(Trial(name, settings))
    if len({t.name for t in trials}) < len(trials):
        raise ConfigError("two trials of the sweep have the same settings")
    return trials


def write_json(path: Path, data: Any) -> None:
    """Write atomically: a reader sees the whole file or none."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def plan(path: Path, spec: dict[str, Any], what: str = "sweep") -> dict[str, Any]:
    """The plan of the `what` in `path`'s folder: written on the first run; a
    later run must ask for the same (a ConfigError names what differs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        old = json.loads(path.read_text())
        differ = sorted(k for k in set(old) | set(spec) if old.get(k) != spec.get(k))
        if differ:
            raise ConfigError(f"{str(path.parent)!r} holds another {what} ({', '.join(differ)} differ): "
                              f"rerun it as it was, or pick another folder")
        return old
    write_json(path, spec)
    return spec


def run_trial(run_dir: str, cfg: dict[str, Any], preset: str, games: int, seed: int, source: str | None = None,
              on_update: Callable[[int, dict[str, float]], None] | None = None) -> dict[str, Any]:
    """Train the trial's run to its end (resuming it if it was started, from
    checkpoint `source` if given: `Trainer.fork`) and measure its agent
    against the bots; the result, also kept in the run folder. Runs in this
    process or as a Ray task."""
    from league.selfplay import Trainer

    folder = Path(run_dir)
    if (folder / RESULT).exists():
        return json.loads((folder / RESULT).read_text())
    config = RunConfig.from_dict(cfg)
    if (folder / "checkpoints").exists():
        trainer = Trainer.resume(folder)
    elif source is not None:
        trainer = Trainer.fork(source, folder, config, preset)
    else:
        trainer = Trainer(folder, config, preset)
    try:
        trainer.run(on_update)
        if trainer.stop_requested:
            raise KeyboardInterrupt(f"trial {folder.name} stopped at update {trainer.update}")
        result = {"hero_steps": trainer.hero_steps(), "checkpoint": str(trainer.latest_checkpoint()),
                  "against": {name: measure(config, trainer.agent(seed=seed + 1), make(config, seed + 2), games,
                                            seed)
                              for name, make in OPPONENTS.items()}}
    finally:
        trainer.close()
    write_json(folder / RESULT, result)
    return result


class _Behaviour:
    """A `Recorder` stand-in for `play_games`: what the heroes of `team` did
    in each game and what each reward term paid them (per hero)."""

    def __init__(self, cfg: RunConfig, team: int):
        self.cfg, self.team = cfg, team
        self.games: list[dict[str, float]] = []

    def recording(self) -> np.ndarray:
        """[G] every slot: two scripted bots' games are stepped, so their events are counted."""
        return np.ones(len(self.events), bool)

    def start(self, env: BatchEnv) -> None:
        self.events = np.zeros((env.num_games, len(EVENT_NAMES)), np.float64)
        self.terms = np.zeros_like(self.events)
        self.ticks = env.view().tick.copy()

    def after_step(self, env: BatchEnv, actions: np.ndarray, win: np.ndarray | None = None,
                   live: np.ndarray | None = None) -> None:
        step = env.view()
        heroes = slice(self.team * HEROES_PER_TEAM, (self.team + 1) * HEROES_PER_TEAM)
        mine = step.events[:, heroes]
        self.events += mine.sum(axis=1)
        self.terms += reward_terms(mine, self.cfg.rewards, self.ticks).mean(axis=1)
        for g in np.flatnonzero(step.done & (True if live is None else live)):
            game = {name: float(self.events[g, EVENT_INDEX[name]]) for name in BEHAVIOUR}
            game["minutes"] = float(step.length[g]) / 1800.0
            game |= {f"events/{name}": float(v) for name, v in zip(EVENT_NAMES, self.events[g]) if v}
            game |= {f"reward/{name}": float(v) for name, v in zip(EVENT_NAMES, self.terms[g]) if v}
            self.games.append(game)
            self.events[g] = self.terms[g] = 0.0
        self.ticks = step.tick.copy()


def measure(cfg: RunConfig, agent: Any, opponent: Any, games: int, seed: int) -> dict[str, Any]:
    """`games` games of `agent` against `opponent`, half on each side: the
    win, draw and loss counts, and the mean per game of what the agent's
    team did and what its reward terms paid (`_Behaviour`)."""
    counts = {"win": 0, "draw": 0, "loss": 0}
    played: list[dict[str, float]] = []
    for team in (0, 1):
        n = games // 2 + (games % 2 if team == 0 else 0)
        if not n:
            continue
        behaviour = _Behaviour(cfg, team)
        sides = (agent, opponent) if team == 0 else (opponent, agent)
        for r in play_games(cfg.game, *sides, n, seed=seed + team, batch=min(n, cfg.train.eval_batch),
                            recorder=behaviour):
            counts["win" if r.winner == team else "draw" if r.winner == 2 else "loss"] += 1
        played += behaviour.games
    keys = sorted({k for game in played for k in game})
    return {"games": games, **counts, "per_game": {k: float(np.mean([g.get(k, 0.0) for g in played])) for k in keys}}
