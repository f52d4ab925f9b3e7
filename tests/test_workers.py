"""Training on Ray workers, on a real local cluster (`ray.init(num_cpus=2)`):
the same run whatever happens to the driver, a killed worker replaced, a
worker's error stopping the run with its message."""

import os
import signal
import subprocess
import sys

import jax
import numpy as np
import pytest
from helpers import tiny_run_config

from agents import checkpoint
from league.selfplay import Trainer, TrainingError

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module", autouse=True)
def cluster():
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


def two_workers(updates):
    return tiny_run_config(updates=updates, train={"workers": 2})


def params_of(trainer):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(trainer.learner.params)]


def test_two_workers_train_snapshot_checkpoint_and_a_resumed_run_matches_an_uninterrupted_one(tmp_path):
    whole = Trainer(tmp_path / "whole", two_workers(3))
    try:
        whole.run()
    finally:
        whole.close()
    part = Trainer(tmp_path / "part", two_workers(3))
    try:
        part.run(on_update=lambda update, metrics: update == 2 and part.stop())
    finally:
        part.close()
    assert part.update == 2 and len(part.pool) == 2  # a snapshot after every update
    meta, tree = checkpoint.load(part.latest_checkpoint())
    assert meta["workers"] == 2 and len(tree["rollouts"]) == 2  # each worker's games in progress
    resumed = Trainer.resume(tmp_path / "part")
    try:
        assert resumed.update == 2
        resumed.run()
    finally:
        resumed.close()
    # Synchronous workers with the same seed: the same games, so the same parameters, run whole or resumed.
    assert resumed.update == 3
    for a, b in zip(params_of(whole), params_of(resumed)):
        np.testing.assert_array_equal(a, b)
    # Each worker plays its own share of the slots (and its own games): not a copy of the other's.
    batch = np.asarray(checkpoint.load(whole.latest_checkpoint())[1]["rollouts"][0]["env"]["uf"])
    other = np.asarray(checkpoint.load(whole.latest_checkpoint())[1]["rollouts"][1]["env"]["uf"])
    assert batch.shape == other.shape == (2,) + batch.shape[1:] and not np.array_equal(batch, other)


def test_a_worker_killed_mid_run_is_replaced_and_the_run_finishes(tmp_path):
    trainer = Trainer(tmp_path / "run", two_workers(3))
    seen = []

    def kill_after_the_first(update, metrics):
        seen.append(metrics["perf/worker_restarts"])
        if update == 1:
            os.kill(trainer.rollouts.pids()[0], signal.SIGKILL)

    try:
        trainer.run(on_update=kill_after_the_first)
    finally:
        trainer.close()
    assert trainer.update == 3 and seen == [0, 1, 1]


def test_a_worker_that_raises_stops_the_run_with_its_error(tmp_path):
    # Snapshot files of another network, put in the pool behind the run's
    # back: the worker whose game against a past snapshot starts fails.
    trainer = Trainer(tmp_path / "run", two_workers(4))
    other = Trainer(tmp_path / "other", tiny_run_config(policy={"hidden": 24}))

    def swap_the_snapshots(update, metrics):
        trainer.pool._cache.clear()
        for step in trainer.pool.steps:
            checkpoint.save(trainer.pool.path(step), {},
                            {"params": other.learner.params, "norm": other.learner.norm._asdict()})

    try:
        with pytest.raises(TrainingError, match=r"rollout worker [01] \(game slots .*\) failed: .*The last good"):
            trainer.run(on_update=swap_the_snapshots)
    finally:
        trainer.close()


def test_workers_without_ray_is_a_one_line_error_naming_the_extra(tmp_path):
    code = ("import sys; sys.modules['ray'] = None\nfrom moba.cli import main\n"
            f"sys.exit(main(['train', '--workers', '2', '--run-dir', {str(tmp_path / 'run')!r}]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == 'moba: error: training or evaluating on workers needs Ray: pip install "moba[ray]"'
    assert not (tmp_path / "run").exists()
