"""Training and evaluation on Ray: rollout workers that own shares of the
game slots, evaluation workers that play the bots beside training, and
league evaluation workers that play blocks of rated games.

The learner stays in the driver (on a GPU when JAX sees one there); each
update it puts the parameters in the object store once, every rollout
worker plays its games with them on its CPU and returns its buffers, and
the driver trains on them all. Synchronous by default: an update waits for
one rollout of every worker, made with the latest parameters, so a run
with the same seed and worker count is reproducible. With
`train.max_policy_lag = K`, each worker keeps K rollouts under way, made
with the parameters of their time: updates and rollouts overlap, and PPO's
ratio is to the behaviour policy that played them (`Batch.logp`).

A worker that dies (a kill -9, a lost machine) is replaced and its games
start afresh; a worker that raises stops the run with its error. A league
chunk whose worker dies is played again by another (Ray retries the task);
the driver alone records games, so none is recorded twice.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections import deque
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from engine import ConfigError

try:
    import ray
    from ray.exceptions import RayActorError, RayTaskError
except ImportError:  # pragma: no cover - the message is the point
    raise ConfigError('training or evaluating on workers needs Ray: pip install "moba[ray]"') from None

from agents.policy import Policy
from agents.ppo import Batch
from engine import GameConfig
from league.bots import LINES, Line, Result, learner_agent, play_line
from league.config import RunConfig
from league.evaluate import Player, play_chunk
from league.play import GameResult
from league.rollout import Collected, Report, RolloutWorker, WorkerError
from league.seats import PoolView, slot_kinds
from league.store import LeagueError
from replays.format import Replay

log = logging.getLogger(__name__)


def connect(address: str | None = None) -> None:
    """Join the cluster at `address` ("auto" or HOST:PORT), or start one on
    this machine's cores; nothing if this process is connected already."""
    if ray.is_initialized():
        return
    ray.init(address=address, num_cpus=None if address else os.cpu_count(), include_dashboard=False,
             log_to_driver=True, logging_level=logging.WARNING)


def worker_env() -> dict[str, str]:
    """Rollout workers run JAX on the CPU and the engine on one thread (a
    worker is one CPU of the cluster), and find the engine's compiled
    kernels where this machine's commands put them. XLA's threads are not
    limited: no flag does so in this JAX (BENCHMARKS.md, League)."""
    env = {"JAX_PLATFORMS": "cpu", "NUMBA_NUM_THREADS": "1"}
    if os.environ.get("MOBA_CACHE_DIR"):
        env["MOBA_CACHE_DIR"] = os.environ["MOBA_CACHE_DIR"]
    return env


@ray.remote(num_cpus=1)
class RolloutActor:
    """A `RolloutWorker` in its own process."""

    def __init__(self, cfg: dict[str, Any], kinds: np.ndarray, worker: int, run_name: str, preset: str):
        run = RunConfig.from_dict(cfg)
        from agents.policy import shapes_for

        self.worker = RolloutWorker(run, Policy(run.policy, shapes_for(run.game)), kinds, worker, run_name, preset)
        self.policies: dict[int, Any] = {}  # the pool's snapshots, fetched once each

    def collect(self, weights: tuple[Any, Any], version: int, tau: float, steps: tuple[int, ...],
                probabilities: np.ndarray, refs: dict[int, Any]) -> tuple[Batch, np.ndarray, Report, list, dict]:
        t0 = time.perf_counter()
        for step in steps:
            if step not in self.policies:
                self.policies[step] = ray.get(refs[step])
        self.policies = {step: self.policies[step] for step in steps}
        params, norm = jax.tree_util.tree_map(jnp.asarray, weights)  # on the device once, not at every step
        batch, last, report, replays = self.worker.collect(params, norm, tau,
                                                           PoolView(steps, probabilities, self.policies))
        return batch, last, report, replays, {"version": version, "busy_s": time.perf_counter() - t0}

    def state(self) -> dict[str, Any]:
        return self.worker.state()

    def restore(self, state: dict[str, Any]) -> None:
        self.worker.restore(state)

    def pid(self) -> int:
        return os.getpid()


class RayRollouts:
    """`train.workers` rollout actors, worker i playing the game slots i,
    i + N, i + 2N... (each a mix of the kinds of opponent)."""

    def __init__(self, cfg: RunConfig, policy: Policy, run_name: str, preset: str, address: str | None = None):
        connect(address)
        self.cfg, self.run_name, self.preset = cfg, run_name, preset
        n = cfg.train.workers
        cpus = ray.cluster_resources().get("CPU", 0)
        if cpus < n:
            raise ConfigError(f"{n} rollout workers need {n} CPUs; the Ray cluster has {cpus:g}")
        kinds = slot_kinds(cfg.train.slots())
        self.shares = [kinds[i::n] for i in range(n)]
        self.depth = max(1, cfg.train.max_policy_lag)  # rollouts under way per worker
        self.actors = [self._start(i) for i in range(n)]
        self.pending: list[deque] = [deque() for _ in range(n)]  # each worker's rollouts under way, oldest first
        self.refs: dict[int, Any] = {}  # the pool's snapshots in the object store
        self.version = 0  # updates made: the parameters' version
        self.restarts = 0

    def _start(self, i: int) -> Any:
        options = {"runtime_env": {"env_vars": worker_env()}, "name": None}
        return RolloutActor.options(**options).remote(self.cfg.to_dict(), self.shares[i], i, self.run_name,
                                                      self.preset)

    def _submit(self, i: int, weights: Any, tau: float, pool: PoolView) -> None:
        refs = {step: self.refs[step] for step in pool.steps}
        self.pending[i].append(self.actors[i].collect.remote(weights, self.version, tau, pool.steps,
                                                             pool.probabilities, refs))

    def collect(self, params: Any, norm: Any, tau: float, pool: Any) -> Collected:
        t0 = time.perf_counter()
        view = self._pool_view(pool)
        weights = ray.put(jax.device_get((params, norm)))  # once, for every worker
        for i in range(len(self.actors)):  # keep `depth` rollouts under way
            while len(self.pending[i]) < self.depth:
                self._submit(i, weights, tau, view)
        broadcast = time.perf_counter() - t0
        waits = [0.0, 0.0]
        results = [self._take(i, weights, tau, view, waits) for i in range(len(self.actors))]
        if self.cfg.train.max_policy_lag:  # the next rollouts start before the update: they overlap it
            for i in range(len(self.actors)):
                self._submit(i, weights, tau, view)
        self.version += 1
        batches = [r[0] for r in results]
        batch = Batch(*(_concat([getattr(b, f) for b in batches]) for f in Batch._fields))
        reports = [r[2] for r in results]
        lags = [self.version - 1 - r[4]["version"] for r in results]
        timing = {f"{part}_s": float(np.mean([rep.timing.get(f"{part}_s", 0.0) for rep in reports]))
                  for part in ("env", "inference")}
        timing |= {"transfer_s": broadcast + waits[1], "broadcast_s": broadcast, "trajectories_s": waits[1],
                   "learner_idle_s": waits[0], "policy_lag": float(np.mean(lags)),
                   "policy_lag_max": float(max(lags)), "worker_restarts": float(self.restarts)}
        return Collected(batch, np.concatenate([r[1] for r in results]), reports,
                         [replay for r in results for replay in r[3]], timing)

    def _take(self, i: int, weights: Any, tau: float, view: PoolView, waits: list[float]) -> tuple:
        """Worker i's oldest rollout under way; a dead worker is replaced and
        asked again, with fresh games. Adds to `waits` the seconds spent
        waiting for it, then receiving it."""
        while True:
            try:
                ref = self.pending[i].popleft()
                t0 = time.perf_counter()
                ray.wait([ref], fetch_local=False)
                t1 = time.perf_counter()
                result = ray.get(ref)
                waits[0] += t1 - t0
                waits[1] += time.perf_counter() - t1
                return result
            except RayActorError:
                self.restarts += 1
                log.warning("rollout worker %d died; starting a replacement (its games start afresh)", i)
                self.actors[i] = self._start(i)
                self.pending[i].clear()
                self._submit(i, weights, tau, view)
            except RayTaskError as e:
                raise WorkerError(f"rollout worker {i} (game slots {i}, {i} + {len(self.actors)}, ...) failed: "
                                  f"{type(e.cause).__name__}: {e.cause}") from None

    def _pool_view(self, pool: Any) -> PoolView:
        """The pool with its snapshots as object references, each put once."""
        for step in pool.steps:
            if step not in self.refs:
                self.refs[step] = ray.put(pool.load(step))
        self.refs = {step: self.refs[step] for step in pool.steps}
        view = pool.view() if pool.steps else PoolView((), np.zeros(0), {})
        return PoolView(view.steps, view.probabilities, {})

    def state(self) -> list[dict[str, Any]]:
        """Every worker's games, after its rollouts under way (a worker's
        calls run in order; those batches are kept for the next updates)."""
        return ray.get([actor.state.remote() for actor in self.actors])

    def restore(self, states: list[dict[str, Any]]) -> None:
        if len(states) != len(self.actors):
            raise ValueError(f"it holds the games of {len(states)} workers, this run has {len(self.actors)}: "
                             f"resume it with --workers {len(states)}")
        ray.get([actor.restore.remote(state) for actor, state in zip(self.actors, states)])

    def pids(self) -> list[int]:
        return ray.get([actor.pid.remote() for actor in self.actors])

    def close(self) -> None:
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []


def _concat(parts: list[Any]) -> Any:
    """Workers' arrays (or Inputs of them) joined along the sequence axis."""
    if isinstance(parts[0], tuple):
        return type(parts[0])(*(_concat([p[k] for p in parts]) for k in range(len(parts[0]))))
    return np.concatenate(parts, axis=1)


@ray.remote(num_cpus=1)
def _play_chunk(cfg: dict[str, Any], weights: tuple[Any, Any], line: Line, games: int, seed: int) -> list[str]:
    """Some of a line's games: each one's outcome for the learner."""
    run = RunConfig.from_dict(cfg)
    from agents.policy import shapes_for

    params, norm = jax.tree_util.tree_map(jnp.asarray, weights)
    agent = learner_agent(Policy(run.policy, shapes_for(run.game)), run.teacher, params, norm, seed + 11, line.greedy)
    outcomes: list[str] = []
    play_line(run.game, agent, line, games, seed, run.train.eval_batch, outcomes.append)
    return outcomes


class RayEvaluator:
    """Lines played as Ray tasks beside training, each split in `chunks`
    tasks of its games (with their own seeds)."""

    def __init__(self, cfg: RunConfig, chunks: int = 4):
        self.cfg, self.chunks = cfg, chunks
        self.pending: list[tuple[int, Line, list[Any]]] = []

    def _submit(self, params: Any, norm: Any, lines: tuple[Line, ...]) -> dict[Line, list[Any]]:
        t = self.cfg.train
        weights = ray.put(jax.device_get((params, norm)))
        play = _play_chunk.options(runtime_env={"env_vars": worker_env()})
        sizes = [t.eval_games * (c + 1) // self.chunks - t.eval_games * c // self.chunks for c in range(self.chunks)]
        return {line: [play.remote(self.cfg.to_dict(), weights, line, n, t.seed + 7919 * c)
                       for c, n in enumerate(sizes) if n] for line in lines}

    def run_lines(self, params: Any, norm: Any, on_game: Callable[[Line, str], None] | None = None,
                  lines: tuple[Line, ...] = LINES) -> dict[Line, dict[str, float]]:
        """Every line, on the cluster at once; `on_game(line, outcome)` for
        each game of a chunk as the chunk ends."""
        refs = self._submit(params, norm, lines)
        line_of = {ref: line for line, rs in refs.items() for ref in rs}
        outcomes: dict[Line, list[str]] = {line: [] for line in lines}
        waiting = list(line_of)
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=1)
            for outcome in ray.get(ready[0]):
                outcomes[line_of[ready[0]]].append(outcome)
                if on_game is not None:
                    on_game(line_of[ready[0]], outcome)
        return {line: _rates(o) for line, o in outcomes.items()}

    def start(self, hero_steps: int, params: Any, norm: Any) -> None:
        self.pending += [(hero_steps, line, rs) for line, rs in self._submit(params, norm, LINES).items()]

    def finished(self, wait: bool = False) -> list[Result]:
        """The lines done (all of them, with `wait`) since the last call."""
        done, still = [], []
        for steps, line, rs in self.pending:
            if wait or not ray.wait(rs, num_returns=len(rs), timeout=0)[1]:
                done.append((steps, line, _rates([o for chunk in ray.get(rs) for o in chunk])))
            else:
                still.append((steps, line, rs))
        self.pending = still
        return done


def _rates(outcomes: list[str]) -> dict[str, float]:
    n = max(1, len(outcomes))
    return {"games": len(outcomes), **{k: outcomes.count(k) / n for k in ("win", "draw", "loss")}}


@ray.remote(num_cpus=1, max_retries=3)
def _play_league_chunk(config: dict[str, Any], preset: str, radiant: Player, dire: Player, seed: int,
                       numbers: list[int], replay_rate: float) -> list[tuple[GameResult, Replay | None]]:
    """`league.evaluate.play_chunk` on a worker: the results in the order
    the games ended, with the sampled games' replays."""
    players = [p if not isinstance(p.loaded, ray.ObjectRef) else dataclasses.replace(p, loaded=ray.get(p.loaded))
               for p in (radiant, dire)]
    ended: list[tuple[GameResult, Replay | None]] = []
    play_chunk(GameConfig.from_dict(config), preset, *players, seed, numbers, replay_rate,
               lambda result, replay: ended.append((result, replay)))
    return ended


class EvalWorkers:
    """`league.evaluate.evaluate`'s chunks played as Ray tasks, `size` at
    once; each learned agent's checkpoint goes to the object store once."""

    def __init__(self, config: GameConfig, preset: str, size: int):
        if size < 1:
            raise ConfigError(f"--workers must be at least 1, got {size}")
        self.config, self.preset, self.size = config, preset, size
        self.remote: dict[str, Player] = {}

    def _put(self, p: Player) -> Player:
        if p.loaded is None:
            return p
        if p.name not in self.remote:
            self.remote[p.name] = dataclasses.replace(p, loaded=ray.put(p.loaded))
        return self.remote[p.name]

    def submit(self, radiant: Player, dire: Player, seed: int, numbers: list[int], replay_rate: float,
               on_game: Callable[[GameResult, Replay | None], None]) -> Callable[[], None]:
        play = _play_league_chunk.options(runtime_env={"env_vars": worker_env()})
        ref = play.remote(self.config.to_dict(), self.preset, self._put(radiant), self._put(dire), seed, numbers,
                          replay_rate)

        def finish() -> None:
            try:
                ended = ray.get(ref)
            except RayTaskError as e:
                raise LeagueError(f"an evaluation worker failed on games {numbers} of the block with seed {seed} "
                                  f"({radiant.name} v {dire.name}): {e.cause!r}") from None
            for result, replay in ended:
                on_game(result, replay)

        return finish
