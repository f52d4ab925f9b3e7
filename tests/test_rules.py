"""Game rules, checked on hand-made situations.

Each test builds a fresh small game, edits `env.state` in place to set up a
situation, then calls the compiled rule kernels (engine.rules / engine.sim /
engine.observe) directly or steps the env. Expected numbers are worked out by
hand from engine.tables and engine.config in the comments.

Lineup used everywhere (tables.HEROES[:10]):
  Radiant 0 axeman (hp 700 +95/lvl, dmg 55, armor 3), 1 sniper, 2 frost_witch,
          3 shadow_blade, 4 stone_giant
  Dire    5 storm_caller (armor 0.5), 6 blade_dancer, 7 priestess,
          8 venom_lurker, 9 warlord
After reset the heroes stand at their fountains (0.02 of the map from the
corner: Radiant near (120, 120), Dire near (5880, 5880) on the 6000-unit
map), so a fight set up around the middle of the map is more than xp_range
(1500) away from anyone left there.
"""

import numpy as np
import pytest
from helpers import DIRE, RADIANT, bslot, make_env

from engine import fields as F
from engine import observe, rules, sim, tables
from engine.constants import (
    ACT_ATTACK,
    ACT_BUYBACK,
    ACT_NOOP,
    KIND_MELEE_CREEP,
    KIND_RANGED_CREEP,
    NUM_LANES,
    TICKS_PER_SECOND,
)
from engine.spec import EVENT_INDEX
from engine.world import CREEP_BASE


def place(s, g, u, x, y):
    s.uf[g, u, F.X] = x
    s.uf[g, u, F.Y] = y


def alive_creeps(s, g):
    return np.flatnonzero(s.ui[g, CREEP_BASE:, F.ALIVE] != 0) + CREEP_BASE


def spawn_creep(env, g, team, x, y, ranged=False):
    """One creep of `team` standing at (x, y): spawn a wave, keep one creep of
    the wanted kind, remove the rest of the wave. Returns its slot."""
    s, w = env.state, env.world
    before = s.ui[g, :, F.ALIVE] != 0
    sim.spawn_waves(s, w, g)
    new = np.flatnonzero((s.ui[g, :, F.ALIVE] != 0) & ~before)
    kind = KIND_RANGED_CREEP if ranged else KIND_MELEE_CREEP
    keep = next(int(u) for u in new if s.ui[g, u, F.TEAM] == team and s.ui[g, u, F.KIND] == kind)
    for u in new:
        if u != keep:
            s.ui[g, u, F.ALIVE] = 0
    place(s, g, keep, x, y)
    return keep


def xp(s, g):
    return s.hf[g, :, F.XP].copy()


def gold(s, g):
    return s.hf[g, :, F.GOLD].copy()


# --------------------------------------------------------------------------
# Creep bounties, denies, XP sharing


def test_last_hit_gives_creep_gold_and_shares_xp():
    env = make_env()
    s, w, g = env.state, env.world, 0
    c = spawn_creep(env, g, DIRE, 3000.0, 3000.0)  # melee creep: gold 36, xp 57
    place(s, g, 0, 3100.0, 3000.0)  # the last hitter
    place(s, g, 1, 3000.0, 3600.0)  # a Radiant hero 600 away: shares the XP
    place(s, g, 5, 3000.0, 2800.0)  # a Dire hero nearby: creep is his ally, no XP
    s.uf[g, c, F.HP] = 1.0
    gold0, xp0 = gold(s, g), xp(s, g)

    rules.hero_attack(s, w, g, 0, c)  # 55 * armor_factor(2) = 49.1 > 1 HP

    assert not s.ui[g, c, F.ALIVE]
    assert s.hi[g, 0, F.LAST_HITS] == 1
    assert s.hi[g, 0, F.DENIES] == 0
    assert s.events[g, 0, EVENT_INDEX["last_hits"]] == 1.0
    dgold = gold(s, g) - gold0
    # 600 + 36 exactly, nobody else gets gold.
    assert dgold[0] == 36.0
    assert np.all(dgold[1:] == 0.0)
    dxp = xp(s, g) - xp0
    # 57 XP split between heroes 0 and 1 (both within 1500): 28.5 each.
    assert dxp[0] == pytest.approx(28.5)
    assert dxp[1] == pytest.approx(28.5)
    assert np.all(dxp[2:] == 0.0)


def test_deny_allied_creep_under_half_hp():
    env = make_env()
    s, w, g = env.state, env.world, 0
    c = spawn_creep(env, g, RADIANT, 3000.0, 3000.0)  # Radiant melee creep, max HP 550
    place(s, g, 0, 3100.0, 3000.0)  # Radiant hero denying its own creep
    place(s, g, 5, 3000.0, 3800.0)  # Dire hero 800 away: gets deny XP
    place(s, g, 1, 3000.0, 2500.0)  # Radiant hero nearby: no XP for own creep

    # Above half HP (and at exactly half) an allied creep cannot be attacked.
    s.uf[g, c, F.HP] = 0.6 * 550.0
    assert not rules.attackable(s, w, g, 0, c)
    s.uf[g, c, F.HP] = 0.5 * 550.0
    assert not rules.attackable(s, w, g, 0, c)
    s.uf[g, c, F.HP] = 0.49 * 550.0
    assert rules.attackable(s, w, g, 0, c)
    # Only heroes deny: an allied tower may not attack it.
    assert not rules.attackable(s, w, g, bslot(RADIANT, "mid_t1"), c)
    # An allied hero is never attackable.
    assert not rules.attackable(s, w, g, 0, 1)

    s.uf[g, c, F.HP] = 1.0
    gold0, xp0 = gold(s, g), xp(s, g)
    rules.hero_attack(s, w, g, 0, c)

    assert not s.ui[g, c, F.ALIVE]
    assert s.hi[g, 0, F.DENIES] == 1
    assert s.hi[g, 0, F.LAST_HITS] == 0
    assert s.events[g, 0, EVENT_INDEX["denies"]] == 1.0
    assert np.all(gold(s, g) == gold0)  # a deny pays no gold to anyone
    dxp = xp(s, g) - xp0
    # Enemy hero 5 alone in range: 57 * deny_xp_factor 0.5 = 28.5.
    assert dxp[5] == pytest.approx(28.5)
    assert np.all(np.delete(dxp, 5) == 0.0)


def test_deny_cuts_enemy_xp_by_deny_factor():
    env = make_env(deny_xp_factor=0.25)
    s, w, g = env.state, env.world, 0
    place(s, g, 0, 3100.0, 3000.0)
    place(s, g, 5, 3000.0, 3500.0)  # the only Dire hero within 1500

    # Denied ranged creep (xp 69): Dire hero gets 69 * 0.25 = 17.25.
    c = spawn_creep(env, g, RADIANT, 3000.0, 3000.0, ranged=True)
    s.uf[g, c, F.HP] = 1.0
    xp0 = xp(s, g)
    rules.hero_attack(s, w, g, 0, c)
    assert s.hi[g, 0, F.DENIES] == 1
    deny_xp = (xp(s, g) - xp0)[5]
    assert deny_xp == pytest.approx(69 * 0.25)

    # The same creep last-hit by the Dire hero: the full 69.
    c = spawn_creep(env, g, RADIANT, 3000.0, 3000.0, ranged=True)
    s.uf[g, c, F.HP] = 1.0
    xp0 = xp(s, g)
    rules.hero_attack(s, w, g, 5, c)
    assert s.hi[g, 5, F.LAST_HITS] == 1
    full_xp = (xp(s, g) - xp0)[5]
    assert full_xp == pytest.approx(69.0)
    assert deny_xp == pytest.approx(0.25 * full_xp)


def test_xp_split_among_heroes_in_range_only():
    env = make_env()
    s, w, g = env.state, env.world, 0
    c = spawn_creep(env, g, DIRE, 3000.0, 3000.0)  # xp 57
    place(s, g, 0, 3000.0, 3100.0)  # 100 away
    place(s, g, 1, 3000.0, 4400.0)  # 1400 away: inside xp_range 1500
    place(s, g, 2, 3000.0, 4600.0)  # 1600 away: outside
    s.uf[g, c, F.HP] = 1.0
    xp0 = xp(s, g)
    rules.kill_unit(s, w, g, c, 0)
    dxp = xp(s, g) - xp0
    assert dxp[0] == pytest.approx(57 / 2)
    assert dxp[1] == pytest.approx(57 / 2)
    assert dxp[2] == 0.0
    assert np.all(dxp[3:] == 0.0)

    # Three in range split three ways; a dead hero in range gets nothing.
    c = spawn_creep(env, g, DIRE, 3000.0, 3000.0)
    place(s, g, 2, 3000.0, 2000.0)  # now 1000 away
    place(s, g, 3, 3100.0, 3000.0)
    s.ui[g, 3, F.ALIVE] = 0
    xp0 = xp(s, g)
    rules.kill_unit(s, w, g, c, 1)
    dxp = xp(s, g) - xp0
    assert dxp[:3] == pytest.approx([19.0, 19.0, 19.0])
    assert dxp[3] == 0.0


# --------------------------------------------------------------------------
# Hero kills


def test_hero_kill_gold_assist_and_xp():
    env = make_env()
    s, w, g = env.state, env.world, 0
    s.gi[g, F.TICK] = 3000
    victim = 5
    rules.grant_xp(s, w, g, victim, 640.0)  # XP_TO_LEVEL[2] = 640 -> level 3
    assert s.hi[g, victim, F.LEVEL] == 3
    place(s, g, victim, 3000.0, 3000.0)
    place(s, g, 1, 3100.0, 3000.0)  # killer, in XP range
    place(s, g, 2, 3000.0, 3100.0)  # assister, in XP range
    place(s, g, 3, 1000.0, 1000.0)  # hit the victim too long ago, out of XP range
    # Hero 4 and hero 0 stay at the fountain, out of range.

    rules.hero_attack(s, w, g, 2, victim)  # frost_witch hits for ~40: victim survives
    assert s.ui[g, victim, F.ALIVE]
    assert s.damaged_by[g, victim, 2] == 3000
    s.damaged_by[g, victim, 1] = 3000  # the killer hit too: still no assist for him
    s.damaged_by[g, victim, 3] = 3000 - 10 * TICKS_PER_SECOND - 100  # outside assist_window

    gold0, xp0 = gold(s, g), xp(s, g)
    rules.kill_unit(s, w, g, victim, 1)

    assert not s.ui[g, victim, F.ALIVE]
    assert s.hi[g, 1, F.KILLS] == 1
    assert s.hi[g, victim, F.DEATHS] == 1
    assert s.hi[g, 2, F.ASSISTS] == 1
    assert s.hi[g, 1, F.ASSISTS] == 0
    assert s.hi[g, 3, F.ASSISTS] == 0
    assert s.gi[g, F.SCORE + RADIANT] == 1
    assert s.gi[g, F.SCORE + DIRE] == 0
    assert s.events[g, 1, EVENT_INDEX["kills"]] == 1.0
    assert s.events[g, 2, EVENT_INDEX["assists"]] == 1.0
    dgold = gold(s, g) - gold0
    assert dgold[1] == pytest.approx(110 + 8 * 3)  # hero_kill_gold + per level * 3
    assert dgold[2] == pytest.approx(40 + 10 * 3)  # assist gold, one assister
    assert dgold[3] == 0.0 and dgold[0] == 0.0 and dgold[4] == 0.0
    assert dgold[victim] == pytest.approx(-25 * 3)  # death_gold_per_level * 3
    dxp = xp(s, g) - xp0
    # hero_kill_xp 100 + 15 * 3 = 145 shared by heroes 1 and 2.
    assert dxp[1] == pytest.approx(72.5)
    assert dxp[2] == pytest.approx(72.5)
    assert dxp[0] == 0.0 and dxp[3] == 0.0 and dxp[4] == 0.0
    assert np.all(s.damaged_by[g, victim] == -1)


def test_assist_gold_split_between_assisters():
    env = make_env()
    s, w, g = env.state, env.world, 0
    s.gi[g, F.TICK] = 600
    victim = 6  # level 1
    place(s, g, victim, 3000.0, 3000.0)
    s.damaged_by[g, victim, 2] = 600
    s.damaged_by[g, victim, 3] = 600 - 10 * TICKS_PER_SECOND + 10  # just inside
    gold0 = gold(s, g)
    rules.kill_unit(s, w, g, victim, 0)
    dgold = gold(s, g) - gold0
    assert dgold[0] == pytest.approx(110 + 8)
    assert dgold[2] == pytest.approx((40 + 10) / 2)
    assert dgold[3] == pytest.approx((40 + 10) / 2)
    assert s.hi[g, 2, F.ASSISTS] == 1 and s.hi[g, 3, F.ASSISTS] == 1


# --------------------------------------------------------------------------
# Towers


def test_tower_switches_to_hero_attacking_allied_hero():
    env = make_env()
    s, w, g = env.state, env.world, 0
    s.gi[g, F.TICK] = 1  # not a wave tick
    tower = bslot(DIRE, "mid_t1")  # at (3600, 3600), range 700 + hulls
    assert tuple(s.uf[g, tower, F.X:F.Y + 1]) == (3600.0, 3600.0)
    creep = spawn_creep(env, g, RADIANT, 3600.0, 3000.0)  # 600 from the tower
    assert rules.in_attack_range(s, g, tower, creep)
    s.ui[g, tower, F.TARGET] = creep

    place(s, g, 5, 3600.0, 3250.0)  # Dire hero under its tower
    place(s, g, 0, 3600.0, 3350.0)  # Radiant melee hero 250 from the tower
    place(s, g, 1, 3600.0, 2500.0)  # Radiant ranged hero 1100 from the tower

    # Attacking an enemy hero from outside the tower's range: no switch.
    rules.hero_attack(s, w, g, 1, 5)
    assert s.ui[g, tower, F.TARGET] == creep
    # Hitting a creep under the tower: no switch either.
    dcreep = spawn_creep(env, g, DIRE, 3600.0, 3300.0)
    rules.hero_attack(s, w, g, 0, dcreep)
    assert s.ui[g, tower, F.TARGET] == creep
    # Attacking an enemy hero inside the tower's range: the tower turns on him.
    rules.hero_attack(s, w, g, 0, 5)
    assert s.ui[g, tower, F.TARGET] == 0

    # And it keeps shooting him on the next tick.
    hp0 = s.uf[g, 0, F.HP]
    s.uf[g, tower, F.ATTACK_CD] = 0.0
    sim.tick_game(s, w, g)
    assert s.ui[g, tower, F.TARGET] == 0
    # 100 * armor_factor(3) = 84.7, minus at most one tick of regen.
    assert s.uf[g, 0, F.HP] < hp0 - 80.0
    # The tower's hit is an event of the hero's own, its share of his max HP.
    lost = s.events[g, :, EVENT_INDEX["hp_lost_to_towers"]]
    dealt = s.uf[g, tower, F.DAMAGE] * rules.armor_factor(s.uf[g, 0, F.ARMOR])
    assert lost[0] == pytest.approx(dealt / s.uf[g, 0, F.MAX_HP], rel=1e-4)
    assert lost[0] > 0.1 and not lost[1:].any()


def test_tier_rule_tower_two_needs_tier_one_down():
    env = make_env()
    s, w, g = env.state, env.world, 0
    t1, t2 = bslot(DIRE, "top_t1"), bslot(DIRE, "top_t2")
    mid_t2 = bslot(DIRE, "mid_t2")
    hp2 = s.uf[g, t2, F.HP]
    assert hp2 == 2500.0

    rules.deal_damage(s, w, g, 0, t2, 100.0)
    assert s.uf[g, t2, F.HP] == hp2
    assert not rules.attackable(s, w, g, 0, t2)
    # A tier 1 tower has no prerequisite.
    rules.deal_damage(s, w, g, 0, t1, 100.0)
    assert s.uf[g, t1, F.HP] == 1800.0 - 100.0

    rules.kill_unit(s, w, g, t1, 0)
    assert not s.ui[g, t1, F.ALIVE]
    rules.deal_damage(s, w, g, 0, t2, 100.0)
    assert s.uf[g, t2, F.HP] == hp2 - 100.0
    assert rules.attackable(s, w, g, 0, t2)
    # Other lanes are unaffected.
    rules.deal_damage(s, w, g, 0, mid_t2, 100.0)
    assert s.uf[g, mid_t2, F.HP] == 2500.0


def test_ancient_invulnerable_until_both_tier_four_fall():
    env = make_env()
    s, w, g = env.state, env.world, 0
    anc = bslot(DIRE, "ancient")
    t4a, t4b = bslot(DIRE, "t4_a"), bslot(DIRE, "t4_b")
    hp = s.uf[g, anc, F.HP]
    assert hp == 4500.0

    rules.deal_damage(s, w, g, 0, anc, 100.0)
    assert s.uf[g, anc, F.HP] == hp
    rules.kill_unit(s, w, g, t4a, 0)
    rules.deal_damage(s, w, g, 0, anc, 100.0)
    assert s.uf[g, anc, F.HP] == hp  # one tier-4 tower still stands
    assert not rules.attackable(s, w, g, 0, anc)
    rules.kill_unit(s, w, g, t4b, 0)
    rules.deal_damage(s, w, g, 0, anc, 100.0)
    assert s.uf[g, anc, F.HP] == hp - 100.0
    assert rules.attackable(s, w, g, 0, anc)
    # The fountain never takes damage.
    fountain = bslot(DIRE, "fountain")
    rules.deal_damage(s, w, g, 0, fountain, 100.0)
    assert s.uf[g, fountain, F.HP] == s.uf[g, fountain, F.MAX_HP]


# --------------------------------------------------------------------------
# Death, respawn, buyback


def test_respawn_time_by_level():
    env = make_env()
    s, w, g = env.state, env.world, 0
    s.gi[g, F.TICK] = 1  # no wave spawns during the wait (next at 900)
    h = 5
    rules.grant_xp(s, w, g, h, 1160.0)  # XP_TO_LEVEL[3] -> level 4
    assert s.hi[g, h, F.LEVEL] == 4
    place(s, g, h, 3000.0, 3000.0)
    rules.kill_unit(s, w, g, h, 0)
    wait = tables.RESPAWN_SECONDS[4 - 1] * TICKS_PER_SECOND  # 14 s = 420 ticks
    assert s.hi[g, h, F.RESPAWN] == wait

    for _ in range(wait - 1):
        sim.tick_game(s, w, g)
    assert not s.ui[g, h, F.ALIVE]
    sim.tick_game(s, w, g)
    assert s.ui[g, h, F.ALIVE]
    fountain = bslot(DIRE, "fountain")
    assert s.uf[g, h, F.X] == s.uf[g, fountain, F.X]
    assert s.uf[g, h, F.Y] == s.uf[g, fountain, F.Y]
    assert s.uf[g, h, F.HP] == s.uf[g, h, F.MAX_HP]


def test_buyback_cost_revives_and_sets_cooldown():
    env = make_env()
    s, w, g = env.state, env.world, 0
    h = 0
    s.gi[g, F.TICK] = 3 * 60 * TICKS_PER_SECOND  # minute 3
    rules.grant_xp(s, w, g, h, 1760.0)  # level 5
    assert s.hi[g, h, F.LEVEL] == 5
    # buyback_base 200 + 1.5 * 5^2 + 15 * 3 minutes = 282.5
    cost = 200.0 + 1.5 * 25 + 15.0 * 3
    assert rules.buyback_cost(s, w, g, h) == pytest.approx(cost)

    place(s, g, h, 3000.0, 3000.0)
    rules.kill_unit(s, w, g, h, 5)
    s.hf[g, h, F.GOLD] = 1000.0
    observe.observe_game(s, w, g)
    assert env.state.mask_type[g, h, ACT_BUYBACK]
    assert not env.state.mask_type[g, 1, ACT_BUYBACK]  # alive heroes cannot buy back

    actions = np.zeros((1, 10, 5), np.int32)
    actions[g, h, 0] = ACT_BUYBACK
    step = env.step(actions)
    assert s.ui[g, h, F.ALIVE]
    fountain = bslot(RADIANT, "fountain")
    assert (s.uf[g, h, F.X], s.uf[g, h, F.Y]) == (s.uf[g, fountain, F.X], s.uf[g, fountain, F.Y])
    frameskip = env.config.frameskip
    # Paid at the decision, then passive gold 1.5/s for the 4 ticks alive.
    assert s.hf[g, h, F.GOLD] == pytest.approx(1000.0 - cost + frameskip * 1.5 / 30, abs=1e-3)
    assert step.events[g, h, EVENT_INDEX["buybacks"]] == 1.0
    assert step.events[g, h, EVENT_INDEX["gold_spent"]] == pytest.approx(cost)
    assert step.events[g, h, EVENT_INDEX["invalid_actions"]] == 0.0
    assert s.hi[g, h, F.BUYBACK_CD] == 480 * TICKS_PER_SECOND - frameskip

    # Dead again while on cooldown: no buyback, however rich.
    rules.kill_unit(s, w, g, h, 5)
    s.hf[g, h, F.GOLD] = 5000.0
    observe.observe_game(s, w, g)
    assert not step.masks.type[g, h, ACT_BUYBACK]
    step = env.step(actions)  # tried anyway: counted invalid, nothing happens
    assert not s.ui[g, h, F.ALIVE]
    assert step.events[g, h, EVENT_INDEX["invalid_actions"]] == 1.0
    assert step.events[g, h, EVENT_INDEX["buybacks"]] == 0.0
    assert s.hf[g, h, F.GOLD] == 5000.0
    # Off cooldown it is allowed again, but not without the gold.
    s.hi[g, h, F.BUYBACK_CD] = 0
    observe.observe_game(s, w, g)
    assert step.masks.type[g, h, ACT_BUYBACK]
    s.hf[g, h, F.GOLD] = rules.buyback_cost(s, w, g, h) - 1.0
    observe.observe_game(s, w, g)
    assert not step.masks.type[g, h, ACT_BUYBACK]


# --------------------------------------------------------------------------
# Waves, levels, the end of the game


def test_wave_timing_and_size():
    # 2 melee + 2 ranged per lane, a wave every 10 s = 300 ticks = 75 steps of 4 ticks.
    env = make_env(melee_per_wave=2, ranged_per_wave=2, wave_interval=10.0)
    s, w, g = env.state, env.world, 0
    assert len(alive_creeps(s, g)) == 0  # nothing before the first tick
    noop = np.zeros((1, 10, 5), np.int32)
    spawned_at = {}
    prev = np.zeros(s.ui.shape[1], bool)
    for i in range(1, 152):
        tick0 = int(s.gi[g, F.TICK])
        env.step(noop)
        now = s.ui[g, :, F.ALIVE] != 0
        now[:CREEP_BASE] = False
        new = np.flatnonzero(now & ~prev)
        if len(new):
            # (team, lane, kind, distance to the lane's first waypoint) of each newcomer
            spawned_at[tick0] = [
                (s.ui[g, u, F.TEAM], s.ui[g, u, F.LANE], s.ui[g, u, F.KIND],
                 np.hypot(*(s.uf[g, u, F.X:F.Y + 1]
                            - w.lane_xy[s.ui[g, u, F.TEAM], s.ui[g, u, F.LANE], 0])))
                for u in new]
        if i == 1:
            # Right after the first step, exactly one wave per lane per team.
            assert len(alive_creeps(s, g)) == 2 * NUM_LANES * 4
        prev = now
    assert sorted(spawned_at) == [0, 300, 600]  # steps starting at these ticks
    for new in spawned_at.values():
        assert len(new) == 2 * NUM_LANES * 4
        for team in range(2):
            for lane in range(NUM_LANES):
                mine = [(k, d) for tm, ln, k, d in new if tm == team and ln == lane]
                assert sorted(k for k, _ in mine) == [KIND_MELEE_CREEP] * 2 + [KIND_RANGED_CREEP] * 2
                # Spawned at the start of the lane (lined up 40 apart, then
                # at most 4 ticks of walking at 325/30 per tick).
                assert all(d < 4 * 40.0 + 4 * 325 / 30 + 1 for _, d in mine)


def test_level_up_raises_stats():
    env = make_env()
    s, w, g = env.state, env.world, 0
    h = 0  # axeman: hp 700 +95, damage 55 +3
    assert s.uf[g, h, F.MAX_HP] == 700.0
    rules.grant_xp(s, w, g, h, 239.0)
    assert s.hi[g, h, F.LEVEL] == 1
    assert s.uf[g, h, F.MAX_HP] == 700.0
    rules.grant_xp(s, w, g, h, 1.0)  # 240 = XP_TO_LEVEL[1]
    assert s.hi[g, h, F.LEVEL] == 2
    assert s.uf[g, h, F.MAX_HP] == pytest.approx(700.0 + 95.0)
    assert s.uf[g, h, F.HP] == pytest.approx(795.0)  # was full, stays full
    assert s.uf[g, h, F.DAMAGE] == pytest.approx(55.0 + 3.0)
    # Two levels at once: 1160 total -> level 4.
    rules.grant_xp(s, w, g, h, 920.0)
    assert s.hi[g, h, F.LEVEL] == 4
    assert s.uf[g, h, F.MAX_HP] == pytest.approx(700.0 + 3 * 95.0)


def test_game_ends_when_ancient_dies():
    env = make_env(num_games=2)
    s, w = env.state, env.world
    g = 1
    anc = bslot(DIRE, "ancient")
    rules.kill_unit(s, w, g, bslot(DIRE, "t4_a"), -1)
    rules.kill_unit(s, w, g, bslot(DIRE, "t4_b"), -1)
    s.uf[g, anc, F.HP] = 10.0
    place(s, g, 0, s.uf[g, anc, F.X] - 200.0, s.uf[g, anc, F.Y])  # in melee reach (150+24+150)
    observe.observe_game(s, w, g)
    rows = np.flatnonzero(s.team_units[g, RADIANT] == anc)
    assert len(rows) == 1
    assert s.mask_target[g, 0, ACT_ATTACK, rows[0]]

    actions = np.zeros((2, 10, 5), np.int32)
    actions[g, 0, 0] = ACT_ATTACK
    actions[g, 0, 1] = rows[0]
    step = env.step(actions)

    assert step.done[g] and not step.done[0]
    assert step.winner[g] == RADIANT and step.winner[0] == -1
    assert step.length[g] == 1  # the ancient fell on the game's first tick
    ev = step.events[g]
    assert np.all(ev[:5, EVENT_INDEX["win"]] == 1.0)
    assert np.all(ev[:5, EVENT_INDEX["loss"]] == 0.0)
    assert np.all(ev[5:, EVENT_INDEX["loss"]] == 1.0)
    assert np.all(ev[5:, EVENT_INDEX["win"]] == 0.0)
    assert np.all(step.events[0, :, EVENT_INDEX["win"]] == 0.0)
    # The finished game was reset in place.
    assert s.gi[g, F.TICK] == 0 and s.gi[g, F.WINNER] == -1
    assert s.ui[g, anc, F.ALIVE] and s.uf[g, anc, F.HP] == 4500.0
    assert np.all(step.masks.type[g, :, ACT_NOOP])
    # The next step goes on normally.
    step = env.step(np.zeros((2, 10, 5), np.int32))
    assert not step.done.any()
    assert np.all(step.winner == -1)


def test_time_cap_ends_in_a_draw():
    # time_cap_minutes 0.1 = 6 s = 180 ticks = 45 steps of 4 ticks.
    env = make_env(time_cap_minutes=0.1)
    noop = np.zeros((1, 10, 5), np.int32)
    for _ in range(44):
        step = env.step(noop)
        assert not step.done[0]
    step = env.step(noop)
    assert step.done[0]
    assert step.winner[0] == 2  # DRAW
    assert step.length[0] == 180
    assert np.all(step.events[0, :, EVENT_INDEX["win"]] == 0.0)
    assert np.all(step.events[0, :, EVENT_INDEX["loss"]] == 0.0)
    assert env.state.gi[0, F.TICK] == 0  # reset in place
