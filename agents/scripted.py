"""The scripted bot: a compiled rule-based player.

It reads the engine state but only what its team can see (`s.visible`), and
acts through the same factored actions and masks as any policy, so its games
replay like any other. Per hero and decision, the first rule that applies:

1. dead: buy back if enemy heroes threaten the ancient;
2. casting: let the cast finish;
3. at the fountain: buy the next item of its hero's build (`engine.tables`),
   counted by what the hero has bought (the bot also labels positions of
   heroes it does not control, for kickstarting, and those buy as they choose);
4. low HP (hysteresis 30% -> 90%): drink a salve, escape (blink, invisibility,
   haste) and walk to the fountain;
5. an ally (or itself) under half HP in reach: heal or shield it;
6. a fight it can win (local HP sum) on a hero not under its tower: disables
   first (stun, root, silence), then nukes and self-buffs, then attack;
7. an enemy tower shooting it: step back toward its own base;
8. a last hit or deny within reach: take it;
9. an enemy building the creep wave is hitting, or enemy creeps near: attack;
10. otherwise walk to the front of its lane's creep wave (all heroes group
    mid after `group_minute`).

What each ability is for (disable, nuke, heal, escape, buff) is read off its
effects in `engine.abilities`, so a new hero's abilities are used unchanged.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from agents.roles import HERO_LANES
from engine import fields as F
from engine.constants import (
    ACT_ATTACK,
    ACT_BUY,
    ACT_BUYBACK,
    ACT_CAST1,
    ACT_ITEM1,
    ACT_MOVE,
    ACT_NOOP,
    HEAD_ITEM,
    HEAD_OFFSET_X,
    HEAD_OFFSET_Y,
    HEAD_TARGET,
    HEAD_TYPE,
    HEROES_PER_TEAM,
    INVENTORY_SLOTS,
    KIND_TOWER,
    LANE_MID,
    NUM_ABILITIES,
    NUM_HEADS,
    OFFSET_CENTER,
    ORDER_CAST,
    TICKS_PER_SECOND,
)
from engine import abilities as AB
from engine.env import BatchEnv, Step
from engine.jit import kernel
from engine.rules import armor_factor, building_slot, creep_slot, is_building, is_creep
from engine.sim import step_game
from engine.spec import EV_ITEMS_BOUGHT
from engine.tables import HEROES, ITEM_INDEX, hero_build
from engine.threads import over_games
from engine.world import CREEP_BASE

SALVE = ITEM_INDEX["healing_salve"]
CLARITY = ITEM_INDEX["clarity"]

# What an ability is for.
USE_NONE = 0
USE_DISABLE = 1
USE_NUKE = 2
USE_HEAL = 3
USE_ESCAPE = 4
USE_BUFF = 5


def ability_use(a: AB.Ability) -> int:
    """What the bot casts an ability for, read off its effects."""
    kinds = {e.kind for e in a.effects if not e.on_caster}
    own = {e.kind for e in a.effects if e.on_caster}
    if a.target == "passive" or AB.EF_TELEPORT in own or AB.EF_REVEAL in kinds:
        return USE_NONE
    if a.hits == "enemies" and kinds & {AB.EF_STUN, AB.EF_ROOT, AB.EF_SILENCE}:
        return USE_DISABLE
    if a.hits == "enemies" and kinds:
        return USE_NUKE
    if kinds & {AB.EF_HEAL, AB.EF_SHIELD}:
        return USE_HEAL
    if own & {AB.EF_BLINK, AB.EF_INVISIBLE} or own == {AB.EF_HASTE}:
        return USE_ESCAPE
    if own & {AB.EF_FRENZY, AB.EF_EMPOWER, AB.EF_MAGIC_IMMUNE, AB.EF_SHIELD} or kinds:
        return USE_BUFF
    return USE_NONE


ABILITY_USE = np.array([ability_use(a) for a in AB.ABILITIES], np.int32)
# Items each hero buys, in order, one per decision at the shop (-1 pads).
BUILDS = np.full((len(HEROES), 8), -1, np.int32)
for _h, _hero in enumerate(HEROES):
    for _j, _name in enumerate(hero_build(_hero)):
        BUILDS[_h, _j] = ITEM_INDEX[_name]

RETREAT_BELOW = 0.3
RETURN_ABOVE = 0.9
FIGHT_RADIUS = 1200.0
ENGAGE_RANGE = 900.0


@kernel
def _row(s, g, team, u, K):
    for k in range(K):
        if s.team_units[g, team, k] == u:
            return k
    return -1


@kernel
def _set(out, g, i, typ, target, ox, oy, item):
    out[g, i, HEAD_TYPE] = typ
    out[g, i, HEAD_TARGET] = target
    out[g, i, HEAD_OFFSET_X] = ox
    out[g, i, HEAD_OFFSET_Y] = oy
    out[g, i, HEAD_ITEM] = item


@kernel
def _move_toward(s, w, g, h, out, i, self_row, tx, ty):
    """Move order toward (tx, ty), anchored on the hero itself."""
    step = w.pf[F.P_OFFSET_STEP]
    dx = tx - s.uf[g, h, F.X]
    dy = ty - s.uf[g, h, F.Y]
    d = np.sqrt(dx * dx + dy * dy)
    reach = OFFSET_CENTER * step
    if d > reach:
        dx *= reach / d
        dy *= reach / d
    ox = OFFSET_CENTER + int(np.round(dx / step))
    oy = OFFSET_CENTER + int(np.round(dy / step))
    _set(out, g, i, ACT_MOVE, self_row, ox, oy, 0)


@kernel
def _attack(s, g, h, out, i, team, u, K):
    k = _row(s, g, team, u, K)
    if k >= 0 and s.mask_target[g, h, ACT_ATTACK, k]:
        _set(out, g, i, ACT_ATTACK, k, OFFSET_CENTER, OFFSET_CENTER, 0)
        return True
    return False


@kernel(inline=True)
def _cast_at(s, w, g, h, out, i, team, src, ab, v, K, self_row):
    """Cast ability row `ab` from `src` (0-3 ability, 4-9 item) at unit v if
    v is within its reach (a unit or point target's cast range, or the
    radius of an area around the caster)."""
    typ = ACT_CAST1 + src
    d2 = (s.uf[g, v, F.X] - s.uf[g, h, F.X]) ** 2 + (s.uf[g, v, F.Y] - s.uf[g, h, F.Y]) ** 2
    if w.abil_tab[ab, F.AB_TARGET] == AB.TARGET_NONE:
        r = 0.9 * w.abil_tab[ab, F.AB_RADIUS]
        if w.abil_tab[ab, F.AB_AREA] != AB.AREA_SINGLE and d2 > r * r:
            return False
        k = self_row
    else:
        reach = w.abil_tab[ab, F.AB_RANGE] + 200.0
        if d2 > reach * reach:
            return False
        k = _row(s, g, team, v, K)
    if k < 0 or not s.mask_target[g, h, typ, k]:
        return False
    _set(out, g, i, typ, k, OFFSET_CENTER, OFFSET_CENTER, 0)
    return True


@kernel
def _escape(s, w, g, h, out, i, self_row, tx, ty, ready):
    """Blink toward (tx, ty), or turn invisible or fast, if it can."""
    for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
        ab = ready[src]
        typ = ACT_CAST1 + src
        if ab < 0 or ABILITY_USE[ab] != USE_ESCAPE:
            continue
        if self_row < 0 or not s.mask_target[g, h, typ, self_row]:
            continue
        ox = OFFSET_CENTER
        oy = OFFSET_CENTER
        if w.abil_tab[ab, F.AB_TARGET] == AB.TARGET_POINT:
            dx = tx - s.uf[g, h, F.X]
            dy = ty - s.uf[g, h, F.Y]
            m = max(abs(dx), abs(dy), 1.0)
            ox = OFFSET_CENTER + int(np.round(dx / m * OFFSET_CENTER))
            oy = OFFSET_CENTER + int(np.round(dy / m * OFFSET_CENTER))
            if ox == OFFSET_CENTER and oy == OFFSET_CENTER:
                continue
        _set(out, g, i, typ, self_row, ox, oy, 0)
        return True
    return False


@kernel
def _use_item(s, g, h, out, i, self_row, item):
    for slot in range(INVENTORY_SLOTS):
        if s.inv[g, h, slot, F.INV_ITEM] == item and s.mask_type[g, h, ACT_ITEM1 + slot]:
            _set(out, g, i, ACT_ITEM1 + slot, self_row, OFFSET_CENTER, OFFSET_CENTER, 0)
            return True
    return False


@kernel
def _hp_near(s, g, team, x, y, r, viewer):
    """Summed HP of `team`'s living heroes within r of (x, y) that `viewer` sees."""
    total = 0.0
    r2 = r * r
    for v in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
        if s.visible[g, viewer, v] and (s.uf[g, v, F.X] - x) ** 2 + (s.uf[g, v, F.Y] - y) ** 2 <= r2:
            total += s.uf[g, v, F.HP]
    return total


@kernel
def _under_tower(s, w, g, team_of_tower, u):
    """Whether a living tower of `team_of_tower` covers unit u."""
    lo = building_slot(team_of_tower, 0)
    for b in range(lo, lo + w.bld_tab.shape[0]):
        if s.ui[g, b, F.ALIVE] and s.ui[g, b, F.KIND] == KIND_TOWER:
            r = s.uf[g, b, F.RANGE] + 150.0
            if (s.uf[g, b, F.X] - s.uf[g, u, F.X]) ** 2 + (s.uf[g, b, F.Y] - s.uf[g, u, F.Y]) ** 2 <= r * r:
                return True
    return False


@kernel(inline=True)
def _busy(s, g, h):
    """Stunned, nothing to do; a cast under way (past walking into range) is
    left to finish."""
    if s.uf[g, h, F.STUN_END] > s.gi[g, F.TICK]:
        return True
    if s.ui[g, h, F.ORDER] == ORDER_CAST and s.hf[g, h, F.CAST_END] >= 0.0:
        return True
    return False


@kernel(inline=True)
def _shop(s, g, h, out, i, build_pos):
    """One item of the build per decision while in range of the shop: True
    if hero h buys it (into out[g, i])."""
    b = build_pos[g, h]
    item = BUILDS[s.hi[g, h, F.HERO_ID], b] if b < BUILDS.shape[1] else -1
    if item >= 0 and s.mask_type[g, h, ACT_BUY] and s.mask_item[g, h, item]:
        _set(out, g, i, ACT_BUY, 0, OFFSET_CENTER, OFFSET_CENTER, item)
        return True
    return False


@kernel
def _decide(s, w, g, h, team, out, i, retreat, build_pos, group_tick):
    """Hero h's action into out[g, i]."""
    enemy = 1 - team
    K = w.pi[F.P_OBS_UNITS]
    _set(out, g, i, ACT_NOOP, 0, OFFSET_CENTER, OFFSET_CENTER, 0)
    fountain = building_slot(team, w.pi[F.P_FOUNTAIN])
    ancient = building_slot(team, w.pi[F.P_ANCIENT])

    if not s.ui[g, h, F.ALIVE]:
        retreat[g, h] = False
        if s.mask_type[g, h, ACT_BUYBACK]:
            ax = s.uf[g, ancient, F.X]
            ay = s.uf[g, ancient, F.Y]
            if _hp_near(s, g, enemy, ax, ay, 2500.0, team) > 0.0:
                _set(out, g, i, ACT_BUYBACK, 0, OFFSET_CENTER, OFFSET_CENTER, 0)
        return
    if _busy(s, g, h):
        return

    self_row = _row(s, g, team, h, K)
    x = s.uf[g, h, F.X]
    y = s.uf[g, h, F.Y]
    hp_frac = s.uf[g, h, F.HP] / s.uf[g, h, F.MAX_HP]
    if hp_frac < RETREAT_BELOW:
        retreat[g, h] = True
    elif hp_frac > RETURN_ABOVE:
        retreat[g, h] = False

    if _shop(s, g, h, out, i, build_pos):
        return

    # What it can cast now (the observation's ability row of each source, -1
    # none), and the uses those serve, as bits.
    ready = s.ready[g, h]
    have = 0
    for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
        if ready[src] >= 0:
            have |= 1 << ABILITY_USE[ready[src]]

    fx = s.uf[g, fountain, F.X]
    fy = s.uf[g, fountain, F.Y]
    if retreat[g, h]:
        if hp_frac < 0.6 and _use_item(s, g, h, out, i, self_row, SALVE):
            return
        if have & (1 << USE_ESCAPE) and (x - fx) ** 2 + (y - fy) ** 2 > 3000.0 ** 2:
            if _escape(s, w, g, h, out, i, self_row, fx, fy, ready):
                return
        _move_toward(s, w, g, h, out, i, self_row, fx, fy)
        return
    if s.uf[g, h, F.MANA] < 0.35 * s.uf[g, h, F.MAX_MANA] and _use_item(s, g, h, out, i, self_row, CLARITY):
        return

    # Heal or shield the most hurt ally in reach (itself included).
    for a in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
        if not have & (1 << USE_HEAL):
            break
        if s.ui[g, a, F.ALIVE] and s.uf[g, a, F.HP] < 0.5 * s.uf[g, a, F.MAX_HP]:
            for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
                ab = ready[src]
                if ab >= 0 and ABILITY_USE[ab] == USE_HEAL:
                    if _cast_at(s, w, g, h, out, i, team, src, ab, a, K, self_row):
                        return

    # A fight it can win: the weakest visible enemy hero in reach.
    best = -1
    best_hp = np.inf
    for v in range(enemy * HEROES_PER_TEAM, (enemy + 1) * HEROES_PER_TEAM):
        if s.visible[g, team, v]:
            d2 = (s.uf[g, v, F.X] - x) ** 2 + (s.uf[g, v, F.Y] - y) ** 2
            if d2 <= ENGAGE_RANGE ** 2 and s.uf[g, v, F.HP] < best_hp:
                best_hp = s.uf[g, v, F.HP]
                best = v
    if best >= 0:
        vx = s.uf[g, best, F.X]
        vy = s.uf[g, best, F.Y]
        ours = _hp_near(s, g, team, x, y, FIGHT_RADIUS, team)
        theirs = _hp_near(s, g, enemy, vx, vy, FIGHT_RADIUS, team)
        low = best_hp < 0.25 * s.uf[g, best, F.MAX_HP]
        if ours > 1.2 * theirs and (low or not _under_tower(s, w, g, enemy, best)):
            stunned = s.uf[g, best, F.STUN_END] > s.gi[g, F.TICK]
            for use in (USE_DISABLE, USE_NUKE, USE_BUFF):
                if not have & (1 << use) or (use == USE_DISABLE and stunned):
                    continue
                for src in range(NUM_ABILITIES + INVENTORY_SLOTS):
                    ab = ready[src]
                    if ab >= 0 and ABILITY_USE[ab] == use:
                        if _cast_at(s, w, g, h, out, i, team, src, ab, best, K, self_row):
                            return
            if _attack(s, g, h, out, i, team, best, K):
                return

    # Step out of the range of an enemy tower that is shooting at it.
    lo = building_slot(enemy, 0)
    for t in range(lo, lo + w.bld_tab.shape[0]):
        if s.ui[g, t, F.ALIVE] and s.ui[g, t, F.TARGET] == h and s.ui[g, t, F.KIND] == KIND_TOWER:
            _move_toward(s, w, g, h, out, i, self_row, fx, fy)
            return

    # Last hits and denies within reach.
    reach = s.uf[g, h, F.RANGE] + 250.0
    dmg = s.uf[g, h, F.DAMAGE]
    best = -1
    best_hp = np.inf
    weakest = -1
    weakest_hp = np.inf
    for side in range(2):
        lo = creep_slot(w, side, 0)
        for u in range(lo, lo + w.pi[F.P_CREEP_SLOTS]):
            if not s.visible[g, team, u] or not is_creep(s.ui[g, u, F.KIND]):
                continue
            d2 = (s.uf[g, u, F.X] - x) ** 2 + (s.uf[g, u, F.Y] - y) ** 2
            if d2 > reach * reach:
                continue
            hp = s.uf[g, u, F.HP]
            if hp <= dmg * armor_factor(s.uf[g, u, F.ARMOR]) and hp < best_hp:
                if side == enemy or hp < 0.5 * s.uf[g, u, F.MAX_HP]:
                    best = u
                    best_hp = hp
            if side == enemy and hp < weakest_hp:
                weakest = u
                weakest_hp = hp
    if best >= 0 and _attack(s, g, h, out, i, team, best, K):
        return

    # Push: an enemy building while the wave tanks it or the team is together.
    grouped = s.gi[g, F.TICK] >= group_tick
    together = _hp_near(s, g, team, x, y, FIGHT_RADIUS, team) > 2.5 * s.uf[g, h, F.MAX_HP]
    lo = building_slot(enemy, 0)
    for t in range(lo, lo + w.bld_tab.shape[0]):
        if not s.visible[g, team, t] or not is_building(s.ui[g, t, F.KIND]):
            continue
        if (s.uf[g, t, F.X] - x) ** 2 + (s.uf[g, t, F.Y] - y) ** 2 > 1200.0 ** 2:
            continue
        safe = True  # a tower is safe to hit while it shoots creeps
        if s.ui[g, t, F.KIND] == KIND_TOWER:
            safe = s.ui[g, t, F.TARGET] >= CREEP_BASE
        if (safe or (grouped and together)) and _attack(s, g, h, out, i, team, t, K):
            return
    if weakest >= 0 and _attack(s, g, h, out, i, team, weakest, K):
        return

    # Walk to the front of the lane's creep wave; once grouped, with no wave
    # to follow, walk on the enemy ancient.
    lane = LANE_MID if grouped else HERO_LANES[h - team * HEROES_PER_TEAM]
    n_wp = w.lane_len[team, lane]
    ex = w.lane_xy[team, lane, n_wp - 1, 0]
    ey = w.lane_xy[team, lane, n_wp - 1, 1]
    front = -1
    front_d = np.inf
    lo = creep_slot(w, team, 0)
    for u in range(lo, lo + w.pi[F.P_CREEP_SLOTS]):
        if s.ui[g, u, F.ALIVE] and s.ui[g, u, F.LANE] == lane:
            d = (s.uf[g, u, F.X] - ex) ** 2 + (s.uf[g, u, F.Y] - ey) ** 2
            if d < front_d:
                front_d = d
                front = u
    if front >= 0:
        _move_toward(s, w, g, h, out, i, self_row, s.uf[g, front, F.X], s.uf[g, front, F.Y])
    elif grouped and together:
        _move_toward(s, w, g, h, out, i, self_row, ex, ey)
    elif (x - s.uf[g, fountain, F.X]) ** 2 + (y - s.uf[g, fountain, F.Y]) ** 2 < 2000.0 ** 2:
        # Still at the base: head out to the lane's first waypoint.
        _move_toward(s, w, g, h, out, i, self_row,
                     w.lane_xy[team, lane, 0, 0], w.lane_xy[team, lane, 0, 1])


@kernel(inline=True)
def _remember(s, g, team, retreat, build_pos):
    """The team's memory after the decision before: a new game forgets."""
    for h in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
        if s.gi[g, F.TICK] == 0:
            build_pos[g, h] = 0
            retreat[g, h] = False
        else:  # the purchases of the decision before (a new game's events are the old one's)
            build_pos[g, h] += int(s.events[g, h, EV_ITEMS_BOUGHT])


@kernel(inline=True)
def _decide_team(s, w, g, team, out, first, retreat, build_pos, group_tick):
    """The five heroes of `team` into out[g, first:first + 5]."""
    _remember(s, g, team, retreat, build_pos)
    for h in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
        _decide(s, w, g, h, team, out, first + h - team * HEROES_PER_TEAM, retreat, build_pos, group_tick)


@kernel(parallel=True)
def scripted_actions(s, w, team, out, retreat, build_pos, group_tick):
    """`team`'s heroes of every game into out; `group_tick` [G] is each game's grouping tick."""
    for g in prange(s.gi.shape[0]):
        _decide_team(s, w, g, team, out, 0, retreat, build_pos, group_tick[g])


@kernel
def scripted_purchases(s, w, team, out, retreat, build_pos):
    """What `team`'s heroes of every game would buy, as `scripted_actions`
    decides it (ACT_NOOP where they would not), without the rest of the
    bot's decision: the teacher's scripted shopping for a network."""
    for g in range(s.gi.shape[0]):
        _remember(s, g, team, retreat, build_pos)
        for h in range(team * HEROES_PER_TEAM, (team + 1) * HEROES_PER_TEAM):
            i = h - team * HEROES_PER_TEAM
            _set(out, g, i, ACT_NOOP, 0, OFFSET_CENTER, OFFSET_CENTER, 0)
            if s.ui[g, h, F.ALIVE]:
                if not _busy(s, g, h):
                    _shop(s, g, h, out, i, build_pos)


@kernel
def _play_game(s, w, g, out, retreat_r, build_r, retreat_d, build_d, group_r, group_d):
    while True:
        _decide_team(s, w, g, 0, out, 0, retreat_r, build_r, group_r)
        _decide_team(s, w, g, 1, out, HEROES_PER_TEAM, retreat_d, build_d, group_d)
        step_game(s, w, g, out, False)
        if s.done[g]:
            return


@kernel(nogil=True)
def play_out(s, w, live, out, retreat_r, build_r, retreat_d, build_d, group_r, group_d, lo, hi):
    """Play the game of every `live` slot of lo..hi-1 to its end, a bot on each side
    (its memory and its grouping tick), without leaving compiled code: the
    games stepping the env with the bots' actions plays, with no round trip
    through Python per decision, and each slot's game played through while
    its state is in the cache."""
    for g in range(lo, hi):
        if live[g]:
            _play_game(s, w, g, out, retreat_r, build_r, retreat_d, build_d, group_r, group_d)


def _ticks(minutes: float | np.ndarray) -> np.ndarray:
    return (np.asarray(minutes, np.float64) * 60 * TICKS_PER_SECOND).astype(np.int64)


class ScriptedAgent:
    """The compiled rule-based bot; keeps a little memory per game and hero."""

    name = "scripted"
    reads_obs = False

    def __init__(self, group_minute: float = 5.0):
        self.group_minute = group_minute
        self._shape: tuple[int, ...] = ()

    @property
    def memory_allocated(self) -> bool:
        return self._shape != ()

    def memory(self, G: int) -> tuple[np.ndarray, np.ndarray]:
        """Each game's and hero's (retreating, place in the item build), for `G` games."""
        if self._shape != (G,):
            self._shape = (G,)
            self.retreat = np.zeros((G, 10), np.bool_)
            self.build_pos = np.zeros((G, 10), np.int32)
        return self.retreat, self.build_pos

    @property
    def _group_tick(self) -> int:
        return int(_ticks(self.group_minute))

    def act(self, env: BatchEnv, step: Step, team: int, group_minute: np.ndarray | None = None) -> np.ndarray:
        """Actions [G, 5, heads] for the five heroes of `team`; `group_minute`
        [G], if given, is each game's grouping time in place of the bot's own."""
        retreat, build_pos = self.memory(env.num_games)
        out = np.zeros((env.num_games, HEROES_PER_TEAM, NUM_HEADS), np.int32)
        minutes = self.group_minute if group_minute is None else group_minute
        ticks = _ticks(np.broadcast_to(minutes, (env.num_games,)))  # a fresh array: one kernel signature
        scripted_actions(env.state, env.world, team, out, retreat, build_pos, ticks)
        return out


    def purchases(self, env: BatchEnv, team: int) -> np.ndarray:
        """`act`'s purchases alone [G, 5, heads] (`scripted_purchases`): the
        rest of each action is ACT_NOOP. It keeps the same memory as `act`,
        so an agent calls one or the other."""
        retreat, build_pos = self.memory(env.num_games)
        out = np.zeros((env.num_games, HEROES_PER_TEAM, NUM_HEADS), np.int32)
        scripted_purchases(env.state, env.world, team, out, retreat, build_pos)
        return out


def play_out_games(env: BatchEnv, radiant: ScriptedAgent, dire: ScriptedAgent, live: np.ndarray) -> None:
    """Play the game of every `live` slot of `env` (made with
    `observations=False`) to its end, `radiant` against `dire`, in one
    compiled call. Each such slot ends `done`, its result in
    `env.state.final_gi` and a new game begun, as after the `env.step` that
    ends a game; the other slots are left as they were."""
    if env.observations:
        raise ValueError("play_out_games needs an env made with observations=False")
    G = env.num_games
    out = np.zeros((G, 2 * HEROES_PER_TEAM, NUM_HEADS), np.int32)
    over_games(play_out, G, env.state, env.world, np.asarray(live, np.bool_), out, *radiant.memory(G),
               *dire.memory(G), radiant._group_tick, dire._group_tick)
