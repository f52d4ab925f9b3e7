"""A replay as a game to step through and seek: one engine game restored
from the nearest keyframe and re-simulated to the requested decision."""

from __future__ import annotations

import numpy as np

from engine import BatchEnv, GameConfig
from replays.format import Replay
from replays.recorder import restore_keyframe


class Playback:
    def __init__(self, replay: Replay):
        self.replay = replay
        self.env = BatchEnv(GameConfig.from_dict(replay.header["config"]), num_games=1,
                            seed=int(replay.header.get("seed", 0)))
        self.env.reset()
        self.step = 0
        self.seek(0)

    @property
    def steps(self) -> int:
        return self.replay.steps

    @property
    def finished(self) -> bool:
        return self.step >= self.steps

    def seek(self, step: int) -> None:
        """Show the game as it stood before decision `step` (0 .. steps - 1)."""
        step = int(min(max(step, 0), max(self.steps - 1, 0)))
        key = max((k for k in self.replay.keyframes if k.step <= step), key=lambda k: k.step)
        if step < self.step or key.step > self.step or step == 0:
            restore_keyframe(self.env, 0, key)
            self.step = key.step
        while self.step < step:
            self.advance()

    def advance(self) -> bool:
        """Play one decision; False when the replay has no more (the game ended)."""
        if self.step >= self.steps - 1:
            self.step = self.steps
            return False
        self.env.step(self.replay.actions[self.step][None].astype(np.int32))
        self.step += 1
        return True
