"""The vectorised environment: `BatchEnv(config, num_games, seed)`.

    env = BatchEnv(GameConfig(), num_games=64, seed=0)
    step = env.reset()
    while True:
        step = env.step(actions)  # int array [num_games, 10, 5]

`Step` arrays are the environment's own buffers, overwritten by the next call
(copy what you keep, and write into a copy: the next observation is written
over what the buffer holds, and keeps its empty unit rows as they are). A game that ends is reset in place: its `done` is True,
`winner` says who won it, its `events` are the last of the old game and its
`obs` and `masks` are the first of the new one.

`BatchEnv(..., observations=False)` leaves `obs` at zero and makes only the
masks and what the scripted bot reads (vision, unit rows, castable
abilities): for games between agents that never read `obs` (a step of
`small` then takes about 40% less time). `step(actions, live)` steps only the games where `live` is True,
so a batch that needs no more games stops spending time on them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine import fields as F
from engine.config import GameConfig
from engine.constants import (
    ACTION_HEADS,
    HEAD_NAMES,
    NUM_ACTION_TYPES,
    NUM_HEADS,
    NUM_HEROES,
    OFFSET_BINS,
)
from engine.mapgen import GameMap
from engine.rules import seed_state
from engine.sim import observe_one, reset_batch, step_batch
from engine.spec import EVENT_NAMES, obs_layout, obs_spec
from engine.state import GAME, State, allocate
from engine.tables import ITEMS
from engine.world import World, build_world

# Bumped whenever a rule changes, so replays and ratings say which rules
# they were made under.
ENGINE_VERSION = "0.2.0"


class Masks(NamedTuple):
    type: np.ndarray  # [G, 10, T] bool
    target: np.ndarray  # [G, 10, T, K] bool: valid target rows for each type
    offset_x: np.ndarray  # [G, 10, 9] bool
    offset_y: np.ndarray  # [G, 10, 9] bool
    item: np.ndarray  # [G, 10, I] bool: items the hero can buy now


class Step(NamedTuple):
    obs: np.ndarray  # [G, 10, D] float32
    masks: Masks
    events: np.ndarray  # [G, 10, E] float32, named by EVENT_NAMES
    done: np.ndarray  # [G] bool
    winner: np.ndarray  # [G] int8: 0 Radiant, 1 Dire, 2 draw, -1 still playing
    length: np.ndarray  # [G] int32 ticks the game that ended lasted (where done)
    score: np.ndarray  # [G, 2] int32 hero kills of Radiant and Dire in the game that ended (where done)
    tick: np.ndarray  # [G] int32 game time of each game now, in ticks (0: a new game)


class BatchEnv:
    """`num_games` independent 5v5 games stepped together by compiled kernels."""

    version = ENGINE_VERSION

    def __init__(self, config: GameConfig | None = None, num_games: int = 1, seed: int = 0,
                 observations: bool = True):
        if not isinstance(num_games, (int, np.integer)) or num_games < 1:
            raise ValueError(f"num_games must be a positive integer, got {num_games!r}")
        self.config = config if config is not None else GameConfig()
        self.num_games = int(num_games)
        self.seed = int(seed)
        self.observations = bool(observations)
        self._all_live = np.ones(self.num_games, bool)
        self.world: World
        self.map: GameMap
        self.world, self.map = build_world(self.config)
        self.state: State = allocate(self.world, self.num_games)
        self.head_sizes = (NUM_ACTION_TYPES, int(self.world.pi[F.P_OBS_UNITS]), OFFSET_BINS, OFFSET_BINS,
                           len(ITEMS))
        self._head_limits = np.array(self.head_sizes)
        self.action_heads = np.array(ACTION_HEADS, bool)
        self.obs_size = obs_layout(int(self.world.pi[F.P_OBS_UNITS]), int(self.world.pi[F.P_MINIMAP])).size
        self.event_names = EVENT_NAMES

    def obs_spec(self) -> list[tuple[str, int, int]]:
        """(name, offset, size) of every part of one hero's observation."""
        return obs_spec(int(self.world.pi[F.P_OBS_UNITS]), int(self.world.pi[F.P_MINIMAP]))

    def reset(self, games: np.ndarray | None = None) -> Step:
        """Start a game in every slot. Game `n` of this env's seed starts from
        the same position in any slot: slot `g` starts game `games[g]`
        (default `g`)."""
        numbers = range(self.num_games) if games is None else [int(n) for n in games]
        if len(numbers) != self.num_games:
            raise ValueError(f"reset needs a game number for each of the {self.num_games} slots, "
                             f"got {len(numbers)}")
        for g, n in enumerate(numbers):
            self.state.rng[g] = seed_state(self.seed, n)
        reset_batch(self.state, self.world, self.observations)
        return self.view()

    def step(self, actions: np.ndarray, live: np.ndarray | None = None) -> Step:
        """Apply `actions` [G, 10, 5] and play one decision (`frameskip`
        ticks). Games where `live` [G] is False stand still: not done, no
        events, their state, obs and masks unchanged."""
        if live is None:
            live = self._all_live
        else:
            live = np.asarray(live)
            if live.shape != (self.num_games,) or live.dtype != np.bool_:
                raise ValueError(f"live must be a bool array of shape ({self.num_games},), "
                                 f"got {live.dtype} {live.shape}")
        step_batch(self.state, self.world, self.check_actions(actions), live, self.observations)
        return self.view()

    def snapshot(self, g: int) -> dict[str, np.ndarray]:
        """A copy of game `g`: every array of the State but the outputs and
        scratch space that the next step rebuilds (`engine.state.GAME`)."""
        return {name: np.array(getattr(self.state, name)[g]) for name in GAME}

    def restore(self, g: int, game: dict[str, np.ndarray]) -> Step:
        """Put a `snapshot` (of this env or another with the same config) in
        slot `g`, and observe it: the returned step's obs and masks are its."""
        missing = [name for name in GAME if name not in game]
        if missing:
            raise ValueError(f"the game to restore lacks {', '.join(missing)}")
        for name in GAME:
            target = getattr(self.state, name)[g]
            if target.shape != np.shape(game[name]):
                raise ValueError(f"the game to restore does not fit this env: its {name} has shape "
                                 f"{np.shape(game[name])}, this env's {target.shape}")
        for name in GAME:
            getattr(self.state, name)[g] = game[name]
        observe_one(self.state, self.world, g, self.observations)
        return self.view()

    def check_actions(self, actions: np.ndarray) -> np.ndarray:
        """The action array as int32 [G, 10, 5], or a ValueError naming the
        first bad head, game and hero."""
        actions = np.asarray(actions)
        want = (self.num_games, NUM_HEROES, NUM_HEADS)
        if actions.shape != want:
            raise ValueError(f"actions must have shape {want} (games, heroes, heads), "
                             f"got {actions.shape}")
        if not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(f"actions must be integers, got dtype {actions.dtype}")
        bad = (actions < 0) | (actions >= self._head_limits)
        if bad.any():  # name the first bad head, then game and hero
            head = int(np.flatnonzero(bad.any(axis=(0, 1)))[0])
            g, h = np.argwhere(bad[..., head])[0]
            raise ValueError(
                f"action head {HEAD_NAMES[head]!r} is {actions[g, h, head]} for game {g}, hero {h}; "
                f"valid values are 0..{self.head_sizes[head] - 1}"
            )
        return np.ascontiguousarray(actions, dtype=np.int32)

    def view(self) -> Step:
        """The latest step (the env's own buffers, as `step` returns them)."""
        s = self.state
        masks = Masks(s.mask_type, s.mask_target, s.mask_offset, s.mask_offset, s.mask_item)
        return Step(s.obs, masks, s.events, s.done, s.last_winner, s.final_gi[:, F.TICK],
                    s.final_gi[:, F.SCORE:F.SCORE + 2], s.gi[:, F.TICK])
