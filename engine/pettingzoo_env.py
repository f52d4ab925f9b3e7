"""A PettingZoo `ParallelEnv` over one game, for multi-agent RL libraries.

Needs the optional extra: `pip install "moba[pettingzoo]"`.

Agents are `radiant_0..4` and `dire_0..4`. An observation is a dict with the
hero's observation vector and the masks of every action head; an action is
the five heads `(type, target_unit, offset_x, offset_y, item)` as a
MultiDiscrete. The reward is +1 for a win and -1 for a loss: shape your own
from `infos[agent]["events"]` (named by `env.event_names`). A destroyed
ancient terminates the game; the time cap truncates it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from engine.config import GameConfig
from engine.constants import DRAW, HEROES_PER_TEAM, NUM_ACTION_TYPES, NUM_HEADS, NUM_HEROES
from engine.env import BatchEnv
from engine.spec import EVENT_INDEX

AGENTS = [f"radiant_{i}" for i in range(HEROES_PER_TEAM)] + [
    f"dire_{i}" for i in range(HEROES_PER_TEAM)]


class MobaParallelEnv(ParallelEnv):
    metadata = {"name": "moba_v0", "render_modes": []}

    def __init__(self, config: GameConfig | None = None, seed: int = 0):
        self.env = BatchEnv(config, num_games=1, seed=seed)
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.event_names = self.env.event_names
        types, k, ox, oy, items = self.env.head_sizes
        self._obs_space = spaces.Dict({
            "observation": spaces.Box(-np.inf, np.inf, (self.env.obs_size,), np.float32),
            "type_mask": spaces.MultiBinary(types),
            "target_mask": spaces.MultiBinary((NUM_ACTION_TYPES, k)),
            "offset_x_mask": spaces.MultiBinary(ox),
            "offset_y_mask": spaces.MultiBinary(oy),
            "item_mask": spaces.MultiBinary(items),
        })
        self._act_space = spaces.MultiDiscrete(list(self.env.head_sizes))

    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Space:
        return self._act_space

    def _observe(self, step) -> dict[str, dict[str, np.ndarray]]:
        m = step.masks
        return {
            agent: {
                "observation": step.obs[0, h].copy(),
                "type_mask": m.type[0, h].astype(np.int8),
                "target_mask": m.target[0, h].astype(np.int8),
                "offset_x_mask": m.offset_x[0, h].astype(np.int8),
                "offset_y_mask": m.offset_y[0, h].astype(np.int8),
                "item_mask": m.item[0, h].astype(np.int8),
            }
            for h, agent in enumerate(self.possible_agents)
        }

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self.env.seed = int(seed)
        step = self.env.reset()
        self.agents = list(self.possible_agents)
        return self._observe(step), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("the game is over: call reset()")
        batch = np.zeros((1, NUM_HEROES, NUM_HEADS), np.int32)
        for h, agent in enumerate(self.possible_agents):
            if agent in actions:
                batch[0, h] = np.asarray(actions[agent])
        step = self.env.step(batch)
        obs = self._observe(step)
        done = bool(step.done[0])
        winner = int(step.winner[0])
        ev = step.events[0]
        rewards = {a: float(ev[h, EVENT_INDEX["win"]] - ev[h, EVENT_INDEX["loss"]])
                   for h, a in enumerate(self.possible_agents)}
        terminations = {a: done and winner != DRAW for a in self.agents}
        truncations = {a: done and winner == DRAW for a in self.agents}
        infos = {a: {"events": ev[h].copy()} for h, a in enumerate(self.possible_agents)}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos
