"""The game's rules as readable tables, turned into arrays the kernels read.

Adding a hero or an item is adding a row here. Numbers follow Dota 2's scale
(HP, damage, armor, ranges in Dota units, times in seconds); the kernels never
hard-code a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.abilities import (
    ABILITIES,
    ABILITY_LEVELS,
    AREAS,
    EFFECT_NAMES,
    HITS,
    MAX_EFFECTS,
    PASSIVE_EFFECTS,
    TARGETS,
    Ability,
)
from engine.constants import (
    KIND_ANCIENT,
    KIND_BARRACKS,
    KIND_FOUNTAIN,
    KIND_MELEE_CREEP,
    KIND_RANGED_CREEP,
    KIND_TOWER,
)

# --------------------------------------------------------------------------
# Heroes


@dataclass(frozen=True)
class HeroDef:
    name: str
    role: str
    ranged: bool
    hp: float
    hp_gain: float  # per level
    hp_regen: float  # per second
    mana: float
    mana_gain: float
    mana_regen: float
    damage: float
    damage_gain: float
    armor: float
    armor_gain: float
    attack_range: float
    attack_time: float  # seconds between attacks at level 1
    attack_speed_gain: float  # fraction faster per level
    move_speed: float
    vision: float = 1800.0
    magic_resist: float = 0.25


H = HeroDef
HEROES: tuple[HeroDef, ...] = (
    #  name            role       ranged  hp   +hp  reg  mana +mp  mreg dmg +dmg arm +arm range  bat  +as   speed
    H("axeman",       "tank",    False, 700, 95, 2.5, 260, 30, 0.8, 55, 3.0, 3.0, 0.35, 150, 1.60, 0.020, 310),
    H("sniper",       "carry",   True,  540, 75, 1.2, 300, 35, 1.0, 42, 3.2, 1.0, 0.45, 550, 1.55, 0.030, 290),
    H("frost_witch",  "support", True,  520, 70, 1.0, 380, 55, 1.6, 40, 2.2, 1.0, 0.25, 600, 1.70, 0.015, 285),
    H("shadow_blade", "ganker",  False, 600, 84, 1.8, 280, 30, 1.0, 52, 3.0, 2.5, 0.40, 150, 1.50, 0.030, 315),
    H("stone_giant",  "tank",    False, 760, 100, 3.0, 240, 28, 0.7, 52, 2.6, 3.5, 0.30, 150, 1.70, 0.015, 295),
    H("storm_caller", "nuker",   True,  520, 68, 1.0, 420, 60, 1.8, 44, 2.4, 0.5, 0.25, 575, 1.70, 0.015, 290),
    H("blade_dancer", "carry",   False, 600, 82, 1.8, 260, 28, 0.9, 48, 3.4, 2.0, 0.45, 150, 1.45, 0.035, 305),
    H("priestess",    "support", True,  530, 70, 1.2, 400, 58, 1.8, 42, 2.2, 1.5, 0.25, 600, 1.70, 0.015, 290),
    H("venom_lurker", "ganker",  True,  560, 74, 1.4, 320, 40, 1.2, 46, 2.8, 1.0, 0.35, 525, 1.60, 0.025, 295),
    H("warlord",      "carry",   False, 640, 88, 2.0, 250, 27, 0.8, 54, 3.3, 2.5, 0.40, 150, 1.55, 0.030, 300),
    H("pyromancer",   "nuker",   True,  510, 66, 1.0, 440, 62, 1.9, 45, 2.4, 0.5, 0.20, 600, 1.70, 0.015, 285),
    H("ironclad",     "tank",    False, 740, 98, 2.8, 250, 28, 0.8, 50, 2.6, 4.0, 0.35, 150, 1.70, 0.015, 300),
    H("wind_runner",  "ganker",  True,  550, 72, 1.3, 330, 42, 1.2, 44, 2.9, 1.0, 0.40, 600, 1.55, 0.030, 300),
    H("bone_archer",  "carry",   True,  540, 74, 1.2, 290, 33, 1.0, 43, 3.3, 1.0, 0.45, 625, 1.55, 0.032, 290),
    H("earth_shaker", "support", False, 660, 90, 2.2, 330, 40, 1.2, 52, 2.6, 2.5, 0.30, 150, 1.70, 0.015, 305),
    H("vampire",      "carry",   False, 680, 90, 2.2, 260, 28, 0.9, 56, 3.4, 2.5, 0.45, 150, 1.45, 0.032, 310),
    H("time_mage",    "support", True,  520, 70, 1.1, 390, 56, 1.7, 41, 2.3, 1.0, 0.25, 575, 1.70, 0.015, 290),
)
del H

HERO_INDEX: dict[str, int] = {h.name: i for i, h in enumerate(HEROES)}

# --------------------------------------------------------------------------
# Creeps and buildings share one statistics table, indexed by a "stat row".


@dataclass(frozen=True)
class UnitDef:
    kind: int
    hp: float
    damage: float
    armor: float
    attack_range: float
    attack_time: float
    move_speed: float
    vision: float
    gold: float  # bounty to the hero who lands the last hit
    xp: float  # shared among enemy heroes nearby when it dies
    team_gold: float = 0.0  # given to every hero of the killing team
    hp_regen: float = 0.0


U = UnitDef
UNITS: dict[str, UnitDef] = {
    "melee_creep":        U(KIND_MELEE_CREEP, 550, 21, 2, 100, 1.0, 325, 750, 36, 57),
    "ranged_creep":       U(KIND_RANGED_CREEP, 300, 23, 0, 500, 1.0, 325, 750, 48, 69),
    "super_melee_creep":  U(KIND_MELEE_CREEP, 700, 40, 3, 100, 1.0, 325, 750, 20, 25),
    "super_ranged_creep": U(KIND_RANGED_CREEP, 475, 43, 1, 500, 1.0, 325, 750, 20, 25),
    "tower_1":            U(KIND_TOWER, 1800, 100, 12, 700, 1.0, 0, 1400, 150, 0, 100),
    "tower_2":            U(KIND_TOWER, 2500, 120, 16, 700, 1.0, 0, 1400, 200, 0, 120),
    "tower_3":            U(KIND_TOWER, 2500, 140, 16, 700, 1.0, 0, 1400, 200, 0, 140),
    "tower_4":            U(KIND_TOWER, 2600, 140, 16, 700, 1.0, 0, 1400, 200, 0, 160),
    "melee_barracks":     U(KIND_BARRACKS, 2200, 0, 15, 0, 1.0, 0, 900, 150, 0, 100, 5.0),
    "ranged_barracks":    U(KIND_BARRACKS, 1300, 0, 9, 0, 1.0, 0, 900, 100, 0, 80, 5.0),
    "ancient":            U(KIND_ANCIENT, 4500, 0, 13, 0, 1.0, 0, 900, 0, 0, 0, 3.0),
    "fountain":           U(KIND_FOUNTAIN, 1e9, 190, 100, 600, 0.2, 0, 1200, 0, 0),
}
del U
UNIT_ROW: dict[str, int] = {name: i for i, name in enumerate(UNITS)}

# Creep stats grow every `creep_upgrade_interval` seconds by these amounts.
CREEP_UPGRADE = {"hp": 12.0, "damage": 1.0}

# --------------------------------------------------------------------------
# Buildings of one team. Positions are fractions of the map size for Radiant
# (bottom-left base); Dire's buildings are the point reflection of these.
# `after` lists prerequisite groups: a building is vulnerable once every
# group has at least one destroyed member (the tier rule).


@dataclass(frozen=True)
class BuildingDef:
    name: str
    unit: str  # row of UNITS
    lane: int  # 0 top, 1 mid, 2 bot, -1 base
    tier: int  # 1-4 towers, 0 otherwise
    x: float
    y: float
    after: tuple[tuple[str, ...], ...] = ()


B = BuildingDef
BUILDINGS: tuple[BuildingDef, ...] = (
    B("top_t1", "tower_1", 0, 1, 0.07, 0.60),
    B("top_t2", "tower_2", 0, 2, 0.07, 0.40, (("top_t1",),)),
    B("top_t3", "tower_3", 0, 3, 0.07, 0.25, (("top_t2",),)),
    B("mid_t1", "tower_1", 1, 1, 0.40, 0.40),
    B("mid_t2", "tower_2", 1, 2, 0.30, 0.30, (("mid_t1",),)),
    B("mid_t3", "tower_3", 1, 3, 0.21, 0.21, (("mid_t2",),)),
    B("bot_t1", "tower_1", 2, 1, 0.60, 0.07),
    B("bot_t2", "tower_2", 2, 2, 0.40, 0.07, (("bot_t1",),)),
    B("bot_t3", "tower_3", 2, 3, 0.25, 0.07, (("bot_t2",),)),
    B("t4_a", "tower_4", -1, 4, 0.16, 0.13, (("top_t3", "mid_t3", "bot_t3"),)),
    B("t4_b", "tower_4", -1, 4, 0.13, 0.16, (("top_t3", "mid_t3", "bot_t3"),)),
    B("top_melee_rax", "melee_barracks", 0, 0, 0.05, 0.20, (("top_t3",),)),
    B("top_ranged_rax", "ranged_barracks", 0, 0, 0.09, 0.20, (("top_t3",),)),
    B("mid_melee_rax", "melee_barracks", 1, 0, 0.17, 0.19, (("mid_t3",),)),
    B("mid_ranged_rax", "ranged_barracks", 1, 0, 0.19, 0.17, (("mid_t3",),)),
    B("bot_melee_rax", "melee_barracks", 2, 0, 0.20, 0.05, (("bot_t3",),)),
    B("bot_ranged_rax", "ranged_barracks", 2, 0, 0.20, 0.09, (("bot_t3",),)),
    B("ancient", "ancient", -1, 0, 0.12, 0.12, (("t4_a",), ("t4_b",))),
    B("fountain", "fountain", -1, 0, 0.02, 0.02),
)
del B
BUILDING_INDEX: dict[str, int] = {b.name: i for i, b in enumerate(BUILDINGS)}
# Barracks whose fall upgrades the enemy's creeps of that lane: (melee, ranged).
LANE_BARRACKS = tuple(
    (BUILDING_INDEX[f"{lane}_melee_rax"], BUILDING_INDEX[f"{lane}_ranged_rax"])
    for lane in ("top", "mid", "bot")
)

# Lane waypoints for Radiant creeps, base to enemy base, in map fractions.
# Top runs up the left edge and along the top; bot is its mirror image.
LANE_PATHS: tuple[tuple[tuple[float, float], ...], ...] = (
    ((0.07, 0.20), (0.07, 0.93), (0.80, 0.93), (0.89, 0.89)),
    ((0.19, 0.19), (0.50, 0.50), (0.89, 0.89)),
    ((0.20, 0.07), (0.93, 0.07), (0.93, 0.80), (0.89, 0.89)),
)

# Tree clumps on the Radiant half: (centre x, centre y, width, height) in map
# fractions; Dire's half is the point reflection. Lanes and bases are carved
# clear afterwards, so a clump never blocks a lane.
TREE_CLUMPS: tuple[tuple[float, float, float, float], ...] = (
    (0.30, 0.17, 0.08, 0.03),
    (0.47, 0.20, 0.04, 0.07),
    (0.62, 0.24, 0.06, 0.05),
    (0.17, 0.30, 0.03, 0.08),
    (0.20, 0.47, 0.07, 0.04),
    (0.24, 0.62, 0.05, 0.06),
    (0.36, 0.28, 0.04, 0.04),
    (0.28, 0.36, 0.04, 0.04),
    (0.75, 0.14, 0.04, 0.04),
    (0.14, 0.75, 0.04, 0.04),
)

# --------------------------------------------------------------------------
# Levels, XP, respawn.

# Total XP needed to reach level 1..25.
XP_TO_LEVEL = (
    0, 240, 640, 1160, 1760, 2440, 3200, 4000, 4900, 5900, 7000, 8200, 9500,
    10900, 12400, 14000, 15700, 17500, 19400, 21400, 23600, 26000, 28600,
    31400, 34400,
)
MAX_LEVEL = len(XP_TO_LEVEL)
# Respawn time in seconds by level.
RESPAWN_SECONDS = (
    6, 8, 10, 14, 16, 26, 28, 30, 32, 34, 36, 44, 46, 48, 50, 52, 54, 65, 70,
    75, 80, 85, 90, 95, 100,
)

# --------------------------------------------------------------------------
# Items. `active` and `passive` name rows of engine.abilities.ABILITIES (used
# at level 1); `charges` > 0 marks a consumable, gone when they are used up.


@dataclass(frozen=True)
class ItemDef:
    name: str
    cost: float
    hp: float = 0.0
    mana: float = 0.0
    damage: float = 0.0
    armor: float = 0.0
    move_speed: float = 0.0
    hp_regen: float = 0.0
    mana_regen: float = 0.0
    active: str = ""
    passive: str = ""
    charges: int = 0


I = ItemDef
ITEMS: tuple[ItemDef, ...] = (
    # consumables
    I("healing_salve", 100, active="salve", charges=1),
    I("clarity", 50, active="clarity", charges=1),
    I("town_portal", 100, active="town_portal", charges=1),
    I("dust_of_appearance", 80, active="dust", charges=2),
    # stats
    I("iron_branch", 50, hp=20, mana=20, damage=1),
    I("boots", 500, move_speed=45),
    I("broadsword", 1000, damage=18),
    I("mithril_hammer", 1600, damage=24),
    I("chainmail", 550, armor=4),
    I("platemail", 1400, armor=10),
    I("vitality_booster", 1000, hp=250),
    I("energy_booster", 800, mana=250),
    I("ring_of_health", 700, hp_regen=6.5),
    # passives
    I("cloak", 500, passive="spell_ward"),
    I("morbid_mask", 900, passive="vampiric"),
    I("crystalys", 1950, damage=15, passive="great_crit"),
    I("skull_basher", 2700, damage=25, passive="bash_item"),
    I("butterfly", 4900, damage=30, armor=4, passive="flutter"),
    # actives
    I("phase_boots", 1500, move_speed=45, damage=12, active="phase"),
    I("blink_dagger", 2250, active="blink"),
    I("shadow_cloak", 3000, damage=22, active="shadow_walk"),
    I("black_king_bar", 4050, hp=200, damage=24, active="avatar"),
    I("mekansm", 1775, armor=4, hp_regen=2.0, active="restore"),
    I("orchid", 3475, damage=10, mana=150, mana_regen=4.0, active="soul_burn"),
    I("mask_of_madness", 1900, damage=10, active="berserk", passive="vampiric"),
    I("rod_of_atos", 2750, hp=250, mana=250, active="cripple"),
    I("dagon", 2700, mana=200, active="energy_burst"),
    I("hood_of_defiance", 1500, hp_regen=8.0, active="insulation", passive="defiance"),
)
del I
ITEM_INDEX: dict[str, int] = {it.name: i for i, it in enumerate(ITEMS)}

# --------------------------------------------------------------------------
# What each hero plays with: its four abilities (three basic, then the
# ultimate), the order its basic abilities are levelled (ultimate at 6, 12,
# 18, as OpenAI Five scripted it), and the scripted bot's item build.

ROLE_BUILDS: dict[str, tuple[str, ...]] = {
    "carry": ("healing_salve", "boots", "morbid_mask", "crystalys", "black_king_bar", "butterfly"),
    "support": ("healing_salve", "clarity", "boots", "mekansm", "hood_of_defiance", "rod_of_atos"),
    "nuker": ("healing_salve", "clarity", "boots", "dagon", "orchid", "black_king_bar"),
    "tank": ("healing_salve", "boots", "vitality_booster", "blink_dagger", "platemail",
             "skull_basher"),
    "ganker": ("healing_salve", "boots", "orchid", "shadow_cloak", "skull_basher", "mithril_hammer"),
}


@dataclass(frozen=True)
class HeroKit:
    abilities: tuple[str, str, str, str]
    skill_order: str  # basic abilities by priority, e.g. "102": max ability 2 first, then 1, then 3
    build: tuple[str, ...] = ()  # empty: the role's build


KITS: dict[str, HeroKit] = {
    "axeman": HeroKit(("battle_cry", "battle_hunger", "iron_hide", "culling_blade"), "012"),
    "sniper": HeroKit(("shrapnel", "take_aim", "steady_aim", "assassinate"), "012",
                      ("healing_salve", "boots", "mask_of_madness", "crystalys", "skull_basher",
                       "butterfly")),
    "frost_witch": HeroKit(("crystal_nova", "frostbite", "frost_armor", "freezing_field"), "012"),
    "shadow_blade": HeroKit(("shadow_step", "smoke_screen", "backstab", "vanish"), "201"),
    "stone_giant": HeroKit(("avalanche", "hurl", "craggy_exterior", "grow"), "012"),
    "storm_caller": HeroKit(("arc_lightning", "lightning_bolt", "storm_shell", "thundergods_wrath"),
                            "102"),
    "blade_dancer": HeroKit(("blade_fury", "healing_ward", "blade_dance", "omnislash"), "021"),
    "priestess": HeroKit(("purify", "guardian", "smite", "sanctuary"), "021"),
    "venom_lurker": HeroKit(("venom_spit", "toxin_fangs", "lurk", "poison_nova"), "012",
                            ("healing_salve", "boots", "dust_of_appearance", "orchid",
                             "shadow_cloak", "rod_of_atos")),
    "warlord": HeroKit(("storm_hammer", "war_cry", "warriors_might", "gods_strength"), "021"),
    "pyromancer": HeroKit(("dragon_slave", "light_strike_array", "fiery_soul", "laguna_blade"),
                          "012"),
    "ironclad": HeroKit(("hoof_stomp", "double_edge", "bulwark", "stampede"), "012",
                        ("healing_salve", "boots", "vitality_booster", "hood_of_defiance",
                         "blink_dagger", "platemail")),
    "wind_runner": HeroKit(("shackle_shot", "powershot", "windrun", "focus_fire"), "102"),
    "bone_archer": HeroKit(("searing_arrows", "skeleton_walk", "nimble", "death_volley"), "021",
                           ("healing_salve", "boots", "mask_of_madness", "shadow_cloak",
                            "crystalys", "butterfly")),
    "earth_shaker": HeroKit(("fissure", "enchant_totem", "tremor", "echo_slam"), "021"),
    "vampire": HeroKit(("rage", "feast", "open_wounds", "blood_hook"), "102",
                       ("healing_salve", "boots", "mithril_hammer", "skull_basher", "black_king_bar",
                        "butterfly")),
    "time_mage": HeroKit(("time_lock", "backtrack", "haste_ally", "chronosphere"), "012"),
}


def hero_build(hero: HeroDef) -> tuple[str, ...]:
    """The scripted bot's item build of a hero."""
    return KITS[hero.name].build or ROLE_BUILDS[hero.role]


def column(rows, name: str, dtype=np.float32) -> np.ndarray:
    """One field of a table's rows as an array."""
    return np.array([getattr(r, name) for r in rows], dtype=dtype)



# --------------------------------------------------------------------------
# Consistency of the tables, checked whenever a World is built.


class TableError(ValueError):
    """A row of the hero, ability or item tables is inconsistent."""


def _check_ability(a: Ability) -> None:
    def bad(msg: str) -> TableError:
        return TableError(f"ability {a.name!r}: {msg}")

    if a.target not in TARGETS:
        raise bad(f"target {a.target!r} is not one of {', '.join(TARGETS)}")
    if a.hits not in HITS:
        raise bad(f"hits {a.hits!r} is not one of {', '.join(HITS)}")
    if a.area not in AREAS:
        raise bad(f"area {a.area!r} is not one of {', '.join(AREAS)}")
    for what, values in (("mana", a.mana), ("cooldown", a.cooldown)):
        if len(values) != ABILITY_LEVELS:
            raise bad(f"{what} needs {ABILITY_LEVELS} levels, got {len(values)}")
        for lv, v in enumerate(values, 1):
            if not v >= 0:
                raise bad(f"{what} at level {lv} is {v}; it must be >= 0")
    for what in ("range", "cast_time", "radius", "locked_after_damage"):
        if not getattr(a, what) >= 0:
            raise bad(f"{what} is {getattr(a, what)}; it must be >= 0")
    if a.area != "single" and a.radius <= 0:
        raise bad(f"a {a.area} area needs a radius > 0")
    if not 1 <= len(a.effects) <= MAX_EFFECTS:
        raise bad(f"has {len(a.effects)} effects; 1 to {MAX_EFFECTS} allowed")
    for e in a.effects:
        if not 0 <= e.kind < len(EFFECT_NAMES):
            raise bad(f"unknown effect kind {e.kind}")
        name = EFFECT_NAMES[e.kind]
        if (e.kind in PASSIVE_EFFECTS) != (a.target == "passive"):
            raise bad(f"effect {name!r} {'needs' if e.kind in PASSIVE_EFFECTS else 'cannot be in'} "
                      "a passive ability")
        if not 0.0 <= e.chance <= 1.0:
            raise bad(f"effect {name!r} has chance {e.chance}; it must be in [0, 1]")
        if min(e.duration) < 0:
            raise bad(f"effect {name!r} has a negative duration")


def check_tables(heroes=None, kits=None, abilities=None, items=None) -> None:
    """Raise TableError naming the first inconsistent row (the module's own
    tables by default)."""
    heroes = HEROES if heroes is None else heroes
    kits = KITS if kits is None else kits
    abilities = ABILITIES if abilities is None else abilities
    items = ITEMS if items is None else items
    by_name = {a.name: a for a in abilities}
    if len(by_name) != len(abilities):
        raise TableError("two abilities share a name")
    for a in abilities:
        _check_ability(a)
    item_names = {it.name for it in items}
    for it in items:
        if not (it.cost >= 0 and it.charges >= 0):
            raise TableError(f"item {it.name!r}: cost and charges must be >= 0")
        for what, want_passive in (("active", False), ("passive", True)):
            name = getattr(it, what)
            if not name:
                continue
            if name not in by_name:
                raise TableError(f"item {it.name!r}: {what} {name!r} is not an ability")
            if (by_name[name].target == "passive") != want_passive:
                raise TableError(f"item {it.name!r}: {what} {name!r} is "
                                 f"{'not ' if want_passive else ''}a passive ability")
        if it.charges and not it.active:
            raise TableError(f"item {it.name!r}: a consumable needs an active ability")
    if len({h.name for h in heroes}) != len(heroes):
        raise TableError("two heroes share a name")
    for h in heroes:
        if not (h.hp > 0 and h.attack_time > 0 and h.move_speed >= 0 and 0 <= h.magic_resist < 1):
            raise TableError(f"hero {h.name!r}: hp and attack_time must be > 0, move_speed >= 0, "
                             "magic_resist in [0, 1)")
        kit = kits.get(h.name)
        if kit is None:
            raise TableError(f"hero {h.name!r} has no kit (abilities, skill order, build)")
        if len(kit.abilities) != 4:
            raise TableError(f"hero {h.name!r} has {len(kit.abilities)} abilities; it needs 4 "
                             "(three basic, one ultimate)")
        for name in kit.abilities:
            if name not in by_name:
                raise TableError(f"hero {h.name!r}: ability {name!r} is not in the ability table")
        if sorted(kit.skill_order) != ["0", "1", "2"]:
            raise TableError(f"hero {h.name!r}: skill_order {kit.skill_order!r} must order the "
                             "basic abilities 0, 1, 2")
        for name in kit.build:
            if name not in item_names:
                raise TableError(f"hero {h.name!r}: build item {name!r} is not in the item table")


def skill_levels(kit: HeroKit, hero_level: int) -> tuple[int, int, int, int]:
    """Ability levels at a hero level: one point per level, the ultimate at
    6, 12 and 18, the basics by `skill_order` (a basic ability's level is at
    most half the hero level, rounded up, as in Dota)."""
    levels = [0, 0, 0, 0]
    for lv in range(1, hero_level + 1):
        if lv in (6, 12, 18):
            levels[3] += 1
            continue
        for c in kit.skill_order:
            a = int(c)
            if levels[a] < ABILITY_LEVELS and levels[a] < (lv + 1) // 2:
                levels[a] += 1
                break
    return levels[0], levels[1], levels[2], levels[3]
