"""A network's win probability over a recorded game it did not play
(`moba watch FILE --critic CHECKPOINT`): the replay is played again through
the engine and the network looks at every decision from both sides."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from agents.checkpoint import CheckpointError
from agents.policy_agent import load_policy_agent
from engine import BatchEnv, GameConfig
from replays.format import Replay
from replays.recorder import restore_keyframe


def score(replay: Replay, checkpoint: str | Path,
          on_step: Callable[[int], None] | None = None) -> np.ndarray:
    """[steps, 2] each team's win probability by the network of
    `checkpoint`, at every decision of the replay, as if it played both
    sides; `on_step(i)` follows the progress."""
    env = BatchEnv(GameConfig.from_dict(replay.header["config"]), num_games=1,
                   seed=int(replay.header.get("seed", 0)))
    env.reset()
    restore_keyframe(env, 0, replay.keyframes[0])
    critics = [load_policy_agent(checkpoint, env, seed=team) for team in (0, 1)]
    if not critics[0].predicts_win:
        raise CheckpointError(f"{str(checkpoint)!r} has no win-probability head: it was trained before moba had "
                              f"one; train a new network to score replays")
    step = env.view()
    win = np.empty((replay.steps, 2), np.float32)
    for i, action in enumerate(replay.actions):
        for team, critic in enumerate(critics):
            critic.act(env, step, team)  # the actions are the replay's; only the estimate is kept
            win[i, team] = critic.win[0]
        step = env.step(action[None].astype(np.int32))
        if on_step is not None:
            on_step(i)
    return win
