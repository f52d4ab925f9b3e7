"""`State`: every game's mutable data as one NamedTuple of numpy arrays.

Leading axis is the game; unit arrays then index the fixed slot layout of
`engine.world` (heroes, buildings, creeps), and a trailing axis names the
field (`engine.fields`). Hero arrays index the ten heroes (Radiant 0-4, Dire
5-9), which are also unit slots 0-9. Kernels take the State as an argument
and write into it in place; nothing per unit is a Python object.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine import fields as F
from engine.constants import (
    INVENTORY_SLOTS,
    NUM_ABILITIES,
    NUM_ACTION_TYPES,
    NUM_HEROES,
    OFFSET_BINS,
)
from engine.spec import NUM_EVENTS, obs_layout
from engine.tables import ITEMS
from engine.world import BUILDINGS_PER_TEAM, World


class State(NamedTuple):
    gi: np.ndarray  # [G, GI] int32 game ints: tick, winner, team scores
    rng: np.ndarray  # [G] uint64 generator state
    ancient_prev: np.ndarray  # [G, 2] own ancient HP fraction at the last decision
    uf: np.ndarray  # [G, U, UF] float32 unit floats: position, HP, stats, order point
    ui: np.ndarray  # [G, U, UI] int32 unit ints: kind, team, alive, orders, target
    hf: np.ndarray  # [G, 10, HF] float32 hero floats: XP, gold
    hi: np.ndarray  # [G, 10, HI] int32 hero ints: hero id, level, timers, score
    inv: np.ndarray  # [G, 10, 6, INV] int32 inventory: item id (-1 empty), charges, ready tick
    abil: np.ndarray  # [G, 10, 4, 2] int32 abilities: level, tick it is off cooldown
    damaged_by: np.ndarray  # [G, 10 victim, 10 attacker] tick of the last hit, -1 never
    visible: np.ndarray  # [G, 2, U] bool: the team sees this unit (at the last decision)
    creeps: np.ndarray  # [G, 2, C + 1] int32 scratch: each team's living creep slots in order, then -1 (this tick's)
    viewers: np.ndarray  # [G, U, 3] float32 scratch for vision: x, y and range of one team's living units
    seen_bld_hp: np.ndarray  # [G, 2 viewer, 2 owner, B] last seen HP fraction of buildings
    team_units: np.ndarray  # [G, 2, K] int32 unit slot of each observed row, -1 empty
    row_dist: np.ndarray  # [G, 2, K] float32 squared distance of each row to the team's nearest hero
    row_kind: np.ndarray  # [G, 2, K] int32 what each row is for masks (engine.observe ROW_* bits)
    ready: np.ndarray  # [G, 10, 10] int32 ability row each hero can cast from each ability and item slot, -1 none
    obs: np.ndarray  # [G, 10, D] float32
    events: np.ndarray  # [G, 10, E] float32
    done: np.ndarray  # [G] bool
    last_winner: np.ndarray  # [G] int8 winner of the game that ended at this step
    final_gi: np.ndarray  # [G, GI] game ints (length, winner, score) of that game
    mask_type: np.ndarray  # [G, 10, T] bool
    mask_target: np.ndarray  # [G, 10, T, K] bool
    mask_offset: np.ndarray  # [G, 10, OFFSET_BINS] bool (same for x and y)
    mask_item: np.ndarray  # [G, 10, I] bool


# Rebuilt by every step: the outputs of the last decision, and the kernels'
# scratch space. The rest is a game: what `BatchEnv.snapshot` copies and a
# replay's keyframe holds (the masks too, which decide the next step's
# valid actions).
OUTPUTS = ("obs", "events", "done", "last_winner", "final_gi")
SCRATCH = ("viewers", "creeps", "row_dist", "row_kind", "ready")
GAME = tuple(name for name in State._fields if name not in OUTPUTS + SCRATCH)


def allocate(world: World, num_games: int) -> State:
    G = num_games
    U = int(world.pi[F.P_NUM_UNITS])
    K = int(world.pi[F.P_OBS_UNITS])
    lay = obs_layout(K, int(world.pi[F.P_MINIMAP]))
    H = NUM_HEROES
    return State(
        gi=np.zeros((G, F.GI), np.int32),
        rng=np.zeros(G, np.uint64),
        ancient_prev=np.zeros((G, 2), np.float32),
        uf=np.zeros((G, U, F.UF), np.float32),
        ui=np.zeros((G, U, F.UI), np.int32),
        hf=np.zeros((G, H, F.HF), np.float32),
        hi=np.zeros((G, H, F.HI), np.int32),
        inv=np.zeros((G, H, INVENTORY_SLOTS, F.INV), np.int32),
        abil=np.zeros((G, H, NUM_ABILITIES, 2), np.int32),
        damaged_by=np.full((G, H, H), -1, np.int32),
        visible=np.zeros((G, 2, U), np.bool_),
        creeps=np.full((G, 2, int(world.pi[F.P_CREEP_SLOTS]) + 1), -1, np.int32),
        viewers=np.zeros((G, U, 3), np.float32),
        seen_bld_hp=np.zeros((G, 2, 2, BUILDINGS_PER_TEAM), np.float32),
        team_units=np.full((G, 2, K), -1, np.int32),
        row_dist=np.zeros((G, 2, K), np.float32),
        row_kind=np.zeros((G, 2, K), np.int32),
        ready=np.full((G, H, NUM_ABILITIES + INVENTORY_SLOTS), -1, np.int32),
        obs=np.zeros((G, H, lay.size), np.float32),
        events=np.zeros((G, H, NUM_EVENTS), np.float32),
        done=np.zeros(G, np.bool_),
        last_winner=np.full(G, -1, np.int8),
        final_gi=np.zeros((G, F.GI), np.int32),
        mask_type=np.zeros((G, H, NUM_ACTION_TYPES), np.bool_),
        mask_target=np.zeros((G, H, NUM_ACTION_TYPES, K), np.bool_),
        mask_offset=np.zeros((G, H, OFFSET_BINS), np.bool_),
        mask_item=np.zeros((G, H, len(ITEMS)), np.bool_),
    )
