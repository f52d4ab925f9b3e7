"""Branching a recorded game: its whole state at a moment of the game clock,
to continue live (`moba play --from`) or to play out many times from there
(`moba match --from`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import GameConfig
from engine.constants import TICKS_PER_SECOND
from replays.format import Replay, ReplayError, clock
from replays.playback import Playback


def parse_clock(text: str) -> int:
    """'MM:SS' (or plain seconds) as a tick, or a ValueError naming the text."""
    try:
        parts = [float(p) for p in text.split(":")]
        if len(parts) > 2 or any(p < 0 for p in parts):
            raise ValueError
    except ValueError:
        raise ValueError(f"--at {text!r} is not a game time: write MM:SS, such as 04:30") from None
    seconds = parts[0] * 60 + parts[1] if len(parts) == 2 else parts[0]
    return int(round(seconds * TICKS_PER_SECOND))


@dataclass
class Branch:
    """A recorded game as it stood before decision `step`."""

    config: GameConfig
    state: dict[str, np.ndarray]  # `BatchEnv.snapshot` of the game
    step: int
    tick: int


def branch(replay: Replay, tick: int) -> Branch:
    """The game at the last decision at or before `tick` of its clock, or a
    ReplayError saying which times the replay covers."""
    playback = Playback(replay)
    first = replay.keyframes[0].tick
    every = playback.env.config.frameskip
    last = first + (replay.steps - 1) * every
    if not first <= tick <= last:
        raise ReplayError(f"the replay covers {clock(first)} to {clock(last)} of its game; "
                          f"{clock(tick)} is outside it")
    playback.seek((tick - first) // every)
    state = playback.env.snapshot(0)
    return Branch(playback.env.config, state, playback.step, int(playback.env.view().tick[0]))
