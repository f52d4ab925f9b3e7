"""Recording the games of a `BatchEnv` as they are played, and playing a
replay's actions again through the engine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from engine import ENGINE_VERSION, BatchEnv, GameConfig, Step
from engine import fields as F
from engine.constants import TICKS_PER_SECOND
from replays.format import Keyframe, Replay, ReplayError, check_keyframe, save_replay


def outcome(step: Step, g: int) -> dict[str, Any]:
    """The replay's record of game `g`, which ended at this step."""
    return {"winner": int(step.winner[g]), "ticks": int(step.length[g]),
            "kills": [int(k) for k in step.score[g]]}


def unfinished(step: Step, g: int) -> dict[str, Any]:
    """The replay's record of game `g`, left before its end at this step:
    no winner (-1), the clock and kills so far."""
    return {"winner": -1, "ticks": int(step.tick[g]), "kills": [int(k) for k in step.score[g]],
            "unfinished": True}


def restore_keyframe(env: BatchEnv, g: int, keyframe: Keyframe) -> None:
    """A keyframe's game into slot `g`, or a ReplayError if it is corrupt or
    does not fit."""
    check_keyframe(keyframe, "the replay")
    try:
        env.restore(g, keyframe.state)
    except ValueError as e:
        raise ReplayError(f"the replay's keyframe does not fit this engine ({e})") from None


class Recorder:
    """Records a sampled share of the games played in `env`'s slots (each
    game is drawn when it starts, so unsampled games cost nothing).

    Call `start(env)` after `env.reset()` and `after_step(env, actions)` after
    every `env.step(actions)`; finished, sampled games are written to
    `folder/<prefix>-<n>.moba-replay` (the first n free: a file is never
    replaced) and their paths collected in `written`; with no folder they
    are kept in `replays` for the caller to write. `agents` names (Radiant,
    Dire), or is a function of the slot that does. `sample` is the share of
    games recorded, or a function of the slot that says whether to record
    its game.
    """

    def __init__(self, folder: str | Path | None, preset: str,
                 agents: tuple[str, str] | Callable[[int], tuple[str, str]],
                 sample: float | Callable[[int], bool] = 1.0, keyframe_seconds: float = 30.0, seed: int = 0,
                 prefix: str = "game"):
        self.folder = None if folder is None else Path(folder)
        self.preset, self.agents, self.prefix = preset, agents, prefix
        self.sample, self.keyframe_seconds = sample, keyframe_seconds
        self.rng = np.random.default_rng(seed)
        self.written: list[Path] = []
        self.replays: list[Replay] = []
        self._count = 0

    def start(self, env: BatchEnv) -> None:
        self._games = [self._begin(env, g) for g in range(env.num_games)]
        every = env.config.frameskip / TICKS_PER_SECOND
        self._keyframe_steps = max(1, round(self.keyframe_seconds / every))

    def _begin(self, env: BatchEnv, g: int) -> dict[str, Any] | None:
        if not (self.sample(g) if callable(self.sample) else self.rng.random() < self.sample):
            return None
        # A recorder started mid-game (a resumed training run) records the rest of it.
        tick = int(env.view().tick[g])
        return {"actions": [], "win": [], "keyframes": [Keyframe(0, tick, env.snapshot(g))],
                "started": time.time()}

    def recording(self) -> np.ndarray:
        """[G] bool: the slots whose current game is being recorded."""
        return np.array([game is not None for game in self._games], bool)

    def after_step(self, env: BatchEnv, actions: np.ndarray, win: np.ndarray | None = None,
                   live: np.ndarray | None = None) -> None:
        """`win` [G, 2]: each team's estimate that it wins, made with these
        actions (NaN where a team has none); `live` [G]: the games
        `env.step` was given, if not all."""
        step = env.view()
        for g, game in enumerate(self._games):
            if live is not None and not live[g]:
                continue
            if game is None:
                if step.done[g]:
                    self._games[g] = self._begin(env, g)
                continue
            game["actions"].append(np.array(actions[g], np.int16))
            game["win"].append(np.full(2, np.nan, np.float32) if win is None else np.asarray(win[g], np.float32))
            if step.done[g]:
                self._finish(env, g, game)
                self._games[g] = self._begin(env, g)
            elif len(game["actions"]) % self._keyframe_steps == 0:
                n = len(game["actions"])
                game["keyframes"].append(Keyframe(n, int(step.tick[g]), env.snapshot(g)))

    def stop(self, env: BatchEnv) -> None:
        """Keep the recorded games still in progress (a player left), marked
        unfinished; nothing more is recorded."""
        for g, game in enumerate(self._games):
            if game is not None and game["actions"]:
                self._finish(env, g, game, unfinished(env.view(), g))
        self._games = [None] * env.num_games

    def _finish(self, env: BatchEnv, g: int, game: dict[str, Any], result: dict[str, Any] | None = None) -> None:
        replay = Replay(
            header={"format": "moba-replay", "engine": ENGINE_VERSION, "preset": self.preset,
                    "config": env.config.to_dict(), "seed": env.seed, "slot": g,
                    "lineup": [int(h) for h in game["keyframes"][0].state["hi"][:, F.HERO_ID]],
                    "agents": list(self.agents(g) if callable(self.agents) else self.agents),
                    "recorded": game["started"]},
            actions=np.stack(game["actions"]), keyframes=game["keyframes"],
            outcome=result or outcome(env.view(), g),
            win=np.stack(game["win"]))
        if self.folder is None:
            self.replays.append(replay)
            return
        self.save(replay)

    def save(self, replay: Replay) -> Path:
        """Write `replay` under the first free name of the folder."""
        while (path := self.folder / f"{self.prefix}-{self._count:05d}.moba-replay").exists():
            self._count += 1
        save_replay(path, replay)
        self._count += 1
        self.written.append(path)
        return path


def resimulate(replay: Replay) -> dict[str, Any]:
    """Play the replay's actions again from its first keyframe, checking every
    later keyframe on the way; returns the outcome the engine gives now.
    A keyframe that differs means the rules changed since the recording."""
    config = GameConfig.from_dict(replay.header["config"])
    env = BatchEnv(config, num_games=1, seed=int(replay.header.get("seed", 0)))
    env.reset()
    restore_keyframe(env, 0, replay.keyframes[0])
    checks = {k.step: k for k in replay.keyframes[1:]}
    for i, action in enumerate(replay.actions):
        step = env.step(action[None].astype(np.int32))
        if step.done[0]:
            return outcome(step, 0)
        if replay.outcome.get("unfinished") and i == replay.steps - 1:
            return unfinished(step, 0)
        k = checks.get(i + 1)
        if k is not None and Keyframe(k.step, k.tick, env.snapshot(0)).checksum != k.checksum:
            raise ReplayError(
                f"the game diverges from its replay at tick {k.tick}: the replay was made with engine "
                f"{replay.header.get('engine')}, this is engine {ENGINE_VERSION}, and the rules differ")
    raise ReplayError("the replay's actions end before its game does")
