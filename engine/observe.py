"""Compiled observation: team vision (fog of war), each team's list of
observed units, the observation vectors and the action masks.

Nothing a team cannot see reaches its observation: enemy units enter the unit
list, the masks and the minimap only when `visible` says so, and enemy
buildings show the HP they had when last seen.
"""

import numpy as np

from engine import fields as F
from engine.constants import (
    ACT_ATTACK,
    ACT_BUY,
    ACT_BUYBACK,
    ACT_CAST1,
    ACT_MOVE,
    ACT_NOOP,
    ACT_STOP,
    HEROES_PER_TEAM,
    INVENTORY_SLOTS,
    KIND_FOUNTAIN,
    KIND_HERO,
    KIND_TOWER,
    NUM_ABILITIES,
    NUM_HEROES,
    ORDER_ATTACK,
    ORDER_CAST,
    ORDER_MOVE,
    TICKS_PER_SECOND,
)
from engine.abilities import HITS_ENEMIES, TARGET_NONE, TARGET_POINT
from engine.effects import castable
from engine.jit import kernel
from engine.rules import (
    armor_factor,
    attackable,
    building_slot,
    buyback_cost,
    creep_slot,
    invisible,
    is_building,
    vulnerable,
)
from engine.spec import (
    A_ALIVE, A_DIST, A_GOLD, A_HERO_ID, A_HP_FRAC, A_LEVEL, A_MANA_FRAC, A_REL_X, A_REL_Y,
    A_RESPAWN, ALLY_F,
    G_ENEMY_BUILDINGS, G_ENEMY_KILLS, G_NEXT_WAVE, G_OWN_BUILDINGS, G_OWN_KILLS, G_TEAM,
    G_TIME, G_TIME_LEFT, GLOBAL_F,
    S_ABILITY_CD, S_ABILITY_LEVEL, S_ABILITY_MANA, S_ABILITY_READY, S_ALIVE, S_ARMOR,
    S_ASSISTS, S_ATTACK_TIME, S_BUYBACK_CD, S_BUYBACK_COST, S_BUYBACK_READY, S_CASTING,
    S_DAMAGE, S_DEATHS, S_DENIES, S_GOLD, S_HERO_ID, S_HP, S_HP_FRAC, S_HP_REGEN, S_IN_SHOP,
    S_INVISIBLE, S_ITEM_CD, S_ITEM_CHARGES, S_ITEM_ID, S_ITEM_READY, S_KILLS, S_LAST_HITS,
    S_LEVEL, S_MAGIC_IMMUNE, S_MAGIC_RES, S_MANA, S_MANA_FRAC, S_ORDER_ATTACK, S_ORDER_MOVE,
    S_RANGE, S_RESPAWN, S_ROOTED, S_SHIELD, S_SILENCED, S_SLOWED, S_SPEED, S_STUNNED, S_TEAM,
    S_X, S_XP_FRAC, S_Y, SELF_F,
    U_ABS_X, U_ABS_Y, U_ALLY, U_ARMOR, U_ATTACK_READY, U_ATTACK_TIME, U_CASTING, U_DAMAGE,
    U_DENIABLE, U_DIST, U_ENEMY, U_HERO_ID, U_HITS_TO_KILL, U_HP, U_HP_FRAC, U_INVISIBLE,
    U_KIND, U_LEVEL, U_MAGIC_IMMUNE, U_MANA_FRAC, U_MY_TARGET, U_PRESENT, U_RANGE, U_REL_X,
    U_REL_Y, U_ROOTED, U_SELF, U_SHIELD, U_SILENCED, U_SLOWED, U_SPEED, U_STUNNED,
    U_TARGETS_ALLY_HERO, U_TARGETS_ME, U_TIER, U_VULNERABLE, UNIT_F,
)
from engine.world import BUILDING_BASE, BUILDINGS_PER_TEAM, CREEP_BASE

# --------------------------------------------------------------------------
# Vision


@kernel(inline=True)
def _list_viewers(s, w, g, team, viewers):
    """Position and vision range of each living unit of `team` into the rows
    of `viewers`; returns how many."""
    n = 0
    for lo, hi in ((team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM),
                   (building_slot(team, 0), building_slot(team, BUILDINGS_PER_TEAM)),
                   (creep_slot(w, team, 0), creep_slot(w, team, w.pi[F.P_CREEP_SLOTS]))):
        for a in range(lo, hi):
            if s.ui[g, a, F.ALIVE]:
                viewers[n, 0] = s.uf[g, a, F.X]
                viewers[n, 1] = s.uf[g, a, F.Y]
                viewers[n, 2] = s.uf[g, a, F.VISION]
                n += 1
    return n


@kernel(inline=True)
def _sees_point(viewers, n, x, y):
    """Whether any of the first n viewers has (x, y) within its vision."""
    for i in range(n):
        r = viewers[i, 2]
        dx = viewers[i, 0] - x
        if dx * dx > r * r:
            continue
        dy = viewers[i, 1] - y
        if dx * dx + dy * dy <= r * r:
            return True
    return False


@kernel
def _true_sight(s, w, g, team, x, y):
    """Whether a living tower or the fountain of `team` sees invisible units at (x, y)."""
    r2 = w.pf[F.P_TRUE_SIGHT] ** 2
    for b in range(building_slot(team, 0), building_slot(team, BUILDINGS_PER_TEAM)):
        kind = s.ui[g, b, F.KIND]
        if s.ui[g, b, F.ALIVE] and (kind == KIND_TOWER or kind == KIND_FOUNTAIN):
            if (s.uf[g, b, F.X] - x) ** 2 + (s.uf[g, b, F.Y] - y) ** 2 <= r2:
                return True
    return False


@kernel
def compute_visibility(s, w, g):
    viewers = s.viewers[g]
    for team in range(2):
        # The team's living units are listed once: most slots are empty.
        n = _list_viewers(s, w, g, team, viewers)
        for u in range(w.pi[F.P_NUM_UNITS]):
            if not s.ui[g, u, F.ALIVE]:
                s.visible[g, team, u] = False
            elif s.ui[g, u, F.TEAM] == team:
                s.visible[g, team, u] = True
            elif invisible(s, g, u) and s.uf[g, u, F.REVEAL_END] <= s.gi[g, F.TICK]:
                s.visible[g, team, u] = _true_sight(s, w, g, team, s.uf[g, u, F.X], s.uf[g, u, F.Y])
            else:
                s.visible[g, team, u] = _sees_point(viewers, n, s.uf[g, u, F.X], s.uf[g, u, F.Y])
        enemy = 1 - team
        for b in range(BUILDINGS_PER_TEAM):
            u = building_slot(enemy, b)
            if not s.ui[g, u, F.ALIVE]:
                s.seen_bld_hp[g, team, enemy, b] = 0.0  # a fall is public knowledge
            elif s.visible[g, team, u]:
                s.seen_bld_hp[g, team, enemy, b] = s.uf[g, u, F.HP] / s.uf[g, u, F.MAX_HP]
            u = building_slot(team, b)
            s.seen_bld_hp[g, team, team, b] = s.uf[g, u, F.HP] / s.uf[g, u, F.MAX_HP] if s.ui[g, u, F.ALIVE] else 0.0


@kernel
def select_team_units(s, w, g, team):
    """The K visible units nearest to the team's living heroes (its fountain
    when all are dead), nearest first and equals by slot, into
    team_units[g, team]; row_dist keeps their squared distances."""
    lo = team * HEROES_PER_TEAM
    n_alive = 0
    for h in range(lo, lo + HEROES_PER_TEAM):
        if s.ui[g, h, F.ALIVE]:
            n_alive += 1
    f = building_slot(team, w.pi[F.P_FOUNTAIN])
    K = w.pi[F.P_OBS_UNITS]
    rows = s.team_units[g, team]
    dist = s.row_dist[g, team]
    n = 0
    for u in range(w.pi[F.P_NUM_UNITS]):
        if not s.visible[g, team, u]:
            continue
        best = np.inf
        if n_alive == 0:
            best = (s.uf[g, u, F.X] - s.uf[g, f, F.X]) ** 2 + (s.uf[g, u, F.Y] - s.uf[g, f, F.Y]) ** 2
        else:
            for h in range(lo, lo + HEROES_PER_TEAM):
                if s.ui[g, h, F.ALIVE]:
                    d2 = (s.uf[g, u, F.X] - s.uf[g, h, F.X]) ** 2 + (s.uf[g, u, F.Y] - s.uf[g, h, F.Y]) ** 2
                    if d2 < best:
                        best = d2
        d = np.float32(best)
        # Insertion into the sorted rows, after any equal distance: the
        # order a stable sort of all units would give.
        if n < K:
            j = n
            n += 1
        elif d < dist[K - 1]:
            j = K - 1
        else:
            continue
        while j > 0 and dist[j - 1] > d:
            dist[j] = dist[j - 1]
            rows[j] = rows[j - 1]
            j -= 1
        dist[j] = d
        rows[j] = u
    for k in range(n, K):
        rows[k] = -1


# --------------------------------------------------------------------------
# Observation vectors


@kernel(inline=True)
def _write_unit_shared(s, w, g, team, o, u):
    """The features of unit u that are the same for every hero of `team`."""
    kind = s.ui[g, u, F.KIND]
    o[U_PRESENT] = 1.0
    if s.ui[g, u, F.TEAM] == team:
        o[U_ALLY] = 1.0
    else:
        o[U_ENEMY] = 1.0
    o[U_KIND + kind - 1] = 1.0
    o[U_ABS_X] = s.uf[g, u, F.X] / w.pf[F.P_MAP_SIZE]
    o[U_ABS_Y] = s.uf[g, u, F.Y] / w.pf[F.P_MAP_SIZE]
    o[U_HP] = s.uf[g, u, F.HP] / 1000.0
    o[U_HP_FRAC] = s.uf[g, u, F.HP] / s.uf[g, u, F.MAX_HP]
    if s.uf[g, u, F.MAX_MANA] > 0:
        o[U_MANA_FRAC] = s.uf[g, u, F.MANA] / s.uf[g, u, F.MAX_MANA]
    if kind == KIND_HERO:
        o[U_HERO_ID] = s.hi[g, u, F.HERO_ID] + 1.0
        o[U_LEVEL] = s.hi[g, u, F.LEVEL] / 25.0
    o[U_DAMAGE] = s.uf[g, u, F.DAMAGE] / 100.0
    o[U_RANGE] = s.uf[g, u, F.RANGE] / 1000.0
    o[U_ATTACK_TIME] = s.uf[g, u, F.ATTACK_TICKS] / TICKS_PER_SECOND
    o[U_SPEED] = s.uf[g, u, F.SPEED] * TICKS_PER_SECOND / 500.0
    o[U_ARMOR] = s.uf[g, u, F.ARMOR] / 10.0
    if s.uf[g, u, F.ATTACK_CD] <= 0.0:
        o[U_ATTACK_READY] = 1.0
    t = s.ui[g, u, F.TARGET]
    if t >= 0 and t < NUM_HEROES:
        if s.ui[g, t, F.TEAM] == team:
            o[U_TARGETS_ALLY_HERO] = 1.0
    if BUILDING_BASE <= u < CREEP_BASE:
        o[U_TIER] = w.bld_tab[(u - BUILDING_BASE) % BUILDINGS_PER_TEAM, F.BT_TIER] / 4.0
    if vulnerable(s, w, g, u):
        o[U_VULNERABLE] = 1.0
    if kind == KIND_HERO and s.ui[g, u, F.ORDER] == ORDER_CAST:
        o[U_CASTING] = 1.0
    t = s.gi[g, F.TICK]
    if s.ui[g, u, F.EFFECTS_END] <= t:
        return
    uf = s.uf[g, u]
    if uf[F.STUN_END] > t:
        o[U_STUNNED] = 1.0
    if uf[F.SILENCE_END] > t:
        o[U_SILENCED] = 1.0
    if uf[F.ROOT_END] > t:
        o[U_ROOTED] = 1.0
    if uf[F.SLOW_END] > t:
        o[U_SLOWED] = uf[F.SLOW]
    if uf[F.IMMUNE_END] > t:
        o[U_MAGIC_IMMUNE] = 1.0
    if invisible(s, g, u):
        o[U_INVISIBLE] = 1.0
    if uf[F.SHIELD_END] > t:
        o[U_SHIELD] = uf[F.SHIELD] / 1000.0


@kernel(inline=True)
def _write_unit_relative(s, w, g, h, o, u, attackable_row):
    """The features of unit u seen from hero h. Every one is written, since
    the row was copied from another hero's."""
    dx = s.uf[g, u, F.X] - s.uf[g, h, F.X]
    dy = s.uf[g, u, F.Y] - s.uf[g, h, F.Y]
    o[U_SELF] = 1.0 if u == h else 0.0
    o[U_REL_X] = dx / 1000.0
    o[U_REL_Y] = dy / 1000.0
    o[U_DIST] = np.sqrt(dx * dx + dy * dy) / 1000.0
    o[U_TARGETS_ME] = 1.0 if s.ui[g, u, F.TARGET] == h else 0.0
    o[U_MY_TARGET] = 0.0
    if s.ui[g, h, F.ORDER] == ORDER_ATTACK:
        if s.ui[g, h, F.ORDER_TARGET] == u:
            o[U_MY_TARGET] = 1.0
    o[U_DENIABLE] = 0.0
    o[U_HITS_TO_KILL] = 0.0
    if s.ui[g, h, F.ALIVE] and u != h:
        if attackable_row and s.ui[g, u, F.TEAM] == s.ui[g, h, F.TEAM]:
            o[U_DENIABLE] = 1.0
        per_hit = s.uf[g, h, F.DAMAGE] * armor_factor(s.uf[g, u, F.ARMOR])
        if per_hit > 0.0:
            o[U_HITS_TO_KILL] = min(np.ceil(s.uf[g, u, F.HP] / per_hit) / 10.0, 1.0)


@kernel(inline=True)
def _write_self(s, w, g, h, o, ready):
    team = h // HEROES_PER_TEAM
    alive = s.ui[g, h, F.ALIVE]
    o[S_ALIVE] = 1.0 if alive else 0.0
    o[S_RESPAWN] = s.hi[g, h, F.RESPAWN] / TICKS_PER_SECOND / 100.0 if not alive else 0.0
    o[S_HP] = s.uf[g, h, F.HP] / 1000.0
    o[S_HP_FRAC] = s.uf[g, h, F.HP] / s.uf[g, h, F.MAX_HP]
    o[S_MANA] = s.uf[g, h, F.MANA] / 1000.0
    o[S_MANA_FRAC] = s.uf[g, h, F.MANA] / s.uf[g, h, F.MAX_MANA] if s.uf[g, h, F.MAX_MANA] > 0 else 0.0
    lv = s.hi[g, h, F.LEVEL]
    o[S_LEVEL] = lv / 25.0
    n_levels = w.xp_to_level.shape[0]
    if lv < n_levels:
        lo = w.xp_to_level[lv - 1]
        o[S_XP_FRAC] = (s.hf[g, h, F.XP] - lo) / (w.xp_to_level[lv] - lo)
    else:
        o[S_XP_FRAC] = 1.0
    o[S_GOLD] = s.hf[g, h, F.GOLD] / 1000.0
    o[S_X] = s.uf[g, h, F.X] / w.pf[F.P_MAP_SIZE]
    o[S_Y] = s.uf[g, h, F.Y] / w.pf[F.P_MAP_SIZE]
    o[S_DAMAGE] = s.uf[g, h, F.DAMAGE] / 100.0
    o[S_RANGE] = s.uf[g, h, F.RANGE] / 1000.0
    o[S_ATTACK_TIME] = s.uf[g, h, F.ATTACK_TICKS] / TICKS_PER_SECOND
    o[S_ARMOR] = s.uf[g, h, F.ARMOR] / 10.0
    o[S_SPEED] = s.uf[g, h, F.SPEED] * TICKS_PER_SECOND / 500.0
    o[S_HP_REGEN] = s.uf[g, h, F.HP_REGEN] * TICKS_PER_SECOND / 10.0
    cost = buyback_cost(s, w, g, h)
    if s.hi[g, h, F.BUYBACK_CD] == 0:
        if s.hf[g, h, F.GOLD] >= cost:
            o[S_BUYBACK_READY] = 1.0
    o[S_BUYBACK_COST] = cost / 1000.0
    o[S_BUYBACK_CD] = s.hi[g, h, F.BUYBACK_CD] / TICKS_PER_SECOND / 100.0
    o[S_IN_SHOP] = 1.0 if _in_shop(s, w, g, h) else 0.0
    o[S_KILLS] = s.hi[g, h, F.KILLS] / 10.0
    o[S_DEATHS] = s.hi[g, h, F.DEATHS] / 10.0
    o[S_ASSISTS] = s.hi[g, h, F.ASSISTS] / 10.0
    o[S_LAST_HITS] = s.hi[g, h, F.LAST_HITS] / 100.0
    o[S_DENIES] = s.hi[g, h, F.DENIES] / 100.0
    o[S_HERO_ID] = s.hi[g, h, F.HERO_ID] + 1.0
    o[S_TEAM] = float(team)
    o[S_ORDER_MOVE] = 1.0 if s.ui[g, h, F.ORDER] == ORDER_MOVE else 0.0
    o[S_ORDER_ATTACK] = 1.0 if s.ui[g, h, F.ORDER] == ORDER_ATTACK else 0.0
    t = s.gi[g, F.TICK]
    hid = s.hi[g, h, F.HERO_ID]
    for a in range(NUM_ABILITIES):
        level = s.abil[g, h, a, F.ABIL_LEVEL]
        o[S_ABILITY_LEVEL + a] = level / 4.0
        o[S_ABILITY_CD + a] = max(s.abil[g, h, a, F.ABIL_READY] - t, 0) / TICKS_PER_SECOND / 10.0
        o[S_ABILITY_READY + a] = 1.0 if ready[a] >= 0 else 0.0
        o[S_ABILITY_MANA + a] = w.abil_mana[w.hero_abil[hid, a], max(level, 1) - 1] / 100.0
    for i in range(INVENTORY_SLOTS):
        it = s.inv[g, h, i, F.INV_ITEM]
        if it >= 0:
            o[S_ITEM_ID + i] = it + 1.0
            o[S_ITEM_CHARGES + i] = s.inv[g, h, i, F.INV_CHARGES]
            o[S_ITEM_READY + i] = 1.0 if ready[NUM_ABILITIES + i] >= 0 else 0.0
            o[S_ITEM_CD + i] = max(s.inv[g, h, i, F.INV_READY] - t, 0) / TICKS_PER_SECOND / 10.0
    uf = s.uf[g, h]
    o[S_MAGIC_RES] = uf[F.MAGIC_RES]
    o[S_STUNNED] = max(uf[F.STUN_END] - t, 0.0) / TICKS_PER_SECOND
    o[S_SILENCED] = 1.0 if uf[F.SILENCE_END] > t else 0.0
    o[S_ROOTED] = 1.0 if uf[F.ROOT_END] > t else 0.0
    o[S_SLOWED] = uf[F.SLOW] if uf[F.SLOW_END] > t else 0.0
    o[S_INVISIBLE] = 1.0 if invisible(s, g, h) else 0.0
    o[S_MAGIC_IMMUNE] = 1.0 if uf[F.IMMUNE_END] > t else 0.0
    o[S_SHIELD] = uf[F.SHIELD] / 1000.0 if uf[F.SHIELD_END] > t else 0.0
    o[S_CASTING] = 1.0 if s.ui[g, h, F.ORDER] == ORDER_CAST else 0.0


@kernel(inline=True)
def _in_shop(s, w, g, h):
    f = building_slot(h // HEROES_PER_TEAM, w.pi[F.P_FOUNTAIN])
    return (s.uf[g, h, F.X] - s.uf[g, f, F.X]) ** 2 + (s.uf[g, h, F.Y] - s.uf[g, f, F.Y]) ** 2 <= w.pf[F.P_SHOP_RANGE] * w.pf[F.P_SHOP_RANGE]


@kernel(inline=True)
def _write_allies(s, w, g, h, o):
    team = h // HEROES_PER_TEAM
    j = 0
    for a in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
        if a == h:
            continue
        base = j * ALLY_F
        alive = s.ui[g, a, F.ALIVE]
        o[base + A_ALIVE] = 1.0 if alive else 0.0
        o[base + A_HP_FRAC] = s.uf[g, a, F.HP] / s.uf[g, a, F.MAX_HP]
        o[base + A_MANA_FRAC] = s.uf[g, a, F.MANA] / s.uf[g, a, F.MAX_MANA] if s.uf[g, a, F.MAX_MANA] > 0 else 0.0
        o[base + A_LEVEL] = s.hi[g, a, F.LEVEL] / 25.0
        if alive:
            dx = s.uf[g, a, F.X] - s.uf[g, h, F.X]
            dy = s.uf[g, a, F.Y] - s.uf[g, h, F.Y]
            o[base + A_REL_X] = dx / 1000.0
            o[base + A_REL_Y] = dy / 1000.0
            o[base + A_DIST] = np.sqrt(dx * dx + dy * dy) / 1000.0
        else:
            o[base + A_RESPAWN] = s.hi[g, a, F.RESPAWN] / TICKS_PER_SECOND / 100.0
        o[base + A_HERO_ID] = s.hi[g, a, F.HERO_ID] + 1.0
        o[base + A_GOLD] = s.hf[g, a, F.GOLD] / 1000.0
        j += 1


@kernel(inline=True)
def _write_global(s, w, g, h, o):
    team = h // HEROES_PER_TEAM
    enemy = 1 - team
    t = s.gi[g, F.TICK]
    o[G_TIME] = t / TICKS_PER_SECOND / 600.0
    o[G_TIME_LEFT] = 1.0 - t / w.pi[F.P_CAP_TICKS]
    o[G_NEXT_WAVE] = (w.pi[F.P_WAVE_TICKS] - t % w.pi[F.P_WAVE_TICKS]) / w.pi[F.P_WAVE_TICKS]
    o[G_TEAM] = float(team)
    o[G_OWN_KILLS] = s.gi[g, F.SCORE + team] / 10.0
    o[G_ENEMY_KILLS] = s.gi[g, F.SCORE + enemy] / 10.0
    for b in range(BUILDINGS_PER_TEAM):
        o[G_OWN_BUILDINGS + b] = s.seen_bld_hp[g, team, team, b]
        o[G_ENEMY_BUILDINGS + b] = s.seen_bld_hp[g, team, enemy, b]


@kernel
def _write_minimap(s, w, g, team, o):
    """Team vision and unit counts on an M x M grid; o is zeroed."""
    M = w.pi[F.P_MINIMAP]
    cell = w.pf[F.P_MAP_SIZE] / M
    for a in range(w.pi[F.P_NUM_UNITS]):
        if not s.ui[g, a, F.ALIVE]:
            continue
        cx = min(int(s.uf[g, a, F.X] / cell), M - 1)
        cy = min(int(s.uf[g, a, F.Y] / cell), M - 1)
        if s.ui[g, a, F.TEAM] == team:
            o[M * M + cy * M + cx] += 0.2
            # Mark the cells whose centre this unit sees.
            r = s.uf[g, a, F.VISION]
            x0 = max(int((s.uf[g, a, F.X] - r) / cell), 0)
            x1 = min(int((s.uf[g, a, F.X] + r) / cell), M - 1)
            y0 = max(int((s.uf[g, a, F.Y] - r) / cell), 0)
            y1 = min(int((s.uf[g, a, F.Y] + r) / cell), M - 1)
            for yy in range(y0, y1 + 1):
                for xx in range(x0, x1 + 1):
                    dx = (xx + 0.5) * cell - s.uf[g, a, F.X]
                    dy = (yy + 0.5) * cell - s.uf[g, a, F.Y]
                    if dx * dx + dy * dy <= r * r:
                        o[yy * M + xx] = 1.0
        elif s.visible[g, team, a]:
            o[2 * M * M + cy * M + cx] += 0.2


# --------------------------------------------------------------------------
# Masks


# What a row of a team's unit list is, for the target masks.
ROW_ENEMY_UNIT = 1  # an enemy hero or creep
ROW_HERO = 2
ROW_ALLY = 4
ROW_ATTACKABLE = 8  # a living hero of the team may attack it


@kernel(inline=True)
def write_masks(s, w, g, h):
    """Masks of hero h, from its team's `row_kind` and its `ready`; a source
    with no row to aim at is then not ready either."""
    team = h // HEROES_PER_TEAM
    K = w.pi[F.P_OBS_UNITS]
    row_kind = s.row_kind[g, team]
    ready = s.ready[g, h]
    s.mask_type[g, h] = False
    s.mask_target[g, h] = False
    s.mask_item[g, h] = False
    s.mask_offset[g, h] = True
    s.mask_type[g, h, ACT_NOOP] = True
    if not s.ui[g, h, F.ALIVE]:
        ready[:] = -1
        if s.hi[g, h, F.BUYBACK_CD] == 0:
            s.mask_type[g, h, ACT_BUYBACK] = s.hf[g, h, F.GOLD] >= buyback_cost(s, w, g, h)
        return
    free_slot = False
    for i in range(INVENTORY_SLOTS):
        if s.inv[g, h, i, F.INV_ITEM] < 0:
            free_slot = True
    if free_slot and _in_shop(s, w, g, h):
        any_item = False
        for it in range(w.item_tab.shape[0]):
            if s.hf[g, h, F.GOLD] >= w.item_tab[it, F.IT_COST]:
                s.mask_item[g, h, it] = True
                any_item = True
        s.mask_type[g, h, ACT_BUY] = any_item
    if s.uf[g, h, F.STUN_END] > s.gi[g, F.TICK]:
        ready[:] = -1
        return  # a stunned hero can only shop
    s.mask_type[g, h, ACT_STOP] = True
    any_attack = False
    for k in range(K):
        u = s.team_units[g, team, k]
        if u < 0:
            break
        s.mask_target[g, h, ACT_MOVE, k] = True
        if row_kind[k] & ROW_ATTACKABLE:
            s.mask_target[g, h, ACT_ATTACK, k] = True
            any_attack = True
    s.mask_type[g, h, ACT_MOVE] = True
    s.mask_type[g, h, ACT_ATTACK] = any_attack
    # Abilities, then item actives: the rows each may aim at.
    for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
        ab = ready[src]
        if ab < 0:
            continue
        typ = ACT_CAST1 + src
        target = w.abil_tab[ab, F.AB_TARGET]
        need = ROW_HERO | ROW_ALLY
        if w.abil_tab[ab, F.AB_HITS] == HITS_ENEMIES:
            need = ROW_ENEMY_UNIT
            if w.abil_tab[ab, F.AB_HEROES_ONLY]:
                need = ROW_ENEMY_UNIT | ROW_HERO
        any_row = False
        for k in range(K):
            u = s.team_units[g, team, k]
            if u < 0:
                break
            if target == TARGET_POINT:
                ok = True
            elif target == TARGET_NONE:
                ok = u == h
            else:
                ok = (row_kind[k] & need) == need
            s.mask_target[g, h, typ, k] = ok
            any_row |= ok
        s.mask_type[g, h, typ] = any_row
        if not any_row:
            ready[src] = -1


# --------------------------------------------------------------------------


@kernel
def observe_game(s, w, g):
    """Everything a hero's policy reads: vision, each team's unit rows,
    `ready`, the observation vectors and the masks."""
    _observe(s, w, g, True)


@kernel
def observe_masks(s, w, g):
    """All of `observe_game` but the observation vectors, for agents that
    read the state and the masks (the scripted and random bots): over half
    of the cost saved."""
    _observe(s, w, g, False)


@kernel(inline=True)
def _clear_rows_from(o, n, K):
    """Zero the unit rows of observation o from row n on. Rows fill from the
    top and an empty one is all zero, so this stops at the first empty row:
    the rows past it are not touched, which keeps their memory out of the
    cache (the observation is most of a game's state)."""
    for k in range(n, K):
        if o[k * UNIT_F + U_PRESENT] == 0.0:
            return
        o[k * UNIT_F:(k + 1) * UNIT_F] = 0.0


@kernel(inline=True)  # inlined where `features` is a constant, so each caller keeps only its branch
def _observe(s, w, g, features):
    compute_visibility(s, w, g)
    for team in range(2):
        select_team_units(s, w, g, team)
    D = s.obs.shape[2]
    K = w.pi[F.P_OBS_UNITS]
    self_off = K * UNIT_F
    allies_off = self_off + SELF_F
    global_off = allies_off + 4 * ALLY_F
    mm_off = global_off + GLOBAL_F
    for team in range(2):
        first = team * HEROES_PER_TEAM
        row_kind = s.row_kind[g, team]
        # Rows shared by the team are written once, into its first hero, and
        # copied to the other four; then each hero adds its own view.
        o0 = s.obs[g, first]
        n = 0
        for k in range(K):
            u = s.team_units[g, team, k]
            row_kind[k] = 0
            if u < 0:
                continue
            kind = s.ui[g, u, F.KIND]
            if kind == KIND_HERO:
                row_kind[k] |= ROW_HERO
            if s.ui[g, u, F.TEAM] == team:
                row_kind[k] |= ROW_ALLY
            elif not is_building(kind):
                row_kind[k] |= ROW_ENEMY_UNIT
            # Whether a hero may attack a unit does not depend on which hero
            # of the team it is (no hero is a creep it could deny).
            if attackable(s, w, g, first, u):
                row_kind[k] |= ROW_ATTACKABLE
            if features:
                row = o0[k * UNIT_F:(k + 1) * UNIT_F]
                row[:] = 0.0
                _write_unit_shared(s, w, g, team, row, u)
            n = k + 1
        if features:
            _clear_rows_from(o0, n, K)
            o0[self_off:] = 0.0
            for h in range(first + 1, first + HEROES_PER_TEAM):
                o = s.obs[g, h]
                for i in range(n * UNIT_F):  # loops: a slice copy would allocate
                    o[i] = o0[i]
                _clear_rows_from(o, n, K)
                o[self_off:] = 0.0
        for h in range(first, first + HEROES_PER_TEAM):
            ready = s.ready[g, h]
            for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
                ready[src] = castable(s, w, g, h, src)[0]
            if features:
                o = s.obs[g, h]
                for k in range(n):
                    _write_unit_relative(s, w, g, h, o[k * UNIT_F:(k + 1) * UNIT_F],
                                         s.team_units[g, team, k], row_kind[k] & ROW_ATTACKABLE)
                _write_self(s, w, g, h, o[self_off:allies_off], ready)
                _write_allies(s, w, g, h, o[allies_off:global_off])
                _write_global(s, w, g, h, o[global_off:mm_off])
                if h == first:
                    _write_minimap(s, w, g, team, o[mm_off:D])
                else:
                    for i in range(mm_off, D):
                        o[i] = o0[i]
            write_masks(s, w, g, h)
