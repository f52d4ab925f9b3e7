"""Branching a recorded game from a moment, and games kept when left early."""

import os

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from helpers import QUICK  # noqa: E402

from agents.random_agent import RandomAgent  # noqa: E402
from agents.scripted import ScriptedAgent  # noqa: E402
from engine.constants import TICKS_PER_SECOND  # noqa: E402
from league.play import play_from, play_games  # noqa: E402
from moba.cli import main  # noqa: E402
from moba.play import Session  # noqa: E402
from replays import Recorder, ReplayError, load_replay, resimulate  # noqa: E402
from replays.branch import branch, parse_clock  # noqa: E402
from replays.format import result_text  # noqa: E402
from replays.playback import Playback  # noqa: E402


@pytest.fixture(scope="module")
def replay_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replays")
    recorder = Recorder(folder, "quick", ("scripted", "scripted"), keyframe_seconds=10.0)
    play_games(QUICK, ScriptedAgent(), ScriptedAgent(), num_games=1, seed=3, batch=1, recorder=recorder)
    return recorder.written[0]


def _same(a, b, skip=()):
    for name in a:
        if name not in skip:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_the_branch_point_is_the_replays_game_at_that_moment(replay_path):
    replay = load_replay(replay_path)
    point = branch(replay, parse_clock("00:25"))
    every = QUICK.frameskip
    assert point.tick <= 25 * TICKS_PER_SECOND < point.tick + every
    playback = Playback(replay)
    playback.seek(point.step)
    _same(point.state, playback.env.snapshot(0))
    # Played live from there, the first state is that state; the replay's own
    # actions from there would give the recorded game back.
    session = Session(point.config, "quick", 0, ScriptedAgent(), ScriptedAgent(), 0, "tester",
                      replay_path.parent / "live", hero=3, state=point.state)
    _same(session.env.snapshot(0), point.state)
    assert session.hero == 3 and session.controller.hero == 3
    with pytest.raises(ReplayError, match="covers 00:00 to .* 09:00 is outside"):
        branch(replay, parse_clock("09:00"))
    with pytest.raises(ValueError, match="not a game time"):
        parse_clock("ten past")


def test_continuations_start_from_the_moment_each_with_its_own_chances(replay_path, tmp_path):
    replay = load_replay(replay_path)
    point = branch(replay, parse_clock("00:20"))
    recorder = Recorder(tmp_path, "quick", ("scripted", "scripted"))
    results = play_from(point.config, point.state, ScriptedAgent(), RandomAgent(1), 4, seed=7, batch=4,
                        recorder=recorder)
    assert sorted(r.index for r in results) == [0, 1, 2, 3]
    continuations = [load_replay(p) for p in recorder.written]
    assert len(continuations) == 4
    for c in continuations:
        # Every continuation starts from the branch point; only the chances' seed differs.
        _same(c.keyframes[0].state, point.state, skip=("rng",))
    assert len({c.keyframes[0].state["rng"].tobytes() for c in continuations}) == 4
    assert len({c.actions.tobytes() for c in continuations}) == 4  # a sampling agent plays each its own way


def test_match_from_a_replay_prints_who_wins_how_often(replay_path, capsys):
    assert main(["match", "--from", str(replay_path), "--at", "0:30", "--games", "4", "--batch", "4"]) == 0
    out = capsys.readouterr().out
    assert "from " + str(replay_path) + " at 00:30" in out
    assert "Radiant won" in out and "of 4" in out and "in the recording:" in out
    assert main(["match", "--from", str(replay_path), "--games", "4"]) == 2  # --at is missing
    assert "go together" in capsys.readouterr().err


def test_a_game_left_before_its_end_is_kept_as_an_unfinished_replay(tmp_path):
    session = Session(QUICK, "quick", 0, ScriptedAgent(), ScriptedAgent(), 0, "tester", tmp_path)
    assert session.leave() is None  # not a decision played: nothing to keep
    session = Session(QUICK, "quick", 0, ScriptedAgent(), ScriptedAgent(), 0, "tester", tmp_path)
    for _ in range(40):
        session.decide()
    path = session.leave()
    replay = load_replay(path)
    assert replay.outcome["unfinished"] and replay.outcome["winner"] == -1 and replay.steps == 40
    assert result_text(replay.outcome) == "unfinished at 00:05"  # 40 decisions of 4 ticks at 30 ticks/s
    assert resimulate(replay) == replay.outcome


def test_play_from_a_replay_takes_over_the_named_hero_of_that_game(replay_path):
    from engine.tables import HEROES
    from moba.cli import build_parser
    from moba.play import _branch_point

    lineup = [HEROES[h].name for h in load_replay(replay_path).header["lineup"]]
    at = ["play", "--from", str(replay_path), "--at", "00:15"]
    config, preset, state, hero = _branch_point(build_parser().parse_args(at + ["--hero", lineup[7]]), "tester")
    assert preset == "quick" and hero == 2 and config.to_dict() == QUICK.to_dict()  # a mirror: Radiant's first
    _, _, _, hero = _branch_point(build_parser().parse_args(at + ["--hero", lineup[7], "--side", "dire"]), "tester")
    assert hero == 7
    _, _, _, hero = _branch_point(build_parser().parse_args(at + ["--side", "dire"]), "tester")
    assert hero == 5
    with pytest.raises(ValueError, match="'nobody' is not in the replay's game"):
        _branch_point(build_parser().parse_args(at + ["--hero", "nobody"]), "tester")
    assert main(["play", "--from", str(replay_path), "--at", "00:15", "--set", "game.time_cap_minutes=1"]) == 2


def test_the_viewers_branch_key_prints_commands_that_parse(replay_path):
    from moba.cli import build_parser
    from moba.watch import branch_commands

    commands = branch_commands(replay_path, 15 * TICKS_PER_SECOND + 7, ["sniper"])
    assert [c.split()[1] for c in commands] == ["play", "match"]
    for command in commands:
        args = build_parser().parse_args(command.split()[1:])
        assert args.branch == str(replay_path) and args.at == "00:15"
