"""Layouts of the observation and event vectors.

Feature indices are module-level ints so kernels can use them as constants;
`obs_spec` and `EVENT_NAMES` give tools the (name, offset, size) view.

Observation of one hero, in order:
  units    K x UNIT_F   the K units nearest to the team's heroes that the team
                        sees (same list for the five heroes of a team; the
                        action's target_unit indexes it), rows with present=0
                        are padding
  self     SELF_F       the hero itself, in detail
  allies   4 x ALLY_F   the other four heroes of the team, in brief
  global   GLOBAL_F     time, waves, score, known building states
  minimap  3 x M x M    team vision, allied and visible enemy unit counts
"""

from __future__ import annotations

from typing import NamedTuple

from engine.constants import INVENTORY_SLOTS, NUM_ABILITIES, NUM_KINDS
from engine.world import BUILDINGS_PER_TEAM

# --- one row of the unit list
U_PRESENT = 0
U_SELF = 1
U_ALLY = 2
U_ENEMY = 3
U_KIND = 4  # one-hot over kinds 1..7 -> 4..10
U_HERO_ID = U_KIND + NUM_KINDS - 1  # hero id + 1, 0 for non-heroes
U_REL_X = U_HERO_ID + 1  # position relative to the observing hero, /1000
U_REL_Y = U_REL_X + 1
U_ABS_X = U_REL_Y + 1  # absolute position, fraction of the map
U_ABS_Y = U_ABS_X + 1
U_DIST = U_ABS_Y + 1  # /1000
U_HP = U_DIST + 1  # /1000
U_HP_FRAC = U_HP + 1
U_MANA_FRAC = U_HP_FRAC + 1
U_LEVEL = U_MANA_FRAC + 1  # /25
U_DAMAGE = U_LEVEL + 1  # /100
U_RANGE = U_DAMAGE + 1  # /1000
U_ATTACK_TIME = U_RANGE + 1  # seconds
U_SPEED = U_ATTACK_TIME + 1  # /500 per second
U_ARMOR = U_SPEED + 1  # /10
U_ATTACK_READY = U_ARMOR + 1  # 1 when its attack is off cooldown
U_TARGETS_ME = U_ATTACK_READY + 1
U_TARGETS_ALLY_HERO = U_TARGETS_ME + 1
U_MY_TARGET = U_TARGETS_ALLY_HERO + 1
U_TIER = U_MY_TARGET + 1  # /4
U_VULNERABLE = U_TIER + 1
U_DENIABLE = U_VULNERABLE + 1
U_HITS_TO_KILL = U_DENIABLE + 1  # my attacks to kill it, /10, clipped to 1
U_STUNNED = U_HITS_TO_KILL + 1  # statuses: 1 while under them
U_SILENCED = U_STUNNED + 1
U_ROOTED = U_SILENCED + 1
U_SLOWED = U_ROOTED + 1  # the fraction of speed lost
U_MAGIC_IMMUNE = U_SLOWED + 1
U_INVISIBLE = U_MAGIC_IMMUNE + 1  # an invisible ally, or a revealed enemy
U_SHIELD = U_INVISIBLE + 1  # /1000
U_CASTING = U_SHIELD + 1
UNIT_F = U_CASTING + 1

# --- the hero itself
S_ALIVE = 0
S_RESPAWN = 1  # seconds /100
S_HP = 2
S_HP_FRAC = 3
S_MANA = 4
S_MANA_FRAC = 5
S_LEVEL = 6
S_XP_FRAC = 7  # progress to next level
S_GOLD = 8  # /1000
S_X = 9
S_Y = 10
S_DAMAGE = 11
S_RANGE = 12
S_ATTACK_TIME = 13
S_ARMOR = 14
S_SPEED = 15
S_HP_REGEN = 16  # per second /10
S_BUYBACK_READY = 17
S_BUYBACK_COST = 18  # /1000
S_BUYBACK_CD = 19  # seconds /100
S_IN_SHOP = 20
S_KILLS = 21  # /10
S_DEATHS = 22
S_ASSISTS = 23
S_LAST_HITS = 24  # /100
S_DENIES = 25
S_HERO_ID = 26  # raw id + 1
S_TEAM = 27
S_ORDER_MOVE = 28
S_ORDER_ATTACK = 29
S_ABILITY_LEVEL = 30  # NUM_ABILITIES
S_ABILITY_CD = S_ABILITY_LEVEL + NUM_ABILITIES  # NUM_ABILITIES, seconds /10
S_ITEM_ID = S_ABILITY_CD + NUM_ABILITIES  # INVENTORY_SLOTS, item id + 1
S_ITEM_CHARGES = S_ITEM_ID + INVENTORY_SLOTS  # INVENTORY_SLOTS
S_ITEM_READY = S_ITEM_CHARGES + INVENTORY_SLOTS  # INVENTORY_SLOTS: its active can be used now
S_ITEM_CD = S_ITEM_READY + INVENTORY_SLOTS  # INVENTORY_SLOTS, seconds /10
S_ABILITY_READY = S_ITEM_CD + INVENTORY_SLOTS  # NUM_ABILITIES: can be cast now
S_ABILITY_MANA = S_ABILITY_READY + NUM_ABILITIES  # NUM_ABILITIES: mana cost /100
S_MAGIC_RES = S_ABILITY_MANA + NUM_ABILITIES
S_STUNNED = S_MAGIC_RES + 1  # seconds left
S_SILENCED = S_STUNNED + 1
S_ROOTED = S_SILENCED + 1
S_SLOWED = S_ROOTED + 1  # fraction of speed lost
S_INVISIBLE = S_SLOWED + 1
S_MAGIC_IMMUNE = S_INVISIBLE + 1
S_SHIELD = S_MAGIC_IMMUNE + 1  # /1000
S_CASTING = S_SHIELD + 1
SELF_F = S_CASTING + 1

# --- an ally, in brief
A_ALIVE = 0
A_HP_FRAC = 1
A_MANA_FRAC = 2
A_LEVEL = 3
A_REL_X = 4
A_REL_Y = 5
A_DIST = 6
A_RESPAWN = 7
A_HERO_ID = 8
A_GOLD = 9
ALLY_F = 10

# --- global
G_TIME = 0  # minutes /10
G_TIME_LEFT = 1  # fraction of the cap still to play
G_NEXT_WAVE = 2  # fraction of a wave interval
G_TEAM = 3
G_OWN_KILLS = 4  # /10
G_ENEMY_KILLS = 5
G_OWN_BUILDINGS = 6  # BUILDINGS_PER_TEAM HP fractions
G_ENEMY_BUILDINGS = G_OWN_BUILDINGS + BUILDINGS_PER_TEAM  # last seen HP fractions
GLOBAL_F = G_ENEMY_BUILDINGS + BUILDINGS_PER_TEAM

MINIMAP_CHANNELS = 3  # vision, allies, visible enemies


class ObsLayout(NamedTuple):
    units: int
    self_: int
    allies: int
    global_: int
    minimap: int
    size: int


def obs_layout(obs_units: int, minimap: int) -> ObsLayout:
    units = 0
    self_ = units + obs_units * UNIT_F
    allies = self_ + SELF_F
    global_ = allies + 4 * ALLY_F
    mm = global_ + GLOBAL_F
    size = mm + MINIMAP_CHANNELS * minimap * minimap
    return ObsLayout(units, self_, allies, global_, mm, size)


def _names(module_prefix: str) -> list[tuple[str, int]]:
    return sorted(
        ((k[len(module_prefix):].lower(), v) for k, v in globals().items()
         if k.startswith(module_prefix) and isinstance(v, int) and not k.endswith("_F")),
        key=lambda kv: kv[1],
    )


def obs_spec(obs_units: int, minimap: int) -> list[tuple[str, int, int]]:
    """(name, offset, size) of every block and feature of one hero's observation."""
    lay = obs_layout(obs_units, minimap)
    spec: list[tuple[str, int, int]] = []
    for k in range(obs_units):
        base = lay.units + k * UNIT_F
        feats = _names("U_")
        for i, (name, off) in enumerate(feats):
            end = feats[i + 1][1] if i + 1 < len(feats) else UNIT_F
            spec.append((f"unit{k}.{name}", base + off, end - off))
    feats = _names("S_")
    for i, (name, off) in enumerate(feats):
        end = feats[i + 1][1] if i + 1 < len(feats) else SELF_F
        spec.append((f"self.{name}", lay.self_ + off, end - off))
    for a in range(4):
        for name, off in _names("A_"):
            spec.append((f"ally{a}.{name}", lay.allies + a * ALLY_F + off, 1))
    feats = _names("G_")
    for i, (name, off) in enumerate(feats):
        end = feats[i + 1][1] if i + 1 < len(feats) else GLOBAL_F
        spec.append((f"global.{name}", lay.global_ + off, end - off))
    for c, name in enumerate(("vision", "allies", "enemies")):
        spec.append((f"minimap.{name}", lay.minimap + c * minimap * minimap, minimap * minimap))
    return spec


# --- events: facts about one hero over one decision interval
EVENT_NAMES = (
    "gold_gained",
    "gold_spent",
    "xp_gained",
    "last_hits",
    "denies",
    "kills",
    "assists",
    "deaths",
    "hp_change",  # change of HP as a fraction of max HP
    "mana_change",
    "tower_damage",  # damage dealt to enemy buildings, fraction of their max HP
    "tower_kill_t1",  # credited to every hero of the destroying team
    "tower_kill_t2",
    "tower_kill_t3",
    "tower_kill_t4",
    "barracks_kill",
    "ancient_hp_change",  # own ancient, fraction of max HP (negative when hit)
    "win",
    "loss",
    "buybacks",
    "items_bought",
    "ability_casts",  # abilities that took effect
    "items_used",  # item actives that took effect
    "invalid_actions",  # masked actions submitted (they do nothing)
    "hp_lost_to_towers",  # HP enemy towers took from the hero, fraction of its max HP (also in hp_change)
)
EVENT_INDEX = {name: i for i, name in enumerate(EVENT_NAMES)}
NUM_EVENTS = len(EVENT_NAMES)
EV_GOLD = EVENT_INDEX["gold_gained"]
EV_GOLD_SPENT = EVENT_INDEX["gold_spent"]
EV_XP = EVENT_INDEX["xp_gained"]
EV_LAST_HITS = EVENT_INDEX["last_hits"]
EV_DENIES = EVENT_INDEX["denies"]
EV_KILLS = EVENT_INDEX["kills"]
EV_ASSISTS = EVENT_INDEX["assists"]
EV_DEATHS = EVENT_INDEX["deaths"]
EV_HP_CHANGE = EVENT_INDEX["hp_change"]
EV_MANA_CHANGE = EVENT_INDEX["mana_change"]
EV_TOWER_DAMAGE = EVENT_INDEX["tower_damage"]
EV_HP_LOST_TO_TOWERS = EVENT_INDEX["hp_lost_to_towers"]
EV_TOWER_KILL_T1 = EVENT_INDEX["tower_kill_t1"]  # + tier - 1
EV_BARRACKS_KILL = EVENT_INDEX["barracks_kill"]
EV_ANCIENT_HP = EVENT_INDEX["ancient_hp_change"]
EV_WIN = EVENT_INDEX["win"]
EV_LOSS = EVENT_INDEX["loss"]
EV_BUYBACKS = EVENT_INDEX["buybacks"]
EV_ITEMS_BOUGHT = EVENT_INDEX["items_bought"]
EV_ABILITY_CASTS = EVENT_INDEX["ability_casts"]
EV_ITEMS_USED = EVENT_INDEX["items_used"]
EV_INVALID = EVENT_INDEX["invalid_actions"]
