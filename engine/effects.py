"""Compiled abilities: whether a hero can cast, the cast order carried out
tick by tick (walk into range, stand through the cast time), and the effects
of `engine.abilities` applied to the units an ability touches.

Hero abilities and item actives share every line here: an inventory slot's
active is an ability row cast at level 1. `src` names what is cast: 0-3 an
ability slot, 4-9 inventory slot 0-5.
"""

import numpy as np

from engine import fields as F
from engine.abilities import (
    AREA_CIRCLE,
    AREA_SINGLE,
    EF_BLINK,
    EF_DAMAGE,
    EF_DOT,
    EF_EMPOWER,
    EF_FRENZY,
    EF_HASTE,
    EF_HEAL,
    EF_INVISIBLE,
    EF_KNOCKBACK,
    EF_MAGIC_IMMUNE,
    EF_MANA,
    EF_REVEAL,
    EF_ROOT,
    EF_SHIELD,
    EF_SILENCE,
    EF_SLOW,
    EF_STUN,
    EF_TELEPORT,
    HITS_ENEMIES,
    TARGET_NONE,
    TARGET_PASSIVE,
    TARGET_POINT,
    TARGET_UNIT,
)
from engine.constants import (
    HEROES_PER_TEAM,
    HULL_RADIUS,
    KIND_HERO,
    NUM_ABILITIES,
    NUM_HEROES,
    ORDER_CAST,
    ORDER_NONE,
)
from engine.jit import kernel
from engine.rules import (
    affected,
    break_invisibility,
    building_slot,
    creep_slot,
    deal_damage,
    draw_aggro,
    hero_stats,
    move_toward,
    set_status_end,
    stun_unit,
    walkable,
)
from engine.spec import EV_ABILITY_CASTS, EV_ITEMS_USED
from engine.world import BUILDINGS_PER_TEAM


@kernel(inline=True)
def castable(s, w, g, h, src):
    """(ability row, level) that hero h can cast from `src` now, or (-1, 0):
    alive, not stunned (nor silenced, for abilities), learned or held, off
    cooldown, enough mana, not locked by recent damage."""
    t = s.gi[g, F.TICK]
    if not s.ui[g, h, F.ALIVE]:
        return -1, 0
    if s.ui[g, h, F.EFFECTS_END] > t and s.uf[g, h, F.STUN_END] > t:
        return -1, 0
    if src < NUM_ABILITIES:
        level = s.abil[g, h, src, F.ABIL_LEVEL]
        if level == 0 or s.abil[g, h, src, F.ABIL_READY] > t or s.uf[g, h, F.SILENCE_END] > t:
            return -1, 0
        ab = w.hero_abil[s.hi[g, h, F.HERO_ID], src]
    else:
        slot = src - NUM_ABILITIES
        it = s.inv[g, h, slot, F.INV_ITEM]
        if it < 0 or s.inv[g, h, slot, F.INV_READY] > t:
            return -1, 0
        ab = int(w.item_tab[it, F.IT_ACTIVE])
        level = 1
        if ab < 0:
            return -1, 0
    if w.abil_tab[ab, F.AB_TARGET] == TARGET_PASSIVE:
        return -1, 0
    if s.uf[g, h, F.MANA] < w.abil_mana[ab, level - 1]:
        return -1, 0
    lock = w.abil_tab[ab, F.AB_LOCK_TICKS]
    if lock > 0:
        enemy = 1 - h // HEROES_PER_TEAM
        for a in range(enemy * HEROES_PER_TEAM, (enemy + 1) * HEROES_PER_TEAM):
            hit = s.damaged_by[g, h, a]
            if hit >= 0 and t - hit < lock:
                return -1, 0
    return ab, level


@kernel
def order_cast(s, w, g, h, src, anchor, x, y):
    """Hero h starts casting from `src` at unit `anchor` (unit targets) or
    the point (x, y) (point targets)."""
    ab, level = castable(s, w, g, h, src)
    s.ui[g, h, F.ORDER] = ORDER_CAST
    s.ui[g, h, F.ORDER_TARGET] = anchor
    s.ui[g, h, F.TARGET] = -1
    s.uf[g, h, F.ORDER_X] = x
    s.uf[g, h, F.ORDER_Y] = y
    s.hi[g, h, F.CAST_ABIL] = ab
    s.hi[g, h, F.CAST_SRC] = src
    s.hi[g, h, F.CAST_LEVEL] = level
    s.hf[g, h, F.CAST_END] = -1.0


@kernel
def cast_step(s, w, g, h):
    """One tick of hero h's cast order."""
    t = s.gi[g, F.TICK]
    ab = s.hi[g, h, F.CAST_ABIL]
    target = w.abil_tab[ab, F.AB_TARGET]
    team = h // HEROES_PER_TEAM
    v = s.ui[g, h, F.ORDER_TARGET]
    tx = s.uf[g, h, F.X]
    ty = s.uf[g, h, F.Y]
    reach = 0.0
    if target == TARGET_UNIT:
        if not s.ui[g, v, F.ALIVE] or not s.visible[g, team, v]:
            s.ui[g, h, F.ORDER] = ORDER_NONE
            return
        tx = s.uf[g, v, F.X]
        ty = s.uf[g, v, F.Y]
        reach = w.abil_tab[ab, F.AB_RANGE] + HULL_RADIUS[KIND_HERO] + HULL_RADIUS[s.ui[g, v, F.KIND]]
    elif target == TARGET_POINT:
        tx = s.uf[g, h, F.ORDER_X]
        ty = s.uf[g, h, F.ORDER_Y]
        reach = w.abil_tab[ab, F.AB_RANGE]
    if reach > 0.0:
        dx = tx - s.uf[g, h, F.X]
        dy = ty - s.uf[g, h, F.Y]
        if dx * dx + dy * dy > reach * reach:
            move_toward(s, w, g, h, tx, ty)
            s.hf[g, h, F.CAST_END] = -1.0
            return
    if s.hf[g, h, F.CAST_END] < 0.0:
        s.hf[g, h, F.CAST_END] = t + w.abil_tab[ab, F.AB_CAST_TICKS]
    if t < s.hf[g, h, F.CAST_END]:
        return
    src = s.hi[g, h, F.CAST_SRC]
    now, level = castable(s, w, g, h, src)
    s.ui[g, h, F.ORDER] = ORDER_NONE
    if now != ab:  # silenced, drained or sold during the cast
        return
    s.uf[g, h, F.MANA] -= w.abil_mana[ab, level - 1]
    if src < NUM_ABILITIES:
        s.abil[g, h, src, F.ABIL_READY] = t + w.abil_cd[ab, level - 1]
        s.events[g, h, EV_ABILITY_CASTS] += 1.0
    else:
        slot = src - NUM_ABILITIES
        s.inv[g, h, slot, F.INV_READY] = t + w.abil_cd[ab, level - 1]
        s.events[g, h, EV_ITEMS_USED] += 1.0
        it = s.inv[g, h, slot, F.INV_ITEM]
        if w.item_tab[it, F.IT_CHARGES] > 0:
            s.inv[g, h, slot, F.INV_CHARGES] -= 1
            if s.inv[g, h, slot, F.INV_CHARGES] <= 0:
                s.inv[g, h, slot, F.INV_ITEM] = -1
                hero_stats(s, w, g, h)
    break_invisibility(s, g, h)
    apply_ability(s, w, g, h, ab, level, v, tx, ty)


@kernel
def apply_ability(s, w, g, c, ab, level, v, tx, ty):
    """Caster c's ability `ab` takes effect: on the caster, then on the unit
    v (single target) or on every unit its circle or line touches."""
    cx = s.uf[g, c, F.X]
    cy = s.uf[g, c, F.Y]
    n_eff = int(w.abil_tab[ab, F.AB_EFFECTS])
    others = False
    for e in range(n_eff):
        if w.eff_tab[ab, e, F.EF_ON_CASTER]:
            apply_effect(s, w, g, c, c, ab, e, level, cx, cy, tx, ty)
        else:
            others = True
    if not others:
        return
    target = w.abil_tab[ab, F.AB_TARGET]
    area = w.abil_tab[ab, F.AB_AREA]
    if area == AREA_SINGLE:
        _hit(s, w, g, c, v if target == TARGET_UNIT else c, ab, level, cx, cy, tx, ty)
        return
    if target == TARGET_NONE:
        tx, ty = cx, cy
    side = s.ui[g, c, F.TEAM]
    if w.abil_tab[ab, F.AB_HITS] == HITS_ENEMIES:
        side = 1 - side
    r = w.abil_tab[ab, F.AB_RADIUS]
    # A line runs from the caster toward the target, as long as the cast range.
    length = w.abil_tab[ab, F.AB_RANGE]
    dx = tx - cx
    dy = ty - cy
    d = np.sqrt(dx * dx + dy * dy)
    if d > 0.0:
        dx /= d
        dy /= d
    else:
        dx = 1.0
    for u in range(side * HEROES_PER_TEAM, (side + 1) * HEROES_PER_TEAM):
        _area_hit(s, w, g, c, u, ab, level, area, r, length, cx, cy, tx, ty, dx, dy)
    if not w.abil_tab[ab, F.AB_HEROES_ONLY]:
        lo = creep_slot(w, side, 0)
        for u in range(lo, lo + w.pi[F.P_CREEP_SLOTS]):
            if s.ui[g, u, F.ALIVE]:
                _area_hit(s, w, g, c, u, ab, level, area, r, length, cx, cy, tx, ty, dx, dy)


@kernel(inline=True)
def _area_hit(s, w, g, c, u, ab, level, area, r, length, cx, cy, tx, ty, dx, dy):
    """Hit unit u if it is inside the circle around (tx, ty), or the line
    from (cx, cy) along (dx, dy)."""
    ux = s.uf[g, u, F.X]
    uy = s.uf[g, u, F.Y]
    if area == AREA_CIRCLE:
        if (ux - tx) ** 2 + (uy - ty) ** 2 <= r * r:
            _hit(s, w, g, c, u, ab, level, tx, ty, tx, ty)
    else:
        along = (ux - cx) * dx + (uy - cy) * dy
        across = abs((ux - cx) * dy - (uy - cy) * dx)
        if along >= 0.0 and along <= length + r and across <= r:
            _hit(s, w, g, c, u, ab, level, cx, cy, tx, ty)


@kernel
def _hit(s, w, g, c, u, ab, level, ox, oy, tx, ty):
    """The ability's non-caster effects on unit u; (ox, oy) is where a
    knockback pushes from. Magic immunity turns away an enemy's ability."""
    if not s.ui[g, u, F.ALIVE]:
        return
    enemy = s.ui[g, u, F.TEAM] != s.ui[g, c, F.TEAM]
    if enemy:
        if affected(s, g, u) and s.uf[g, u, F.IMMUNE_END] > s.gi[g, F.TICK]:
            return
        if u < NUM_HEROES and c < NUM_HEROES:
            draw_aggro(s, w, g, c)
    for e in range(int(w.abil_tab[ab, F.AB_EFFECTS])):
        if not w.eff_tab[ab, e, F.EF_ON_CASTER] and s.ui[g, u, F.ALIVE]:
            apply_effect(s, w, g, c, u, ab, e, level, ox, oy, tx, ty)


@kernel
def _displace(s, w, g, u, x, y):
    """Put unit u at (x, y), or as near to it on the way from where it stands
    as the ground allows."""
    x0 = s.uf[g, u, F.X]
    y0 = s.uf[g, u, F.Y]
    edge = w.pf[F.P_MAP_SIZE] - 1.0
    x = min(max(x, 0.0), edge)
    y = min(max(y, 0.0), edge)
    for i in range(8):
        f = 1.0 - i / 8.0
        nx = x0 + (x - x0) * f
        ny = y0 + (y - y0) * f
        if walkable(w, nx, ny):
            s.uf[g, u, F.X] = nx
            s.uf[g, u, F.Y] = ny
            return


@kernel
def apply_effect(s, w, g, c, u, ab, e, level, ox, oy, tx, ty):
    t = s.gi[g, F.TICK]
    row = w.eff_tab[ab, e]
    kind = int(row[F.EF_KIND])
    value = row[F.EF_VALUE + level - 1]
    end = t + row[F.EF_DURATION + level - 1]
    uf = s.uf[g, u]
    if kind == EF_DAMAGE:
        deal_damage(s, w, g, c, u, value * (1.0 - uf[F.MAGIC_RES]))
    elif kind == EF_STUN:
        stun_unit(s, g, u, end)
    elif kind == EF_SLOW:
        uf[F.SLOW] = value
        set_status_end(s, g, u, F.SLOW_END, end)
    elif kind == EF_SILENCE:
        set_status_end(s, g, u, F.SILENCE_END, max(uf[F.SILENCE_END], end))
        if u < NUM_HEROES and s.ui[g, u, F.ORDER] == ORDER_CAST:
            if s.hi[g, u, F.CAST_SRC] < NUM_ABILITIES:
                s.ui[g, u, F.ORDER] = ORDER_NONE
    elif kind == EF_ROOT:
        set_status_end(s, g, u, F.ROOT_END, max(uf[F.ROOT_END], end))
    elif kind == EF_HEAL:
        uf[F.HP] = min(uf[F.MAX_HP], uf[F.HP] + value)
    elif kind == EF_MANA:
        uf[F.MANA] = min(uf[F.MAX_MANA], uf[F.MANA] + value)
    elif kind == EF_SHIELD:
        uf[F.SHIELD] = value
        set_status_end(s, g, u, F.SHIELD_END, end)
    elif kind == EF_DOT:
        uf[F.DOT] = value * (1.0 - uf[F.MAGIC_RES])
        set_status_end(s, g, u, F.DOT_END, end)
        s.ui[g, u, F.DOT_SRC] = c
    elif kind == EF_HASTE:
        uf[F.HASTE] = value
        set_status_end(s, g, u, F.HASTE_END, end)
    elif kind == EF_FRENZY:
        uf[F.FRENZY] = value
        set_status_end(s, g, u, F.FRENZY_END, end)
    elif kind == EF_EMPOWER:
        uf[F.EMPOWER] = value
        set_status_end(s, g, u, F.EMPOWER_END, end)
    elif kind == EF_KNOCKBACK:
        dx = uf[F.X] - ox
        dy = uf[F.Y] - oy
        d = np.sqrt(dx * dx + dy * dy)
        if d > 0.0:
            move = max(value, -d)  # a pull stops at the origin
            _displace(s, w, g, u, uf[F.X] + dx / d * move, uf[F.Y] + dy / d * move)
    elif kind == EF_BLINK:
        dx = tx - uf[F.X]
        dy = ty - uf[F.Y]
        d = np.sqrt(dx * dx + dy * dy)
        if d > value:
            dx *= value / d
            dy *= value / d
        _displace(s, w, g, u, uf[F.X] + dx, uf[F.Y] + dy)
    elif kind == EF_INVISIBLE:
        uf[F.INVIS_START] = t + value
        set_status_end(s, g, u, F.INVIS_END, end)
    elif kind == EF_MAGIC_IMMUNE:
        set_status_end(s, g, u, F.IMMUNE_END, end)
        uf[F.STUN_END] = 0.0
        uf[F.SLOW_END] = 0.0
        uf[F.SILENCE_END] = 0.0
        uf[F.ROOT_END] = 0.0
        uf[F.DOT_END] = 0.0
    elif kind == EF_REVEAL:
        set_status_end(s, g, u, F.REVEAL_END, end)
    elif kind == EF_TELEPORT:
        _teleport(s, w, g, u, tx, ty)


@kernel
def _teleport(s, w, g, u, tx, ty):
    """Land unit u beside its team's living building nearest to (tx, ty)."""
    team = s.ui[g, u, F.TEAM]
    best = -1
    best_d2 = np.inf
    for b in range(BUILDINGS_PER_TEAM):
        v = building_slot(team, b)
        if s.ui[g, v, F.ALIVE]:
            d2 = (s.uf[g, v, F.X] - tx) ** 2 + (s.uf[g, v, F.Y] - ty) ** 2
            if d2 < best_d2:
                best_d2 = d2
                best = v
    if best < 0:
        return
    bx = s.uf[g, best, F.X]
    by = s.uf[g, best, F.Y]
    # Beside the building, on the side of the target point (toward the
    # map's centre when the point is the building itself).
    dx = tx - bx
    dy = ty - by
    d = np.sqrt(dx * dx + dy * dy)
    if d == 0.0:
        dx = w.pf[F.P_MAP_SIZE] / 2 - bx
        dy = w.pf[F.P_MAP_SIZE] / 2 - by
        d = np.sqrt(dx * dx + dy * dy)
    off = HULL_RADIUS[s.ui[g, best, F.KIND]] + HULL_RADIUS[KIND_HERO] + 50.0
    s.uf[g, u, F.X] = bx
    s.uf[g, u, F.Y] = by
    _displace(s, w, g, u, bx + dx / d * off, by + dy / d * off)
