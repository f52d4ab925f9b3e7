"""Enums and fixed numbers that numba kernels read as compile-time constants.

Everything here is a plain module-level int or float so that `@njit` code can
use it without passing it in. Game-specific numbers that a preset may change
live in `engine.config`; unit statistics live in `engine.tables`.

Compiled kernels are cached in a folder keyed on every engine source file
(`engine.cache`), so changing a value here recompiles them.
"""

TICKS_PER_SECOND = 30
NUM_TEAMS = 2
HEROES_PER_TEAM = 5
NUM_HEROES = NUM_TEAMS * HEROES_PER_TEAM

# Teams.
RADIANT = 0
DIRE = 1

# Game outcome in `Step.winner` (-1 while a game is still on).
DRAW = 2

# Unit kinds (one per unit slot, fixed by the slot layout).
KIND_NONE = 0
KIND_HERO = 1
KIND_MELEE_CREEP = 2
KIND_RANGED_CREEP = 3
KIND_TOWER = 4
KIND_BARRACKS = 5
KIND_ANCIENT = 6
KIND_FOUNTAIN = 7
NUM_KINDS = 8

# Building roles inside a team's building block (see engine.mapgen).
LANE_TOP = 0
LANE_MID = 1
LANE_BOT = 2
NUM_LANES = 3

# Orders a unit carries out between decisions.
ORDER_NONE = 0
ORDER_MOVE = 1
ORDER_ATTACK = 2
ORDER_LANE = 3  # creeps: walk the lane waypoints
ORDER_CAST = 4  # heroes: walk into cast range, stand through the cast time, then cast

# Action heads, in the order of the last axis of the action array.
HEAD_TYPE = 0
HEAD_TARGET = 1
HEAD_OFFSET_X = 2
HEAD_OFFSET_Y = 3
HEAD_ITEM = 4
NUM_HEADS = 5
HEAD_NAMES = ("type", "target_unit", "offset_x", "offset_y", "item")

# Action types.
ACT_NOOP = 0
ACT_STOP = 1
ACT_MOVE = 2
ACT_ATTACK = 3
ACT_CAST1 = 4  # ACT_CAST1 + a for ability a in 0..3
ACT_ITEM1 = 8  # ACT_ITEM1 + s for inventory slot s in 0..5
ACT_BUY = 14
ACT_BUYBACK = 15
NUM_ACTION_TYPES = 16
ACTION_TYPE_NAMES = (
    "noop", "stop", "move", "attack",
    "cast_1", "cast_2", "cast_3", "cast_4",
    "item_1", "item_2", "item_3", "item_4", "item_5", "item_6",
    "buy", "buyback",
)

NUM_ABILITIES = 4
INVENTORY_SLOTS = 6
OFFSET_BINS = 9  # the 9x9 grid of offsets around the anchor unit
OFFSET_CENTER = OFFSET_BINS // 2

# Fraction of max HP under which an allied creep may be denied.
DENY_HP_FRACTION = 0.5

# Collision hull radius by unit kind: attack ranges are measured edge to edge.
HULL_RADIUS = (0.0, 24.0, 16.0, 16.0, 100.0, 120.0, 150.0, 100.0)

# Which heads each action type reads (the rest are ignored, and masked out of
# a policy's loss). Columns follow HEAD_NAMES.
ACTION_HEADS = (
    (1, 0, 0, 0, 0),  # noop
    (1, 0, 0, 0, 0),  # stop
    (1, 1, 1, 1, 0),  # move: anchor unit + offset
    (1, 1, 0, 0, 0),  # attack
    (1, 1, 1, 1, 0),  # cast 1-4: unit or point target
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),  # item slots 1-6
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),
    (1, 1, 1, 1, 0),
    (1, 0, 0, 0, 1),  # buy
    (1, 0, 0, 0, 0),  # buyback
)
