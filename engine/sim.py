"""Compiled simulation: game reset, creep waves, movement, unit behaviour, one
tick, applying the heroes' actions, and the batched step over all games.
"""

import numpy as np
from numba import prange

from engine import fields as F
from engine.constants import (
    ACT_ATTACK,
    ACT_BUY,
    ACT_BUYBACK,
    ACT_CAST1,
    ACT_MOVE,
    ACT_STOP,
    ACTION_HEADS,
    DRAW,
    HEAD_ITEM,
    HEAD_OFFSET_X,
    HEAD_OFFSET_Y,
    HEAD_TARGET,
    HEAD_TYPE,
    HEROES_PER_TEAM,
    HULL_RADIUS,
    INVENTORY_SLOTS,
    KIND_FOUNTAIN,
    KIND_HERO,
    KIND_TOWER,
    NUM_HEROES,
    NUM_LANES,
    OFFSET_CENTER,
    ORDER_ATTACK,
    ORDER_CAST,
    ORDER_LANE,
    ORDER_MOVE,
    ORDER_NONE,
)
from engine.jit import kernel
from engine.observe import observe_game, observe_masks
from engine.effects import cast_step, order_cast
from engine.rules import (
    attack,
    attackable,
    building_slot,
    buyback_cost,
    clear_status,
    creep_slot,
    deal_damage,
    dist2,
    grant_gold,
    hero_attack,
    hero_stats,
    hidden_from,
    in_attack_range,
    is_building,
    is_creep,
    level_abilities,
    move_toward,
    respawn_hero,
    update_vulnerability,
    rng_int,
    vulnerable,
)
from engine.spec import (
    EV_ANCIENT_HP,
    EV_BUYBACKS,
    EV_GOLD_SPENT,
    EV_HP_CHANGE,
    EV_INVALID,
    EV_ITEMS_BOUGHT,
    EV_LOSS,
    EV_MANA_CHANGE,
    EV_WIN,
)
from engine.world import BUILDINGS_PER_TEAM, CREEP_BASE, HERO_BASE, LINEUP_FIXED, LINEUP_MIRROR

# --------------------------------------------------------------------------
# Reset


@kernel
def _draw_heroes(s, g, first, count, n_pool):
    """Fill hero ids first..first+count-1 with distinct random heroes."""
    for i in range(count):
        while True:
            hid = rng_int(s, g, n_pool)
            dup = False
            for j in range(first, first + i):
                if s.hi[g, j, F.HERO_ID] == hid:
                    dup = True
            if not dup:
                break
        s.hi[g, first + i, F.HERO_ID] = hid


@kernel
def _place_building(s, w, g, team, b):
    u = building_slot(team, b)
    row = w.bld_tab[b, F.BT_ROW]
    ut = w.unit_tab[row]
    s.ui[g, u, F.KIND] = int(ut[F.UT_KIND])
    s.ui[g, u, F.TEAM] = team
    s.ui[g, u, F.ALIVE] = 1
    s.ui[g, u, F.ROW] = row
    s.ui[g, u, F.LANE] = w.bld_tab[b, F.BT_LANE]
    uf = s.uf[g, u]
    uf[F.X] = w.bld_xy[team, b, 0]
    uf[F.Y] = w.bld_xy[team, b, 1]
    uf[F.HP] = ut[F.UT_HP]
    uf[F.MAX_HP] = ut[F.UT_HP]
    uf[F.ARMOR] = ut[F.UT_ARMOR]
    uf[F.DAMAGE] = ut[F.UT_DAMAGE]
    uf[F.RANGE] = ut[F.UT_RANGE]
    uf[F.ATTACK_TICKS] = ut[F.UT_ATTACK_TICKS]
    uf[F.VISION] = ut[F.UT_VISION]
    uf[F.HP_REGEN] = ut[F.UT_HP_REGEN]


@kernel
def _new_hero(s, w, g, h):
    for f in range(F.HI):
        if f != F.HERO_ID:
            s.hi[g, h, f] = 0
    s.hi[g, h, F.LEVEL] = 1
    s.hf[g, h, F.XP] = 0.0
    s.hf[g, h, F.GOLD] = w.pf[F.P_START_GOLD]
    s.hf[g, h, F.HP_PREV] = 1.0
    s.hf[g, h, F.MANA_PREV] = 1.0
    s.hf[g, h, F.CAST_END] = -1.0
    s.inv[g, h] = 0
    s.inv[g, h, :, F.INV_ITEM] = -1
    s.abil[g, h] = 0
    s.damaged_by[g, h] = -1
    s.ui[g, h, F.KIND] = KIND_HERO
    s.ui[g, h, F.TEAM] = h // HEROES_PER_TEAM
    level_abilities(s, w, g, h)
    hero_stats(s, w, g, h)
    respawn_hero(s, w, g, h)
    # Spread the five heroes around the fountain so they are told apart.
    slot = h % HEROES_PER_TEAM
    sign = 1.0 if h < HEROES_PER_TEAM else -1.0
    s.uf[g, h, F.X] += sign * 80.0 * (slot % 3)
    s.uf[g, h, F.Y] += sign * 80.0 * (slot // 3)


@kernel
def reset_game(s, w, g):
    s.gi[g] = 0
    s.gi[g, F.WINNER] = -1
    s.uf[g] = 0.0
    s.ui[g] = 0
    s.ui[g, :, F.ROW] = -1
    s.ui[g, :, F.LANE] = -1
    s.ui[g, :, F.ORDER_TARGET] = -1
    s.ui[g, :, F.TARGET] = -1
    s.ui[g, :, F.DOT_SRC] = -1

    n_pool = w.hero_tab.shape[0]
    mode = w.pi[F.P_LINEUP_MODE]
    if mode == LINEUP_FIXED:
        for h in range(NUM_HEROES):
            s.hi[g, h, F.HERO_ID] = w.lineup[h]
    elif mode == LINEUP_MIRROR:
        _draw_heroes(s, g, 0, HEROES_PER_TEAM, n_pool)
        for h in range(HEROES_PER_TEAM):
            s.hi[g, h + HEROES_PER_TEAM, F.HERO_ID] = s.hi[g, h, F.HERO_ID]
    else:
        _draw_heroes(s, g, 0, NUM_HEROES, n_pool)

    for team in range(2):
        for b in range(BUILDINGS_PER_TEAM):
            _place_building(s, w, g, team, b)
        update_vulnerability(s, w, g, team)
        for c in range(w.pi[F.P_CREEP_SLOTS]):
            s.ui[g, creep_slot(w, team, c), F.TEAM] = team
        s.ancient_prev[g, team] = 1.0
    s.seen_bld_hp[g] = 1.0
    for h in range(HERO_BASE, HERO_BASE + NUM_HEROES):
        _new_hero(s, w, g, h)


# --------------------------------------------------------------------------
# Creep waves


@kernel
def _spawn_creep(s, w, g, team, lane, ranged, super_, upgrades, place):
    lo = creep_slot(w, team, 0)
    for u in range(lo, lo + w.pi[F.P_CREEP_SLOTS]):
        if s.ui[g, u, F.ALIVE]:
            continue
        row = w.creep_rows[1 if super_ else 0, 1 if ranged else 0]
        ut = w.unit_tab[row]
        s.ui[g, u, F.KIND] = int(ut[F.UT_KIND])
        s.ui[g, u, F.ALIVE] = 1
        s.ui[g, u, F.ROW] = row
        s.ui[g, u, F.LANE] = lane
        s.ui[g, u, F.WAYPOINT] = 1
        s.ui[g, u, F.ORDER] = ORDER_LANE
        s.ui[g, u, F.TARGET] = -1
        s.ui[g, u, F.INVULNERABLE] = 0
        clear_status(s, g, u)
        uf = s.uf[g, u]
        uf[F.MAX_HP] = ut[F.UT_HP] + w.pf[F.P_UPGRADE_HP] * upgrades
        uf[F.HP] = uf[F.MAX_HP]
        uf[F.DAMAGE] = ut[F.UT_DAMAGE] + w.pf[F.P_UPGRADE_DAMAGE] * upgrades
        uf[F.ARMOR] = ut[F.UT_ARMOR]
        uf[F.RANGE] = ut[F.UT_RANGE]
        uf[F.ATTACK_TICKS] = ut[F.UT_ATTACK_TICKS]
        uf[F.ATTACK_CD] = 0.0
        uf[F.SPEED] = ut[F.UT_SPEED]
        uf[F.VISION] = ut[F.UT_VISION]
        uf[F.HP_REGEN] = 0.0
        # Line the wave up behind its first waypoint, ranged creeps last.
        x0 = w.lane_xy[team, lane, 0, 0]
        y0 = w.lane_xy[team, lane, 0, 1]
        dx = w.lane_xy[team, lane, 1, 0] - x0
        dy = w.lane_xy[team, lane, 1, 1] - y0
        d = np.sqrt(dx * dx + dy * dy)
        uf[F.X] = x0 - dx / d * 40.0 * place
        uf[F.Y] = y0 - dy / d * 40.0 * place
        return


@kernel
def spawn_waves(s, w, g):
    upgrades = s.gi[g, F.TICK] // w.pi[F.P_UPGRADE_TICKS]
    for team in range(2):
        enemy = 1 - team
        for lane in range(NUM_LANES):
            # Enemy barracks of this lane down: this lane's creeps turn super.
            super_melee = not s.ui[g, building_slot(enemy, w.lane_rax[lane, 0]), F.ALIVE]
            super_ranged = not s.ui[g, building_slot(enemy, w.lane_rax[lane, 1]), F.ALIVE]
            n = 0
            for _ in range(w.pi[F.P_MELEE_PER_WAVE]):
                _spawn_creep(s, w, g, team, lane, False, super_melee, upgrades, n)
                n += 1
            for _ in range(w.pi[F.P_RANGED_PER_WAVE]):
                _spawn_creep(s, w, g, team, lane, True, super_ranged, upgrades, n)
                n += 1


# --------------------------------------------------------------------------
# Behaviour of each kind of unit for one tick


@kernel(inline=True)
def _nearest_enemy(s, w, g, u, reach, buildings):
    """Nearest living, damageable enemy of `u` within `reach` (measured to a
    building's edge), or -1."""
    enemy = 1 - s.ui[g, u, F.TEAM]
    best = -1
    best_d2 = reach * reach
    x = s.uf[g, u, F.X]
    y = s.uf[g, u, F.Y]
    team = 1 - enemy
    for v in range(enemy * HEROES_PER_TEAM, (enemy + 1) * HEROES_PER_TEAM):
        if s.ui[g, v, F.ALIVE] and not hidden_from(s, g, v, team):
            d2 = (s.uf[g, v, F.X] - x) ** 2 + (s.uf[g, v, F.Y] - y) ** 2
            if d2 < best_d2:
                best_d2 = d2
                best = v
    creeps = s.creeps[g, enemy]
    for j in range(creeps.shape[0]):
        v = creeps[j]
        if v < 0:
            break
        if s.ui[g, v, F.ALIVE]:
            dx2 = (s.uf[g, v, F.X] - x) ** 2
            if dx2 >= best_d2:
                continue
            d2 = dx2 + (s.uf[g, v, F.Y] - y) ** 2
            if d2 < best_d2:
                best_d2 = d2
                best = v
    if buildings:
        lo = building_slot(enemy, 0)
        for v in range(lo, lo + BUILDINGS_PER_TEAM):
            kind = s.ui[g, v, F.KIND]
            if s.ui[g, v, F.ALIVE] and kind != KIND_FOUNTAIN:
                d = max(np.sqrt((s.uf[g, v, F.X] - x) ** 2 + (s.uf[g, v, F.Y] - y) ** 2)
                        - HULL_RADIUS[kind], 0.0)
                if d * d < best_d2 and vulnerable(s, w, g, v):
                    best_d2 = d * d
                    best = v
    return best


@kernel(inline=True)
def _hero_act(s, w, g, h):
    order = s.ui[g, h, F.ORDER]
    if order == ORDER_MOVE:
        if move_toward(s, w, g, h, s.uf[g, h, F.ORDER_X], s.uf[g, h, F.ORDER_Y]):
            s.ui[g, h, F.ORDER] = ORDER_NONE
    elif order == ORDER_ATTACK:
        v = s.ui[g, h, F.ORDER_TARGET]
        if not attackable(s, w, g, h, v) or not s.visible[g, s.ui[g, h, F.TEAM], v]:
            s.ui[g, h, F.ORDER] = ORDER_NONE
            s.ui[g, h, F.TARGET] = -1
        elif in_attack_range(s, g, h, v):
            s.ui[g, h, F.TARGET] = v
            if s.uf[g, h, F.ATTACK_CD] <= 0.0:
                hero_attack(s, w, g, h, v)
        else:
            s.ui[g, h, F.TARGET] = -1
            move_toward(s, w, g, h, s.uf[g, v, F.X], s.uf[g, v, F.Y])
    elif order == ORDER_CAST:
        cast_step(s, w, g, h)


@kernel(inline=True)
def _still_valid(s, w, g, u, v):
    """Whether creep u keeps target v: alive, an enemy, damageable, leashed."""
    if v < 0 or not s.ui[g, v, F.ALIVE] or s.ui[g, v, F.TEAM] == s.ui[g, u, F.TEAM]:
        return False
    if not vulnerable(s, w, g, v) or hidden_from(s, g, v, s.ui[g, u, F.TEAM]):
        return False
    if is_building(s.ui[g, v, F.KIND]):
        return True
    return dist2(s, g, u, v) <= w.pf[F.P_LEASH] ** 2


@kernel(inline=True)
def _creep_act(s, w, g, u, tick):
    v = s.ui[g, u, F.TARGET]
    valid = _still_valid(s, w, g, u, v)
    if not valid:
        v = -1
        # Look for a new target every 4th tick, staggered over the creeps.
        if (tick + u) % 4 == 0:
            v = _nearest_enemy(s, w, g, u, w.pf[F.P_CREEP_ACQUIRE], True)
    s.ui[g, u, F.TARGET] = v
    if v >= 0:
        if in_attack_range(s, g, u, v):
            if s.uf[g, u, F.ATTACK_CD] <= 0.0:
                attack(s, w, g, u, v)
        else:
            move_toward(s, w, g, u, s.uf[g, v, F.X], s.uf[g, v, F.Y])
        return
    team = s.ui[g, u, F.TEAM]
    lane = s.ui[g, u, F.LANE]
    wp = s.ui[g, u, F.WAYPOINT]
    if move_toward(s, w, g, u, w.lane_xy[team, lane, wp, 0], w.lane_xy[team, lane, wp, 1]):
        if wp < w.lane_len[team, lane] - 1:
            s.ui[g, u, F.WAYPOINT] = wp + 1


@kernel(inline=True)
def _tower_act(s, w, g, u, tick):
    v = s.ui[g, u, F.TARGET]
    if v >= 0 and not (s.ui[g, v, F.ALIVE] and in_attack_range(s, g, u, v)):
        v = -1
    if v >= 0 and hidden_from(s, g, v, s.ui[g, u, F.TEAM]):
        v = -1
    if v < 0 and (tick + u) % 3 == 0:
        v = _nearest_enemy(s, w, g, u, s.uf[g, u, F.RANGE] + HULL_RADIUS[KIND_FOUNTAIN], False)
        if v >= 0 and not in_attack_range(s, g, u, v):
            v = -1
    s.ui[g, u, F.TARGET] = v
    if v >= 0 and s.uf[g, u, F.ATTACK_CD] <= 0.0:
        attack(s, w, g, u, v)


@kernel(inline=True)
def _regenerate(s, w, g, u, kind):
    uf = s.uf[g, u]
    if kind == KIND_HERO:
        f = building_slot(s.ui[g, u, F.TEAM], w.pi[F.P_FOUNTAIN])
        heal = 0.0
        if dist2(s, g, u, f) <= w.pf[F.P_SHOP_RANGE] ** 2:
            heal = w.pf[F.P_FOUNTAIN_HEAL]
        uf[F.HP] = min(uf[F.MAX_HP], uf[F.HP] + uf[F.HP_REGEN] + heal * uf[F.MAX_HP])
        uf[F.MANA] = min(uf[F.MAX_MANA], uf[F.MANA] + uf[F.MANA_REGEN] + heal * uf[F.MAX_MANA])
    elif uf[F.HP_REGEN] > 0.0:
        uf[F.HP] = min(uf[F.MAX_HP], uf[F.HP] + uf[F.HP_REGEN])


@kernel(inline=True)
def _list_creeps(s, w, g):
    """Each team's living creeps into s.creeps, in slot order: the unit loop
    and target searches then skip the empty slots. Creeps spawn only at the
    start of a tick, so the lists hold for the whole tick."""
    for team in range(2):
        lo = creep_slot(w, team, 0)
        n = 0
        for u in range(lo, lo + w.pi[F.P_CREEP_SLOTS]):
            if s.ui[g, u, F.ALIVE]:
                s.creeps[g, team, n] = u
                n += 1
        s.creeps[g, team, n] = -1


@kernel(inline=True)
def _unit_tick(s, w, g, u, tick):
    if not s.ui[g, u, F.ALIVE]:
        return
    kind = s.ui[g, u, F.KIND]
    _regenerate(s, w, g, u, kind)
    if s.uf[g, u, F.ATTACK_CD] > 0.0:
        s.uf[g, u, F.ATTACK_CD] -= 1.0
    if s.ui[g, u, F.EFFECTS_END] > tick:
        if s.uf[g, u, F.DOT_END] > tick:
            deal_damage(s, w, g, s.ui[g, u, F.DOT_SRC], u, s.uf[g, u, F.DOT])
            if not s.ui[g, u, F.ALIVE]:
                return
        if s.uf[g, u, F.STUN_END] > tick:
            return
    if kind == KIND_HERO:
        _hero_act(s, w, g, u)
    elif is_creep(kind):
        _creep_act(s, w, g, u, tick)
    elif kind == KIND_TOWER or kind == KIND_FOUNTAIN:
        _tower_act(s, w, g, u, tick)


@kernel
def tick_game(s, w, g):
    tick = s.gi[g, F.TICK]
    if tick % w.pi[F.P_WAVE_TICKS] == 0:
        spawn_waves(s, w, g)
    _list_creeps(s, w, g)
    for h in range(NUM_HEROES):
        if s.hi[g, h, F.BUYBACK_CD] > 0:
            s.hi[g, h, F.BUYBACK_CD] -= 1
        if s.ui[g, h, F.ALIVE]:
            grant_gold(s, g, h, w.pf[F.P_PASSIVE_GOLD])
        else:
            s.hi[g, h, F.RESPAWN] -= 1
            if s.hi[g, h, F.RESPAWN] <= 0:
                respawn_hero(s, w, g, h)
    # Every unit in slot order: heroes, buildings, then each team's creeps.
    for u in range(CREEP_BASE):
        _unit_tick(s, w, g, u, tick)
    for team in range(2):
        for j in range(w.pi[F.P_CREEP_SLOTS]):
            u = s.creeps[g, team, j]
            if u < 0:
                break
            _unit_tick(s, w, g, u, tick)
    s.gi[g, F.TICK] = tick + 1
    if s.gi[g, F.WINNER] < 0 and tick + 1 >= w.pi[F.P_CAP_TICKS]:
        s.gi[g, F.WINNER] = DRAW


# --------------------------------------------------------------------------
# Actions


@kernel
def _buy(s, w, g, h, it):
    for slot in range(INVENTORY_SLOTS):
        if s.inv[g, h, slot, F.INV_ITEM] < 0:
            cost = w.item_tab[it, F.IT_COST]
            s.inv[g, h, slot, F.INV_ITEM] = it
            s.inv[g, h, slot, F.INV_CHARGES] = int(w.item_tab[it, F.IT_CHARGES])
            s.inv[g, h, slot, F.INV_READY] = 0
            s.hf[g, h, F.GOLD] -= cost
            s.events[g, h, EV_GOLD_SPENT] += cost
            s.events[g, h, EV_ITEMS_BOUGHT] += 1.0
            hero_stats(s, w, g, h)
            return


@kernel
def _buyback(s, w, g, h):
    cost = buyback_cost(s, w, g, h)
    s.hf[g, h, F.GOLD] -= cost
    s.events[g, h, EV_GOLD_SPENT] += cost
    s.events[g, h, EV_BUYBACKS] += 1.0
    s.hi[g, h, F.BUYBACK_CD] = w.pi[F.P_BUYBACK_CD]
    respawn_hero(s, w, g, h)


@kernel
def apply_actions(s, w, g, actions):
    """Turn each hero's action into an order. Actions the masks of the last
    observation forbade do nothing and are counted as invalid."""
    step = w.pf[F.P_OFFSET_STEP]
    edge = w.pf[F.P_MAP_SIZE] - 1.0
    for h in range(NUM_HEROES):
        typ = actions[g, h, HEAD_TYPE]
        k = actions[g, h, HEAD_TARGET]
        if not s.mask_type[g, h, typ] or (
            ACTION_HEADS[typ][HEAD_TARGET] and not s.mask_target[g, h, typ, k]
        ) or (typ == ACT_BUY and not s.mask_item[g, h, actions[g, h, HEAD_ITEM]]):
            s.events[g, h, EV_INVALID] += 1.0
            continue
        if typ == ACT_STOP:
            s.ui[g, h, F.ORDER] = ORDER_NONE
            s.ui[g, h, F.TARGET] = -1
        elif typ == ACT_BUY:
            _buy(s, w, g, h, actions[g, h, HEAD_ITEM])
        elif typ == ACT_BUYBACK:
            _buyback(s, w, g, h)
        elif ACTION_HEADS[typ][HEAD_TARGET]:
            # Orders aim at a unit of the team's list, or at a point of the
            # offset grid around it.
            anchor = s.team_units[g, h // HEROES_PER_TEAM, k]
            x = s.uf[g, anchor, F.X] + (actions[g, h, HEAD_OFFSET_X] - OFFSET_CENTER) * step
            y = s.uf[g, anchor, F.Y] + (actions[g, h, HEAD_OFFSET_Y] - OFFSET_CENTER) * step
            x = min(max(x, 0.0), edge)
            y = min(max(y, 0.0), edge)
            if typ == ACT_MOVE:
                s.ui[g, h, F.ORDER] = ORDER_MOVE
                s.uf[g, h, F.ORDER_X] = x
                s.uf[g, h, F.ORDER_Y] = y
            elif typ == ACT_ATTACK:
                s.ui[g, h, F.ORDER] = ORDER_ATTACK
                s.ui[g, h, F.ORDER_TARGET] = anchor
            else:
                order_cast(s, w, g, h, typ - ACT_CAST1, anchor, x, y)


# --------------------------------------------------------------------------
# One decision step of one game, and of the batch


@kernel
def _frac_change(alive, value, maximum, prev):
    """(change of a fraction since the last decision, the new stored value).
    Dying counts as falling to 0; a respawn (stored -1 while dead) is no gain."""
    if not alive:
        return (-prev if prev > 0.0 else 0.0), -1.0
    now = value / maximum if maximum > 0.0 else 0.0
    if prev < 0.0:
        return 0.0, now
    return now - prev, now


@kernel
def finish_events(s, w, g):
    for h in range(NUM_HEROES):
        alive = s.ui[g, h, F.ALIVE] != 0
        uf = s.uf[g, h]
        d, s.hf[g, h, F.HP_PREV] = _frac_change(alive, uf[F.HP], uf[F.MAX_HP], s.hf[g, h, F.HP_PREV])
        s.events[g, h, EV_HP_CHANGE] += d
        d, s.hf[g, h, F.MANA_PREV] = _frac_change(
            alive, uf[F.MANA], uf[F.MAX_MANA], s.hf[g, h, F.MANA_PREV])
        s.events[g, h, EV_MANA_CHANGE] += d
    for team in range(2):
        a = building_slot(team, w.pi[F.P_ANCIENT])
        now = s.uf[g, a, F.HP] / s.uf[g, a, F.MAX_HP] if s.ui[g, a, F.ALIVE] else 0.0
        d = now - s.ancient_prev[g, team]
        s.ancient_prev[g, team] = now
        for h in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
            s.events[g, h, EV_ANCIENT_HP] += d
    winner = s.gi[g, F.WINNER]
    if winner >= 0:
        for h in range(NUM_HEROES):
            team = h // HEROES_PER_TEAM
            if winner == team:
                s.events[g, h, EV_WIN] = 1.0
            elif winner != DRAW:
                s.events[g, h, EV_LOSS] = 1.0


@kernel
def _clear_outcome(s, g):
    s.events[g] = 0.0
    s.done[g] = False
    s.last_winner[g] = -1


@kernel
def step_game(s, w, g, actions, features):
    _clear_outcome(s, g)
    apply_actions(s, w, g, actions)
    for _ in range(w.pi[F.P_FRAMESKIP]):
        tick_game(s, w, g)
        if s.gi[g, F.WINNER] >= 0:
            break
    finish_events(s, w, g)
    if s.gi[g, F.WINNER] >= 0:
        s.done[g] = True
        s.last_winner[g] = s.gi[g, F.WINNER]
        for i in range(F.GI):
            s.final_gi[g, i] = s.gi[g, i]
        reset_game(s, w, g)
    if features:
        observe_game(s, w, g)
    else:
        observe_masks(s, w, g)


@kernel(parallel=True)
def step_batch(s, w, actions, live, features):
    """One decision of every game where `live`; the others stand still."""
    for g in prange(s.gi.shape[0]):
        if live[g]:
            step_game(s, w, g, actions, features)
        else:
            _clear_outcome(s, g)


@kernel
def observe_one(s, w, g, features):
    """Game g's outputs afresh, as after a step that did nothing."""
    _clear_outcome(s, g)
    if features:
        observe_game(s, w, g)
    else:
        observe_masks(s, w, g)


@kernel  # serial: called once per env, and a parallel kernel compiles four times as long
def reset_batch(s, w, features):
    for g in range(s.gi.shape[0]):
        reset_game(s, w, g)
        observe_one(s, w, g, features)
