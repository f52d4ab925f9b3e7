"""Names of the columns of the engine's packed arrays.

State and World keep related numbers in a few arrays with a trailing field
axis (`s.uf[g, u, HP]`) rather than one array per number: numba passes its
NamedTuple arguments by value, and a hundred separate arrays make every call
between kernels, and so compilation, many times slower. For the same reason
the kernels run per unit per tick are `@kernel(inline=True)`: even with these few
arrays a real call passes a few hundred scalars.
"""

# --- State.uf [G, U, UF]: unit floats
X = 0
Y = 1
HP = 2
MAX_HP = 3
MANA = 4
MAX_MANA = 5
HP_REGEN = 6  # per tick
MANA_REGEN = 7
ARMOR = 8
DAMAGE = 9
RANGE = 10
ATTACK_TICKS = 11  # ticks between attacks
ATTACK_CD = 12  # ticks until the next attack
SPEED = 13  # units per tick
VISION = 14
ORDER_X = 15
ORDER_Y = 16
MAGIC_RES = 17  # fraction of magical damage resisted
# Timed statuses, as the tick they end (0: none), so nothing counts down each
# tick; cleared together (STATUS_FIRST..UF) when a unit dies or a slot is reused.
STUN_END = 18
SILENCE_END = 19
ROOT_END = 20
SLOW_END = 21
SLOW = 22  # fraction of move speed lost
SHIELD_END = 23
SHIELD = 24  # damage it still absorbs
DOT_END = 25
DOT = 26  # magical damage per tick, already reduced
HASTE_END = 27
HASTE = 28  # fraction of move speed gained
FRENZY_END = 29
FRENZY = 30  # fraction of attack speed gained
EMPOWER_END = 31
EMPOWER = 32  # attack damage gained
INVIS_START = 33  # invisible from this tick (the fade ends) ...
INVIS_END = 34  # ... to this one; attacking or casting sets it to now
IMMUNE_END = 35  # magic immunity
REVEAL_END = 36  # revealed to the enemy despite invisibility
STATUS_FIRST = STUN_END
UF = 37

# --- State.ui [G, U, UI]: unit ints
KIND = 0
TEAM = 1
ALIVE = 2
ROW = 3  # row of the unit table, -1 for heroes
LANE = 4
WAYPOINT = 5  # next lane waypoint (creeps)
ORDER = 6
ORDER_TARGET = 7  # unit slot
TARGET = 8  # unit being attacked, -1 none
INVULNERABLE = 9  # 1 for the fountain and buildings the tier rule protects
DOT_SRC = 10  # unit whose damage over time this is, -1 none
EFFECTS_END = 11  # the last tick any timed status lasts: per-tick checks skip units without one
UI = 12

# --- State.hf [G, 10, HF]: hero floats
XP = 0
GOLD = 1
HP_PREV = 2  # HP fraction at the last decision, -1 when dead
MANA_PREV = 3
CAST_END = 4  # tick the cast under way takes effect, -1 while walking into range
CRIT_CHANCE = 5  # passives, from abilities and items (hero_stats)
CRIT_MULT = 6
LIFESTEAL = 7
EVASION = 8
BASH_CHANCE = 9
BASH_TICKS = 10
HF = 11

# --- State.hi [G, 10, HI]: hero ints
HERO_ID = 0
LEVEL = 1
RESPAWN = 2  # ticks until respawn
BUYBACK_CD = 3  # ticks
KILLS = 4
DEATHS = 5
ASSISTS = 6
LAST_HITS = 7
DENIES = 8
CAST_ABIL = 9  # ability row of the cast under way (ORDER_CAST)
CAST_SRC = 10  # 0-3 ability slot, 4-9 inventory slot 0-5
CAST_LEVEL = 11
HI = 12

# --- State.inv [G, 10, slot, INV] and State.abil [G, 10, ability, 2]
INV_ITEM = 0  # item id, -1 empty
INV_CHARGES = 1
INV_READY = 2  # tick its active is off cooldown
INV = 3
ABIL_LEVEL = 0
ABIL_READY = 1  # tick it is off cooldown

# --- State.gi [G, GI]: game ints
TICK = 0
WINNER = 1  # -1 ongoing, 0/1 team, 2 draw
SCORE = 2  # SCORE + team: hero kills of that team
GI = 4

# --- World.pf: float parameters
P_MAP_SIZE = 0
P_CELL = 1
P_OFFSET_STEP = 2
P_START_GOLD = 3
P_PASSIVE_GOLD = 4  # per tick
P_XP_RANGE = 5
P_DENY_XP = 6
P_HERO_KILL_GOLD = 7
P_HERO_KILL_GOLD_LVL = 8
P_ASSIST_GOLD = 9
P_ASSIST_GOLD_LVL = 10
P_HERO_KILL_XP = 11
P_HERO_KILL_XP_LVL = 12
P_DEATH_GOLD_LVL = 13
P_BUYBACK_BASE = 14
P_BUYBACK_LVL_SQ = 15
P_BUYBACK_MINUTE = 16
P_SHOP_RANGE = 17
P_FOUNTAIN_HEAL = 18  # fraction per tick
P_CREEP_ACQUIRE = 19
P_LEASH = 20
P_UPGRADE_HP = 21
P_UPGRADE_DAMAGE = 22
P_TRUE_SIGHT = 23  # towers and fountains see invisible units this close
PF = 24

# --- World.pi: int parameters
P_GRID_N = 0
P_FRAMESKIP = 1
P_CAP_TICKS = 2
P_WAVE_TICKS = 3
P_UPGRADE_TICKS = 4
P_MELEE_PER_WAVE = 5
P_RANGED_PER_WAVE = 6
P_CREEP_SLOTS = 7
P_NUM_UNITS = 8
P_OBS_UNITS = 9
P_MINIMAP = 10
P_ASSIST_TICKS = 11
P_BUYBACK_CD = 12
P_LINEUP_MODE = 13
P_ANCIENT = 14  # building index of the ancient
P_FOUNTAIN = 15
PI = 16

# --- World.unit_tab [row, UT]: creeps and buildings
UT_KIND = 0
UT_HP = 1
UT_DAMAGE = 2
UT_ARMOR = 3
UT_RANGE = 4
UT_ATTACK_TICKS = 5
UT_SPEED = 6  # per tick
UT_VISION = 7
UT_GOLD = 8
UT_XP = 9
UT_TEAM_GOLD = 10
UT_HP_REGEN = 11  # per tick
UT = 12

# --- World.hero_tab [hero id, HT]
HT_RANGED = 0
HT_HP = 1
HT_HP_GAIN = 2
HT_HP_REGEN = 3  # per tick
HT_MANA = 4
HT_MANA_GAIN = 5
HT_MANA_REGEN = 6
HT_DAMAGE = 7
HT_DAMAGE_GAIN = 8
HT_ARMOR = 9
HT_ARMOR_GAIN = 10
HT_RANGE = 11
HT_ATTACK_TICKS = 12
HT_AS_GAIN = 13
HT_SPEED = 14  # per tick
HT_VISION = 15
HT_MAGIC_RES = 16
HT = 17

# --- World.item_tab [item id, IT]
IT_COST = 0
IT_HP = 1
IT_MANA = 2
IT_DAMAGE = 3
IT_ARMOR = 4
IT_SPEED = 5  # per tick
IT_HP_REGEN = 6  # per tick
IT_MANA_REGEN = 7
IT_CHARGES = 8
IT_ACTIVE = 9  # ability row, -1 none
IT_PASSIVE = 10
IT = 11

# --- World.abil_tab [ability, AB]
AB_TARGET = 0  # engine.abilities TARGET_*
AB_HITS = 1
AB_AREA = 2
AB_RADIUS = 3
AB_RANGE = 4
AB_CAST_TICKS = 5
AB_LOCK_TICKS = 6  # no casting this long after damage from an enemy hero
AB_HEROES_ONLY = 7
AB_EFFECTS = 8  # number of effects
AB = 9

# --- World.eff_tab [ability, effect, EF]; values per ability level
EF_KIND = 0
EF_ON_CASTER = 1
EF_CHANCE = 2
EF_VALUE = 3  # + level - 1
EF_DURATION = 7  # + level - 1, in ticks
EF = 11

# --- World.bld_tab [building, BT]
BT_ROW = 0
BT_LANE = 1
BT_TIER = 2
BT = 3
