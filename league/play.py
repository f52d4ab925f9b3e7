"""Playing batches of games between two agents.

`play_games` is a plain function of (config, agents, seed) with no hidden
state, so a batch can run in another process or on another machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from engine import BatchEnv, GameConfig, Step
from engine import fields as F
from engine.constants import DRAW
from replays.recorder import Recorder


class Agent(Protocol):
    name: str
    reads_obs: bool  # False: it reads the masks or the state, never `step.obs`

    def act(self, env: BatchEnv, step: Step, team: int) -> np.ndarray: ...


@dataclass(frozen=True)
class GameResult:
    index: int  # order in which the game was started
    winner: int  # 0 Radiant, 1 Dire, 2 draw
    ticks: int
    radiant_kills: int
    dire_kills: int

    @property
    def minutes(self) -> float:
        return self.ticks / 1800.0


def play_games(
    config: GameConfig,
    radiant: Agent,
    dire: Agent,
    num_games: int,
    seed: int = 0,
    batch: int = 64,
    on_result: Callable[[GameResult], None] | None = None,
    recorder: Recorder | None = None,
) -> list[GameResult]:
    """Play `num_games` games, `batch` at a time, and return their results in
    the order they finished. Every game started is played to its end, so
    short games are not over-represented. A `recorder` writes replays."""
    batch = max(1, min(batch, num_games))
    env = BatchEnv(config, num_games=batch, seed=seed, observations=radiant.reads_obs or dire.reads_obs)
    step = env.reset()
    if recorder is not None:
        recorder.start(env)
    game_of_slot = np.arange(batch)  # index of the counted game in each slot, -1 none
    started = batch
    results: list[GameResult] = []
    while len(results) < num_games:
        actions = np.concatenate(
            [radiant.act(env, step, 0), dire.act(env, step, 1)], axis=1)
        live = game_of_slot >= 0  # slots with no game left to play stand still
        step = env.step(actions, live)
        if recorder is not None:
            recorder.after_step(env, actions, live=live)
        for g in np.flatnonzero(step.done):
            if game_of_slot[g] >= 0:
                fin = env.state.final_gi[g]
                result = GameResult(int(game_of_slot[g]), int(fin[F.WINNER]), int(fin[F.TICK]),
                                    int(fin[F.SCORE]), int(fin[F.SCORE + 1]))
                results.append(result)
                if on_result is not None:
                    on_result(result)
            if started < num_games:
                game_of_slot[g] = started
                started += 1
            else:
                game_of_slot[g] = -1
    return results


def summarize(results: list[GameResult]) -> dict[str, float]:
    n = len(results)
    winners = np.array([r.winner for r in results])
    return {
        "games": n,
        "radiant_win_rate": float(np.mean(winners == 0)) if n else 0.0,
        "dire_win_rate": float(np.mean(winners == 1)) if n else 0.0,
        "draw_rate": float(np.mean(winners == DRAW)) if n else 0.0,
        "mean_minutes": float(np.mean([r.minutes for r in results])) if n else 0.0,
    }


def win_rate(config: GameConfig, agent: Agent, opponent: Agent, num_games: int, seed: int = 0,
             batch: int = 64) -> dict[str, float]:
    """`agent` against `opponent`, half the games on each side: its win,
    draw and loss rates."""
    first = num_games // 2
    as_radiant = play_games(config, agent, opponent, first, seed, batch) if first else []
    as_dire = play_games(config, opponent, agent, num_games - first, seed + 1, batch)
    won = sum(r.winner == 0 for r in as_radiant) + sum(r.winner == 1 for r in as_dire)
    draws = sum(r.winner == DRAW for r in as_radiant + as_dire)
    return {"games": num_games, "win": won / num_games, "draw": draws / num_games,
            "loss": (num_games - won - draws) / num_games}
