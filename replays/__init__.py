"""Replays: the file format, recording games as they are played, and
playing a replay's actions again through the engine."""

from replays.format import Replay, ReplayError, load_replay, save_replay
from replays.recorder import Recorder, resimulate

__all__ = ["Recorder", "Replay", "ReplayError", "load_replay", "resimulate", "save_replay"]
