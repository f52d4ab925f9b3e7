"""Rating evaluation: schedule matches among a league's agents, play them as
large batches of simultaneous games, record each result as it finishes.

Matches come in blocks: one pair of agents, one side each, `batch` games
played at once in one `BatchEnv` (so a learned agent's inference runs on all
its heroes of the block together), each game in its own slot. A block is
written to the store as pending before it is played and each game is
recorded the moment it ends, so an interrupted evaluation loses only the
games in progress: the next one plays the pending games first, and a game
is never recorded twice (even by two evaluations sharing a file).

Matchmaking as OpenAI Five did: an agent mostly meets opponents it beats
with a probability between 15% and 85% by current ratings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from agents.checkpoint import CheckpointError
from agents.policy_agent import load_policy_agent
from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent
from engine import BatchEnv, GameConfig
from league.play import Agent, GameResult, play_games
from league.store import AgentRow, GameRow, LeagueStore
from replays.recorder import Recorder

FAIR = (0.15, 0.85)  # win chances that make a useful match


def win_probability(store: LeagueStore, a: AgentRow, b: AgentRow) -> float:
    """TrueSkill's chance that `a` beats `b`."""
    beta = store.ts.beta
    denom = math.sqrt(2 * beta * beta + a.sigma**2 + b.sigma**2)
    return 0.5 * (1 + math.erf((a.mu - b.mu) / (denom * math.sqrt(2))))


def choose_pair(store: LeagueStore, agents: list[AgentRow], rng: np.random.Generator,
                fair_share: float = 0.8) -> tuple[AgentRow, AgentRow]:
    """An agent (fewest games first, ties at random) and an opponent whose
    win chance against it is within FAIR, most of the time (`fair_share`)."""
    games = np.array([a.games for a in agents], float)
    weights = np.exp(-(games - games.min()) / (1.0 + games.mean()))
    weights = np.where([not a.fixed for a in agents], weights, weights * 0.1)
    a = agents[rng.choice(len(agents), p=weights / weights.sum())]
    others = [b for b in agents if b.id != a.id]
    fair = [b for b in others if FAIR[0] <= win_probability(store, a, b) <= FAIR[1]]
    pool = fair if fair and rng.random() < fair_share else others
    return a, pool[rng.integers(len(pool))]


@dataclass
class Evaluation:
    """Settings and running totals of one `evaluate` call."""

    games: int
    batch: int = 64
    seed: int = 0
    round_robin: bool = False
    replay_rate: float = 0.0  # share of games kept as replays
    replay_dir: str | None = None
    played: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # agent name -> why


def _make_agent(row: AgentRow, env: BatchEnv, seed: int) -> Agent:
    if row.kind == "random":
        return RandomAgent(seed)
    if row.kind == "scripted":
        return ScriptedAgent()
    if row.kind == "learned":
        if not row.checkpoint:
            raise CheckpointError(f"agent {row.name!r} has no checkpoint")
        return load_policy_agent(row.checkpoint, env, seed=seed, name=row.name)
    raise CheckpointError(f"{row.kind} agents cannot play without a person")


def playable_agents(store: LeagueStore, config: GameConfig, ev: Evaluation) -> list[AgentRow]:
    """The agents that can play this game; the rest go to `ev.skipped`."""
    env = BatchEnv(config, num_games=1)
    ok = []
    for row in store.agents():
        try:
            _make_agent(row, env, 0)
            ok.append(row)
        except CheckpointError as e:
            ev.skipped[row.name] = str(e)
    return ok


def _play_block(store: LeagueStore, config: GameConfig, preset: str, block: list[GameRow], ev: Evaluation,
                on_game: Callable[[GameResult], None] | None) -> None:
    first = block[0]
    env = BatchEnv(config, num_games=1)
    radiant = _make_agent(store.agent(first.radiant), env, first.seed)
    dire = _make_agent(store.agent(first.dire), env, first.seed + 1)

    recorder = None
    if ev.replay_rate > 0:
        recorder = Recorder(ev.replay_dir or ".", preset, (radiant.name, dire.name), sample=ev.replay_rate,
                            seed=first.seed, prefix=f"eval-{first.id}")

    def done(result: GameResult) -> None:
        # Each slot plays exactly one game of the block, so the slot names the game.
        replay = recorder.by_slot.get(result.index) if recorder else None
        if store.record(block[result.index].id, result.winner, result.ticks, str(replay) if replay else None):
            ev.played += 1
            if on_game is not None:
                on_game(result)

    play_games(config, radiant, dire, len(block), seed=first.seed, batch=len(block), on_result=done,
               recorder=recorder)


def _blocks(pending: list[GameRow]) -> list[list[GameRow]]:
    """Pending games grouped by (radiant, dire, seed), in schedule order."""
    groups: dict[tuple[int, int, int], list[GameRow]] = {}
    for g in pending:
        groups.setdefault((g.radiant, g.dire, g.seed), []).append(g)
    return list(groups.values())


def evaluate(store: LeagueStore, config: GameConfig, preset: str, ev: Evaluation,
             on_game: Callable[[GameResult], None] | None = None) -> Evaluation:
    """Play `ev.games` games (pending ones from an interrupted run first) and
    rate them. Agents that cannot play are skipped and listed in `ev.skipped`."""
    agents = playable_agents(store, config, ev)
    playable = {a.id for a in agents}
    if len(agents) < 2:
        raise ValueError(f"the league needs two playable agents to evaluate; it has "
                         f"{[a.name for a in agents]} (skipped: {ev.skipped or 'none'})")
    rng = np.random.default_rng([ev.seed, store.played_count()])
    pairs = [(a, b) for i, a in enumerate(agents) for b in agents[i + 1:]]
    turn = 0
    while ev.played < ev.games:
        pending = [g for g in store.pending(preset) if g.radiant in playable and g.dire in playable]
        if not pending:
            n = min(ev.batch, ev.games - ev.played)
            if ev.round_robin:
                a, b = pairs[turn % len(pairs)]
                turn += 1
            else:
                a, b = choose_pair(store, [store.agent(x.id) for x in agents], rng)
            if rng.random() < 0.5:
                a, b = b, a
            seed = int(rng.integers(2**31 - 1))
            store.schedule([(a.id, b.id, seed)] * n, preset)
            continue
        _play_block(store, config, preset, _blocks(pending)[0][: ev.games - ev.played], ev, on_game)
    return ev
