"""The league: the SQLite store, TrueSkill ratings, evaluation, reports."""

import json
import multiprocessing
import sqlite3

import pytest
import trueskill
from helpers import tiny_run_config

from engine import GameConfig
from league.evaluate import Evaluation, evaluate
from league.report import format_table, head_to_head, plot, table_rows
from league.selfplay import Trainer
from league.store import LeagueError, LeagueStore, trueskill_env
from moba.cli import main

# The smallest map with paper buildings: the scripted bot wins in about two
# minutes, random play never does.
QUICK = GameConfig(map_size=2000.0, lane_width=300.0, time_cap_minutes=3.0, creep_slots=24, obs_units=16,
                   minimap_size=2, building_hp_scale=0.01, lineup="mirror")


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


def test_an_interrupted_evaluation_resumes_without_losing_or_repeating_games(tmp_path):
    path = tmp_path / "l.sqlite"
    with LeagueStore(path) as store:
        ev = Evaluation(games=20, batch=8, seed=2)

        def stop_after_five(result):
            if ev.played == 5:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            evaluate(store, QUICK, "quick", ev, stop_after_five)
        assert store.played_count() == 5 and len(store.pending("quick")) == 3  # the rest of the block
    with LeagueStore(path) as store:
        evaluate(store, QUICK, "quick", Evaluation(games=15, batch=8, seed=2))
        assert store.played_count() == 20 and not store.pending("quick")
        played = store.db.execute("SELECT count(*), count(DISTINCT id) FROM games WHERE played IS NOT NULL")
        assert played.fetchone() == (20, 20)
        assert sum(a.games for a in store.agents()) == 2 * 20


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
