"""Self-play training: the loop that joins the parts.

    run      league.run       the run folder, checkpoints, TensorBoard, signals
    learner  league.learner   PPO updates; owns the parameters and optimiser
    rollout  league.rollout   a worker's games, played into [T, N, ...] buffers
    seats    league.seats     who plays each side of each game slot
    teacher  agents.teacher   the scripted bot's labels and shopping
    curriculum  league.curriculum  the stage played, and when it is passed

Each update: the rollouts play `ppo.rollout_steps` decisions of every game
slot with the current parameters (in this process, or on Ray workers:
`league.workers`), the learner updates on them, and every `snapshot_every`
updates the parameters join the opponent pool and the run's league. A
passed curriculum stage starts the next one's games afresh. A checkpoint
holds everything to go on exactly: the learner, the pool, the stage, and
every worker's games in progress.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from agents import checkpoint
from agents.policy import Policy, shapes_for, with_win_head
from agents.policy_agent import PolicyAgent
from engine import ENGINE_VERSION
from league.bots import Evaluator, learner_agent
from league.config import RunConfig
from league.curriculum import Curriculum
from league.learner import Learner
from league.pool import SnapshotPool
from league.rollout import LocalRollouts, Rollouts, WorkerError
from league.run import RunFolder, StopSignals, latest_checkpoint
from league.store import LeagueStore


class TrainingError(RuntimeError):
    """Training cannot go on (a NaN loss, a worker's error); the message
    says what is kept."""


def network_meta(cfg: RunConfig) -> dict[str, Any]:
    """What a checkpoint's network is: a checkpoint of another is refused."""
    # "view": networks from before the Dire reflection (agents/policy.py) read Dire's games unreflected;
    # "lane": networks from before the lane input (agents/roles.py) lack it.
    return {"policy": cfg.policy.to_dict(), "shapes": shapes_for(cfg.game)._asdict(), "engine": ENGINE_VERSION,
            "view": "radiant_corner", "lane": True, "teacher": cfg.teacher.to_dict()}


def fork_source(source: str | Path) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The checkpoint a fork starts from (`source`, or a run folder's latest),
    with its meta and tree; a CheckpointError if it is not a training run's."""
    source = Path(source)
    if source.is_dir():
        latest = latest_checkpoint(source)
        if latest is None:
            raise checkpoint.CheckpointError(f"{str(source)!r} holds no checkpoint to fork from")
        source = latest
    meta, tree = checkpoint.load(source)
    if "learner" not in tree or "hero_steps" not in meta:
        raise checkpoint.CheckpointError(f"{str(source)!r} is a policy, not a training run's checkpoint: "
                                         f"fork from one in a run's checkpoints/")
    return source, meta, tree


class Trainer:
    """One self-play run in `run_dir`; `Trainer.resume(run_dir)` picks one
    up. `progress`, if given, says how far through the run the schedules
    are (0 to 1) in place of the share of updates done (`moba bench learn`
    runs by time)."""

    def __init__(self, run_dir: str | Path, cfg: RunConfig, preset_name: str = "custom",
                 progress: Callable[[], float] | None = None, ray_address: str | None = None):
        import jax

        self.cfg = cfg
        self.folder = RunFolder(run_dir, cfg, preset_name)
        self.policy = Policy(cfg.policy, shapes_for(cfg.game))
        self.network = network_meta(cfg)
        self.curriculum = Curriculum(cfg)
        self._ray_address = ray_address
        # First: Ray's processes start before JAX's threads do. The evaluations play the run's own game.
        self.rollouts = self._rollouts()
        if cfg.train.workers:
            from league.workers import RayEvaluator

            self.evaluator: Evaluator | RayEvaluator = RayEvaluator(cfg)
        else:
            self.evaluator = Evaluator(cfg, self.policy)
        self.learner = Learner(self.policy, cfg, jax.random.PRNGKey(cfg.train.seed))
        fresh = self.learner.params  # an older snapshot gets the untrained win head of this run's start
        self.pool = SnapshotPool(self.folder.path / "pool", cfg.train.quality_lr, cfg.train.pool_size,
                                 lambda params: with_win_head(params, fresh)[0])
        self.update = 0
        self.updates_total = math.ceil(cfg.train.total_steps / cfg.decisions_per_update())
        self.progress = progress or (lambda: min(1.0, self.update / max(1, self.updates_total)))
        self.signals = StopSignals()

    def _rollouts(self) -> Rollouts:
        """Rollouts of fresh games under the curriculum stage's settings."""
        cfg = self.curriculum.settings()
        if cfg.train.workers:
            from league.workers import RayRollouts

            return RayRollouts(cfg, self.policy, self.folder.name, self.folder.preset, self._ray_address)
        return LocalRollouts(cfg, self.policy, self.folder.name, self.folder.preset)

    def _enter_stage(self, state: dict[str, Any], by_name: bool = False) -> None:
        """Be where `state` (`Curriculum.state`) says (`Curriculum.restore`),
        the games of a stage other than the one played starting afresh."""
        before = self.curriculum.index
        self.curriculum.restore(state, by_name)
        if self.curriculum.index != before:
            self.rollouts.close()
            self.rollouts = self._rollouts()

    @property
    def run_dir(self) -> Path:
        return self.folder.path

    @property
    def stop_requested(self) -> bool:
        return self.signals.requested

    def stop(self) -> None:
        """Stop after the update in progress, as a Ctrl-C does."""
        self.signals.requested = True

    def agent(self, seed: int = 0, greedy: bool = False, name: str = "learner") -> PolicyAgent:
        """The current parameters as an agent, shopping as they were trained to."""
        return learner_agent(self.policy, self.cfg.teacher, self.learner.params, self.learner.norm, seed, greedy,
                             name)

    def hero_steps(self) -> int:
        """Hero decisions trained on so far."""
        return self.update * self.cfg.decisions_per_update()

    def latest_checkpoint(self) -> Path | None:
        return self.folder.latest_checkpoint()

    @classmethod
    def resume(cls, run_dir: str | Path, ray_address: str | None = None) -> "Trainer":
        cfg, preset = RunFolder.read_config(run_dir)
        trainer = cls(run_dir, cfg, preset, ray_address=ray_address)
        latest = trainer.latest_checkpoint()
        if latest is None:
            trainer.close()
            raise FileNotFoundError(f"run {str(run_dir)!r} has no checkpoint to resume from")
        trainer.load_checkpoint(latest)
        return trainer

    @classmethod
    def fork(cls, source: str | Path, run_dir: str | Path, cfg: RunConfig, preset_name: str = "custom",
             progress: Callable[[], float] | None = None, ray_address: str | None = None) -> "Trainer":
        """A new run in `run_dir` under `cfg` that goes on from `source` (a
        checkpoint, or a run folder's latest): its network, optimiser and
        normaliser, hero steps, curriculum stage (found by its name) and
        opponent pool (whose snapshots are copied from the source run's
        `pool/`), with games started afresh. `cfg` may change anything but
        the network (the teacher's settings included); a source that does
        not fit is refused before anything is written. The run's first checkpoint is the fork,
        so a fork killed at once resumes like any run."""
        source, meta, tree = fork_source(source)
        checkpoint.check_network(source, meta, network_meta(cfg), ignore=("teacher",))
        trainer = cls(run_dir, cfg, preset_name, progress, ray_address)
        where = f"checkpoint {str(source)!r}"
        try:
            trainer.learner.load(tree["learner"], where)
            if cfg.curriculum and "curriculum" in meta:
                trainer._enter_stage(meta["curriculum"], by_name=True)
            trainer.pool.restore(tree["pool"])
            # The hero steps go on; with another number of decisions per update, rounded down to whole updates.
            trainer.update = int(meta["hero_steps"]) // cfg.decisions_per_update()
            snapshots = [(source.parent.parent / "pool" / trainer.pool.path(s).name, s) for s in trainer.pool.steps]
            missing = [str(file) for file, _ in snapshots if not file.is_file()]
            if missing:
                raise ValueError(f"its opponent pool's snapshot {missing[0]!r} is missing")
        except (KeyError, TypeError, ValueError) as e:
            trainer.close()
            raise checkpoint.CheckpointError(f"cannot fork from {where}: {e}") from None
        # A fork killed before its first checkpoint left no run: its config is written anew.
        (trainer.run_dir / "config.toml").unlink(missing_ok=True)
        trainer.folder.write_config(f"forked from {source.resolve()} at {int(meta['hero_steps']):,} hero steps")
        for file, step in snapshots:
            trainer.pool.folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, trainer.pool.path(step))
            trainer._register(step)
        trainer.save_checkpoint()
        return trainer

    # --- checkpoints

    def save_checkpoint(self) -> Path:
        meta = {"network": self.network, "update": self.update, "hero_steps": self.hero_steps(),
                "workers": self.cfg.train.workers, "curriculum": self.curriculum.state()}
        tree = {"learner": self.learner.state_tree(), "pool": self.pool.state(), "rollouts": self.rollouts.state()}
        return self.folder.save_checkpoint(self.update, meta, tree)

    def load_checkpoint(self, path: Path) -> None:
        meta, tree = checkpoint.load(path)
        checkpoint.check_network(path, meta, self.network)
        where = f"checkpoint {str(path)!r}"
        try:
            self.learner.load(tree["learner"], where)
            if "curriculum" in meta:  # from before curricula: a run without one
                self._enter_stage(meta["curriculum"])
            self.rollouts.restore(tree["rollouts"])
            self.pool.restore(tree["pool"])
            self.update = int(meta["update"])
        except (KeyError, TypeError, ValueError) as e:
            raise checkpoint.CheckpointError(f"{where} is incomplete, damaged or of another version ({e})") from None

    # --- the loop

    def train_once(self, stats: dict[str, list]) -> dict[str, float]:
        """One rollout and one PPO update; returns the update's metrics and
        adds each finished game's record to `stats`."""
        cfg, t_start = self.cfg, time.perf_counter()
        progress, stage = self.progress(), self.curriculum.settings()
        tau = stage.rewards.tau(progress)
        try:
            got = self.rollouts.collect(self.learner.params, self.learner.norm, tau, self.pool)
        except WorkerError as e:
            raise TrainingError(f"{e}; training stopped. The last good checkpoint is kept: "
                                f"{self.latest_checkpoint()}") from None
        for i, replay in enumerate(got.replays):
            self.folder.save_replay(replay, self.update + 1, i)
        for report in got.reports:
            for record in report.finished:
                self.curriculum.observe(record)
                for name, value in record.items():
                    stats.setdefault(name, []).append(value)
            for step, won in report.snapshot_results:
                if won:
                    self.pool.learner_won(step)
        metrics = self.learner.update(got.batch, got.last, progress, stage.teacher.kickstart_weight(self.hero_steps()),
                                      stage.ppo.entropy_coef_at(progress))
        if not np.isfinite(metrics["loss/loss"]):
            raise TrainingError(
                f"the loss became {metrics['loss/loss']} at update {self.update + 1}; training stopped. "
                f"The last good checkpoint is kept: {self.latest_checkpoint()}")
        self.update += 1
        total = time.perf_counter() - t_start
        metrics["schedule/team_spirit"] = tau
        metrics["perf/hero_steps_per_s"] = cfg.decisions_per_update() / total
        metrics["perf/learning_share"] = metrics.pop("time/learning_s") / total
        metrics["perf/transfer_share"] = (metrics.pop("time/transfer_s") + got.timing.get("transfer_s", 0.0)) / total
        for part in ("env", "inference"):  # with workers: a worker's, in parallel with the others'
            metrics[f"perf/{part}_share"] = got.timing[f"{part}_s"] / total
        if "learner_idle_s" in got.timing:
            metrics["perf/learner_idle_share"] = got.timing["learner_idle_s"] / total
            metrics |= {f"perf/{k}": got.timing[k] for k in ("broadcast_s", "trajectories_s", "policy_lag",
                                                               "policy_lag_max", "worker_restarts")}
        metrics["pool/size"] = len(self.pool)
        return metrics | self.curriculum.metrics()

    def next_stage(self) -> str | None:
        """Go on to the curriculum's next stage if this one is passed (its
        games in progress end; a checkpoint keeps the change); says why."""
        why = self.curriculum.ready(self.hero_steps())
        if why is not None:
            self.curriculum.advance(self.hero_steps(), why)
            self.rollouts.close()
            self.rollouts = self._rollouts()
            self.save_checkpoint()
        return why

    def add_snapshot(self) -> None:
        """Put the current parameters in the opponent pool and register them
        in the run's league (`league.sqlite`) as a learned agent."""
        step = self.hero_steps()
        self.pool.add(step, {"network": self.network},
                      {"params": self.learner.params, "norm": self.learner.norm._asdict()})
        self._register(step)

    def _register(self, step: int) -> None:
        """The pool's snapshot of `step` as a learned agent of the run's league."""
        i = self.pool.steps.index(step)
        parent = f"{self.folder.name}@{self.pool.steps[i - 1]}" if i else None
        with LeagueStore(self.run_dir / "league.sqlite") as store:
            store.add_agent(f"{self.folder.name}@{step}", "learned", checkpoint=str(self.pool.path(step).resolve()),
                            run=str(self.run_dir.resolve()), step=step, parent=parent, exist_ok=True)

    def run(self, on_update: Callable[[int, dict[str, float]], None] | None = None) -> None:
        """Train until `total_steps`, or until SIGINT/SIGTERM (which finish
        the update in progress and save a checkpoint first). The rollout
        workers stop at the end."""
        t = self.cfg.train
        self.folder.write_config()
        writer = self.folder.tensorboard(self.hero_steps())
        stats: dict[str, list] = {}

        def evaluations(wait: bool = False) -> None:  # those done reach TensorBoard at their own step
            for steps, line, rates in self.evaluator.finished(wait):
                writer.add_scalar(line.scalar, rates["win"], steps)

        try:
            with self.signals:
                while self.update < self.updates_total and not self.stop_requested:
                    metrics = self.train_once(stats)
                    for name, values in stats.items():
                        metrics[name] = float(np.mean(values))
                    stats.clear()
                    for name, value in metrics.items():
                        writer.add_scalar(name, value, self.hero_steps())
                    if self.update % t.snapshot_every == 0:
                        self.add_snapshot()
                    if self.update % t.checkpoint_every == 0:
                        self.save_checkpoint()
                    self.next_stage()
                    if t.eval_every and t.eval_games and self.update % t.eval_every == 0:
                        self.evaluator.start(self.hero_steps(), self.learner.params, self.learner.norm)
                    evaluations()
                    if on_update is not None:
                        on_update(self.update, metrics)
                self.save_checkpoint()
            # Training is over: the rollout workers' CPUs go to the evaluations still under way.
            self.rollouts.close()
            evaluations(wait=True)
        finally:
            writer.close()

    def close(self) -> None:
        """Stop the rollout workers, if any."""
        self.rollouts.close()
