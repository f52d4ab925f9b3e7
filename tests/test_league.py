"""The league: the SQLite store, TrueSkill ratings, evaluation, reports."""

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import trueskill
from helpers import QUICK, tiny_run_config

from league.evaluate import Evaluation, evaluate
from league.report import format_table, head_to_head, plot, table_rows
from league.selfplay import Trainer
from league.store import LeagueError, LeagueStore, trueskill_env
from moba.cli import main


def test_ratings_match_the_trueskill_package(tmp_path):
    with LeagueStore(tmp_path / "l.sqlite") as store:
        a = store.add_agent("a", "learned", checkpoint="a.msgpack")
        b = store.add_agent("b", "learned", checkpoint="b.msgpack")
        c = store.agent("scripted")
        sequence = [(a, b, 0), (b, c, 1), (c, a, 2), (a, c, 0), (b, a, 1)]
        ids = store.schedule([(r.id, d.id, i) for i, (r, d, _) in enumerate(sequence)], "test")
        for game_id, (_, _, winner) in zip(ids, sequence):
            assert store.record(game_id, winner, 100)
        assert not store.record(ids[0], 1, 100)  # a game is recorded once

        env = trueskill_env()
        assert (env.beta, env.tau, env.draw_probability) == (25 / 6, 0.0, 0.02)
        ratings = {x.name: env.create_rating() for x in (a, b, c)}
        for r, d, winner in sequence:
            rr, rd = ratings[r.name], ratings[d.name]
            if winner == 1:
                ratings[d.name], ratings[r.name] = trueskill.rate_1vs1(rd, rr, env=env)
            else:
                ratings[r.name], ratings[d.name] = trueskill.rate_1vs1(rr, rd, drawn=winner == 2, env=env)
        for name, want in ratings.items():
            got = store.agent(name)
            assert got.mu == pytest.approx(want.mu, abs=1e-9) and got.sigma == pytest.approx(want.sigma)
        assert store.agent("a").games == 4
        # The random anchor holds 0 whatever happens.
        game = store.schedule([(store.agent("random").id, a.id, 9)], "test")[0]
        store.record(game, 0, 100)
        assert store.agent("random").mu == 0.0 and store.agent("a").mu < ratings["a"].mu


def test_a_stronger_agent_ends_above_a_weaker_one(tmp_path):
    with LeagueStore(tmp_path / "l.sqlite") as store:
        ev = evaluate(store, QUICK, "quick", Evaluation(games=24, batch=8, seed=1))
        assert ev.played == 24 and store.played_count() == 24
        scripted, random = store.agent("scripted"), store.agent("random")
        assert scripted.mu - 2 * scripted.sigma > random.mu, (scripted, random)
        rows = table_rows(store)
        assert [r["agent"] for r in rows] == ["scripted", "random"]
        assert rows[0]["win_rate"] > 0.9 and rows[0]["games"] == 24


def _games(path):
    with LeagueStore(path) as store:
        return store.db.execute("SELECT g.seed, g.number, g.radiant, g.dire, g.winner, g.ticks FROM games g "
                                "WHERE g.played IS NOT NULL ORDER BY g.seed, g.number").fetchall()


def _twins(path):
    """A league of two deterministic agents (and the random anchor)."""
    with LeagueStore(path) as store:
        store.add_agent("twin", "scripted")


def test_an_interrupted_evaluation_resumes_with_exactly_the_games_it_lacks(tmp_path):
    ev = dict(games=16, batch=4, seed=2, round_robin=True)
    rules = QUICK.replace(time_cap_minutes=10.0)  # two scripted bots end their games, each at its own time
    whole, cut = tmp_path / "whole.sqlite", tmp_path / "cut.sqlite"
    for path in (whole, cut):
        _twins(path)
    with LeagueStore(whole) as store:
        evaluate(store, rules, "quick", Evaluation(**ev))
    with LeagueStore(cut) as store:
        first = Evaluation(**ev)

        def stop_after_ten(result):
            if first.played == 10:  # two games into the third block: scripted against its twin
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            evaluate(store, rules, "quick", first, stop_after_ten)
        assert store.played_count() == 10
        # The same command, but for the batch: its pending games are played one at a time.
        again = evaluate(store, rules, "quick", Evaluation(**{**ev, "batch": 1}))
        assert (again.recorded, again.played) == (10, 6) and store.played_count() == 16
        twins = {store.agent("scripted").id, store.agent("twin").id}
        assert store.db.execute("SELECT games FROM blocks").fetchall() == [(4,), (4,), (4,), (1,), (1,), (1,), (1,)]
    games, reference = _games(cut), _games(whole)
    assert len({(seed, number) for seed, number, *_ in games}) == 16
    # Two scripted bots play each game the same way: each starting position of the
    # interrupted block was played, once, whatever slot it had.
    interrupted = [g for g in games if {g[2], g[3]} == twins and g[0] in {r[0] for r in reference}]
    assert len(interrupted) == 4 and len({g[5] for g in interrupted}) > 1
    assert interrupted == [g for g in reference if {g[2], g[3]} == twins]


def test_a_rerun_after_the_evaluation_finished_is_a_new_one_with_other_seeds(tmp_path):
    path = tmp_path / "l.sqlite"
    _twins(path)
    with LeagueStore(path) as store:
        for _ in range(2):
            evaluate(store, QUICK, "quick", Evaluation(games=4, batch=4, seed=0, round_robin=True))
        seeds = [s for (s,) in store.db.execute("SELECT seed FROM blocks")]
    assert len(seeds) == 2 and len(set(seeds)) == 2 and len(_games(path)) == 8


def test_a_killed_evaluation_is_completed_by_the_same_command(tmp_path):
    db = tmp_path / "l.sqlite"
    command = [sys.executable, "-m", "moba.cli", "league", "eval", "--db", str(db), "--preset", "small",
               "--set", "game.time_cap_minutes=2.0", "--games", "24", "--batch", "2", "--seed", "3",
               "--round-robin", "--replays", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if db.exists() and len(_games(db)) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = len(_games(db))
    assert 3 <= killed_at < 24, killed_at
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    games = _games(db)
    assert len(games) == 24 and len({(seed, number) for seed, number, *_ in games}) == 24
    with LeagueStore(db) as store:
        assert store.db.execute("SELECT count(*), count(finished) FROM evaluations").fetchone() == (1, 1)
        assert sum(a.games for a in store.agents()) == 2 * 24


def test_two_evaluations_at_once_on_one_file_play_no_block_twice(tmp_path):
    db = tmp_path / "l.sqlite"
    LeagueStore(db).close()
    command = [sys.executable, "-m", "moba.cli", "league", "eval", "--db", str(db), "--preset", "small",
               "--set", "game.time_cap_minutes=1.0", "--games", "6", "--batch", "2", "--seed", "0",
               "--replays", "1"]
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        assert p.wait(600) == 0, p.stderr.read().decode()
    games = _games(db)
    assert len(games) == 12 and len({(seed, number) for seed, number, *_ in games}) == 12
    with LeagueStore(db) as store:
        assert store.db.execute("SELECT count(*), count(DISTINCT seed) FROM blocks").fetchone() == (6, 6)
        assert store.db.execute("SELECT count(*) FROM evaluations WHERE finished IS NOT NULL").fetchone()[0] == 2
        replays = store.db.execute("SELECT id, replay FROM games").fetchall()
    # Each replay is named for its game, so none replaced another.
    assert all(Path(replay).name == f"game-{game}.moba-replay" and Path(replay).is_file()
               for game, replay in replays)


def test_a_refused_command_changes_nothing(tmp_path, capsys):
    new = tmp_path / "new.sqlite"
    refused = [["league", "add", "x", str(tmp_path / "missing.msgpack"), "--db", str(new)],
               ["league", "eval", "--games", "-5", "--db", str(new)],
               ["league", "eval", "--preset", "nosuch", "--db", str(new)],
               ["league", "eval", "--fixed", "nobody", "--db", str(new)]]
    for argv in refused:
        assert main(argv) == 2, argv
        assert not new.exists(), argv
    db = tmp_path / "l.sqlite"
    eval_args = ["league", "eval", "--db", str(db), "--games", "2", "--batch", "2", "--replays", "0",
                 "--set", "game.time_cap_minutes=1.0"]
    assert main(eval_args + ["--fixed", "scripted"]) == 0
    with LeagueStore(db) as store:
        scripted = store.agent("scripted")
        assert (scripted.mu, scripted.games, scripted.fixed) == (25.0, 2, False)  # held for that run only
        before = store.db.execute("SELECT * FROM games").fetchall()
    capsys.readouterr()
    assert main(eval_args[:-1] + ["game.time_cap_minutes=2.0"]) == 2
    err = capsys.readouterr().err
    assert "other rules" in err and "game.time_cap_minutes = 2.0 here, 1.0 in the league" in err
    assert len(err.strip().splitlines()) == 1
    with LeagueStore(db) as store:
        assert store.db.execute("SELECT * FROM games").fetchall() == before
        assert store.db.execute("SELECT count(*) FROM rules").fetchone()[0] == 1
        (settings,) = store.db.execute("SELECT settings FROM rules").fetchone()
    assert json.loads(settings) == {"time_cap_minutes": 1.0}


def _writer(path, name, n):
    with LeagueStore(path) as store:
        me = store.add_agent(name, "learned", checkpoint=f"{name}.msgpack")
        rival = store.agent("scripted")
        for i in range(n):
            (game,) = store.schedule([(me.id, rival.id, i)], "test")
            store.record(game, i % 2, 10)


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "l.sqlite"
    LeagueStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, f"w{i}", 40)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with LeagueStore(path) as store:
        assert store.played_count() == 80
        assert store.agent("scripted").games == 80
        assert store.db.execute("SELECT count(*) FROM ratings").fetchone()[0] == 160


def test_a_sweep_measures_two_scripted_bots_game_by_game_as_they_play_compiled():
    from agents.scripted import ScriptedAgent
    from league.play import play_games
    from league.sweep import measure

    cfg = tiny_run_config(game={"time_cap_minutes": 3.0, "building_hp_scale": 0.01})
    got = measure(cfg, ScriptedAgent(), ScriptedAgent(), 4, seed=0)
    compiled = [play_games(cfg.game, ScriptedAgent(), ScriptedAgent(), 2, seed=team, batch=2) for team in (0, 1)]
    wins = sum(r.winner == team for team, results in enumerate(compiled) for r in results)
    assert (got["win"], got["win"] + got["draw"] + got["loss"]) == (wins, 4)
    minutes = np.mean([r.minutes for results in compiled for r in results])
    assert got["per_game"]["minutes"] == pytest.approx(minutes) and got["per_game"]["last_hits"] > 0


def test_reports_on_a_hand_made_league(tmp_path):
    with LeagueStore(tmp_path / "l.sqlite") as store:
        x = store.add_agent("run@100", "learned", checkpoint="x", run="run", step=100)
        y = store.add_agent("run@200", "learned", checkpoint="y", run="run", step=200, parent="run@100")
        games = store.schedule([(y.id, x.id, 0), (y.id, x.id, 1), (x.id, y.id, 2)], "test")
        for g, winner in zip(games, (0, 0, 2)):
            store.record(g, winner, 10)
        rows = {r["agent"]: r for r in table_rows(store)}
        assert rows["run@200"]["win_rate"] == pytest.approx(2 / 3, abs=1e-4) and rows["run@200"]["rank"] == 1
        assert rows["run@100"]["win_rate"] == 0.0 and rows["random"]["win_rate"] is None
        assert store.agent("run@200").parent == x.id
        text = format_table(table_rows(store))
        assert "run@200" in text.splitlines()[1] and "mu +- sigma" in text
        assert json.loads(format_table(table_rows(store), "json"))[0]["agent"] == "run@200"
        assert format_table(table_rows(store), "csv").splitlines()[0].startswith("rank,agent,kind,mu")
        names, wins, n = head_to_head(store)
        i, j = names.index("run@200"), names.index("run@100")
        assert (wins[i, j], wins[j, i], n[i, j]) == (2.5, 0.5, 3)
        for png in plot(store, tmp_path / "plots"):
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_bad_files_and_names_give_clear_errors(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, not even close" * 100)
    with pytest.raises(LeagueError, match="not a league database"):
        LeagueStore(junk)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(LeagueError, match="not a moba league"):
        LeagueStore(foreign)
    with LeagueStore(tmp_path / "l.sqlite") as store:
        store.add_agent("a", "learned", checkpoint="a")
        with pytest.raises(LeagueError, match="already has an agent named 'a'"):
            store.add_agent("a", "learned")
        with pytest.raises(LeagueError, match="no agent 'b'"):
            store.agent("b")
        store.db.execute("PRAGMA user_version = 99")
    with pytest.raises(LeagueError, match="schema 99"):
        LeagueStore(tmp_path / "l.sqlite")


def test_training_snapshots_join_the_league_and_play_in_it(tmp_path, capsys):
    cfg = tiny_run_config(updates=2)
    trainer = Trainer(tmp_path / "run", cfg)
    trainer.run()
    db = tmp_path / "run" / "league.sqlite"
    with LeagueStore(db) as store:
        learned = [a for a in store.agents() if a.kind == "learned"]
        assert [a.step for a in learned] == [320, 640] and learned[1].parent == learned[0].id
        store.add_agent("gone", "learned", checkpoint=str(tmp_path / "missing.msgpack"))
        ev = evaluate(store, cfg.game, "tiny", Evaluation(games=8, batch=4, round_robin=True))
        assert ev.played == 8 and "gone" in ev.skipped and store.agent("gone").games == 0
    assert main(["league", "add", "outside", str(trainer.latest_checkpoint()), "--run", str(tmp_path / "run")]) == 0
    assert main(["league", "add", "outside", str(trainer.latest_checkpoint()), "--db", str(db)]) == 2
    assert "already has an agent named 'outside'" in capsys.readouterr().err
    assert main(["league", "table", "--db", str(db), "--json"]) == 0
    names = [r["agent"] for r in json.loads(capsys.readouterr().out)]
    assert {"outside", "gone", "random", "scripted", "run@320", "run@640"} == set(names)


def test_calibration_scores_a_calibrated_forecaster_above_the_baseline_and_fits_a_known_logistic():
    from league import calibration

    rng = np.random.default_rng(0)
    positions = calibration.Positions()
    for game in range(400):
        p = rng.uniform(0.05, 0.95)  # the forecaster knows each game's true chance
        n = 20
        positions.p.append(np.full(n, p, np.float32))
        positions.features.append(rng.normal(size=(n, 3)).astype(np.float32))  # the baseline sees noise
        positions.core.append(np.zeros((n, 5, 2), np.float16))
        positions.side.append(np.zeros(n, np.int8))
        positions.game.append(np.full(n, game))
        positions.outcome.append(np.full(n, float(rng.random() < p), np.float32))
    result = calibration.evaluate(positions)
    b = result["brier"]
    assert result["games"] == 400 and result["positions"] == 200 * 20
    assert b["network"] < b["baseline"] - 0.03 and b["baseline"] == pytest.approx(b["base_rate"], abs=0.01)
    for point in result["reliability"]["network"]:
        if point["positions"] >= 400:
            assert abs(point["forecast"] - point["observed"]) < 0.15, point
    # Data drawn from a known logistic model: the fit finds its weights.
    x = rng.normal(size=(20000, 2)) * [2.0, 0.5]
    y = (rng.random(20000) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - 2.0 * x[:, 1] + 0.3)))).astype(float)
    np.testing.assert_allclose(calibration.fit_logistic(x, y, steps=2000), [1.5, -2.0, 0.3], atol=0.15)
