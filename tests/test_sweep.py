"""`moba sweep`: a grid of settings trained as runs, measured, compared and resumed."""

import json

import pytest
from helpers import tiny_run_overrides

from league.store import LeagueStore
from moba.cli import main


def test_a_sweep_of_one_reward_weight_reports_both_trials_and_what_the_weight_paid(tmp_path, capsys):
    folder = tmp_path / "sweep"
    command = ["sweep", *tiny_run_overrides(), "--grid", "rewards.xp_gained=0.002,0.02", "--games", "4",
               "--league-games", "4", "--out", str(folder)]
    assert main(command) == 0
    out = capsys.readouterr().out
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
    assert main(command[:-8] + other) == 2
    assert "holds another sweep (grid, trials differ)" in capsys.readouterr().err
    assert main(["sweep", "--grid", "rewards.no_such_term=1,2", "--out", str(tmp_path / "bad")]) == 2
    assert "no_such_term" in capsys.readouterr().err and not (tmp_path / "bad").exists()
