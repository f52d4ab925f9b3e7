"""Replay files: recording, the round trip through the engine, bad files."""

import struct

import numpy as np
import pytest
from helpers import QUICK

from agents.random_agent import RandomAgent
from agents.scripted import ScriptedAgent
from league.play import play_games
from replays import Recorder, ReplayError, load_replay, resimulate, save_replay
from replays.format import MAGIC
from replays.playback import Playback


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replays")
    recorder = Recorder(folder, "quick", ("scripted", "random"), keyframe_seconds=10.0)
    results = play_games(QUICK, ScriptedAgent(), RandomAgent(1), num_games=3, seed=4, batch=3,
                         recorder=recorder)
    return results, recorder.written


def test_a_replay_plays_back_to_the_same_outcome(recorded):
    results, paths = recorded
    assert len(paths) >= 3
    outcomes = sorted((r.winner, r.ticks) for r in results)
    replays = [load_replay(p) for p in paths[:3]]
    assert sorted((r.outcome["winner"], r.outcome["ticks"]) for r in replays) == outcomes
    for replay in replays:
        assert replay.header["agents"] == ["scripted", "random"] and replay.header["preset"] == "quick"
        assert len(replay.keyframes) >= 2 and replay.keyframes[1].step == 75  # 10 s at 7.5 decisions/s
        assert resimulate(replay) == replay.outcome


def test_a_changed_rule_is_reported_where_the_game_diverges(recorded, tmp_path):
    replay = load_replay(recorded[1][0])
    replay.keyframes[1].checksum = "0" * 32  # what a changed engine would compute differently
    with pytest.raises(ReplayError, match=f"diverges from its replay at tick {replay.keyframes[1].tick}"):
        resimulate(replay)


def test_bad_replay_files_give_clear_errors(recorded, tmp_path):
    good = recorded[1][0].read_bytes()
    cases = {
        "flipped": good[:200] + bytes([good[200] ^ 0xFF]) + good[201:],
        "truncated": good[: len(good) // 2],
        "newer": MAGIC + struct.pack("<H", 99) + good[len(MAGIC) + 2:],
        "foreign": b"PK\x03\x04 a zip file, say" * 10,
    }
    messages = {"flipped": "checksum", "truncated": "checksum", "newer": "format 99",
                "foreign": "not a moba replay"}
    for name, data in cases.items():
        path = tmp_path / f"{name}.moba-replay"
        path.write_bytes(data)
        with pytest.raises(ReplayError, match=messages[name]):
            load_replay(path)
    with pytest.raises(ReplayError, match="does not exist"):
        load_replay(tmp_path / "missing.moba-replay")


def test_save_and_load_keep_every_field(recorded, tmp_path):
    replay = load_replay(recorded[1][0])
    replay.win = np.linspace(0, 1, 2 * replay.steps, dtype=np.float32).reshape(-1, 2)
    save_replay(tmp_path / "copy.moba-replay", replay)
    copy = load_replay(tmp_path / "copy.moba-replay")
    np.testing.assert_array_equal(copy.actions, replay.actions)
    np.testing.assert_array_equal(copy.win, replay.win)
    for a, b in zip(copy.keyframes, replay.keyframes):
        assert (a.step, a.tick, a.checksum) == (b.step, b.tick, b.checksum)
        for name in a.state:
            np.testing.assert_array_equal(a.state[name], b.state[name])


def test_a_keyframe_changed_inside_a_valid_file_is_refused_on_load_and_on_seek(recorded, tmp_path):
    replay = load_replay(recorded[1][0])
    for index, words in ((1, f"keyframe at tick {replay.keyframes[1].tick}"), (0, "keyframe at tick 0")):
        changed = load_replay(recorded[1][0])
        _change(changed.keyframes[index])  # the file's own checksum is written afresh
        save_replay(tmp_path / "changed.moba-replay", changed)
        with pytest.raises(ReplayError, match=f"is corrupt: the {words} does not match"):
            load_replay(tmp_path / "changed.moba-replay")
    playback = Playback(replay)
    _change(replay.keyframes[1])  # changed in memory after loading
    with pytest.raises(ReplayError, match="corrupt"):
        playback.seek(replay.keyframes[1].step)


def _change(keyframe) -> None:
    hi = keyframe.state["hi"].copy()
    hi[0, 0] += 1
    keyframe.state["hi"] = hi


def test_a_header_missing_a_field_is_a_one_line_error(recorded, tmp_path):
    replay = load_replay(recorded[1][0])
    del replay.header["config"]
    save_replay(tmp_path / "headless.moba-replay", replay)
    with pytest.raises(ReplayError, match="damaged: its header lacks config$"):
        load_replay(tmp_path / "headless.moba-replay")
