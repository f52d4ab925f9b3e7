"""The rollout: `collect` plays `T` decisions of a share of the game slots
and fills preallocated `[T, N, ...]` buffers with what the learner trains
on, N being the trained sequences of five heroes. `RolloutWorker` holds
what persists between rollouts (the games, their seats, the teacher, the
buffers); it is what a Ray rollout worker runs, and what the in-process run
calls directly.

Each step: the teacher's advice for every hero (the scripted bot, one call
per team: kickstart labels, scripted purchases and the scripted opponent's
actions); one forward pass of the latest parameters over every hero they
play; the seats act for the other heroes; the engine steps; shaped rewards.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Protocol

import jax
import numpy as np

from agents.policy import Inputs, Policy, shapes_for
from agents.policy_agent import hero_inputs, make_act
from agents.ppo import Batch
from agents.rewards import shaped_rewards
from agents.teacher import Teacher
from engine import BatchEnv
from engine.constants import HEROES_PER_TEAM, NUM_HEADS
from engine.spec import EVENT_NAMES
from league.config import RunConfig
from league.seats import KINDS, PAST, PoolView, Seats, slot_kinds, snapshots_act
from replays.format import Replay
from replays.recorder import Recorder

if TYPE_CHECKING:
    from league.pool import SnapshotPool


def allocate(cfg: RunConfig, policy: Policy, sequences: int) -> Batch:
    """Buffers for one rollout of `sequences` trained sequences of five heroes."""
    T, N, s = cfg.ppo.rollout_steps, sequences * HEROES_PER_TEAM, policy.shapes
    K = s.obs_units
    return Batch(
        x=Inputs(obs=np.zeros((T, N, s.obs_size), np.float32), dire=np.zeros((T, N), bool),
                 first=np.zeros((T, N), bool),
                 lane=np.zeros((T, N), np.int32), mask_type=np.zeros((T, N, 16), bool),
                 mask_offset=np.zeros((T, N, 9), bool), mask_item=np.zeros((T, N, s.num_items), bool)),
        mask_target=np.zeros((T, N, K), bool), actions=np.zeros((T, N, NUM_HEADS), np.int32),
        logp=np.zeros((T, N), np.float32), value=np.zeros((T, N), np.float32), reward=np.zeros((T, N), np.float32),
        done=np.zeros((T, N), np.float32), win=np.zeros((T, N), np.float32), won=np.zeros((T, N), np.float32),
        carry=np.zeros((T // cfg.ppo.chunk, N, 2, policy.config.hidden), np.float32),
        teacher=np.zeros((T, N, NUM_HEADS), np.int32), teacher_mask_target=np.zeros((T, N, K), bool))


class Games(NamedTuple):
    """The games in progress of a rollout worker, between rollouts."""

    env: BatchEnv
    carry: np.ndarray  # [G, 10, 2, H] every hero's LSTM state
    first: np.ndarray  # [G] the next decision is a game's first
    term_sums: np.ndarray  # [G, E] each game's sum of every reward term, on the learner's side


class Report(NamedTuple):
    """What a rollout says besides its batch."""

    timing: dict[str, float]  # seconds in the env and in inference
    finished: list[dict[str, float]]  # a record per game that ended (for TensorBoard)
    snapshot_results: list[tuple[int, bool]]  # (snapshot step, the learner won) per game against one


def collect(games: Games, act: Callable, params: Any, norm: Any, seats: Seats, teacher: Teacher, pool: PoolView,
            buffers: Batch, cfg: RunConfig, tau: float, key: jax.Array,
            recorder: Recorder | None = None) -> tuple[np.ndarray, Report]:
    """Play `cfg.ppo.rollout_steps` decisions of `games`; fill `buffers` and
    return the value and win probability [N, 2] where it stopped, and
    the report. The first rows the latest parameters play are the trained
    ones (`Seats.network_games`)."""
    env, carry = games.env, games.carry
    G, T, chunk = env.num_games, cfg.ppo.rollout_steps, cfg.ppo.chunk
    timing: dict[str, float] = defaultdict(float)
    finished, snapshot_results = [], []
    actions = np.zeros((G, 10, NUM_HEADS), np.int32)
    n = slice(0, len(seats.trained_games) * HEROES_PER_TEAM)
    b = buffers
    step = env.view()
    keys = np.asarray(jax.random.split(key, 2 * T + 1))  # once: a split each step costs half a millisecond
    for t in range(T):
        t0 = time.perf_counter()
        at = seats.network_games[:, None], seats.network_rows()
        x, mask_target = hero_inputs(step, at[1], games.first, seats.network_games)
        advice = teacher.advise(env, step, seats.group_minutes(teacher.cfg.group_minute))
        x = teacher.restrict(x, advice[at].reshape(-1, NUM_HEADS))
        carry_before = carry[at].reshape((-1,) + carry.shape[2:])
        new_carry, a, logp, value, chosen, win, seen = (
            np.asarray(v) for v in act(params, norm, carry_before, x, mask_target, keys[2 * t]))
        carry[at] = new_carry.reshape(carry[at].shape)
        actions[at] = a.reshape(actions[at].shape)
        seats.act(env, step, games.first, actions, carry, advice, pool, teacher, keys[2 * t + 1])
        # The network's heroes shop by script; the batch keeps the network's own choice.
        played = teacher.shop(actions, advice, seats.network_heroes())
        t1 = time.perf_counter()

        b.x.obs[t] = seen
        for name in Inputs._fields[1:]:
            getattr(b.x, name)[t] = getattr(x, name)[n]
        b.mask_target[t], b.actions[t], b.logp[t], b.value[t], b.win[t] = chosen[n], a[n], logp[n], value[n], win[n]
        if t % chunk == 0:
            b.carry[t // chunk] = carry_before[n]
        b.teacher[t] = label = advice[at].reshape(-1, NUM_HEADS)[n]
        b.teacher_mask_target[t] = np.take_along_axis(mask_target[n], label[:, :1, None], axis=1)[:, 0]

        ticks = step.tick.copy()
        step = env.step(played)
        if recorder is not None:
            recorder.after_step(env, played, _team_win(win, seats))
        rewards, terms = shaped_rewards(step.events, cfg.rewards, tau, ticks)
        trained = seats.trained_games[:, None], seats.trained_rows()
        b.reward[t] = rewards[trained].reshape(-1)
        b.done[t] = np.repeat(step.done[seats.trained_games], HEROES_PER_TEAM)
        games.term_sums[:] += terms[trained[0][:G], trained[1][:G]].mean(axis=1)
        winner = np.repeat(step.winner[seats.trained_games], HEROES_PER_TEAM)
        b.won[t] = np.where(winner == 2, 0.5, winner == trained[1].reshape(-1) // HEROES_PER_TEAM)
        for g in np.flatnonzero(step.done):
            finished.append(_record(step, seats, games.term_sums[g], g))
            if seats.opponent[g] == PAST:
                snapshot_results.append((int(seats.snapshot[g]), bool(step.winner[g] == seats.side[g])))
            games.term_sums[g] = 0.0
            seats.new_game(g, pool)
        games.first[:] = step.done
        timing["inference_s"] += t1 - t0
        timing["env_s"] += time.perf_counter() - t1

    t0 = time.perf_counter()
    at = seats.network_games[:, None], seats.network_rows()
    x, mask_target = hero_inputs(step, at[1], games.first, seats.network_games)
    out = act(params, norm, carry[at].reshape((-1,) + carry.shape[2:]), x, mask_target, keys[-1])
    timing["inference_s"] += time.perf_counter() - t0
    last = np.stack([np.asarray(out[3])[n], np.asarray(out[5])[n]], axis=1)
    return last, Report(dict(timing), finished, snapshot_results)


def _team_win(win: np.ndarray, seats: Seats) -> np.ndarray:
    """[G, 2] each team's mean win probability, for the replays: from every
    sequence the latest parameters played and the snapshots' estimates; NaN
    for a scripted or random side."""
    G = len(seats.side)
    games = seats.network_games
    out = np.full((G, 2), np.nan, np.float32)
    team = np.concatenate([seats.side, 1 - seats.side[games[G:]]])
    out[games, team] = win.reshape(-1, HEROES_PER_TEAM).mean(axis=1)
    past = np.flatnonzero(seats.opponent == PAST)
    out[past, 1 - seats.side[past]] = seats.snapshot_win[past]
    return out


def _record(step: Any, seats: Seats, term_sums: np.ndarray, g: int) -> dict[str, float]:
    """What TensorBoard shows of a game that ended: who won, how long, and
    what each reward term paid the learner's side."""
    winner = int(step.winner[g])
    return {f"win_rate/{KINDS[seats.opponent[g]]}": float(winner == seats.side[g]),
            "game/draw_rate": float(winner == 2), "game/length_minutes": float(step.length[g]) / 1800.0,
            "reward/total_shaped": float(term_sums.sum()),
            **{f"reward/{name}": float(v) for name, v in zip(EVENT_NAMES, term_sums)}}


class RolloutWorker:
    """The games of a share of the run's game slots (`kinds`: each one's kind
    of opponent), played in rollouts: in this process (`--workers 0`) or as
    a Ray actor. `worker` numbers it among the run's workers: its games,
    sides and sampling are seeded by (train.seed, worker), so a run with the
    same seed and worker count plays the same games. A sampled share of its
    games (`train.replay_rate`) comes back with the rollout as replays."""

    def __init__(self, cfg: RunConfig, policy: Policy, kinds: np.ndarray, worker: int = 0,
                 run_name: str = "run", preset: str = "custom"):
        t = cfg.train
        self.cfg, self.policy, self.worker = cfg, policy, worker
        env = BatchEnv(cfg.game, num_games=len(kinds), seed=t.seed + 104_729 * worker)
        if shapes_for(env.config) != policy.shapes:
            raise ValueError(f"the network is built for {policy.shapes}, the game has {shapes_for(env.config)}")
        self.seats = Seats(kinds, t.mirror, np.random.default_rng([t.seed, worker]), t.seed + 1 + worker,
                           snapshots_act(make_act(policy, learn=False)), t.scripted_skill)
        self.act = make_act(policy, seen=len(self.seats.trained_games) * HEROES_PER_TEAM)
        self.teacher = Teacher(cfg.teacher)
        G, H = env.num_games, policy.config.hidden
        self.games = Games(env, np.zeros((G, 10, 2, H), np.float32), np.ones(G, bool),
                           np.zeros((G, len(EVENT_NAMES)), np.float64))
        self.key = jax.random.fold_in(jax.random.PRNGKey(t.seed), worker)
        self.buffers = allocate(cfg, policy, len(self.seats.trained_games))
        self.recorder = Recorder(None, preset, lambda g: self.seats.names(g, run_name), t.replay_rate,
                                 seed=t.seed + worker) if t.replay_rate > 0 else None
        env.reset()
        empty = PoolView((), np.zeros(0), {})
        for g in range(G):
            self.seats.new_game(g, empty)
        if self.recorder is not None:
            self.recorder.start(env)

    def collect(self, params: Any, norm: Any, tau: float,
                pool: PoolView) -> tuple[Batch, np.ndarray, Report, list[Replay]]:
        """One rollout with these parameters: (batch, the value and win
        probability where it stopped, report, replays of the games that
        ended). The batch is this worker's buffers, overwritten by the next
        rollout."""
        self.key, k = jax.random.split(self.key)
        last, report = collect(self.games, self.act, params, norm, self.seats, self.teacher, pool,
                               self.buffers, self.cfg, tau, k, self.recorder)
        replays = []
        if self.recorder is not None:
            replays, self.recorder.replays = self.recorder.replays, []
        return self.buffers, last, report, replays

    def state(self) -> dict[str, Any]:
        """Everything the next rollout depends on, for a checkpoint."""
        g = self.games
        return {"env": g.env.state._asdict(), "carry": g.carry, "first": g.first, "term_sums": g.term_sums,
                "seats": self.seats.state(), "teacher": self.teacher.state(), "key": np.asarray(self.key)}

    def restore(self, state: dict[str, Any]) -> None:
        g = self.games
        for name, value in state["env"].items():
            np.copyto(getattr(g.env.state, name), value)
        for name in ("carry", "first", "term_sums"):
            np.copyto(getattr(g, name), state[name])
        self.seats.restore(state["seats"])
        self.teacher.restore(state["teacher"], g.env.num_games)
        self.key = jax.numpy.asarray(state["key"], jax.numpy.uint32)
        if self.recorder is not None:
            self.recorder.start(g.env)  # games in progress are recorded from here on


class WorkerError(RuntimeError):
    """A rollout worker raised; the message names the worker and its error."""


class Collected(NamedTuple):
    """One update's rollouts, from every worker."""

    batch: Batch  # [T, N, ...]: every worker's sequences, in worker order
    last: np.ndarray  # [N, 2] the value and win probability where the rollouts stopped
    reports: list[Report]
    replays: list[Replay]
    timing: dict[str, float]  # env_s and inference_s (a worker's mean), and what the workers add


class Rollouts(Protocol):
    """Where the rollouts are played: `LocalRollouts`, or Ray workers
    (`league.workers.RayRollouts`)."""

    def collect(self, params: Any, norm: Any, tau: float, pool: SnapshotPool) -> Collected: ...

    def state(self) -> list[dict[str, Any]]: ...

    def restore(self, states: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class LocalRollouts:
    """Every game slot in one worker, in this process."""

    def __init__(self, cfg: RunConfig, policy: Policy, run_name: str, preset: str):
        self.worker = RolloutWorker(cfg, policy, slot_kinds(cfg.train.slots()), 0, run_name, preset)

    def collect(self, params: Any, norm: Any, tau: float, pool: SnapshotPool) -> Collected:
        batch, last, report, replays = self.worker.collect(params, norm, tau, pool.view())
        return Collected(batch, last, [report], replays, dict(report.timing))

    def state(self) -> list[dict[str, Any]]:
        return [self.worker.state()]

    def restore(self, states: list[dict[str, Any]]) -> None:
        if len(states) != 1:
            raise ValueError(f"it holds the games of {len(states)} workers, this run has 1")
        self.worker.restore(states[0])

    def close(self) -> None:
        pass
