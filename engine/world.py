"""`World`: the config, map and rule tables packed into one NamedTuple of
arrays, the read-only argument of every kernel (columns named in
`engine.fields`).

Times are converted to ticks and speeds to units per tick here, once, so the
kernels never divide by the tick rate.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine import fields as F
from engine.abilities import (
    ABILITIES,
    ABILITY_INDEX,
    ABILITY_LEVELS,
    AREAS,
    EF_DOT,
    EF_INVISIBLE,
    HITS,
    MAX_EFFECTS,
    TARGETS,
)
from engine.config import GameConfig
from engine.constants import NUM_LANES, TICKS_PER_SECOND
from engine.mapgen import GameMap, build_map
from engine.tables import (
    BUILDING_INDEX,
    BUILDINGS,
    CREEP_UPGRADE,
    HERO_INDEX,
    HEROES,
    ITEMS,
    KITS,
    LANE_BARRACKS,
    MAX_LEVEL,
    RESPAWN_SECONDS,
    UNIT_ROW,
    UNITS,
    XP_TO_LEVEL,
    check_tables,
    column,
    skill_levels,
)

LINEUP_FIXED = 0
LINEUP_RANDOM = 1
LINEUP_MIRROR = 2

# Slot layout of one game: heroes, then each team's buildings, then creeps.
HERO_BASE = 0
BUILDING_BASE = 10
BUILDINGS_PER_TEAM = len(BUILDINGS)
CREEP_BASE = BUILDING_BASE + 2 * BUILDINGS_PER_TEAM


def num_units(creep_slots: int) -> int:
    return CREEP_BASE + 2 * creep_slots


class World(NamedTuple):
    pf: np.ndarray  # [PF] float parameters (engine.fields P_*)
    pi: np.ndarray  # [PI] int parameters
    lineup: np.ndarray  # [10] hero ids for LINEUP_FIXED
    walkable: np.ndarray  # [n, n] uint8, row = y cell
    lane_xy: np.ndarray  # [team, lane, waypoint, 2]
    lane_len: np.ndarray  # [team, lane]
    bld_xy: np.ndarray  # [team, building, 2]
    bld_tab: np.ndarray  # [building, BT]
    bld_after: np.ndarray  # [building, group, member], -1 padded
    lane_rax: np.ndarray  # [lane, melee/ranged] building index
    creep_rows: np.ndarray  # [normal/super, melee/ranged] row of unit_tab
    unit_tab: np.ndarray  # [row, UT] creeps and buildings
    hero_tab: np.ndarray  # [hero id, HT]
    item_tab: np.ndarray  # [item id, IT]
    abil_tab: np.ndarray  # [ability, AB]
    abil_mana: np.ndarray  # [ability, level] mana cost
    abil_cd: np.ndarray  # [ability, level] cooldown in ticks
    eff_tab: np.ndarray  # [ability, effect, EF]
    hero_abil: np.ndarray  # [hero id, 4] ability rows
    hero_skills: np.ndarray  # [hero id, hero level - 1, 4] ability levels
    xp_to_level: np.ndarray  # [25] total XP for each level
    respawn_ticks: np.ndarray  # [25]


def _ticks(seconds: float) -> int:
    return int(round(seconds * TICKS_PER_SECOND))


def ability_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ABILITIES packed for the kernels: (abil_tab, mana, cooldown ticks, eff_tab)."""
    n = len(ABILITIES)
    tab = np.zeros((n, F.AB), np.float32)
    eff = np.zeros((n, MAX_EFFECTS, F.EF), np.float32)
    eff[:, :, F.EF_KIND] = -1
    for i, a in enumerate(ABILITIES):
        tab[i, F.AB_TARGET] = TARGETS.index(a.target)
        tab[i, F.AB_HITS] = HITS.index(a.hits)
        tab[i, F.AB_AREA] = AREAS.index(a.area)
        tab[i, F.AB_RADIUS] = a.radius
        tab[i, F.AB_RANGE] = a.range
        tab[i, F.AB_CAST_TICKS] = _ticks(a.cast_time)
        tab[i, F.AB_LOCK_TICKS] = _ticks(a.locked_after_damage)
        tab[i, F.AB_HEROES_ONLY] = a.heroes_only
        tab[i, F.AB_EFFECTS] = len(a.effects)
        for j, e in enumerate(a.effects):
            value = np.array(e.value, np.float64)
            if e.kind == EF_DOT:
                value = value / TICKS_PER_SECOND
            elif e.kind == EF_INVISIBLE:  # the fade time
                value = np.round(value * TICKS_PER_SECOND)
            eff[i, j, F.EF_KIND] = e.kind
            eff[i, j, F.EF_ON_CASTER] = e.on_caster
            eff[i, j, F.EF_CHANCE] = e.chance
            eff[i, j, F.EF_VALUE:F.EF_VALUE + ABILITY_LEVELS] = value
            eff[i, j, F.EF_DURATION:F.EF_DURATION + ABILITY_LEVELS] = np.round(
                np.array(e.duration) * TICKS_PER_SECOND)
    mana = np.array([a.mana for a in ABILITIES], np.float32)
    cooldown = np.round(np.array([a.cooldown for a in ABILITIES]) * TICKS_PER_SECOND).astype(np.int32)
    return tab, mana, cooldown, eff


def build_world(cfg: GameConfig) -> tuple[World, GameMap]:
    check_tables()
    gmap = build_map(cfg.map_size, cfg.cell_size, cfg.lane_width)
    units = list(UNITS.values())
    u_hp = column(units, "hp")
    for b in BUILDINGS:
        row = UNIT_ROW[b.unit]
        if b.unit != "fountain":
            u_hp[row] = units[row].hp * cfg.building_hp_scale

    after = np.full((len(BUILDINGS), 2, 3), -1, np.int32)
    for i, b in enumerate(BUILDINGS):
        for gi, group in enumerate(b.after):
            for mi, name in enumerate(group):
                after[i, gi, mi] = BUILDING_INDEX[name]

    if cfg.lineup == "random":
        mode, lineup = LINEUP_RANDOM, np.zeros(10, np.int32)
    elif cfg.lineup == "mirror":
        mode, lineup = LINEUP_MIRROR, np.zeros(10, np.int32)
    else:
        mode, lineup = LINEUP_FIXED, np.array([HERO_INDEX[n] for n in cfg.lineup], np.int32)

    pf = np.zeros(F.PF, np.float64)
    pf[F.P_MAP_SIZE] = cfg.map_size
    pf[F.P_CELL] = cfg.cell_size
    pf[F.P_OFFSET_STEP] = cfg.offset_step
    pf[F.P_START_GOLD] = cfg.start_gold
    pf[F.P_PASSIVE_GOLD] = cfg.passive_gold / TICKS_PER_SECOND
    pf[F.P_XP_RANGE] = cfg.xp_range
    pf[F.P_DENY_XP] = cfg.deny_xp_factor
    pf[F.P_HERO_KILL_GOLD] = cfg.hero_kill_gold
    pf[F.P_HERO_KILL_GOLD_LVL] = cfg.hero_kill_gold_per_level
    pf[F.P_ASSIST_GOLD] = cfg.assist_gold
    pf[F.P_ASSIST_GOLD_LVL] = cfg.assist_gold_per_level
    pf[F.P_HERO_KILL_XP] = cfg.hero_kill_xp
    pf[F.P_HERO_KILL_XP_LVL] = cfg.hero_kill_xp_per_level
    pf[F.P_DEATH_GOLD_LVL] = cfg.death_gold_per_level
    pf[F.P_BUYBACK_BASE] = cfg.buyback_base
    pf[F.P_BUYBACK_LVL_SQ] = cfg.buyback_per_level_sq
    pf[F.P_BUYBACK_MINUTE] = cfg.buyback_per_minute
    pf[F.P_SHOP_RANGE] = cfg.shop_range
    pf[F.P_FOUNTAIN_HEAL] = cfg.fountain_heal / TICKS_PER_SECOND
    pf[F.P_CREEP_ACQUIRE] = cfg.creep_acquire_range
    pf[F.P_LEASH] = cfg.leash_range
    pf[F.P_UPGRADE_HP] = CREEP_UPGRADE["hp"]
    pf[F.P_UPGRADE_DAMAGE] = CREEP_UPGRADE["damage"]
    pf[F.P_TRUE_SIGHT] = cfg.true_sight_range

    pi = np.zeros(F.PI, np.int64)
    pi[F.P_GRID_N] = gmap.walkable.shape[0]
    pi[F.P_FRAMESKIP] = cfg.frameskip
    pi[F.P_CAP_TICKS] = _ticks(cfg.time_cap_minutes * 60)
    pi[F.P_WAVE_TICKS] = _ticks(cfg.wave_interval)
    pi[F.P_UPGRADE_TICKS] = _ticks(cfg.creep_upgrade_interval)
    pi[F.P_MELEE_PER_WAVE] = cfg.melee_per_wave
    pi[F.P_RANGED_PER_WAVE] = cfg.ranged_per_wave
    pi[F.P_CREEP_SLOTS] = cfg.creep_slots
    pi[F.P_NUM_UNITS] = num_units(cfg.creep_slots)
    pi[F.P_OBS_UNITS] = cfg.obs_units
    pi[F.P_MINIMAP] = cfg.minimap_size
    pi[F.P_ASSIST_TICKS] = _ticks(cfg.assist_window)
    pi[F.P_BUYBACK_CD] = _ticks(cfg.buyback_cooldown)
    pi[F.P_LINEUP_MODE] = mode
    pi[F.P_ANCIENT] = BUILDING_INDEX["ancient"]
    pi[F.P_FOUNTAIN] = BUILDING_INDEX["fountain"]

    unit_tab = np.zeros((len(units), F.UT), np.float32)
    unit_tab[:, F.UT_KIND] = column(units, "kind")
    unit_tab[:, F.UT_HP] = u_hp
    unit_tab[:, F.UT_DAMAGE] = column(units, "damage")
    unit_tab[:, F.UT_ARMOR] = column(units, "armor")
    unit_tab[:, F.UT_RANGE] = column(units, "attack_range")
    unit_tab[:, F.UT_ATTACK_TICKS] = column(units, "attack_time") * TICKS_PER_SECOND
    unit_tab[:, F.UT_SPEED] = column(units, "move_speed") / TICKS_PER_SECOND
    unit_tab[:, F.UT_VISION] = column(units, "vision")
    unit_tab[:, F.UT_GOLD] = column(units, "gold")
    unit_tab[:, F.UT_XP] = column(units, "xp")
    unit_tab[:, F.UT_TEAM_GOLD] = column(units, "team_gold")
    unit_tab[:, F.UT_HP_REGEN] = column(units, "hp_regen") / TICKS_PER_SECOND

    hero_tab = np.zeros((len(HEROES), F.HT), np.float32)
    hero_tab[:, F.HT_RANGED] = column(HEROES, "ranged")
    hero_tab[:, F.HT_HP] = column(HEROES, "hp")
    hero_tab[:, F.HT_HP_GAIN] = column(HEROES, "hp_gain")
    hero_tab[:, F.HT_HP_REGEN] = column(HEROES, "hp_regen") / TICKS_PER_SECOND
    hero_tab[:, F.HT_MANA] = column(HEROES, "mana")
    hero_tab[:, F.HT_MANA_GAIN] = column(HEROES, "mana_gain")
    hero_tab[:, F.HT_MANA_REGEN] = column(HEROES, "mana_regen") / TICKS_PER_SECOND
    hero_tab[:, F.HT_DAMAGE] = column(HEROES, "damage")
    hero_tab[:, F.HT_DAMAGE_GAIN] = column(HEROES, "damage_gain")
    hero_tab[:, F.HT_ARMOR] = column(HEROES, "armor")
    hero_tab[:, F.HT_ARMOR_GAIN] = column(HEROES, "armor_gain")
    hero_tab[:, F.HT_RANGE] = column(HEROES, "attack_range")
    hero_tab[:, F.HT_ATTACK_TICKS] = column(HEROES, "attack_time") * TICKS_PER_SECOND
    hero_tab[:, F.HT_AS_GAIN] = column(HEROES, "attack_speed_gain")
    hero_tab[:, F.HT_SPEED] = column(HEROES, "move_speed") / TICKS_PER_SECOND
    hero_tab[:, F.HT_VISION] = column(HEROES, "vision")
    hero_tab[:, F.HT_MAGIC_RES] = column(HEROES, "magic_resist")

    item_tab = np.zeros((len(ITEMS), F.IT), np.float32)
    item_tab[:, F.IT_COST] = column(ITEMS, "cost")
    item_tab[:, F.IT_HP] = column(ITEMS, "hp")
    item_tab[:, F.IT_MANA] = column(ITEMS, "mana")
    item_tab[:, F.IT_DAMAGE] = column(ITEMS, "damage")
    item_tab[:, F.IT_ARMOR] = column(ITEMS, "armor")
    item_tab[:, F.IT_SPEED] = column(ITEMS, "move_speed") / TICKS_PER_SECOND
    item_tab[:, F.IT_HP_REGEN] = column(ITEMS, "hp_regen") / TICKS_PER_SECOND
    item_tab[:, F.IT_MANA_REGEN] = column(ITEMS, "mana_regen") / TICKS_PER_SECOND
    item_tab[:, F.IT_CHARGES] = column(ITEMS, "charges")
    item_tab[:, F.IT_ACTIVE] = [ABILITY_INDEX[it.active] if it.active else -1 for it in ITEMS]
    item_tab[:, F.IT_PASSIVE] = [ABILITY_INDEX[it.passive] if it.passive else -1 for it in ITEMS]

    abil_tab, abil_mana, abil_cd, eff_tab = ability_arrays()
    kits = [KITS[h.name] for h in HEROES]
    hero_abil = np.array([[ABILITY_INDEX[a] for a in k.abilities] for k in kits], np.int32)
    hero_skills = np.array([[skill_levels(k, lv) for lv in range(1, MAX_LEVEL + 1)] for k in kits],
                           np.int32)

    bld_tab = np.zeros((len(BUILDINGS), F.BT), np.int32)
    bld_tab[:, F.BT_ROW] = [UNIT_ROW[b.unit] for b in BUILDINGS]
    bld_tab[:, F.BT_LANE] = column(BUILDINGS, "lane", np.int32)
    bld_tab[:, F.BT_TIER] = column(BUILDINGS, "tier", np.int32)

    world = World(
        pf=pf,
        pi=pi,
        lineup=lineup,
        walkable=gmap.walkable,
        lane_xy=gmap.lane_paths,
        lane_len=gmap.lane_lengths,
        bld_xy=gmap.building_xy,
        bld_tab=bld_tab,
        bld_after=after,
        lane_rax=np.array(LANE_BARRACKS, np.int32).reshape(NUM_LANES, 2),
        creep_rows=np.array(
            [[UNIT_ROW["melee_creep"], UNIT_ROW["ranged_creep"]],
             [UNIT_ROW["super_melee_creep"], UNIT_ROW["super_ranged_creep"]]], np.int32),
        unit_tab=unit_tab,
        hero_tab=hero_tab,
        item_tab=item_tab,
        abil_tab=abil_tab,
        abil_mana=abil_mana,
        abil_cd=abil_cd,
        eff_tab=eff_tab,
        hero_abil=hero_abil,
        hero_skills=hero_skills,
        xp_to_level=np.array(XP_TO_LEVEL, np.float32),
        respawn_ticks=np.array(RESPAWN_SECONDS, np.int32) * TICKS_PER_SECOND,
    )
    return world, gmap
