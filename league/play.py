"""Playing batches of games between two agents.

`play_games` is a plain function of (config, agents, seed) with no hidden
state, so a batch can run in another process or on another machine.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Callable, Protocol, Sequence

import numpy as np

from agents.scripted import ScriptedAgent, play_out_games
from engine import BatchEnv, GameConfig, Step
from engine.constants import DRAW
from engine.rules import seed_state
from replays.recorder import Recorder


class Agent(Protocol):
    name: str
    reads_obs: bool  # False: it reads the masks or the state, never `step.obs`

    def act(self, env: BatchEnv, step: Step, team: int) -> np.ndarray: ...


@dataclass(frozen=True)
class GameResult:
    index: int  # order in which the game was started (its number in `play_numbered`)
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
    short games are not over-represented. A `recorder` writes replays.
    Two scripted bots play their games through in compiled code
    (`_play_rounds`)."""
    batch = max(1, min(batch, num_games))
    numbers = np.arange(batch)
    env, step = _start(config, radiant, dire, seed, numbers, recorder)
    return _play(env, step, radiant, dire, numbers, num_games, on_result, recorder)


def play_numbered(config: GameConfig, radiant: Agent, dire: Agent, seed: int, games: Sequence[int],
                  on_result: Callable[[GameResult], None] | None = None,
                  recorder: Recorder | None = None) -> list[GameResult]:
    """Play the games numbered `games` of `seed`, all at once, one per slot;
    each result's `index` is its game's number. Game `n` starts from the same
    position whichever others are played beside it (`BatchEnv.reset`)."""
    numbers = np.asarray(games, np.int64)
    env, step = _start(config, radiant, dire, seed, numbers, recorder)
    return _play(env, step, radiant, dire, numbers, len(numbers), on_result, recorder)


def play_from(config: GameConfig, state: dict[str, np.ndarray], radiant: Agent, dire: Agent, num_games: int,
              seed: int = 0, batch: int = 64, on_result: Callable[[GameResult], None] | None = None,
              recorder: Recorder | None = None) -> list[GameResult]:
    """Play `num_games` continuations of one game from `state` (a
    `BatchEnv.snapshot`), `batch` at a time. Continuation n draws the
    game's chances from (seed, n), so continuations differ even between
    agents that always choose alike; each result's `index` is n."""
    results: list[GameResult] = []
    for first in range(0, num_games, batch):
        numbers = np.arange(first, min(first + batch, num_games))
        env = BatchEnv(config, num_games=len(numbers), seed=seed, observations=radiant.reads_obs or dire.reads_obs)
        env.reset()
        for g, n in enumerate(numbers):
            env.restore(g, state)
            env.state.rng[g] = seed_state(seed, int(n))
        step = env.view()
        if recorder is not None:
            recorder.start(env)
        live = np.ones(len(numbers), bool)
        with ThreadPoolExecutor(1) if hasattr(dire, "start") else nullcontext() as pool:
            while live.any():
                for g in _step(env, step, radiant, dire, live, recorder, pool):
                    if live[g]:
                        results.append(_result(env, g, int(numbers[g])))
                        live[g] = False
                        if on_result is not None:
                            on_result(results[-1])
    return results


def _start(config: GameConfig, radiant: Agent, dire: Agent, seed: int, numbers: np.ndarray,
           recorder: Recorder | None) -> tuple[BatchEnv, Step]:
    env = BatchEnv(config, num_games=len(numbers), seed=seed, observations=radiant.reads_obs or dire.reads_obs)
    step = env.reset(numbers)  # its arrays are the env's buffers: always the latest step
    if recorder is not None:
        recorder.start(env)
    return env, step


def _play(env: BatchEnv, step: Step, radiant: Agent, dire: Agent, numbers: np.ndarray, num_games: int,
          on_result: Callable[[GameResult], None] | None, recorder: Recorder | None) -> list[GameResult]:
    """The games started in `env`'s slots (numbered `numbers`) and, while
    fewer than `num_games` have started, the next numbers in the slots that
    finish."""
    batch = env.num_games
    compiled = isinstance(radiant, ScriptedAgent) and isinstance(dire, ScriptedAgent)
    if compiled and (recorder is None or num_games <= batch):
        return _play_rounds(env, step, radiant, dire, numbers, num_games, on_result, recorder)
    game_of_slot = numbers.copy()  # number of the counted game in each slot, -1 none
    started = batch
    results: list[GameResult] = []
    with ThreadPoolExecutor(1) if hasattr(dire, "start") else nullcontext() as pool:
        while len(results) < num_games:
            live = game_of_slot >= 0  # slots with no game left to play stand still
            for g in _step(env, step, radiant, dire, live, recorder, pool):
                if game_of_slot[g] >= 0:
                    result = _result(env, g, int(game_of_slot[g]))
                    results.append(result)
                    if on_result is not None:
                        on_result(result)
                if started < num_games:
                    game_of_slot[g] = started
                    started += 1
                else:
                    game_of_slot[g] = -1
    return results


def _step(env: BatchEnv, step: Step, radiant: Agent, dire: Agent, live: np.ndarray,
          recorder: Recorder | None, pool: ThreadPoolExecutor | None = None) -> np.ndarray:
    """One decision of the `live` games; the slots whose game ended. A
    network (`PolicyAgent.start`) decides for the live games only; with a
    `pool`, Dire's network decides on it while Radiant's agent decides here."""
    dire_waits = dire.start(env, step, 1, pool, live) if hasattr(dire, "start") else partial(dire.act, env, step, 1)
    radiant_acts = radiant.start(env, step, 0, None, live)() if hasattr(radiant, "start") else radiant.act(env, step, 0)
    actions = np.concatenate([radiant_acts, dire_waits()], axis=1)
    step = env.step(actions, live)
    if recorder is not None:
        win = np.stack([team_win(radiant, env.num_games), team_win(dire, env.num_games)], axis=1)
        recorder.after_step(env, actions, win, live)
    return np.flatnonzero(step.done)


def team_win(agent: Agent, games: int) -> np.ndarray:
    """[games] the agent's estimate that its team wins at its last decision
    (`PolicyAgent.win`); NaN for an agent that makes none (a scripted bot, a
    network from before the win head)."""
    win = getattr(agent, "win", None)
    return np.full(games, np.nan, np.float32) if win is None else win


def _result(env: BatchEnv, g: int, index: int) -> GameResult:
    step = env.view()
    return GameResult(index, int(step.winner[g]), int(step.length[g]), int(step.score[g, 0]), int(step.score[g, 1]))


def _play_rounds(env: BatchEnv, step: Step, radiant: ScriptedAgent, dire: ScriptedAgent, numbers: np.ndarray,
                 num_games: int, on_result: Callable[[GameResult], None] | None,
                 recorder: Recorder | None) -> list[GameResult]:
    """`play_games` for two scripted bots: rounds of one game per slot, each
    played through in compiled code (`agents.scripted.play_out_games`) but
    for the games a `recorder` records, which are stepped. The first round
    is the games the stepped loop plays, reported in the same order; later
    rounds start every slot's next game together, where the stepped loop
    gives a finished slot the next game at once."""
    batch = env.num_games
    results: list[GameResult] = []
    while len(results) < num_games:
        first = len(results)
        live = np.arange(batch) < num_games - first
        watched = live & recorder.recording() if recorder is not None else np.zeros(batch, bool)
        play_out_games(env, radiant, dire, live & ~watched)
        ended = {g: _result(env, g, first + int(numbers[g])) for g in np.flatnonzero(live & ~watched)}
        while watched.any():  # (a step clears the other slots' outcomes: theirs are read above)
            for g in _step(env, step, radiant, dire, watched, recorder):
                ended[g] = _result(env, g, first + int(numbers[g]))
                watched[g] = False
        step_of = {g: (r.ticks - 1) // env.config.frameskip for g, r in ended.items()}  # the decision it ended in
        for g in sorted(ended, key=lambda g: (step_of[g], g)):
            results.append(ended[g])
            if on_result is not None:
                on_result(ended[g])
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
             batch: int = 64, on_game: Callable[[str], None] | None = None) -> dict[str, float]:
    """`agent` against `opponent`, half the games on each side: its win,
    draw and loss rates; `on_game("win" | "draw" | "loss")` as each ends."""
    def report(side: int) -> Callable[[GameResult], None] | None:
        if on_game is None:
            return None
        return lambda r: on_game("draw" if r.winner == DRAW else "win" if r.winner == side else "loss")

    first = num_games // 2
    as_radiant = play_games(config, agent, opponent, first, seed, batch, report(0)) if first else []
    as_dire = play_games(config, opponent, agent, num_games - first, seed + 1, batch, report(1))
    won = sum(r.winner == 0 for r in as_radiant) + sum(r.winner == 1 for r in as_dire)
    draws = sum(r.winner == DRAW for r in as_radiant + as_dire)
    return {"games": num_games, "win": won / num_games, "draw": draws / num_games,
            "loss": (num_games - won - draws) / num_games}
