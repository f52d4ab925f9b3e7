"""Rating evaluation: schedule matches among a league's agents, play them as
large batches of simultaneous games, record each result as it finishes.

Matches come in blocks: one pair of agents, one side each, up to `batch`
games played at once in one `BatchEnv` (so a learned agent's inference runs
on all its heroes of the block together), each game in its own slot. A game
is (block seed, number): it starts from the same position whatever slot or
run plays it. A block is written to the store as pending before it is
played and each game is recorded the moment it ends, so an interrupted
evaluation loses only the games in progress: rerun, the same command adopts
the evaluation and plays exactly the games it lacks, and a game is never
recorded twice (even by two evaluations sharing a file, which each claim
their own; see `league.store`).

Matchmaking as OpenAI Five did: an agent mostly meets opponents it beats
with a probability between 15% and 85% by current ratings.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np

from agents import checkpoint
from agents.checkpoint import CheckpointError
from agents.policy_agent import policy_agent_from
from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent
from engine import BatchEnv, GameConfig
from league.play import Agent, GameResult, play_numbered
from league.store import AgentRow, BlockRow, LeagueStore
from replays.format import Replay, save_replay
from replays.recorder import Recorder

FAIR = (0.15, 0.85)  # win chances that make a useful match
# Matchmaking for a new block reads the ratings as they stood this many
# blocks before it, whether blocks are played one at a time or on workers
# (up to this many at once): the same seeds make the same games either way.
LOOKAHEAD = 8


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
    settings: dict = field(default_factory=dict)  # the game settings that differ from the preset's
    fixed: frozenset[str] = frozenset()  # agents whose ratings these games do not move
    recorded: int = 0  # games of this evaluation recorded before this call (a rerun's)
    played: int = 0  # recorded by this call
    skipped: dict[str, str] = field(default_factory=dict)  # agent name -> why

    @property
    def command(self) -> dict:
        """What makes a rerun the same command: not the batch, which only
        says how many games run at once."""
        return {"games": self.games, "seed": self.seed, "round_robin": self.round_robin,
                "fixed": sorted(self.fixed)}


@dataclass(frozen=True)
class Player:
    """What an agent of the league needs to play anywhere: its kind, name
    and, if learned, its checkpoint as read (one object in Ray's store)."""

    kind: str
    name: str
    checkpoint: str | None = None
    loaded: Any = None


def player(row: AgentRow) -> Player:
    """The row's Player, or a CheckpointError if it cannot play."""
    if row.kind in ("random", "scripted"):
        return Player(row.kind, row.name)
    if row.kind == "learned":
        if not row.checkpoint:
            raise CheckpointError(f"agent {row.name!r} has no checkpoint")
        return Player(row.kind, row.name, row.checkpoint, checkpoint.load(row.checkpoint))
    raise CheckpointError(f"{row.kind} agents cannot play without a person")


def make_agent(p: Player, env: BatchEnv, seed: int) -> Agent:
    if p.kind == "random":
        return RandomAgent(seed)
    if p.kind == "scripted":
        return ScriptedAgent()
    return policy_agent_from(p.loaded, p.checkpoint, env, seed=seed, name=p.name)


def playable_agents(store: LeagueStore, config: GameConfig, ev: Evaluation) -> dict[int, Player]:
    """The agents that can play this game, by id; the rest go to `ev.skipped`."""
    env = BatchEnv(config, num_games=1)
    ok = {}
    for row in store.agents():
        try:
            ok[row.id] = player(row)
            make_agent(ok[row.id], env, 0)
        except CheckpointError as e:
            ok.pop(row.id, None)
            ev.skipped[row.name] = str(e)
    return ok


def sampled(seed: int, number: int, rate: float) -> bool:
    """Whether game `number` of the block with this seed keeps a replay: a
    property of the game, not of the slot or run that plays it."""
    return rate > 0 and np.random.default_rng([seed, number]).random() < rate


def play_chunk(config: GameConfig, preset: str, radiant: Player, dire: Player, seed: int, numbers: list[int],
               replay_rate: float, on_game: Callable[[GameResult, Replay | None], None]) -> None:
    """Games `numbers` of the block with this seed, all at once; `on_game`
    gets each result as it ends, with its replay if the game is sampled.
    Where the evaluation runs it, or an evaluation worker."""
    env = BatchEnv(config, num_games=1)
    agents = make_agent(radiant, env, seed), make_agent(dire, env, seed + 1)
    recorder = None
    if replay_rate > 0:
        recorder = Recorder(None, preset, (radiant.name, dire.name),
                            sample=lambda g: sampled(seed, numbers[g], replay_rate))

    def done(result: GameResult) -> None:
        slot = numbers.index(result.index)
        replays = [r for r in recorder.replays if r.header["slot"] == slot] if recorder else []
        on_game(result, replays[0] if replays else None)

    play_numbered(config, *agents, seed, numbers, on_result=done, recorder=recorder)


class Local:
    """Plays each chunk here, as it is handed over."""

    size = 1

    def __init__(self, config: GameConfig, preset: str):
        self.config, self.preset = config, preset

    def submit(self, radiant: Player, dire: Player, seed: int, numbers: list[int], replay_rate: float,
               on_game: Callable[[GameResult, Replay | None], None]) -> Callable[[], None]:
        play_chunk(self.config, self.preset, radiant, dire, seed, numbers, replay_rate, on_game)
        return lambda: None


def evaluate(store: LeagueStore, config: GameConfig, preset: str, ev: Evaluation,
             on_game: Callable[[GameResult], None] | None = None, workers: Any = None) -> Evaluation:
    """Play and rate `ev.games` games, or what a rerun of the same command
    (an interrupted one: its process gone) still lacks of them. Agents that
    cannot play are skipped and listed in `ev.skipped`; a block of theirs
    left pending stays so. `workers` (`league.workers.EvalWorkers`) plays
    the chunks elsewhere, several at once; results are recorded here, in
    the order the chunks were handed out, and matchmaking reads the ratings
    of `LOOKAHEAD` blocks before, so the games and ratings are those of the
    evaluation played here."""
    players = playable_agents(store, config, ev)
    if len(players) < 2:
        raise ValueError(f"the league needs two playable agents to evaluate; it has "
                         f"{[p.name for p in players.values()]} (skipped: {ev.skipped or 'none'})")
    runner = workers if workers is not None else Local(config, preset)
    fixed = frozenset(store.agent(name).id for name in ev.fixed)
    rules = store.rules(preset, config.to_dict(), ev.settings)
    claim = store.claim(ev.command, rules, ev.games)
    ev.recorded = claim.recorded
    agents = [store.agent(i) for i in players]
    pairs = [(a, b) for i, a in enumerate(agents) for b in agents[i + 1:]]
    turn = claim.blocks  # a rerun goes on where the interrupted run stopped
    handed: set[tuple[int, int]] = set()  # (block, number) of the games under way
    under_way: deque[Callable[[], None]] = deque()
    finished = False

    def record(block: BlockRow, result: GameResult, replay: Replay | None) -> None:
        game = block.pending[result.index]
        path = None
        if replay is not None:
            path = Path(ev.replay_dir or ".") / f"game-{game}.moba-replay"
            save_replay(path, replay)  # an unrecorded earlier attempt's file is this game's too
        if store.record(game, result.winner, result.ticks, str(path) if path else None, fixed):
            ev.played += 1
            store.renew(claim.id)
            if on_game is not None:
                on_game(result)

    def next_chunk() -> tuple[BlockRow, list[int]] | None:
        for block in store.pending_blocks(claim.id):
            if block.radiant in players and block.dire in players:
                numbers = [n for n in block.pending if (block.id, n) not in handed]
                if numbers:
                    return block, numbers[:ev.batch]
        return None

    try:
        while True:
            while len(under_way) < runner.size:
                chunk = next_chunk()
                if chunk is None:
                    rng = np.random.default_rng([ev.seed, claim.id, turn])
                    if ev.round_robin:
                        a, b = pairs[turn % len(pairs)]
                    else:
                        standing = store.standing(claim.id, max(0, turn - LOOKAHEAD))
                        if standing is None:
                            break  # the ratings it needs are still being played
                        a, b = choose_pair(store, [x for x in standing if x.id in players], rng)
                    if rng.random() < 0.5:
                        a, b = b, a
                    if store.schedule_block(claim.id, a.id, b.id, ev.seed, ev.batch, preset) is None:
                        break
                    turn += 1
                    continue
                block, numbers = chunk
                handed.update((block.id, n) for n in numbers)
                under_way.append(runner.submit(players[block.radiant], players[block.dire], block.seed, numbers,
                                               ev.replay_rate, partial(record, block)))
            if not under_way:
                finished = not store.pending_blocks(claim.id)
                return ev
            under_way.popleft()()
    finally:
        store.release(claim.id, finished)
