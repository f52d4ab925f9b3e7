"""Compiled game rules shared by the tick and the decision kernels: damage,
attacks and their passives, deaths and bounties, XP, levels and ability
levels, hero statistics, timed statuses, movement, the tier rule, the
per-game random generator.

Every function takes the State `s`, the World `w` and a game index `g`, and
touches only row `g`. Boolean results are built with `if` chains or `|`:
numba compiles `a and b` used as a value many times slower.
"""

import numpy as np

from engine import fields as F
from engine.abilities import (
    EF_BASH,
    EF_CRIT,
    EF_EVASION,
    EF_LIFESTEAL,
    EF_MAGIC_RESIST,
    TARGET_PASSIVE,
)
from engine.constants import (
    DENY_HP_FRACTION,
    HEROES_PER_TEAM,
    HULL_RADIUS,
    INVENTORY_SLOTS,
    KIND_ANCIENT,
    KIND_BARRACKS,
    KIND_FOUNTAIN,
    KIND_HERO,
    KIND_MELEE_CREEP,
    KIND_RANGED_CREEP,
    KIND_TOWER,
    NUM_ABILITIES,
    NUM_HEROES,
    ORDER_NONE,
    TICKS_PER_SECOND,
)
from engine.jit import kernel
from engine.spec import (
    EV_ASSISTS,
    EV_BARRACKS_KILL,
    EV_DEATHS,
    EV_DENIES,
    EV_GOLD,
    EV_HP_LOST_TO_TOWERS,
    EV_KILLS,
    EV_LAST_HITS,
    EV_TOWER_DAMAGE,
    EV_TOWER_KILL_T1,
    EV_XP,
)
from engine.world import BUILDING_BASE, BUILDINGS_PER_TEAM, CREEP_BASE

# --------------------------------------------------------------------------
# Random numbers: xorshift64* per game, so a game's draws never depend on
# another game or on the thread that runs it.


@kernel(inline=True)
def rng_next(s, g):
    x = s.rng[g]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    s.rng[g] = x
    return x * np.uint64(2685821657736338717)


@kernel(inline=True)
def rng_uniform(s, g):
    return float(rng_next(s, g) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel(inline=True)
def rng_int(s, g, n):
    return min(int(rng_uniform(s, g) * n), n - 1)


def seed_state(seed: int, game: int) -> np.uint64:
    """A non-zero generator state for one game, mixed from (seed, game)."""
    mask = (1 << 64) - 1
    z = (seed * 0x9E3779B97F4A7C15 + game * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    return np.uint64(z or 1)


# --------------------------------------------------------------------------
# Geometry and slots


@kernel(inline=True)
def building_slot(team, b):
    return BUILDING_BASE + team * BUILDINGS_PER_TEAM + b


@kernel(inline=True)
def creep_slot(w, team, c):
    return CREEP_BASE + team * w.pi[F.P_CREEP_SLOTS] + c


@kernel(inline=True)
def dist2(s, g, a, b):
    dx = s.uf[g, a, F.X] - s.uf[g, b, F.X]
    dy = s.uf[g, a, F.Y] - s.uf[g, b, F.Y]
    return dx * dx + dy * dy


@kernel(inline=True)
def in_attack_range(s, g, a, v):
    reach = (s.uf[g, a, F.RANGE] + HULL_RADIUS[s.ui[g, a, F.KIND]]
             + HULL_RADIUS[s.ui[g, v, F.KIND]])
    return dist2(s, g, a, v) <= reach * reach


@kernel(inline=True)
def armor_factor(armor):
    """Dota's physical damage multiplier for a given armor value."""
    return 1.0 - 0.06 * armor / (1.0 + 0.06 * abs(armor))


@kernel(inline=True)
def is_creep(kind):
    return (kind == KIND_MELEE_CREEP) | (kind == KIND_RANGED_CREEP)


@kernel(inline=True)
def is_building(kind):
    return (kind == KIND_TOWER) | (kind == KIND_BARRACKS) | (kind == KIND_ANCIENT)


# --------------------------------------------------------------------------
# Timed statuses (engine.fields: each stored as the tick it ends)


@kernel(inline=True)
def affected(s, g, u):
    """Whether unit u is under any timed status now (one int read, so the
    many units under none skip the rest)."""
    return s.ui[g, u, F.EFFECTS_END] > s.gi[g, F.TICK]


@kernel(inline=True)
def set_status_end(s, g, u, field, end):
    """Status `field` of unit u lasts until tick `end`."""
    s.uf[g, u, field] = end
    if end > s.ui[g, u, F.EFFECTS_END]:
        s.ui[g, u, F.EFFECTS_END] = int(end)


@kernel(inline=True)
def clear_status(s, g, u):
    s.uf[g, u, F.STATUS_FIRST:F.UF] = 0.0
    s.ui[g, u, F.DOT_SRC] = -1
    s.ui[g, u, F.EFFECTS_END] = 0


@kernel(inline=True)
def invisible(s, g, u):
    t = s.gi[g, F.TICK]
    if s.ui[g, u, F.EFFECTS_END] <= t or s.uf[g, u, F.INVIS_END] <= t:
        return False
    return s.uf[g, u, F.INVIS_START] <= t


@kernel(inline=True)
def hidden_from(s, g, u, team):
    """Whether unit u is an invisible hero that `team` does not see."""
    if u >= NUM_HEROES or not invisible(s, g, u):
        return False
    return not s.visible[g, team, u]


@kernel(inline=True)
def break_invisibility(s, g, u):
    t = s.gi[g, F.TICK]
    if s.uf[g, u, F.INVIS_END] > t:
        s.uf[g, u, F.INVIS_END] = t


@kernel(inline=True)
def speed_now(s, g, u):
    """Move speed per tick with roots, slows and hastes applied."""
    t = s.gi[g, F.TICK]
    uf = s.uf[g, u]
    if s.ui[g, u, F.EFFECTS_END] <= t:
        return uf[F.SPEED]
    if uf[F.ROOT_END] > t:
        return 0.0
    m = 1.0
    if uf[F.SLOW_END] > t:
        m -= uf[F.SLOW]
    if uf[F.HASTE_END] > t:
        m += uf[F.HASTE]
    return uf[F.SPEED] * max(m, 0.0)


@kernel
def stun_unit(s, g, u, end):
    """Stun u until tick `end`: a hero's order (a cast, a channel) is dropped."""
    if end > s.uf[g, u, F.STUN_END]:
        set_status_end(s, g, u, F.STUN_END, end)
    if u < NUM_HEROES:
        s.ui[g, u, F.ORDER] = ORDER_NONE
        s.ui[g, u, F.TARGET] = -1


# --------------------------------------------------------------------------
# Movement

# Directions tried when the way straight on is blocked: 0, +-45, +-90 degrees.
SLIDE_COS = (1.0, 0.7071068, 0.7071068, 0.0, 0.0)
SLIDE_SIN = (0.0, 0.7071068, -0.7071068, 1.0, -1.0)


@kernel(inline=True)
def walkable(w, x, y):
    size = w.pf[F.P_MAP_SIZE]
    if x < 0.0 or y < 0.0 or x >= size or y >= size:
        return False
    cell = w.pf[F.P_CELL]
    return w.walkable[int(y / cell), int(x / cell)] != 0


@kernel(inline=True)
def move_toward(s, w, g, u, tx, ty):
    """Step unit `u` toward (tx, ty); slide around trees. True on arrival."""
    x = s.uf[g, u, F.X]
    y = s.uf[g, u, F.Y]
    dx = tx - x
    dy = ty - y
    d = np.sqrt(dx * dx + dy * dy)
    step = speed_now(s, g, u)
    if d <= step:
        if walkable(w, tx, ty):
            s.uf[g, u, F.X] = tx
            s.uf[g, u, F.Y] = ty
        return True
    ux = dx / d
    uy = dy / d
    # Straight on, then 45 and 90 degrees either side.
    for i in range(5):
        c = SLIDE_COS[i]
        sn = SLIDE_SIN[i]
        nx = x + (ux * c - uy * sn) * step
        ny = y + (ux * sn + uy * c) * step
        if walkable(w, nx, ny):
            s.uf[g, u, F.X] = nx
            s.uf[g, u, F.Y] = ny
            return False
    return False


# --------------------------------------------------------------------------
# The tier rule


@kernel
def building_vulnerable(s, w, g, team, b):
    """True once every prerequisite group of building `b` has a destroyed member."""
    for grp in range(w.bld_after.shape[1]):
        if w.bld_after[b, grp, 0] < 0:
            continue
        fallen = False
        for m in range(w.bld_after.shape[2]):
            other = w.bld_after[b, grp, m]
            if other < 0:
                break
            if not s.ui[g, building_slot(team, other), F.ALIVE]:
                fallen = True
        if not fallen:
            return False
    return True


@kernel
def update_vulnerability(s, w, g, team):
    """Apply the tier rule to `team`'s buildings; run when one of them falls."""
    for b in range(BUILDINGS_PER_TEAM):
        u = building_slot(team, b)
        s.ui[g, u, F.INVULNERABLE] = 0
        if s.ui[g, u, F.KIND] == KIND_FOUNTAIN:
            s.ui[g, u, F.INVULNERABLE] = 1
        elif not building_vulnerable(s, w, g, team, b):
            s.ui[g, u, F.INVULNERABLE] = 1


@kernel(inline=True)
def vulnerable(s, w, g, u):
    return s.ui[g, u, F.INVULNERABLE] == 0


@kernel(inline=True)
def attackable(s, w, g, a, v):
    """Whether unit `a` may attack unit `v` now: a living enemy that can take
    damage, or an allied creep weak enough to deny."""
    if v < 0 or not s.ui[g, v, F.ALIVE] or v == a:
        return False
    if s.ui[g, v, F.TEAM] != s.ui[g, a, F.TEAM]:
        return vulnerable(s, w, g, v)
    if s.ui[g, a, F.KIND] != KIND_HERO or not is_creep(s.ui[g, v, F.KIND]):
        return False
    return s.uf[g, v, F.HP] < DENY_HP_FRACTION * s.uf[g, v, F.MAX_HP]


# --------------------------------------------------------------------------
# Heroes: statistics, XP, gold


@kernel
def hero_stats(s, w, g, h):
    """Recompute a hero's statistics from its hero row, level and items,
    keeping its HP and mana fractions."""
    ht = w.hero_tab[s.hi[g, h, F.HERO_ID]]
    lv = s.hi[g, h, F.LEVEL] - 1
    max_hp = ht[F.HT_HP] + ht[F.HT_HP_GAIN] * lv
    max_mana = ht[F.HT_MANA] + ht[F.HT_MANA_GAIN] * lv
    damage = ht[F.HT_DAMAGE] + ht[F.HT_DAMAGE_GAIN] * lv
    armor = ht[F.HT_ARMOR] + ht[F.HT_ARMOR_GAIN] * lv
    speed = ht[F.HT_SPEED]
    hp_regen = ht[F.HT_HP_REGEN]
    mana_regen = ht[F.HT_MANA_REGEN]
    for slot in range(INVENTORY_SLOTS):
        it = s.inv[g, h, slot, F.INV_ITEM]
        if it < 0:
            continue
        row = w.item_tab[it]
        max_hp += row[F.IT_HP]
        max_mana += row[F.IT_MANA]
        damage += row[F.IT_DAMAGE]
        armor += row[F.IT_ARMOR]
        speed += row[F.IT_SPEED]
        hp_regen += row[F.IT_HP_REGEN]
        mana_regen += row[F.IT_MANA_REGEN]
    u = s.uf[g, h]
    u[F.HP] = u[F.HP] / u[F.MAX_HP] * max_hp if u[F.MAX_HP] > 0 else max_hp
    u[F.MANA] = u[F.MANA] / u[F.MAX_MANA] * max_mana if u[F.MAX_MANA] > 0 else max_mana
    u[F.MAX_HP] = max_hp
    u[F.MAX_MANA] = max_mana
    u[F.DAMAGE] = damage
    u[F.ARMOR] = armor
    u[F.SPEED] = speed
    u[F.HP_REGEN] = hp_regen
    u[F.MANA_REGEN] = mana_regen
    u[F.RANGE] = ht[F.HT_RANGE]
    u[F.ATTACK_TICKS] = ht[F.HT_ATTACK_TICKS] / (1.0 + ht[F.HT_AS_GAIN] * lv)
    u[F.VISION] = ht[F.HT_VISION]
    u[F.MAGIC_RES] = ht[F.HT_MAGIC_RES]
    hf = s.hf[g, h]
    hf[F.CRIT_CHANCE] = 0.0
    hf[F.CRIT_MULT] = 1.0
    hf[F.LIFESTEAL] = 0.0
    hf[F.EVASION] = 0.0
    hf[F.BASH_CHANCE] = 0.0
    hf[F.BASH_TICKS] = 0.0
    hid = s.hi[g, h, F.HERO_ID]
    for a in range(NUM_ABILITIES):
        level = s.abil[g, h, a, F.ABIL_LEVEL]
        if level > 0:
            _add_passives(s, w, g, h, w.hero_abil[hid, a], level)
    for slot in range(INVENTORY_SLOTS):
        it = s.inv[g, h, slot, F.INV_ITEM]
        if it >= 0 and w.item_tab[it, F.IT_PASSIVE] >= 0:
            _add_passives(s, w, g, h, int(w.item_tab[it, F.IT_PASSIVE]), 1)


@kernel
def _add_passives(s, w, g, h, ab, level):
    """Fold the passive effects of ability row `ab` at `level` into hero h:
    the best crit and bash, summed lifesteal, evasion and magic resistance
    combined multiplicatively (as Dota stacks them)."""
    if w.abil_tab[ab, F.AB_TARGET] != TARGET_PASSIVE:
        return
    hf = s.hf[g, h]
    for e in range(int(w.abil_tab[ab, F.AB_EFFECTS])):
        row = w.eff_tab[ab, e]
        kind = int(row[F.EF_KIND])
        value = row[F.EF_VALUE + level - 1]
        chance = row[F.EF_CHANCE]
        if kind == EF_CRIT:
            if chance * (value - 1.0) > hf[F.CRIT_CHANCE] * (hf[F.CRIT_MULT] - 1.0):
                hf[F.CRIT_CHANCE] = chance
                hf[F.CRIT_MULT] = value
        elif kind == EF_LIFESTEAL:
            hf[F.LIFESTEAL] += value
        elif kind == EF_EVASION:
            hf[F.EVASION] = 1.0 - (1.0 - hf[F.EVASION]) * (1.0 - chance)
        elif kind == EF_BASH:
            if chance > hf[F.BASH_CHANCE]:
                hf[F.BASH_CHANCE] = chance
                hf[F.BASH_TICKS] = row[F.EF_DURATION + level - 1]
        elif kind == EF_MAGIC_RESIST:
            s.uf[g, h, F.MAGIC_RES] = 1.0 - (1.0 - s.uf[g, h, F.MAGIC_RES]) * (1.0 - value)


@kernel
def level_abilities(s, w, g, h):
    """Ability levels from the hero's scripted skill build at its level."""
    skills = w.hero_skills[s.hi[g, h, F.HERO_ID], s.hi[g, h, F.LEVEL] - 1]
    for a in range(NUM_ABILITIES):
        s.abil[g, h, a, F.ABIL_LEVEL] = skills[a]


@kernel(inline=True)
def grant_gold(s, g, h, amount):
    s.hf[g, h, F.GOLD] += amount
    s.events[g, h, EV_GOLD] += amount


@kernel
def grant_xp(s, w, g, h, amount):
    s.hf[g, h, F.XP] += amount
    s.events[g, h, EV_XP] += amount
    max_level = w.xp_to_level.shape[0]
    leveled = False
    while s.hi[g, h, F.LEVEL] < max_level and s.hf[g, h, F.XP] >= w.xp_to_level[s.hi[g, h, F.LEVEL]]:
        s.hi[g, h, F.LEVEL] += 1
        leveled = True
    if leveled:
        level_abilities(s, w, g, h)
        hero_stats(s, w, g, h)


@kernel(inline=True)
def _near(s, g, h, x, y, r2):
    if not s.ui[g, h, F.ALIVE]:
        return False
    return (s.uf[g, h, F.X] - x) ** 2 + (s.uf[g, h, F.Y] - y) ** 2 <= r2


@kernel
def share_xp(s, w, g, receiving_team, x, y, amount):
    """Split `amount` XP among the living heroes of `receiving_team` near (x, y)."""
    lo = receiving_team * HEROES_PER_TEAM
    r2 = w.pf[F.P_XP_RANGE] ** 2
    n = 0
    for h in range(lo, lo + HEROES_PER_TEAM):
        if _near(s, g, h, x, y, r2):
            n += 1
    if n > 0:
        for h in range(lo, lo + HEROES_PER_TEAM):
            if _near(s, g, h, x, y, r2):
                grant_xp(s, w, g, h, amount / n)


@kernel(inline=True)
def buyback_cost(s, w, g, h):
    lv = s.hi[g, h, F.LEVEL]
    minutes = s.gi[g, F.TICK] / (60.0 * TICKS_PER_SECOND)
    return (w.pf[F.P_BUYBACK_BASE] + w.pf[F.P_BUYBACK_LVL_SQ] * lv * lv
            + w.pf[F.P_BUYBACK_MINUTE] * minutes)


@kernel
def respawn_hero(s, w, g, h):
    f = building_slot(h // HEROES_PER_TEAM, w.pi[F.P_FOUNTAIN])
    s.ui[g, h, F.ALIVE] = 1
    s.uf[g, h, F.X] = s.uf[g, f, F.X]
    s.uf[g, h, F.Y] = s.uf[g, f, F.Y]
    s.uf[g, h, F.HP] = s.uf[g, h, F.MAX_HP]
    s.uf[g, h, F.MANA] = s.uf[g, h, F.MAX_MANA]
    s.uf[g, h, F.ATTACK_CD] = 0.0
    s.hi[g, h, F.RESPAWN] = 0
    s.ui[g, h, F.ORDER] = ORDER_NONE
    s.ui[g, h, F.TARGET] = -1


# --------------------------------------------------------------------------
# Damage and death


@kernel(inline=True)
def _assisted(s, w, g, victim, a):
    t = s.damaged_by[g, victim, a]
    if t < 0:
        return False
    return s.gi[g, F.TICK] - t <= w.pi[F.P_ASSIST_TICKS]


@kernel
def _hero_death(s, w, g, v, khero, killer_is_enemy):
    vteam = v // HEROES_PER_TEAM
    eteam = 1 - vteam
    lv = s.hi[g, v, F.LEVEL]
    s.hi[g, v, F.DEATHS] += 1
    s.events[g, v, EV_DEATHS] += 1.0
    s.hi[g, v, F.RESPAWN] = w.respawn_ticks[lv - 1]
    s.hf[g, v, F.GOLD] -= min(s.hf[g, v, F.GOLD], w.pf[F.P_DEATH_GOLD_LVL] * lv)
    if killer_is_enemy:
        s.gi[g, F.SCORE + eteam] += 1
    if khero >= 0 and khero // HEROES_PER_TEAM == eteam:
        s.hi[g, khero, F.KILLS] += 1
        s.events[g, khero, EV_KILLS] += 1.0
        grant_gold(s, g, khero, w.pf[F.P_HERO_KILL_GOLD] + w.pf[F.P_HERO_KILL_GOLD_LVL] * lv)
    # Assists: enemy heroes other than the killer who hit the victim lately.
    lo = eteam * HEROES_PER_TEAM
    n = 0
    for a in range(lo, lo + HEROES_PER_TEAM):
        if a != khero and _assisted(s, w, g, v, a):
            n += 1
    if n > 0:
        share = (w.pf[F.P_ASSIST_GOLD] + w.pf[F.P_ASSIST_GOLD_LVL] * lv) / n
        for a in range(lo, lo + HEROES_PER_TEAM):
            if a != khero and _assisted(s, w, g, v, a):
                s.hi[g, a, F.ASSISTS] += 1
                s.events[g, a, EV_ASSISTS] += 1.0
                grant_gold(s, g, a, share)
    for a in range(NUM_HEROES):
        s.damaged_by[g, v, a] = -1
    return w.pf[F.P_HERO_KILL_XP] + w.pf[F.P_HERO_KILL_XP_LVL] * lv


@kernel
def _building_death(s, w, g, v, khero, kind):
    vteam = s.ui[g, v, F.TEAM]
    eteam = 1 - vteam
    row = s.ui[g, v, F.ROW]
    tier = w.bld_tab[v - BUILDING_BASE - vteam * BUILDINGS_PER_TEAM, F.BT_TIER]
    for h in range(eteam * HEROES_PER_TEAM, (eteam + 1) * HEROES_PER_TEAM):
        grant_gold(s, g, h, w.unit_tab[row, F.UT_TEAM_GOLD])
        if kind == KIND_TOWER:
            s.events[g, h, EV_TOWER_KILL_T1 + tier - 1] += 1.0
        elif kind == KIND_BARRACKS:
            s.events[g, h, EV_BARRACKS_KILL] += 1.0
    if khero >= 0 and khero // HEROES_PER_TEAM == eteam:
        grant_gold(s, g, khero, w.unit_tab[row, F.UT_GOLD])
    if kind == KIND_ANCIENT and s.gi[g, F.WINNER] < 0:
        s.gi[g, F.WINNER] = eteam
    update_vulnerability(s, w, g, vteam)


@kernel
def kill_unit(s, w, g, v, killer):
    """Unit `v` dies by the hand of unit `killer` (-1 for none): bounties,
    XP, kill credit, respawn timer, and the game's end for an ancient."""
    kind = s.ui[g, v, F.KIND]
    vteam = s.ui[g, v, F.TEAM]
    eteam = 1 - vteam
    s.ui[g, v, F.ALIVE] = 0
    s.uf[g, v, F.HP] = 0.0
    clear_status(s, g, v)
    s.ui[g, v, F.TARGET] = -1
    s.ui[g, v, F.ORDER] = ORDER_NONE
    khero = -1
    if killer >= 0:
        if killer < NUM_HEROES:
            khero = killer
    xp = 0.0
    if is_creep(kind):
        row = s.ui[g, v, F.ROW]
        xp = w.unit_tab[row, F.UT_XP]
        if khero >= 0 and s.ui[g, khero, F.TEAM] == vteam:
            s.hi[g, khero, F.DENIES] += 1
            s.events[g, khero, EV_DENIES] += 1.0
            xp *= w.pf[F.P_DENY_XP]
        elif khero >= 0:
            s.hi[g, khero, F.LAST_HITS] += 1
            s.events[g, khero, EV_LAST_HITS] += 1.0
            grant_gold(s, g, khero, w.unit_tab[row, F.UT_GOLD])
    elif kind == KIND_HERO:
        killer_is_enemy = False
        if killer >= 0:
            killer_is_enemy = s.ui[g, killer, F.TEAM] == eteam
        xp = _hero_death(s, w, g, v, khero, killer_is_enemy)
    elif is_building(kind):
        _building_death(s, w, g, v, khero, kind)
    if xp > 0.0:
        share_xp(s, w, g, eteam, s.uf[g, v, F.X], s.uf[g, v, F.Y], xp)


@kernel(inline=True)
def deal_damage(s, w, g, a, v, amount):
    """`a` deals `amount` (already reduced) damage to `v`; -1 for no source."""
    if not s.ui[g, v, F.ALIVE] or not vulnerable(s, w, g, v):
        return
    kind = s.ui[g, v, F.KIND]
    if 0 <= a < NUM_HEROES:
        if kind == KIND_HERO:
            s.damaged_by[g, v, a] = s.gi[g, F.TICK]
        elif is_building(kind) and s.ui[g, v, F.TEAM] != s.ui[g, a, F.TEAM]:
            s.events[g, a, EV_TOWER_DAMAGE] += min(amount, s.uf[g, v, F.HP]) / s.uf[g, v, F.MAX_HP]
    if affected(s, g, v) and s.uf[g, v, F.SHIELD_END] > s.gi[g, F.TICK]:
        absorbed = min(s.uf[g, v, F.SHIELD], amount)
        s.uf[g, v, F.SHIELD] -= absorbed
        amount -= absorbed
    if kind == KIND_HERO and a >= 0 and s.ui[g, a, F.KIND] == KIND_TOWER:
        s.events[g, v, EV_HP_LOST_TO_TOWERS] += min(amount, s.uf[g, v, F.HP]) / s.uf[g, v, F.MAX_HP]
    s.uf[g, v, F.HP] -= amount
    if s.uf[g, v, F.HP] <= 0.0:
        kill_unit(s, w, g, v, a)


@kernel
def draw_aggro(s, w, g, attacker):
    """An enemy hero attacked a hero: towers and creeps of the victim's team
    in range turn on the attacker."""
    vteam = 1 - s.ui[g, attacker, F.TEAM]
    ax = s.uf[g, attacker, F.X]
    ay = s.uf[g, attacker, F.Y]
    lo = building_slot(vteam, 0)
    for u in range(lo, lo + BUILDINGS_PER_TEAM):
        if s.ui[g, u, F.ALIVE] and s.ui[g, u, F.KIND] == KIND_TOWER:
            r = s.uf[g, u, F.RANGE] + HULL_RADIUS[KIND_TOWER] + HULL_RADIUS[KIND_HERO]
            if (s.uf[g, u, F.X] - ax) ** 2 + (s.uf[g, u, F.Y] - ay) ** 2 <= r * r:
                s.ui[g, u, F.TARGET] = attacker
    r2 = w.pf[F.P_CREEP_ACQUIRE] ** 2
    lo = creep_slot(w, vteam, 0)
    for u in range(lo, lo + w.pi[F.P_CREEP_SLOTS]):
        if s.ui[g, u, F.ALIVE] and (s.uf[g, u, F.X] - ax) ** 2 + (s.uf[g, u, F.Y] - ay) ** 2 <= r2:
            s.ui[g, u, F.TARGET] = attacker


@kernel(inline=True)
def _evades(s, g, v):
    """An attack on hero v misses by its evasion (a draw only when it has some)."""
    if v >= NUM_HEROES or s.hf[g, v, F.EVASION] <= 0.0:
        return False
    return rng_uniform(s, g) < s.hf[g, v, F.EVASION]


@kernel(inline=True)
def attack(s, w, g, a, v):
    """Creep or building `a` lands an attack on `v` (in range, off cooldown)."""
    s.uf[g, a, F.ATTACK_CD] = s.uf[g, a, F.ATTACK_TICKS]
    if not _evades(s, g, v):
        deal_damage(s, w, g, a, v, s.uf[g, a, F.DAMAGE] * armor_factor(s.uf[g, v, F.ARMOR]))


@kernel
def hero_attack(s, w, g, a, v):
    """Hero `a` lands an attack on `v`: buffs, evasion, crit, bash, lifesteal;
    attacking breaks its invisibility and draws the victim's towers."""
    t = s.gi[g, F.TICK]
    uf = s.uf[g, a]
    hf = s.hf[g, a]
    uf[F.ATTACK_CD] = uf[F.ATTACK_TICKS]
    if uf[F.FRENZY_END] > t:
        uf[F.ATTACK_CD] = uf[F.ATTACK_TICKS] / (1.0 + uf[F.FRENZY])
    break_invisibility(s, g, a)
    enemy = s.ui[g, a, F.TEAM] != s.ui[g, v, F.TEAM]
    if v < NUM_HEROES and enemy:
        draw_aggro(s, w, g, a)
    if _evades(s, g, v):
        return
    dmg = uf[F.DAMAGE]
    if uf[F.EMPOWER_END] > t:
        dmg += uf[F.EMPOWER]
    if hf[F.CRIT_CHANCE] > 0.0 and rng_uniform(s, g) < hf[F.CRIT_CHANCE]:
        dmg *= hf[F.CRIT_MULT]
    dmg *= armor_factor(s.uf[g, v, F.ARMOR])
    # Lifesteal heals what the attack takes from a unit, not from a building.
    steal = 0.0
    if not is_building(s.ui[g, v, F.KIND]) and vulnerable(s, w, g, v):
        steal = min(dmg, s.uf[g, v, F.HP]) * hf[F.LIFESTEAL]
        if enemy and hf[F.BASH_CHANCE] > 0.0 and rng_uniform(s, g) < hf[F.BASH_CHANCE]:
            stun_unit(s, g, v, t + hf[F.BASH_TICKS])
    deal_damage(s, w, g, a, v, dmg)
    uf[F.HP] = min(uf[F.MAX_HP], uf[F.HP] + steal)
