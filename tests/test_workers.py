"""Training and league evaluation on Ray workers, on a real local cluster
(`ray.init(num_cpus=2)`): the same run whatever happens to the driver, a
killed worker replaced, a worker's error stopping the run with its message;
the same league games and ratings on workers as in process, a killed
worker's block played by another."""

import json
import os
import signal
import subprocess
import sys

import jax
import numpy as np
import pytest
from helpers import QUICK, tiny_run_config, tiny_run_overrides

from agents import checkpoint
from league.selfplay import Trainer, TrainingError
from league.store import LeagueStore
from moba.cli import main

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


def _league(path):
    with LeagueStore(path) as store:
        store.add_agent("twin", "scripted")  # two deterministic agents: their games repeat exactly
    return path


def _record(path):
    with LeagueStore(path) as store:
        games = store.db.execute("SELECT seed, number, radiant, dire, winner, ticks, replay IS NOT NULL FROM games "
                                 "ORDER BY id").fetchall()
        ratings = [(a.name, a.mu, a.sigma, a.games) for a in store.agents()]
    return games, ratings


def _evaluate(path, workers, round_robin=True, games=12):
    from league.evaluate import Evaluation, evaluate
    from league.workers import EvalWorkers

    rules = QUICK.replace(time_cap_minutes=10.0)
    with LeagueStore(path) as store:
        ev = Evaluation(games=games, batch=3, seed=4, round_robin=round_robin, replay_rate=0.5,
                        replay_dir=str(path.parent / f"{path.stem}-replays"))
        evaluate(store, rules, "quick", ev, workers=EvalWorkers(rules, "quick", workers) if workers else None)
    return ev


@pytest.mark.parametrize("round_robin", [True, False], ids=["round robin", "matchmaking"])
def test_a_league_on_two_workers_records_the_games_and_ratings_of_the_run_in_process(tmp_path, round_robin):
    games = 12 if round_robin else 36  # matchmaking: past the blocks it schedules before any is rated
    here = _evaluate(_league(tmp_path / "here.sqlite"), 0, round_robin, games)
    there = _evaluate(_league(tmp_path / "there.sqlite"), 2, round_robin, games)
    assert here.played == there.played == games
    recorded, ratings = _record(tmp_path / "there.sqlite")
    assert (recorded, ratings) == _record(tmp_path / "here.sqlite")
    assert len({g[:2] for g in recorded}) == games and 0 < sum(g[6] for g in recorded) < games
    assert sorted(p.name for p in (tmp_path / "there-replays").iterdir()) == \
        sorted(p.name for p in (tmp_path / "here-replays").iterdir())


def _descends_from(pid, ancestor):
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError):
            return False
        if pid == ancestor:
            return True
    return False


def test_a_league_worker_killed_mid_block_has_its_block_played_by_another(tmp_path):
    import threading
    import time

    killed = []

    def kill_one():  # the first worker seen playing a block, once it has played a while
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            pids = [pid for pid in subprocess.run(["pgrep", "-f", "ray::_play_league_chunk"], capture_output=True,
                                                  text=True, check=False).stdout.split()
                    if _descends_from(int(pid), os.getpid())]  # this test's cluster, not another's
            if pids:
                time.sleep(0.3)
                try:
                    os.kill(int(pids[0]), signal.SIGKILL)
                    killed.append(int(pids[0]))
                except ProcessLookupError:
                    continue
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one)
    killer.start()
    ev = _evaluate(_league(tmp_path / "killed.sqlite"), 2)
    killer.join()
    assert killed and ev.played == 12
    _evaluate(_league(tmp_path / "whole.sqlite"), 0)
    assert _record(tmp_path / "killed.sqlite") == _record(tmp_path / "whole.sqlite")


def test_a_driver_killed_mid_run_resumes_with_the_same_workers_from_its_last_checkpoint(tmp_path):
    import time

    import tomli_w

    preset = tmp_path / "tiny.toml"
    preset.write_text(tomli_w.dumps(tiny_run_config(updates=12, train={"workers": 2}).to_dict()))
    run = tmp_path / "run"
    train = [sys.executable, "-m", "moba.cli", "train", "--preset", str(preset), "--run-dir", str(run)]
    driver = subprocess.Popen(train, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and driver.poll() is None:
        if len(list((run / "checkpoints").glob("*.msgpack"))) >= 3:
            break
        time.sleep(0.05)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and the Ray cluster it started
    driver.wait()
    kept = {p.name: p.read_bytes() for p in (run / "checkpoints").glob("*.msgpack")}
    last = max(int(name.split("_")[1].split(".")[0]) for name in kept)
    assert 3 <= last < 12, last
    subprocess.run([sys.executable, "-m", "moba.cli", "train", "--resume", str(run)], check=True, timeout=600,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    meta, tree = checkpoint.load(run / "checkpoints" / "checkpoint_00000012.msgpack")
    assert meta["workers"] == 2 and len(tree["rollouts"]) == 2
    for name, data in kept.items():  # what the killed run wrote is unchanged (or pruned as old)
        path = run / "checkpoints" / name
        assert not path.exists() or path.read_bytes() == data


def test_a_sweep_of_one_reward_weight_on_ray_reports_both_trials_and_what_the_weight_paid(tmp_path, capsys):
    folder = tmp_path / "sweep"
    command = ["sweep", *tiny_run_overrides(), "--grid", "rewards.xp_gained=0.002,0.02", "--parallel", "2",
               "--games", "4", "--league-games", "4", "--out", str(folder)]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "2 trials of 320 hero steps on 'small', 2 at once on Ray" in out
    differences = [line for line in out.splitlines()
                   if line.startswith("rewards.xp_gained=0.02 against rewards.xp_gained=0.002: vs random")]
    assert len(differences) == 1 and "xp_gained paid +" in differences[0]
    rows = {r["trial"]: r for r in json.loads((folder / "report.json").read_text())["trials"]}
    assert set(rows) == {"rewards.xp_gained=0.002", "rewards.xp_gained=0.02"}
    for weight, row in ((0.002, rows["rewards.xp_gained=0.002"]), (0.02, rows["rewards.xp_gained=0.02"])):
        assert row["hero_steps"] == 320 and row["rating"] is not None
        assert row["scripted"]["games"] == row["random"]["games"] == row["teacher"]["games"] == 4
        # The term pays each hero the weight per XP point (the events are the team's five heroes').
        assert row["events"]["xp_gained"] > 0
        assert row["terms"]["xp_gained"] == pytest.approx(weight * row["events"]["xp_gained"] / 5, rel=1e-4)
    assert (folder / "sweep.png").stat().st_size > 10_000
    with LeagueStore(folder / "league.sqlite") as store:
        games = store.played_count()
    assert games == 8
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("trials/*/checkpoints/*")}

    # The same command again trains, measures and rates nothing twice.
    assert main(command) == 0
    assert {p: p.stat().st_mtime_ns for p in folder.glob("trials/*/checkpoints/*")} == stamps
    with LeagueStore(folder / "league.sqlite") as store:
        assert store.played_count() == games
    assert main(["sweep", "report", str(folder)]) == 0
    assert "rewards.xp_gained=0.02 against rewards.xp_gained=0.002" in capsys.readouterr().out

    # Another grid in the same folder, or a bad key, is refused before anything runs.
    other = ["--grid", "rewards.xp_gained=0,1", "--games", "4", "--league-games", "4", "--out", str(folder)]
    assert main(["sweep", *tiny_run_overrides()] + other) == 2
    assert "holds another sweep (grid, trials differ)" in capsys.readouterr().err
    assert main(["sweep", "--grid", "rewards.no_such_term=1,2", "--out", str(tmp_path / "bad")]) == 2
    assert "no_such_term" in capsys.readouterr().err and not (tmp_path / "bad").exists()
